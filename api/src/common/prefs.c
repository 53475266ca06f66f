/* Account preferences. */
#include "common/prefs.h"

#include <string.h>

const char *const PREFS_LANGUAGES[] = {"en", "fr", NULL};
const char *const PREFS_DATE_FORMATS[] = {"YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY",
                                          NULL};

static bool listed(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

bool prefs_language_known(const char *s)
{
	return listed(PREFS_LANGUAGES, s);
}

bool prefs_date_format_known(const char *s)
{
	return listed(PREFS_DATE_FORMATS, s);
}
