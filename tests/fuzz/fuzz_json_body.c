/* libFuzzer: the one reader of request bodies (JSON, no duplicate keys, an object). */
#include <stdint.h>

#include "http/respond.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct problem pb = {0};
	json_t *body = NULL;

	if (http_parse_json_object(&body, data, size, &pb) == 0)
		http_only_fields(body, (const char *const[]){"login", "password", "realm", NULL},
		                 &pb);
	json_decref(body);
	problem_free(&pb);
	return 0;
}
