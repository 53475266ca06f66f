/* Password policy. libpwquality brings cracklib's dictionary (Debian's cracklib-runtime). */
#include "auth/policy.h"

#include <ctype.h>
#include <pthread.h>
#include <pwquality.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"

/* cracklib (under libpwquality) keeps its dictionary in shared state and is not thread-safe:
 * concurrent checks double-freed its file handle under load. One check at a time. */
static pthread_mutex_t cracklib_lock = PTHREAD_MUTEX_INITIALIZER;

/* Whether haystack contains needle, ignoring ASCII case; needles under 3 bytes are ignored. */
static int contains_fold(const char *haystack, const char *needle, size_t n)
{
	if (n < 3)
		return 0;
	for (const char *p = haystack; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return 1;
	return 0;
}

/* The e-mail's local part and each word of the name, as things a password must not contain. */
static int personal(const char *password, const char *email, const char *name)
{
	if (email && contains_fold(password, email, strcspn(email, "@")))
		return 1;
	for (const char *p = name; p && *p;) {
		size_t n = strcspn(p, " -.'");

		if (contains_fold(password, p, n))
			return 1;
		p += n + (p[n] != '\0');
	}
	return 0;
}

int password_policy_check(const char **code_out, char *message, size_t msglen, const char *password,
                          const char *email, const char *name, size_t min_len)
{
	size_t len = strlen(password);

	min_len = min_len < PASSWORD_MIN_BYTES ? PASSWORD_MIN_BYTES : min_len;
	pwquality_settings_t *pwq = NULL;
	void *aux = NULL;
	char reason[PWQ_MAX_ERROR_MESSAGE_LEN];
	int rc;

	*code_out = NULL;
	if (len > PASSWORD_MAX_BYTES) {
		*code_out = "too_long";
		snprintf(message, msglen, "A password has at most %d bytes.", PASSWORD_MAX_BYTES);
		return APP_INVALID;
	}
	if (len < min_len) {
		*code_out = "too_short";
		snprintf(message, msglen, "A password has at least %zu characters.", min_len);
		return APP_INVALID;
	}
	if (personal(password, email, name)) {
		*code_out = "contains_personal_data";
		snprintf(message, msglen,
		         "The password must not contain your e-mail address or name.");
		return APP_INVALID;
	}
	/* default settings, not /etc/security/pwquality.conf: the same rules on every host */
	if (!(pwq = pwquality_default_settings()))
		return APP_INTERNAL;
	pwquality_set_int_value(pwq, PWQ_SETTING_MIN_LENGTH, (int)min_len);
	pthread_mutex_lock(&cracklib_lock);
	rc = pwquality_check(pwq, password, NULL, NULL, &aux);
	pthread_mutex_unlock(&cracklib_lock);
	if (rc < 0) {
		*code_out = "too_weak";
		pwquality_strerror(reason, sizeof(reason), rc, aux);
		snprintf(message, msglen, "The password is too easy to guess: %s.", reason);
		rc = APP_INVALID;
	} else {
		rc = APP_OK;
	}
	pwquality_free_settings(pwq);
	return rc;
}
