/* TOTP (RFC 6238: SHA-1, 6 digits, 30 s) through liboath, and otpauth:// URIs. */
#ifndef CABINET_TOTP_H
#define CABINET_TOTP_H

#include <stddef.h>
#include <time.h>

#define TOTP_SECRET_BYTES 20

/* A new random secret: raw bytes and its base32 text (33 bytes with the terminator). */
int totp_new_secret(unsigned char raw_out[TOTP_SECRET_BYTES], char base32_out[33]);

/*
 * Checks a 6-digit code against secret at now, one step either side. On a match writes the code's
 * time step (so the caller can refuse it ever again) and returns APP_OK; APP_INVALID otherwise.
 */
int totp_check(long long *step_out, const unsigned char *secret, size_t len, const char *code,
               time_t now);

/* The current code (tests and tools). out: 7 bytes. */
int totp_code(char out[7], const unsigned char *secret, size_t len, time_t now);

/* otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30 */
int totp_uri(char *out, size_t outlen, const char *issuer, const char *account, const char *base32);

#endif
