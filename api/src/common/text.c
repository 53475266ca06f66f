/* Single-line text: the bytes below 0x20 and 0x7F are what forge headers and log lines. */
#include "common/text.h"

bool text_is_single_line(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

bool text_line_ok(const json_t *v, size_t max)
{
	return json_is_string(v) && json_string_length(v) <= max &&
	       text_is_single_line(json_string_value(v), json_string_length(v));
}
