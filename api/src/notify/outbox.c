/* Enqueueing: template lookup, rendering and the insert, all on the caller's connection. */
#include "notify/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "auth/secrets.h"
#include "common/err.h"
#include "db/message_repo.h"
#include "notify/templates.h"
#include "service/settings.h"

bool outbox_channel_configured(const struct config *cfg, const char *channel)
{
	if (strcmp(channel, "email") == 0)
		return cfg->smtp_url && *cfg->smtp_url;
	if (strcmp(channel, "sms") == 0)
		return cfg->sms_webhook_url && *cfg->sms_webhook_url;
	return false;
}

const char *outbox_channels(const struct config *cfg)
{
	bool email = outbox_channel_configured(cfg, "email"),
	     sms = outbox_channel_configured(cfg, "sms");

	return email && sms ? "{email,sms}" : email ? "{email}" : sms ? "{sms}" : "{}";
}

/* Renders the subject and bodies of a message with vars into *subject, *text and *html. */
static int render_all(char **subject, char **text, char **html, const struct template_row *tpl,
                      json_t *vars, bool email)
{
	*subject = *text = *html = NULL;
	if (templates_render(subject, tpl->subject, vars, false) != APP_OK ||
	    templates_render(text, tpl->body_text, vars, false) != APP_OK ||
	    (email && templates_render(html, tpl->body_html, vars, true) != APP_OK))
		return APP_INTERNAL;
	return APP_OK;
}

/*
 * The texts as delivered, sealed under the server's key and bound to the message id: only the
 * delivery worker opens them. The caller frees *sealed_out.
 */
static int seal_texts(char **sealed_out, const struct app *app, const char *id, const char *subject,
                      const char *text, const char *html)
{
	json_t *texts = json_pack("{s:s, s:s, s:s*}", "subject", subject, "body_text", text,
	                          "body_html", html);
	char *plain = texts ? json_dumps(texts, JSON_COMPACT) : NULL, context[64];
	int rc = APP_INTERNAL;

	*sealed_out = NULL;
	snprintf(context, sizeof(context), "message:%s", id);
	if (plain)
		rc = secrets_seal_alloc(sealed_out, app->cfg.jwt_secret, context,
		                        (const unsigned char *)plain, strlen(plain));
	if (plain)
		memset(plain, 0, strlen(plain));
	free(plain);
	json_decref(texts); /* the strings in it are copies; the caller wipes its own */
	return rc;
}

static void wipe_free(char *s)
{
	if (s)
		memset(s, 0, strlen(s));
	free(s);
}

int outbox_enqueue(char id_out[37], struct db_conn *conn, const struct app *app,
                   const struct outbox_message *m)
{
	const struct template_event *ev = templates_event(m->event);
	struct template_row tpl = {0};
	const char *language = m->language;
	bool email = m->channel && strcmp(m->channel, "email") == 0;
	char *subject = NULL, *text = NULL, *html = NULL, *sealed = NULL;
	char *shown_subject = NULL, *shown_text = NULL, *shown_html = NULL;
	json_t *vars = NULL, *masked = NULL;
	int rc;

	if (!ev || !templates_language_ok(language) || !m->address ||
	    !(email || (m->channel && strcmp(m->channel, "sms") == 0)))
		return APP_INVALID;
	rc = template_repo_get(&tpl, conn, m->event, language);
	if (rc == APP_NOT_FOUND && strcmp(language, "en") != 0) {
		language = "en";
		rc = template_repo_get(&tpl, conn, m->event, language);
	}
	if (rc != APP_OK)
		return rc;
	vars = m->vars ? json_deep_copy(m->vars) : json_object();
	if (!json_object_get(vars, "portal_name")) {
		char name[64] = "Cabinet";

		/* the operator's branding; a message still goes out if it cannot be read */
		if (settings_string(name, sizeof(name), conn, "branding.portal_name") != APP_OK)
			snprintf(name, sizeof(name), "Cabinet");
		json_object_set_new(vars, "portal_name", json_string(name));
	}
	if (!json_object_get(vars, "portal_url"))
		json_object_set_new(vars, "portal_url", json_string(app->cfg.public_url));
	/*
	 * What is stored in the clear is the message with its secrets masked: anybody allowed to read
	 * messages sees what was sent, never a live link, code or password. The deliverable texts are
	 * sealed beside it when the event carries a secret.
	 */
	masked = templates_masked_vars(ev, vars);
	if ((rc = secrets_uuid(id_out)) != APP_OK ||
	    (rc = render_all(&shown_subject, &shown_text, &shown_html, &tpl, masked, email)) !=
	            APP_OK)
		goto done;
	if (ev->secrets &&
	    ((rc = render_all(&subject, &text, &html, &tpl, vars, email)) != APP_OK ||
	     (rc = seal_texts(&sealed, app, id_out, subject, text, html)) != APP_OK))
		goto done;
	struct message_new row = {.id = id_out,
	                          .customer_id = m->customer_id,
	                          .individual_id = m->individual_id,
	                          .staff_id = m->staff_id,
	                          .channel = m->channel,
	                          .address = m->address,
	                          .subject = email ? shown_subject : "",
	                          .body_text = shown_text,
	                          .body_html = shown_html,
	                          .sealed = sealed,
	                          .event = m->event,
	                          .language = language,
	                          .sensitive = ev->secrets != NULL,
	                          .held = !outbox_channel_configured(&app->cfg, m->channel),
	                          .now = clock_now()};
	rc = message_repo_insert(conn, &row);
done:
	wipe_free(subject);
	wipe_free(text);
	wipe_free(html);
	free(sealed);
	free(shown_subject);
	free(shown_text);
	free(shown_html);
	json_decref(vars); /* holds the secret values: dropped at once */
	json_decref(masked);
	template_row_free(&tpl);
	return rc;
}

int outbox_open(struct message_claim *c, const struct app *app)
{
	char context[64], *plain = NULL;
	json_t *texts = NULL;
	const char *subject, *text, *html = NULL;
	int rc = APP_INTERNAL;

	if (!c->sealed)
		return APP_OK; /* nothing secret: the stored texts are the message */
	snprintf(context, sizeof(context), "message:%s", c->id);
	if (secrets_open_alloc(&plain, app->cfg.jwt_secret, context, c->sealed) != APP_OK ||
	    !(texts = json_loads(plain, 0, NULL)) ||
	    json_unpack(texts, "{s:s, s:s, s?s}", "subject", &subject, "body_text", &text,
	                "body_html", &html) != 0)
		goto done;
	free(c->subject);
	free(c->body_text);
	free(c->body_html);
	c->subject = strdup(subject);
	c->body_text = strdup(text);
	c->body_html = html ? strdup(html) : NULL;
	rc = c->subject && c->body_text && (!html || c->body_html) ? APP_OK : APP_INTERNAL;
done:
	wipe_free(plain);
	json_decref(texts);
	return rc;
}
