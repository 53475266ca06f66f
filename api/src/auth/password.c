/* argon2id through libargon2. Legacy bcrypt verification arrives with sign-in (identity issue). */
#include "auth/password.h"

#include <argon2.h>
#include <string.h>

#include "auth/secrets.h"
#include "common/err.h"

int password_hash(char *out, const struct password_params *params, const char *password)
{
	unsigned char salt[16];
	int rc;

	if (secrets_random(salt, sizeof(salt)) != APP_OK)
		return APP_INTERNAL;
	rc = argon2id_hash_encoded(params->iterations, params->memory_kib, params->parallelism,
	                           password, strlen(password), salt, sizeof(salt), 32, out,
	                           PASSWORD_HASH_MAX);
	return rc == ARGON2_OK ? APP_OK : APP_INTERNAL;
}

bool password_verify(const char *encoded, const char *password)
{
	if (!encoded || !password)
		return false;
	if (strncmp(encoded, "$argon2id$", 10) == 0)
		return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
	if (strncmp(encoded, "$argon2i$", 9) == 0)
		return argon2i_verify(encoded, password, strlen(password)) == ARGON2_OK;
	return false;
}
