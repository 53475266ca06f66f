/* Message templates: the event catalogue, {{placeholder}} checking and rendering. Pure code. */
#ifndef CABINET_TEMPLATES_H
#define CABINET_TEMPLATES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct template_event {
	const char *name;
	bool sensitive;                  /* carries a secret (link, code, password) */
	const char *const *placeholders; /* NULL-terminated, beyond the common ones */
	const char *const
	        *secrets; /* the placeholders holding the secret, NULL-terminated or NULL */
};

/* What a secret placeholder shows wherever a message is read back (API, admin screens). */
#define TEMPLATES_HIDDEN "[hidden]"

/*
 * A copy of vars with every secret placeholder of ev replaced by TEMPLATES_HIDDEN: what a stored
 * message may show. The caller owns the result.
 */
json_t *templates_masked_vars(const struct template_event *ev, json_t *vars);

/* The event named name, or NULL. */
const struct template_event *templates_event(const char *name);

/* Every event, NULL-terminated by a zeroed entry. */
extern const struct template_event TEMPLATE_EVENTS[];

/* Whether a language has templates ("en", "fr"). */
bool templates_language_ok(const char *language);

/* Whether name may be used in templates of ev (the common names or the event's own). */
bool templates_placeholder_ok(const struct template_event *ev, const char *name);

/*
 * Checks every {{name}} of text: well formed and allowed for ev. On error returns APP_INVALID and
 * writes a sentence naming the problem into why.
 */
int templates_check(const struct template_event *ev, const char *text, char *why, size_t whylen);

/*
 * templates_check for a subject, which may not hold text a customer types (names, company, an
 * address): a subject is what a phishing message would use to look official.
 */
int templates_check_subject(const struct template_event *ev, const char *text, char *why,
                            size_t whylen);

/*
 * Renders text, replacing {{name}} by vars[name] (string or number; absent: empty). With html, values
 * are HTML-escaped (the template's own markup is not). The caller frees *out.
 */
int templates_render(char **out, const char *text, json_t *vars, bool html);

/* Example values for every placeholder of ev, for previews. The caller owns the result. */
json_t *templates_sample_vars(const struct template_event *ev);

/* The placeholders of ev, common ones included, as a JSON array of strings. Caller owns it. */
json_t *templates_placeholders_json(const struct template_event *ev);

#endif
