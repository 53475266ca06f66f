/*
 * libjwt 1.10 trusts the token's own algorithm and checks no claim, so this file pins HS256 after
 * decoding and checks every claim itself; nothing else in Cabinet calls jwt_*.
 */
#include "auth/token.h"

#include <errno.h>
#include <jansson.h>
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#define CLOCK_SKEW_S 60

int token_is_uuid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (!s || strlen(s) != 36)
		return 0;
	for (size_t i = 0; i < 36; i++) {
		if (shape[i] == '-' ? s[i] != '-'
		                    : !strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
			return 0;
	}
	return 1;
}

static void audience(char out[24], const char *realm)
{
	snprintf(out, 24, "cabinet-%s", realm);
}

int token_issue(char **token_out, const struct token_keys *keys, const struct token_claims *c)
{
	jwt_t *jwt = NULL;
	char aud[24];
	int rc = APP_INTERNAL;

	*token_out = NULL;
	audience(aud, c->realm);
	if (jwt_new(&jwt) != 0)
		return APP_INTERNAL;
	if (jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)keys->secret,
	                (int)strlen(keys->secret)) != 0 ||
	    jwt_add_grant(jwt, "iss", keys->issuer) != 0 || jwt_add_grant(jwt, "aud", aud) != 0 ||
	    jwt_add_grant(jwt, "sub", c->sub) != 0 || jwt_add_grant(jwt, "sid", c->sid) != 0 ||
	    jwt_add_grant(jwt, "typ", c->typ) != 0 || jwt_add_grant_int(jwt, "iat", c->iat) != 0 ||
	    jwt_add_grant_int(jwt, "exp", c->exp) != 0)
		goto done;
	if (c->act[0]) {
		char act[80];

		if (!token_is_uuid(c->act))
			goto done;
		snprintf(act, sizeof(act), "{\"act\":{\"sub\":\"%s\"}}", c->act);
		if (jwt_add_grants_json(jwt, act) != 0)
			goto done;
	}
	*token_out = jwt_encode_str(jwt);
	if (*token_out)
		rc = APP_OK;
done:
	jwt_free(jwt);
	return rc;
}

/* A string claim equal to expected (expected NULL: present), copied to out when given. */
static int string_claim(jwt_t *jwt, const char *name, const char *expected, char *out,
                        size_t outlen)
{
	const char *v = jwt_get_grant(jwt, name);

	if (!v || (expected && strcmp(v, expected) != 0))
		return 0;
	if (out && (size_t)snprintf(out, outlen, "%s", v) >= outlen)
		return 0;
	return 1;
}

/*
 * An integer claim: 1 with its value, 0 when it is missing or not a JSON integer (libjwt 1.10 reads
 * "exp": "soon" or 1e99 as 0, which a check against now would take for valid), -1 when missing.
 */
static int int_claim(jwt_t *jwt, const char *name, long *out)
{
	char *text = jwt_get_grants_json(jwt, name);
	json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
	int rc = !text ? -1 : json_is_integer(v) ? 1 : 0;

	*out = rc == 1 ? (long)json_integer_value(v) : 0;
	json_decref(v);
	free(text);
	return rc;
}

/* Only the base64url alphabet and exactly two dots: refuse anything else before libjwt sees it. */
static int compact_shape(const char *token)
{
	size_t n = strlen(token), dots = 0;

	if (n == 0 || n > TOKEN_MAX_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = token[i];

		if (ch == '.')
			dots++;
		else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		           (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return 0;
	}
	return dots == 2;
}

int token_verify(struct token_claims *c, const struct token_keys *keys, const char *token,
                 time_t now)
{
	jwt_t *jwt = NULL;
	char aud[24];
	long nbf;
	int ok;

	memset(c, 0, sizeof(*c));
	if (!token || !compact_shape(token) || !keys->secret || strlen(keys->secret) < 32)
		return APP_UNAUTHORIZED;
	if (jwt_decode(&jwt, token, (const unsigned char *)keys->secret,
	               (int)strlen(keys->secret)) != 0)
		return APP_UNAUTHORIZED;
	ok = jwt_get_alg(jwt) == JWT_ALG_HS256 && string_claim(jwt, "iss", keys->issuer, NULL, 0) &&
	     string_claim(jwt, "typ", "access", c->typ, sizeof(c->typ)) &&
	     string_claim(jwt, "sub", NULL, c->sub, sizeof(c->sub)) &&
	     string_claim(jwt, "sid", NULL, c->sid, sizeof(c->sid)) && token_is_uuid(c->sub) &&
	     token_is_uuid(c->sid) && int_claim(jwt, "iat", &c->iat) == 1 &&
	     int_claim(jwt, "exp", &c->exp) == 1;
	if (ok) {
		const char *a = jwt_get_grant(jwt, "aud");

		ok = a && (strcmp(a, "cabinet-staff") == 0 || strcmp(a, "cabinet-portal") == 0);
		if (ok) {
			snprintf(c->realm, sizeof(c->realm), "%s", a + 8);
			audience(aud, c->realm);
			ok = strcmp(a, aud) == 0;
		}
	}
	ok = ok && c->exp > now && c->iat <= now + CLOCK_SKEW_S && c->exp > c->iat &&
	     c->exp - c->iat <= TOKEN_MAX_LIFETIME_S;
	/* act is optional; when present it names the acting staff member: {"sub": "<uuid>"} */
	if (ok) {
		char *act = jwt_get_grants_json(jwt, "act");

		if (act) {
			json_t *v = json_loads(act, JSON_DECODE_ANY, NULL);
			const char *sub = json_string_value(json_object_get(v, "sub"));

			ok = json_is_object(v) && json_object_size(v) == 1 && sub &&
			     token_is_uuid(sub);
			if (ok)
				snprintf(c->act, sizeof(c->act), "%s", sub);
			json_decref(v);
			free(act);
		}
	}
	/* nbf is optional, but when present it must be an integer in the past */
	if (ok) {
		int present = int_claim(jwt, "nbf", &nbf);

		ok = present == -1 || (present == 1 && nbf <= now + CLOCK_SKEW_S);
	}
	jwt_free(jwt);
	if (!ok) {
		memset(c, 0, sizeof(*c));
		return APP_UNAUTHORIZED;
	}
	return APP_OK;
}
