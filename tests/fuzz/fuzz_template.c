/* libFuzzer: message templates as staff write them: the placeholder check and the renderer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify/templates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct template_event *ev = templates_event("password_reset_link");
	json_t *vars = json_pack("{s:s, s:s, s:i}", "first_name", "<Ada & \"Bob\">", "link",
	                         "https://x.example/?a=1&b=2", "expires_minutes", 30);
	json_t *masked = templates_masked_vars(ev, vars);
	char why[160], *text = malloc(size + 1), *out = NULL;

	if (!text)
		goto done;
	memcpy(text, data, size);
	text[size] = '\0';
	templates_check(ev, text, why, sizeof(why));
	templates_check_subject(ev, text, why, sizeof(why));
	if (templates_render(&out, text, vars, size % 2) == 0)
		free(out);
	out = NULL;
	if (templates_render(&out, text, masked, true) == 0)
		free(out);
done:
	free(text);
	json_decref(vars);
	json_decref(masked);
	return 0;
}
