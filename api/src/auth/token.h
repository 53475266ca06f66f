/* Access tokens: HS256 JWTs. Every jwt_* call of Cabinet lives in token.c. */
#ifndef CABINET_TOKEN_H
#define CABINET_TOKEN_H

#include <stddef.h>
#include <time.h>

/* Longest token accepted; anything longer is refused before it is parsed. */
#define TOKEN_MAX_LEN 4096
/* Longest lifetime a token may claim (exp - iat), whatever its signature. */
#define TOKEN_MAX_LIFETIME_S 3600

struct token_keys {
	const char *secret; /* at least 32 bytes (checked at start-up) */
	const char *issuer; /* CABINET_PUBLIC_URL */
};

struct token_claims {
	char sub[37];  /* principal id (uuid) */
	char sid[37];  /* session id (uuid) */
	char realm[8]; /* "staff" or "portal"; the audience is "cabinet-<realm>" */
	char typ[16];  /* "access" */
	char act[37]; /* RFC 8693 actor: the staff member acting as sub ({"act": {"sub": ...}}), or "" */
	long iat, exp;
};

/* Signs claims into a compact JWT; the caller frees *token_out. APP_OK or APP_INTERNAL. */
int token_issue(char **token_out, const struct token_keys *keys, const struct token_claims *claims);

/*
 * Verifies a compact JWT: length cap, HS256 only (pinned after decoding), signature, and every claim
 * (iss, aud matching realm, typ "access", sub and sid UUIDs, iat not in the future, exp after now,
 * nbf if present, lifetime bounded, act when present an object whose sub is a UUID). APP_OK with *claims_out filled, else APP_UNAUTHORIZED.
 */
int token_verify(struct token_claims *claims_out, const struct token_keys *keys, const char *token,
                 time_t now);

/* Whether s is a canonical lowercase or uppercase UUID text (8-4-4-4-12 hex). */
int token_is_uuid(const char *s);

#endif
