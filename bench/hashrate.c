/*
 * The ceiling of sign-ins: how many argon2id verifications per second THREADS threads manage with
 * Debian's reference libargon2, for one stored hash (the configured parameters) and its password.
 *
 *   hashrate THREADS SECONDS PHC_STRING PASSWORD     prints "<verifies per second>"
 */
#include <argon2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *phc, *password;
static atomic_long done;
static atomic_bool stop, failed;

static void *verify_loop(void *unused)
{
	(void)unused;
	while (!atomic_load(&stop)) {
		if (argon2id_verify(phc, password, strlen(password)) != ARGON2_OK)
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

int main(int argc, char **argv)
{
	int threads = argc == 5 ? atoi(argv[1]) : 0;
	double seconds = argc == 5 ? atof(argv[2]) : 0, start, elapsed;
	pthread_t tid[256];

	if (threads < 1 || threads > 256 || seconds <= 0)
		return fprintf(stderr, "usage: hashrate THREADS SECONDS PHC_STRING PASSWORD\n"), 2;
	phc = argv[3];
	password = argv[4];
	start = now_s();
	for (int i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, verify_loop, NULL);
	while (now_s() - start < seconds) {
		struct timespec tick = {0, 50 * 1000000L};

		nanosleep(&tick, NULL);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	elapsed = now_s() - start;
	if (atomic_load(&failed))
		return fprintf(stderr, "hashrate: the password does not verify\n"), 1;
	printf("%.1f\n", (double)atomic_load(&done) / elapsed);
	return 0;
}
