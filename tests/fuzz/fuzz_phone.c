/* libFuzzer: phone numbers as people type them, into E.164. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/phone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[32], *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	phone_normalize(out, sizeof(out), text, "FR");
	phone_normalize(out, sizeof(out), text, "US");
	phone_normalize(out, sizeof(out), text, NULL);
	free(text);
	return 0;
}
