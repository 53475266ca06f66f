/* Names of the expected errors. */
#include "common/err.h"

const char *app_err_name(int err)
{
	switch (err) {
	case APP_OK:
		return "ok";
	case APP_INVALID:
		return "invalid";
	case APP_UNAUTHORIZED:
		return "unauthorized";
	case APP_FORBIDDEN:
		return "forbidden";
	case APP_NOT_FOUND:
		return "not_found";
	case APP_NOT_ALLOWED:
		return "method_not_allowed";
	case APP_CONFLICT:
		return "conflict";
	case APP_TOO_LARGE:
		return "payload_too_large";
	case APP_UNSUPPORTED:
		return "unsupported_media_type";
	case APP_RATE_LIMITED:
		return "rate_limited";
	case APP_UNAVAILABLE:
		return "unavailable";
	default:
		return "internal";
	}
}

void field_errors_add(json_t *errors, const char *field, const char *code, const char *message)
{
	json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "field", field, "code", code,
	                                        "message", message));
}
