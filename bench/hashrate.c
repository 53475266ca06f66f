/*
 * The ceiling of sign-ins: how many argon2id verifications per second THREADS threads manage for
 * one stored hash (the configured parameters) and its password, with Debian's reference libargon2
 * and with libsodium (which cabinetd uses for one-lane argon2id).
 *
 *   hashrate THREADS SECONDS PHC_STRING PASSWORD     prints "<libargon2 /s> <libsodium /s>"
 */
#include <argon2.h>
#include <sodium.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *phc, *password;
static atomic_long done;
static atomic_bool stop, failed, sodium;

static void *verify_loop(void *unused)
{
	(void)unused;
	while (!atomic_load(&stop)) {
		bool ok = atomic_load(&sodium)
		                  ? crypto_pwhash_str_verify(phc, password, strlen(password)) == 0
		                  : argon2id_verify(phc, password, strlen(password)) == ARGON2_OK;

		if (!ok)
			atomic_store(&failed, true);
		atomic_fetch_add(&done, 1);
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Verifications per second on threads threads for seconds. */
static double rate(int threads, double seconds)
{
	pthread_t tid[256];
	double start = now_s();

	atomic_store(&done, 0);
	atomic_store(&stop, false);
	for (int i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, verify_loop, NULL);
	while (now_s() - start < seconds) {
		struct timespec tick = {0, 50 * 1000000L};

		nanosleep(&tick, NULL);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	return (double)atomic_load(&done) / (now_s() - start);
}

int main(int argc, char **argv)
{
	int threads = argc == 5 ? atoi(argv[1]) : 0;
	double seconds = argc == 5 ? atof(argv[2]) : 0, reference, fast;

	if (threads < 1 || threads > 256 || seconds <= 0 || sodium_init() < 0)
		return fprintf(stderr, "usage: hashrate THREADS SECONDS PHC_STRING PASSWORD\n"), 2;
	phc = argv[3];
	password = argv[4];
	reference = rate(threads, seconds);
	atomic_store(&sodium, true);
	fast = rate(threads, seconds);
	if (atomic_load(&failed))
		return fprintf(stderr, "hashrate: the password does not verify\n"), 1;
	printf("%.1f %.1f\n", reference, fast);
	return 0;
}
