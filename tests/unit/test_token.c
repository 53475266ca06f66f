/* token.c: HS256 only, every claim checked, shapes refused before parsing. */
#include <jwt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "auth/token.h"
#include "common/err.h"

#define SECRET "0123456789abcdef0123456789abcdef-secret"
#define ISSUER "https://cabinet.example"
#define NOW    1800000000L

static const struct token_keys KEYS = {.secret = SECRET, .issuer = ISSUER};

static struct token_claims claims(void)
{
	struct token_claims c = {.iat = NOW, .exp = NOW + 300};

	strcpy(c.sub, "6a1c2f4e-0d3b-4c1a-9f7e-2b8d5e6f7a81");
	strcpy(c.sid, "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f");
	strcpy(c.realm, "staff");
	strcpy(c.typ, "access");
	return c;
}

/* A token made with libjwt directly, to forge what token_issue never would. */
static char *forge(jwt_alg_t alg, const char *key, const char *iss, const char *aud,
                   const char *typ, long iat, long exp)
{
	jwt_t *jwt = NULL;
	char *out;

	assert_int_equal(jwt_new(&jwt), 0);
	assert_int_equal(
	        jwt_set_alg(jwt, alg, (const unsigned char *)key, key ? (int)strlen(key) : 0), 0);
	jwt_add_grant(jwt, "iss", iss);
	jwt_add_grant(jwt, "aud", aud);
	jwt_add_grant(jwt, "typ", typ);
	jwt_add_grant(jwt, "sub", "6a1c2f4e-0d3b-4c1a-9f7e-2b8d5e6f7a81");
	jwt_add_grant(jwt, "sid", "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f");
	jwt_add_grant_int(jwt, "iat", iat);
	jwt_add_grant_int(jwt, "exp", exp);
	out = jwt_encode_str(jwt);
	jwt_free(jwt);
	return out;
}

static int verify(const char *token, long now)
{
	struct token_claims c;

	return token_verify(&c, &KEYS, token, now);
}

static void round_trip(void **state)
{
	struct token_claims in = claims(), out;
	char *t = NULL;

	(void)state;
	assert_int_equal(token_issue(&t, &KEYS, &in), APP_OK);
	assert_int_equal(token_verify(&out, &KEYS, t, NOW + 10), APP_OK);
	assert_string_equal(out.sub, in.sub);
	assert_string_equal(out.sid, in.sid);
	assert_string_equal(out.realm, "staff");
	assert_int_equal(out.exp, NOW + 300);
	assert_int_equal(verify(t, NOW + 300), APP_UNAUTHORIZED); /* exp is exclusive */
	free(t);
}

/* The act claim of an impersonation: issued as {"sub": uuid}, read back; anything else refused. */
static void actor_claim(void **state)
{
	struct token_claims in = claims(), out;
	char *t = NULL;
	jwt_t *jwt = NULL;

	(void)state;
	strcpy(in.act, "11111111-2222-4333-8444-555555555555");
	assert_int_equal(token_issue(&t, &KEYS, &in), APP_OK);
	assert_int_equal(token_verify(&out, &KEYS, t, NOW + 10), APP_OK);
	assert_string_equal(out.act, in.act);
	free(t);
	in = claims();
	assert_int_equal(token_issue(&t, &KEYS, &in), APP_OK);
	assert_int_equal(token_verify(&out, &KEYS, t, NOW + 10), APP_OK);
	assert_string_equal(out.act, ""); /* no actor: an ordinary session */
	free(t);
	strcpy(in.act, "not-a-uuid");
	assert_int_equal(token_issue(&t, &KEYS, &in), APP_INTERNAL);
	/* forged shapes of act: a string, an object without sub, with more than sub */
	static const char *const BAD[] = {
	        "{\"act\":\"11111111-2222-4333-8444-555555555555\"}", "{\"act\":{}}",
	        "{\"act\":{\"sub\":\"x\"}}",
	        "{\"act\":{\"sub\":\"11111111-2222-4333-8444-555555555555\","
	        "\"act\":{}}}"};
	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		char *forged = forge(JWT_ALG_HS256, SECRET, ISSUER, "cabinet-portal", "access", NOW,
		                     NOW + 300);

		assert_int_equal(jwt_decode(&jwt, forged, (const unsigned char *)SECRET,
		                            (int)strlen(SECRET)),
		                 0);
		assert_int_equal(jwt_add_grants_json(jwt, BAD[i]), 0);
		free(forged);
		forged = jwt_encode_str(jwt);
		jwt_free(jwt);
		assert_int_equal(verify(forged, NOW + 10), APP_UNAUTHORIZED);
		free(forged);
	}
}

static void algorithms_pinned(void **state)
{
	char *t;

	(void)state;
	t = forge(JWT_ALG_HS384, SECRET, ISSUER, "cabinet-staff", "access", NOW, NOW + 300);
	assert_int_equal(verify(t, NOW), APP_UNAUTHORIZED);
	free(t);
	t = forge(JWT_ALG_HS512, SECRET, ISSUER, "cabinet-staff", "access", NOW, NOW + 300);
	assert_int_equal(verify(t, NOW), APP_UNAUTHORIZED);
	free(t);
	t = forge(JWT_ALG_NONE, NULL, ISSUER, "cabinet-staff", "access", NOW, NOW + 300);
	assert_int_equal(verify(t, NOW), APP_UNAUTHORIZED);
	free(t);
	t = forge(JWT_ALG_HS256, "another-secret-of-enough-length-000", ISSUER, "cabinet-staff",
	          "access", NOW, NOW + 300);
	assert_int_equal(verify(t, NOW), APP_UNAUTHORIZED);
	free(t);
	t = forge(JWT_ALG_HS256, SECRET, ISSUER, "cabinet-staff", "access", NOW, NOW + 300);
	assert_int_equal(verify(t, NOW), APP_OK); /* the control */
	free(t);
}

static void claims_checked(void **state)
{
	static const struct {
		const char *iss, *aud, *typ;
		long iat, exp;
	} bad[] = {
	        {"https://evil.example", "cabinet-staff", "access", NOW, NOW + 300},
	        {ISSUER, "cabinet", "access", NOW, NOW + 300},
	        {ISSUER, "cabinet-staff", "refresh", NOW, NOW + 300},
	        {ISSUER, "cabinet-staff", "access", NOW - 600, NOW - 1}, /* expired */
	        {ISSUER, "cabinet-staff", "access", NOW + 3600,
	         NOW + 3900},                                          /* issued in the future */
	        {ISSUER, "cabinet-staff", "access", NOW, NOW + 86400}, /* lifetime too long */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *t = forge(JWT_ALG_HS256, SECRET, bad[i].iss, bad[i].aud, bad[i].typ,
		                bad[i].iat, bad[i].exp);

		if (verify(t, NOW) != APP_UNAUTHORIZED)
			fail_msg("case %zu accepted", i);
		free(t);
	}
}

/* A good token whose time claims are given as JSON text (libjwt 1.10 reads non-integers as 0). */
static char *forge_times(const char *times)
{
	jwt_t *jwt = NULL;
	char grants[512], *out;

	snprintf(grants, sizeof(grants),
	         "{\"iss\": \"%s\", \"aud\": \"cabinet-staff\", \"typ\": \"access\","
	         " \"sub\": \"6a1c2f4e-0d3b-4c1a-9f7e-2b8d5e6f7a81\","
	         " \"sid\": \"0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f\", %s}",
	         ISSUER, times);
	assert_int_equal(jwt_new(&jwt), 0);
	assert_int_equal(
	        jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)SECRET, (int)strlen(SECRET)),
	        0);
	assert_int_equal(jwt_add_grants_json(jwt, grants), 0);
	out = jwt_encode_str(jwt);
	jwt_free(jwt);
	return out;
}

static void times_are_integers(void **state)
{
	char good[128], bad[7][128], *t;

	(void)state;
	snprintf(good, sizeof(good), "\"iat\": %ld, \"exp\": %ld, \"nbf\": %ld", NOW, NOW + 300,
	         NOW);
	snprintf(bad[0], 128, "\"iat\": %ld, \"exp\": \"%ld\"", NOW, NOW + 300);
	snprintf(bad[1], 128, "\"iat\": %ld, \"exp\": %ld.5", NOW, NOW + 300);
	snprintf(bad[2], 128, "\"iat\": \"now\", \"exp\": %ld", NOW + 300);
	snprintf(bad[3], 128, "\"iat\": %ld, \"exp\": %ld, \"nbf\": \"0\"", NOW, NOW + 300);
	snprintf(bad[4], 128, "\"iat\": %ld, \"exp\": %ld, \"nbf\": 1.5", NOW, NOW + 300);
	snprintf(bad[5], 128, "\"iat\": %ld, \"exp\": 1e300", NOW);
	snprintf(bad[6], 128, "\"iat\": %ld, \"exp\": %ld, \"nbf\": null", NOW, NOW + 300);
	t = forge_times(good);
	assert_int_equal(verify(t, NOW), APP_OK);
	free(t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = forge_times(bad[i]);
		if (verify(t, NOW) != APP_UNAUTHORIZED)
			fail_msg("times %s accepted", bad[i]);
		free(t);
	}
}

static void shapes_refused(void **state)
{
	char big[TOKEN_MAX_LEN + 16];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[10] = '.';
	big[20] = '.';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(verify(big, NOW), APP_UNAUTHORIZED);
	assert_int_equal(verify("", NOW), APP_UNAUTHORIZED);
	assert_int_equal(verify(NULL, NOW), APP_UNAUTHORIZED);
	assert_int_equal(verify("a.b", NOW), APP_UNAUTHORIZED);
	assert_int_equal(verify("a.b.c.d", NOW), APP_UNAUTHORIZED);
	assert_int_equal(verify("a b.c.d", NOW), APP_UNAUTHORIZED);
	assert_int_equal(verify("e30.e30.", NOW), APP_UNAUTHORIZED);
}

static void uuids(void **state)
{
	(void)state;
	assert_true(token_is_uuid("6a1c2f4e-0d3b-4c1a-9f7e-2b8d5e6f7a81"));
	assert_true(token_is_uuid("6A1C2F4E-0D3B-4C1A-9F7E-2B8D5E6F7A81"));
	assert_false(token_is_uuid("6a1c2f4e0d3b4c1a9f7e2b8d5e6f7a81"));
	assert_false(token_is_uuid("6a1c2f4e-0d3b-4c1a-9f7e-2b8d5e6f7a8g"));
	assert_false(token_is_uuid("6a1c2f4e-0d3b-4c1a-9f7e-2b8d5e6f7a8"));
	assert_false(token_is_uuid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(round_trip),         cmocka_unit_test(actor_claim),
	        cmocka_unit_test(algorithms_pinned),  cmocka_unit_test(claims_checked),
	        cmocka_unit_test(shapes_refused),     cmocka_unit_test(uuids),
	        cmocka_unit_test(times_are_integers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
