/* libFuzzer: access tokens as a client sends them: shape, signature and every claim checked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/secrets.h"
#include "auth/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct token_keys KEYS = {.secret = "fuzzing-secret-0123456789-0123456789",
	                                       .issuer = "https://portal.example.com"};
	struct token_claims c;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	token_verify(&c, &KEYS, text, 1800000000);
	token_is_uuid(text);
	secrets_is_token(text);
	free(text);
	return 0;
}
