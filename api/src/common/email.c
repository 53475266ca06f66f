/* E-mail address checks. */
#include "common/email.h"

#include <string.h>

bool email_plausible(const char *s)
{
	const char *at = s ? strchr(s, '@') : NULL;
	size_t n = s ? strlen(s) : 0;

	return at && n <= 254 && at != s && !strchr(at + 1, '@') && strchr(at + 1, '.') &&
	       at[1] != '.' && s[n - 1] != '.' && !strstr(at, "..") &&
	       !strpbrk(s, " \t\r\n<>,;:\"()[]\\");
}
