/* Template catalogue and the {{placeholder}} language: names only, no logic, values escaped in HTML. */
#include "notify/templates.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

static const char *const COMMON[] = {"first_name", "last_name", "portal_name", "portal_url", NULL};

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

const struct template_event TEMPLATE_EVENTS[] = {
        {"welcome", false, LIST("login_url"), NULL},
        {"email_confirmation", true, LIST("link", "expires_minutes"), LIST("link")},
        {"password_reset_link", true, LIST("link", "expires_minutes"), LIST("link")},
        {"recovery_code", true, LIST("code", "expires_minutes"), LIST("code")},
        {"generated_credentials", true, LIST("login", "password", "login_url"), LIST("password")},
        {"staff_message", false, LIST("subject", "message"), NULL},
        {"new_device_login", true, LIST("ip", "device", "time", "revoke_link"),
         LIST("revoke_link")},
        {"email_change_notice", false, LIST("new_email"), NULL},
        {"registration_attempt", false, LIST("login_url"), NULL},
        {"account_suspended", false, LIST("reason"), NULL},
        {"account_banned", false, LIST("reason"), NULL},
        {"account_reactivated", false, LIST("login_url"), NULL},
        {"individual_invitation", true, LIST("organization", "link", "expires_days"), LIST("link")},
        {"password_reset_done", false, LIST("tokens"), NULL},
        {"signed_out_everywhere", false, LIST("tokens"), NULL},
        {"email_changed", true, LIST("new_email", "undo_link", "expires_days"), LIST("undo_link")},
        {"address_in_use", false, LIST("address"), NULL},
        {"account_security_changed", false, LIST("change"), NULL},
        {NULL, false, NULL, NULL},
};

static const struct {
	const char *name, *value;
} SAMPLES[] = {
        {"first_name", "Ada"},
        {"last_name", "Lovelace"},
        {"portal_name", "Cabinet"},
        {"portal_url", "https://portal.example.com"},
        {"login_url", "https://portal.example.com/?auth=1"},
        {"link", "https://portal.example.com/confirm?token=sample"},
        {"expires_minutes", "30"},
        {"code", "428 913"},
        {"login", "ada@example.com"},
        {"password", "sample-password"},
        {"subject", "A word from our team"},
        {"message", "Your licence renewal is ready."},
        {"ip", "203.0.113.7"},
        {"device", "Firefox on Linux"},
        {"time", "2026-01-01 12:00 UTC"},
        {"revoke_link", "https://portal.example.com/not-me?token=sample"},
        {"new_email", "ada.new@example.com"},
        {"reason", "unpaid invoices"},
        {"organization", "Analytical Engines Ltd"},
        {"expires_days", "7"},
        {"tokens", "CRM sync (cab_1a2b3c4d)"},
        {"undo_link", "https://portal.example.com/confirm?token=sample"},
        {"address", "ada@example.com"},
        {"change", "two-step verification was turned off"},
};

const struct template_event *templates_event(const char *name)
{
	for (const struct template_event *e = TEMPLATE_EVENTS; name && e->name; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

bool templates_language_ok(const char *language)
{
	return language && (strcmp(language, "en") == 0 || strcmp(language, "fr") == 0);
}

static bool in_list(const char *const *list, const char *name, size_t len)
{
	for (; *list; list++)
		if (strlen(*list) == len && strncmp(*list, name, len) == 0)
			return true;
	return false;
}

bool templates_placeholder_ok(const struct template_event *ev, const char *name)
{
	size_t n = strlen(name);

	return in_list(COMMON, name, n) || (ev && in_list(ev->placeholders, name, n));
}

/*
 * Parses the placeholder starting at s ("{{"); sets name/len and returns the length of the whole
 * placeholder, or 0 when malformed.
 */
static size_t parse_placeholder(const char *s, const char **name, size_t *len)
{
	const char *p = s + 2, *end;

	while (*p == ' ')
		p++;
	*name = p;
	while (*p == '_' || (*p >= 'a' && *p <= 'z'))
		p++;
	*len = (size_t)(p - *name);
	while (*p == ' ')
		p++;
	if (*len == 0 || strncmp(p, "}}", 2) != 0)
		return 0;
	end = p + 2;
	return (size_t)(end - s);
}

int templates_check(const struct template_event *ev, const char *text, char *why, size_t whylen)
{
	for (const char *p = strstr(text, "{{"); p; p = strstr(p, "{{")) {
		const char *name;
		size_t len, whole = parse_placeholder(p, &name, &len);

		if (!whole) {
			snprintf(why, whylen,
			         "Malformed placeholder at character %zu: use {{name}} with a "
			         "lowercase name.",
			         (size_t)(p - text) + 1);
			return APP_INVALID;
		}
		if (!in_list(COMMON, name, len) && !(ev && in_list(ev->placeholders, name, len))) {
			snprintf(why, whylen, "Unknown placeholder {{%.*s}} for this event.",
			         (int)len, name);
			return APP_INVALID;
		}
		p += whole;
	}
	return APP_OK;
}

/* Placeholders whose value a customer types. */
static const char *const FREE_TEXT[] = {"first_name", "last_name", "organization",
                                        "new_email",  "address",   NULL};

int templates_check_subject(const struct template_event *ev, const char *text, char *why,
                            size_t whylen)
{
	int rc = templates_check(ev, text, why, whylen);

	for (const char *p = strstr(text, "{{"); rc == APP_OK && p; p = strstr(p + 2, "{{")) {
		const char *name;
		size_t len;

		if (parse_placeholder(p, &name, &len) && in_list(FREE_TEXT, name, len)) {
			snprintf(why, whylen,
			         "{{%.*s}} cannot be in a subject: it is text a customer types.",
			         (int)len, name);
			rc = APP_INVALID;
		}
	}
	return rc;
}

struct out {
	char *data;
	size_t len, cap;
	int err;
};

static void append(struct out *o, const char *s, size_t n)
{
	if (o->err)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->cap + n + 1) * 2;
		char *grown = realloc(o->data, cap);

		if (!grown) {
			o->err = 1;
			return;
		}
		o->data = grown;
		o->cap = cap;
	}
	memcpy(o->data + o->len, s, n);
	o->len += n;
	o->data[o->len] = '\0';
}

static void append_escaped(struct out *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			append(o, "&amp;", 5);
			break;
		case '<':
			append(o, "&lt;", 4);
			break;
		case '>':
			append(o, "&gt;", 4);
			break;
		case '"':
			append(o, "&quot;", 6);
			break;
		case '\'':
			append(o, "&#39;", 5);
			break;
		default:
			append(o, s, 1);
		}
	}
}

int templates_render(char **out_text, const char *text, json_t *vars, bool html)
{
	struct out o = {0};
	const char *p = text;

	*out_text = NULL;
	append(&o, "", 0);
	while (*p) {
		const char *open = strstr(p, "{{"), *name;
		size_t len, whole;
		char key[64], number[32];
		json_t *v;
		const char *value = "";

		if (!open) {
			append(&o, p, strlen(p));
			break;
		}
		append(&o, p, (size_t)(open - p));
		whole = parse_placeholder(open, &name, &len);
		if (!whole || len >= sizeof(key)) { /* not a placeholder: keep the braces as text */
			append(&o, open, 2);
			p = open + 2;
			continue;
		}
		memcpy(key, name, len);
		key[len] = '\0';
		v = vars ? json_object_get(vars, key) : NULL;
		if (json_is_string(v)) {
			value = json_string_value(v);
		} else if (json_is_integer(v)) {
			snprintf(number, sizeof(number), "%lld", (long long)json_integer_value(v));
			value = number;
		}
		if (html)
			append_escaped(&o, value);
		else
			append(&o, value, strlen(value));
		p = open + whole;
	}
	if (o.err) {
		free(o.data);
		return APP_INTERNAL;
	}
	*out_text = o.data;
	return APP_OK;
}

json_t *templates_sample_vars(const struct template_event *ev)
{
	json_t *vars = json_object();

	for (size_t i = 0; i < sizeof(SAMPLES) / sizeof(SAMPLES[0]); i++)
		if (templates_placeholder_ok(ev, SAMPLES[i].name))
			json_object_set_new(vars, SAMPLES[i].name, json_string(SAMPLES[i].value));
	return vars;
}

json_t *templates_masked_vars(const struct template_event *ev, json_t *vars)
{
	json_t *masked = vars ? json_deep_copy(vars) : json_object();

	for (const char *const *p = ev && ev->secrets ? ev->secrets : NULL; masked && p && *p; p++)
		json_object_set_new(masked, *p, json_string(TEMPLATES_HIDDEN));
	return masked;
}

json_t *templates_placeholders_json(const struct template_event *ev)
{
	json_t *list = json_array();

	for (const char *const *p = COMMON; *p; p++)
		json_array_append_new(list, json_string(*p));
	for (const char *const *p = ev->placeholders; *p; p++)
		json_array_append_new(list, json_string(*p));
	return list;
}
