/*
 * Password hashing: argon2id (default) or bcrypt for new hashes, with configured costs; every kind
 * imported from other systems verifies. Callers must not hold a database connection.
 */
#ifndef CABINET_PASSWORD_H
#define CABINET_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum password_driver { PASSWORD_ARGON2ID = 0, PASSWORD_BCRYPT };

struct password_params {
	uint32_t memory_kib; /* argon2id */
	uint32_t iterations;
	uint32_t parallelism;
	enum password_driver driver; /* how new hashes are made */
	unsigned bcrypt_cost;        /* bcrypt: log2 of the rounds, 4 to 31 */
};

/* Longest encoded hash password_hash writes, terminator included. */
#define PASSWORD_HASH_MAX 256

/*
 * Hashes password into out (PASSWORD_HASH_MAX bytes): an encoded $argon2id$ string, or a $2b$ bcrypt
 * one (bcrypt reads only the first 72 bytes of a password: the standard, kept for compatibility).
 */
int password_hash(char *out, const struct password_params *params, const char *password);

/*
 * Verifies password against an encoded hash: $argon2id$ or $argon2i$ of any parameters, or bcrypt
 * ($2y$, $2b$, $2a$, through libxcrypt) as imported from other systems. Returns true only on a match;
 * a malformed or unknown hash is a mismatch, never an error.
 */
bool password_verify(const char *encoded, const char *password);

/*
 * The costliest hash Cabinet verifies: a hash beyond them (from an import or an old row) would let
 * one sign-in hold a core for seconds or take gigabytes, so it is never verified (the account resets
 * its password). bcrypt 14 is about 1 s here; argon2 at 256 MiB, 10 passes, 8 lanes about 2 s.
 */
/* A stored "hash" no password matches: the account must set a new one by recovery. */
#define PASSWORD_DISABLED "!reset-required"

#define PASSWORD_BCRYPT_MAX_COST 14
#define PASSWORD_ARGON2_MAX_KIB  262144
#define PASSWORD_ARGON2_MAX_T    10
#define PASSWORD_ARGON2_MAX_P    8

/*
 * Whether encoded is a hash password_verify reads: bcrypt ($2a$, $2b$, $2y$, cost 04 to 14, 53
 * characters of salt and hash) or argon2i/argon2id (v=19, m from 8 KiB to 256 MiB, t 1 to 10, p 1
 * to 8, base64 salt and hash). The customer import keeps such hashes as they are and refuses
 * anything else; password_verify answers false for anything else without computing.
 */
bool password_hash_known(const char *encoded);

/*
 * Whether a hash should be replaced at the next successful sign-in: anything but the configured
 * driver with exactly the configured parameters.
 */
bool password_needs_rehash(const char *encoded, const struct password_params *params);

/*
 * A hash of a random password made with params, verified for unknown accounts so that they cost what
 * a known one does. Made once per distinct params and kept; NULL only if hashing fails.
 */
const char *password_dummy(const struct password_params *params);

/*
 * Bounds concurrent hash computations (argon2 takes ~20 MiB and tens of ms each): at most slots at
 * once (0: one per online core). Call once at start-up, before threads.
 */
int password_gate_init(long slots);

/* Takes a slot, waiting at most wait_ms; APP_UNAVAILABLE when none frees up (the caller answers 503). */
int password_gate_enter(long wait_ms);

/* Gives the slot back. */
void password_gate_leave(void);

#endif
