/* argon2id through libargon2. Legacy bcrypt verification arrives with sign-in (identity issue). */
#include "auth/password.h"

#include <argon2.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <semaphore.h>
#include <time.h>
#include <unistd.h>
#include <string.h>

#include "auth/secrets.h"
#include "common/clock.h"
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

/* bcrypt through libxcrypt's crypt_r; its failure tokens ("*0", "*1") never equal a real hash. */
static bool bcrypt_verify(const char *encoded, const char *password)
{
	struct crypt_data *data = calloc(1, sizeof(*data));
	const char *computed;
	bool same = false;

	if (!data)
		return false;
	computed = crypt_r(password, encoded, data);
	if (computed && computed[0] == '$')
		same = secrets_equal(computed, strlen(computed), encoded, strlen(encoded));
	free(data);
	return same;
}

bool password_verify(const char *encoded, const char *password)
{
	if (!encoded || !password)
		return false;
	if (strncmp(encoded, "$argon2id$", 10) == 0)
		return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
	if (strncmp(encoded, "$argon2i$", 9) == 0)
		return argon2i_verify(encoded, password, strlen(password)) == ARGON2_OK;
	if (strncmp(encoded, "$2y$", 4) == 0 || strncmp(encoded, "$2b$", 4) == 0 ||
	    strncmp(encoded, "$2a$", 4) == 0)
		return bcrypt_verify(encoded, password);
	return false;
}

bool password_needs_rehash(const char *encoded, const struct password_params *params)
{
	char prefix[96];

	snprintf(prefix, sizeof(prefix), "$argon2id$v=19$m=%u,t=%u,p=%u$", params->memory_kib,
	         params->iterations, params->parallelism);
	return !encoded || strncmp(encoded, prefix, strlen(prefix)) != 0;
}

static sem_t gate;
static int gate_ready;

int password_gate_init(long slots)
{
	long n = slots > 0 ? slots : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (sem_init(&gate, 0, (unsigned)n) != 0)
		return APP_INTERNAL;
	gate_ready = 1;
	return APP_OK;
}

int password_gate_enter(long wait_ms)
{
	struct timespec deadline;

	if (!gate_ready)
		return APP_OK;                              /* tools and unit tests: no bound */
	clock_deadline(&deadline, CLOCK_REALTIME, wait_ms); /* sem_timedwait counts real time */
	while (sem_timedwait(&gate, &deadline) != 0)
		if (errno != EINTR)
			return APP_UNAVAILABLE;
	return APP_OK;
}

void password_gate_leave(void)
{
	if (gate_ready)
		sem_post(&gate);
}
