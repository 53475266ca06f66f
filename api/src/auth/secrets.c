/* Secrets: getrandom(2) only, rejection sampling for unbiased characters. */
#include "auth/secrets.h"

#include <errno.h>
#include <string.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "common/err.h"

int secrets_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return APP_INTERNAL;
		p += n;
		len -= (size_t)n;
	}
	return APP_OK;
}

/* Writes n bytes as 2n lower-case hex digits and a NUL. */
static void hex_encode(char *out, const unsigned char *b, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int secrets_random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];

	if (nbytes > sizeof(b) || secrets_random(b, nbytes) != APP_OK)
		return APP_INTERNAL;
	hex_encode(out, b, nbytes);
	return APP_OK;
}

int secrets_uuid(char out[37])
{
	unsigned char b[16];

	if (secrets_random(b, sizeof(b)) != APP_OK)
		return APP_INTERNAL;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	         b[13], b[14], b[15]);
	return APP_OK;
}

int secrets_random_password(char *out, size_t len)
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	const unsigned n = sizeof(alphabet) - 1;
	const unsigned limit = 256 - 256 % n; /* reject bytes that would bias the choice */
	bool lower, upper, digit;

	if (len < 8)
		return APP_INVALID;
	do {
		size_t i = 0;

		lower = upper = digit = false;
		while (i < len) {
			unsigned char b;

			if (secrets_random(&b, 1) != APP_OK)
				return APP_INTERNAL;
			if (b >= limit)
				continue;
			out[i] = alphabet[b % n];
			lower |= out[i] >= 'a' && out[i] <= 'z';
			upper |= out[i] >= 'A' && out[i] <= 'Z';
			digit |= out[i] >= '0' && out[i] <= '9';
			i++;
		}
	} while (!(lower && upper && digit));
	out[len] = '\0';
	return APP_OK;
}

bool secrets_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char diff = alen != blen;
	size_t n = alen < blen ? alen : blen;

	for (size_t i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

int secrets_random_digits(char *out, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char b;

		if (secrets_random(&b, 1) != APP_OK)
			return APP_INTERNAL;
		if (b >= 250) /* 250 = 25 * 10: keep the digits uniform */
			continue;
		out[i++] = (char)('0' + b % 10);
	}
	out[n] = '\0';
	return APP_OK;
}

int secrets_hmac_hex(char out[65], const char *key, const char *message)
{
	unsigned char mac[32];

	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, strlen(key), message, strlen(message), mac) !=
	    0)
		return APP_INTERNAL;
	hex_encode(out, mac, sizeof(mac));
	return APP_OK;
}

/* The sealing key: HMAC-SHA256(key_material, label), so it differs from every other use. */
static int seal_key(unsigned char key[32], const char *key_material)
{
	static const char label[] = "cabinet-seal-v1";

	return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key_material, strlen(key_material), label,
	                        sizeof(label) - 1, key) == 0
	               ? APP_OK
	               : APP_INTERNAL;
}

/* nonce || ciphertext || tag of plain under the sealing key, into buf (12 + len + 16 bytes). */
static int seal_raw(unsigned char *buf, const char *key_material, const char *context,
                    const unsigned char *plain, size_t len)
{
	unsigned char key[32];
	gnutls_datum_t k = {key, sizeof(key)};
	gnutls_aead_cipher_hd_t h = NULL;
	size_t clen = len + 16;
	int rc = APP_INTERNAL;

	if (seal_key(key, key_material) != APP_OK || secrets_random(buf, 12) != APP_OK ||
	    gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &k))
		goto done;
	if (gnutls_aead_cipher_encrypt(h, buf, 12, context, strlen(context), 16, plain, len,
	                               buf + 12, &clen) == 0 &&
	    clen == len + 16)
		rc = APP_OK;
done:
	if (h)
		gnutls_aead_cipher_deinit(h);
	memset(key, 0, sizeof(key));
	return rc;
}

static void to_hex(char *out, const unsigned char *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int secrets_seal(char *out, size_t outlen, const char *key_material, const char *context,
                 const unsigned char *plain, size_t len)
{
	unsigned char *buf = NULL;
	int rc = APP_INTERNAL;

	if (len > SECRETS_SEAL_MAX || outlen < 2 * (12 + len + 16) + 1 ||
	    !(buf = malloc(12 + len + 16)))
		return APP_INTERNAL;
	if ((rc = seal_raw(buf, key_material, context, plain, len)) == APP_OK)
		to_hex(out, buf, 12 + len + 16);
	memset(buf, 0, 12 + len + 16);
	free(buf);
	return rc;
}

int secrets_seal_alloc(char **out, const char *key_material, const char *context,
                       const unsigned char *plain, size_t len)
{
	size_t outlen = 2 * (12 + len + 16) + 1;
	int rc;

	*out = NULL;
	if (len > SECRETS_SEAL_MAX || !(*out = malloc(outlen)))
		return APP_INTERNAL;
	if ((rc = secrets_seal(*out, outlen, key_material, context, plain, len)) != APP_OK) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

int secrets_open(unsigned char *plain, size_t plainlen, size_t *len_out, const char *key_material,
                 const char *context, const char *sealed)
{
	unsigned char key[32], *buf = NULL;
	gnutls_datum_t k = {key, sizeof(key)};
	gnutls_aead_cipher_hd_t h = NULL;
	size_t hexlen = strlen(sealed), n = hexlen / 2, plen = plainlen;
	int rc = APP_INTERNAL;

	*len_out = 0;
	if (hexlen % 2 || n < 12 + 16 || n - 28 > SECRETS_SEAL_MAX || plainlen < n - 28 ||
	    !(buf = malloc(n)) || seal_key(key, key_material) != APP_OK)
		goto done;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_value(sealed[2 * i]), lo = hex_value(sealed[2 * i + 1]);

		if (hi < 0 || lo < 0)
			goto done;
		buf[i] = (unsigned char)(hi << 4 | lo);
	}
	if (gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &k) ||
	    gnutls_aead_cipher_decrypt(h, buf, 12, context, strlen(context), 16, buf + 12, n - 12,
	                               plain, &plen) != 0)
		goto done;
	*len_out = plen;
	rc = APP_OK;
done:
	if (h)
		gnutls_aead_cipher_deinit(h);
	memset(key, 0, sizeof(key));
	free(buf);
	return rc;
}

int secrets_open_alloc(char **plain_out, const char *key_material, const char *context,
                       const char *sealed)
{
	size_t n = strlen(sealed) / 2, len = 0;
	char *plain;
	int rc;

	*plain_out = NULL;
	if (n < 28 || !(plain = malloc(n - 28 + 1)))
		return APP_INTERNAL;
	rc = secrets_open((unsigned char *)plain, n - 28, &len, key_material, context, sealed);
	if (rc != APP_OK) {
		memset(plain, 0, n - 28 + 1);
		free(plain);
		return rc;
	}
	plain[len] = '\0';
	*plain_out = plain;
	return APP_OK;
}

bool secrets_is_token(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}
