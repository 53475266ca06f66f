/* E.164 normalization with national trunk prefixes for the countries we know. */
#include "auth/phone.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"

/* trunk: the national prefix dropped before the country code ('0' in most of Europe); NANP: 1 */
static const struct {
	const char *iso, *code;
	char trunk;
} COUNTRIES[] = {
        {"US", "1", '1'},   {"CA", "1", '1'},   {"GB", "44", '0'},  {"FR", "33", '0'},
        {"DE", "49", '0'},  {"ES", "34", 0},    {"IT", "39", 0},    {"BE", "32", '0'},
        {"NL", "31", '0'},  {"CH", "41", '0'},  {"AT", "43", '0'},  {"PT", "351", 0},
        {"IE", "353", '0'}, {"LU", "352", 0},   {"SE", "46", '0'},  {"NO", "47", 0},
        {"DK", "45", 0},    {"FI", "358", '0'}, {"PL", "48", 0},    {"AU", "61", '0'},
        {"NZ", "64", '0'},  {"JP", "81", '0'},  {"IN", "91", '0'},  {"BR", "55", '0'},
        {"MX", "52", 0},    {"ZA", "27", '0'},  {"MA", "212", '0'}, {"TN", "216", 0},
        {"DZ", "213", '0'}, {"SN", "221", 0},   {"CI", "225", 0},   {"RE", "262", '0'},
};

static int country_index(const char *iso)
{
	for (size_t i = 0; iso && i < sizeof(COUNTRIES) / sizeof(COUNTRIES[0]); i++)
		if (strcasecmp(COUNTRIES[i].iso, iso) == 0)
			return (int)i;
	return -1;
}

bool phone_country_known(const char *country)
{
	return country_index(country) >= 0;
}

int phone_normalize(char *out, size_t outlen, const char *input, const char *default_country)
{
	char digits[32];
	size_t n = 0;
	bool plus = false;
	const char *p = input;

	if (!input || outlen < 17)
		return APP_INVALID;
	while (*p == ' ')
		p++;
	if (*p == '+') {
		plus = true;
		p++;
	}
	/* digits, with the separators people type; letters or other signs make it no phone number */
	for (; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (n + 1 >= sizeof(digits))
				return APP_INVALID;
			digits[n++] = *p;
		} else if (!strchr(" .-()/", *p)) {
			return APP_INVALID;
		}
	}
	digits[n] = '\0';
	if (!plus && n > 2 && digits[0] == '0' && digits[1] == '0') { /* 00 international prefix */
		memmove(digits, digits + 2, n - 1);
		n -= 2;
		plus = true;
	}
	if (plus) {
		if (n < 7 || n > 15 || digits[0] == '0')
			return APP_INVALID;
		snprintf(out, outlen, "+%s", digits);
		return APP_OK;
	}
	int c = country_index(default_country);
	const char *national = digits;

	if (c < 0)
		return APP_INVALID;
	if (COUNTRIES[c].trunk && n > 0 && digits[0] == COUNTRIES[c].trunk) {
		/* NANP numbers have 10 digits after the optional 1 */
		if (COUNTRIES[c].trunk != '1' || n == 11)
			national++;
	}
	size_t total = strlen(COUNTRIES[c].code) + strlen(national);

	if (strlen(national) < 4 || total < 7 || total > 15 ||
	    (COUNTRIES[c].trunk && national[0] == '0'))
		return APP_INVALID;
	snprintf(out, outlen, "+%s%s", COUNTRIES[c].code, national);
	return APP_OK;
}
