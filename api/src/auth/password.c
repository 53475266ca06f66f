/*
 * argon2id through libsodium where it can (one lane: its optimised code is about twice as fast as
 * Debian's reference libargon2 on the same parameters, and writes the same PHC strings), libargon2
 * for the rest (several lanes, argon2i); bcrypt (new hashes and legacy ones) through libxcrypt.
 */
#include "auth/password.h"

#include <argon2.h>
#include <sodium.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <time.h>
#include <unistd.h>
#include <string.h>

#include "auth/secrets.h"
#include "common/clock.h"
#include "common/err.h"

/* bcrypt: libxcrypt draws the salt itself (NULL random bytes) and computes with crypt_r. */
static int bcrypt_hash(char *out, unsigned cost, const char *password)
{
	struct crypt_data *data = calloc(1, sizeof(*data));
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *computed;
	int rc = APP_INTERNAL;

	if (!data)
		return APP_INTERNAL;
	if (crypt_gensalt_rn("$2b$", cost, NULL, 0, setting, sizeof(setting)) &&
	    (computed = crypt_r(password, setting, data)) && strncmp(computed, "$2b$", 4) == 0 &&
	    strlen(computed) < PASSWORD_HASH_MAX) {
		snprintf(out, PASSWORD_HASH_MAX, "%s", computed);
		rc = APP_OK;
	}
	explicit_bzero(data, sizeof(*data));
	free(data);
	return rc;
}

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static bool sodium_ready;

/* sodium_init picks the implementation this CPU runs fastest; once, whichever thread asks first. */
static void sodium_start(void)
{
	sodium_ready = sodium_init() >= 0;
}

static bool sodium_usable(void)
{
	pthread_once(&sodium_once, sodium_start);
	return sodium_ready;
}

int password_hash(char *out, const struct password_params *params, const char *password)
{
	unsigned char salt[16];
	int rc;

	if (params->driver == PASSWORD_BCRYPT)
		return bcrypt_hash(out, params->bcrypt_cost, password);
	/* libsodium: a 16-byte random salt and a 32-byte hash, like the branch below */
	if (params->parallelism == 1 && crypto_pwhash_STRBYTES <= PASSWORD_HASH_MAX &&
	    sodium_usable())
		return crypto_pwhash_str_alg(out, password, strlen(password), params->iterations,
		                             (size_t)params->memory_kib * 1024,
		                             crypto_pwhash_ALG_ARGON2ID13) == 0
		               ? APP_OK
		               : APP_INTERNAL;
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

static bool all_of(const char *s, size_t n, const char *set)
{
	return n > 0 && strspn(s, set) >= n;
}

/* Reads label then 1 to 9 digits (nothing else: no sign, no space) and moves *p past them. */
static bool read_param(const char **p, const char *label, unsigned *out)
{
	size_t n = strlen(label), digits;

	if (strncmp(*p, label, n) != 0)
		return false;
	digits = strspn(*p + n, "0123456789");
	if (digits < 1 || digits > 9)
		return false;
	*out = (unsigned)strtoul(*p + n, NULL, 10);
	*p += n + digits;
	return true;
}

bool password_hash_known(const char *e)
{
	static const char BCRYPT64[] =
	        "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static const char B64[] =
	        "+/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned m, t, p;
	const char *rest, *dollar;

	if (!e || strlen(e) >= PASSWORD_HASH_MAX)
		return false;
	if ((strncmp(e, "$2a$", 4) == 0 || strncmp(e, "$2b$", 4) == 0 ||
	     strncmp(e, "$2y$", 4) == 0))
		return strlen(e) == 60 && e[4] >= '0' && e[4] <= '3' && e[5] >= '0' &&
		       e[5] <= '9' && (e[4] - '0') * 10 + (e[5] - '0') >= 4 &&
		       (e[4] - '0') * 10 + (e[5] - '0') <= PASSWORD_BCRYPT_MAX_COST &&
		       e[6] == '$' && all_of(e + 7, 53, BCRYPT64);
	if (strncmp(e, "$argon2id$", 10) == 0)
		rest = e + 10;
	else if (strncmp(e, "$argon2i$", 9) == 0)
		rest = e + 9;
	else
		return false;
	if (!read_param(&rest, "v=19$m=", &m) || !read_param(&rest, ",t=", &t) ||
	    !read_param(&rest, ",p=", &p) || *rest != '$' || m < 8 || m > PASSWORD_ARGON2_MAX_KIB ||
	    t < 1 || t > PASSWORD_ARGON2_MAX_T || p < 1 || p > PASSWORD_ARGON2_MAX_P || m < 8 * p)
		return false;
	rest++; /* the '$' before the salt */
	dollar = strchr(rest, '$');
	return dollar && dollar - rest >= 11 && all_of(rest, (size_t)(dollar - rest), B64) &&
	       strlen(dollar + 1) >= 16 && all_of(dollar + 1, strlen(dollar + 1), B64);
}

bool password_verify(const char *encoded, const char *password)
{
	/* only hashes of known shape and bounded cost are ever computed */
	if (!encoded || !password || !password_hash_known(encoded))
		return false;
	if (strncmp(encoded, "$argon2id$", 10) == 0 && strstr(encoded, ",p=1$") && sodium_usable())
		return crypto_pwhash_str_verify(encoded, password, strlen(password)) == 0;
	if (strncmp(encoded, "$argon2id$", 10) == 0)
		return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
	if (strncmp(encoded, "$argon2i$", 9) == 0)
		return argon2i_verify(encoded, password, strlen(password)) == ARGON2_OK;
	if (strncmp(encoded, "$2y$", 4) == 0 || strncmp(encoded, "$2b$", 4) == 0 ||
	    strncmp(encoded, "$2a$", 4) == 0)
		return bcrypt_verify(encoded, password);
	return false;
}

/* The start every hash made with params has: "$argon2id$v=19$m=…,t=…,p=…$" or "$2b$12$". */
static void prefix_of(char *out, size_t len, const struct password_params *params)
{
	if (params->driver == PASSWORD_BCRYPT)
		snprintf(out, len, "$2b$%02u$", params->bcrypt_cost);
	else
		snprintf(out, len, "$argon2id$v=19$m=%u,t=%u,p=%u$", params->memory_kib,
		         params->iterations, params->parallelism);
}

bool password_needs_rehash(const char *encoded, const struct password_params *params)
{
	char prefix[96];

	prefix_of(prefix, sizeof(prefix), params);
	return !encoded || strncmp(encoded, prefix, strlen(prefix)) != 0;
}

#define DUMMIES 8

static struct {
	char prefix[96];
	char hash[PASSWORD_HASH_MAX];
} dummies[DUMMIES];
static pthread_mutex_t dummies_lock = PTHREAD_MUTEX_INITIALIZER;

const char *password_dummy(const struct password_params *params)
{
	char prefix[96], random[33];
	const char *found = NULL;
	int i;

	prefix_of(prefix, sizeof(prefix), params);
	pthread_mutex_lock(&dummies_lock);
	for (i = 0; i < DUMMIES && dummies[i].prefix[0] && !found; i++)
		if (strcmp(dummies[i].prefix, prefix) == 0)
			found = dummies[i].hash;
	/* a new kind (a changed setting): made once; the settings' bounds allow fewer than DUMMIES */
	if (!found && i < DUMMIES) {
		if (secrets_random_hex(random, 16) == APP_OK &&
		    password_hash(dummies[i].hash, params, random) == APP_OK) {
			snprintf(dummies[i].prefix, sizeof(dummies[i].prefix), "%s", prefix);
			found = dummies[i].hash;
		}
	}
	pthread_mutex_unlock(&dummies_lock);
	return found;
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
