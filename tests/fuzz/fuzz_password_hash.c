/*
 * libFuzzer: stored password hashes of every origin (imports, legacy rows): the parser that decides
 * whether a hash is known and within the cost bounds before anything computes it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	password_hash_known(text);
	free(text);
	return 0;
}
