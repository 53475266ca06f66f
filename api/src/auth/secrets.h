/* Randomness, encodings and constant-time comparison for secrets. */
#ifndef CABINET_SECRETS_H
#define CABINET_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

/* Fills buf with len bytes from the kernel CSPRNG. APP_OK or APP_INTERNAL. */
int secrets_random(void *buf, size_t len);

/* Writes a random identifier of nbytes random bytes as lowercase hex (2*nbytes+1 bytes of out). */
int secrets_random_hex(char *out, size_t nbytes);

/* Writes a random (version 4) UUID in its canonical lowercase form. */
int secrets_uuid(char out[37]);

/*
 * Writes a random password of len characters (len+1 bytes of out) from an alphabet without look-alike
 * characters, with at least one lowercase letter, uppercase letter and digit.
 */
int secrets_random_password(char *out, size_t len);

/* Whether s has the shape of every token Cabinet hands out: 256 bits as 64 lowercase hex digits. */
bool secrets_is_token(const char *s);

/* Writes n random decimal digits (n+1 bytes of out), uniformly distributed. */
int secrets_random_digits(char *out, size_t n);

/* HMAC-SHA256(key, message) as 64 lowercase hex digits (65 bytes of out). */
int secrets_hmac_hex(char out[65], const char *key, const char *message);

/* The largest plaintext a seal takes (a message's texts with their secrets). */
#define SECRETS_SEAL_MAX (1024 * 1024)

/*
 * Seals a secret for storage: AES-256-GCM under a key derived from key_material, bound to context
 * (an account or message id), as hex of nonce || ciphertext || tag into out (2 * (28 + len) + 1
 * bytes). len is at most SECRETS_SEAL_MAX.
 */
int secrets_seal(char *out, size_t outlen, const char *key_material, const char *context,
                 const unsigned char *plain, size_t len);

/* secrets_seal into a string the caller frees. */
int secrets_seal_alloc(char **out, const char *key_material, const char *context,
                       const unsigned char *plain, size_t len);

/*
 * Opens what secrets_seal made (same key_material and context): *len_out bytes into plain (at
 * least the sealed length minus 28). APP_INTERNAL when it was altered or sealed otherwise.
 */
int secrets_open(unsigned char *plain, size_t plainlen, size_t *len_out, const char *key_material,
                 const char *context, const char *sealed);

/* secrets_open of a sealed text into a NUL-terminated string the caller wipes and frees. */
int secrets_open_alloc(char **plain_out, const char *key_material, const char *context,
                       const char *sealed);

/* Compares two byte strings in time that depends only on their lengths. */
bool secrets_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
