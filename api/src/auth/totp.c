/* TOTP. liboath does the arithmetic; replay protection is the caller's (it stores the last step). */
#include "auth/totp.h"

#include <liboath/oath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/secrets.h"
#include "common/err.h"

#define STEP_S 30

int totp_new_secret(unsigned char raw_out[TOTP_SECRET_BYTES], char base32_out[33])
{
	char *b32 = NULL;
	size_t len = 0;

	if (secrets_random(raw_out, TOTP_SECRET_BYTES) != APP_OK ||
	    oath_base32_encode((const char *)raw_out, TOTP_SECRET_BYTES, &b32, &len) != OATH_OK)
		return APP_INTERNAL;
	snprintf(base32_out, 33, "%.*s", (int)len, b32);
	free(b32);
	return APP_OK;
}

int totp_check(long long *step_out, const unsigned char *secret, size_t len, const char *code,
               time_t now)
{
	uint64_t counter = 0;
	int pos = 0;

	*step_out = -1;
	if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return APP_INVALID;
	if (oath_totp_validate3((const char *)secret, len, now, STEP_S, 0, 1, &pos, &counter,
	                        code) < 0)
		return APP_INVALID;
	*step_out = (long long)counter;
	return APP_OK;
}

int totp_code(char out[7], const unsigned char *secret, size_t len, time_t now)
{
	return oath_totp_generate((const char *)secret, len, now, STEP_S, 0, 6, out) == OATH_OK
	               ? APP_OK
	               : APP_INTERNAL;
}

/* Percent-encodes everything but unreserved characters (RFC 3986). */
static void put_escaped(char **p, char *end, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s && *p + 4 < end; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c)) {
			*(*p)++ = (char)c;
		} else {
			*(*p)++ = '%';
			*(*p)++ = hex[c >> 4];
			*(*p)++ = hex[c & 15];
		}
	}
	**p = '\0';
}

int totp_uri(char *out, size_t outlen, const char *issuer, const char *account, const char *base32)
{
	char *p = out, *end = out + outlen;
	int n;

	if (outlen < 64)
		return APP_INVALID;
	n = snprintf(p, (size_t)(end - p), "otpauth://totp/");
	p += n;
	put_escaped(&p, end, issuer);
	if (p + 4 < end)
		*p++ = ':';
	put_escaped(&p, end, account);
	n = snprintf(p, (size_t)(end - p), "?secret=%s&issuer=", base32);
	if (n < 0 || p + n >= end)
		return APP_INVALID;
	p += n;
	put_escaped(&p, end, issuer);
	n = snprintf(p, (size_t)(end - p), "&algorithm=SHA1&digits=6&period=%d", STEP_S);
	return n > 0 && p + n < end ? APP_OK : APP_INVALID;
}
