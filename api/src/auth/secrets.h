/* Randomness, encodings and constant-time comparison for secrets. */
#ifndef CABINET_SECRETS_H
#define CABINET_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

/* Fills buf with len bytes from the kernel CSPRNG. APP_OK or APP_INTERNAL. */
int secrets_random(void *buf, size_t len);

/* Writes a random identifier of nbytes random bytes as lowercase hex (2*nbytes+1 bytes of out). */
int secrets_random_hex(char *out, size_t nbytes);

/*
 * Writes a random password of len characters (len+1 bytes of out) from an alphabet without look-alike
 * characters, with at least one lowercase letter, uppercase letter and digit.
 */
int secrets_random_password(char *out, size_t len);

/* Writes n random decimal digits (n+1 bytes of out), uniformly distributed. */
int secrets_random_digits(char *out, size_t n);

/* HMAC-SHA256(key, message) as 64 lowercase hex digits (65 bytes of out). */
int secrets_hmac_hex(char out[65], const char *key, const char *message);

/* Compares two byte strings in time that depends only on their lengths. */
bool secrets_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
