/* Phone numbers in E.164 ("+33612345678") from any common spelling. Pure code. */
#ifndef CABINET_PHONE_H
#define CABINET_PHONE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Normalizes a phone number: "+33 6 12 34 56 78", "0033 612345678", "(415) 555-2671" (with a default
 * country for national spellings: ISO 3166 code such as "FR", "US", or "" for none). Writes E.164 into
 * out (at least 17 bytes). APP_INVALID when it is not a plausible number or needs a country that is
 * not known.
 */
int phone_normalize(char *out, size_t outlen, const char *input, const char *default_country);

/* Whether a country code is one phone_normalize knows. */
bool phone_country_known(const char *country);

#endif
