/* Enqueueing: template lookup, rendering and the insert, all on the caller's connection. */
#include "notify/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
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

int outbox_enqueue(char id_out[37], struct db_conn *conn, const struct app *app,
                   const struct outbox_message *m)
{
	const struct template_event *ev = templates_event(m->event);
	struct template_row tpl = {0};
	const char *language = m->language;
	bool email = m->channel && strcmp(m->channel, "email") == 0;
	char *subject = NULL, *text = NULL, *html = NULL;
	json_t *vars = NULL;
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
	if ((rc = templates_render(&subject, tpl.subject, vars, false)) != APP_OK ||
	    (rc = templates_render(&text, tpl.body_text, vars, false)) != APP_OK ||
	    (email && (rc = templates_render(&html, tpl.body_html, vars, true)) != APP_OK))
		goto done;
	struct message_new row = {.customer_id = m->customer_id,
	                          .individual_id = m->individual_id,
	                          .staff_id = m->staff_id,
	                          .channel = m->channel,
	                          .address = m->address,
	                          .subject = email ? subject : "",
	                          .body_text = text,
	                          .body_html = html,
	                          .event = m->event,
	                          .language = language,
	                          .sensitive = ev->sensitive,
	                          .held = !outbox_channel_configured(&app->cfg, m->channel),
	                          .now = clock_now()};
	rc = message_repo_insert(id_out, conn, &row);
done:
	free(subject);
	free(text);
	free(html);
	json_decref(vars);
	template_row_free(&tpl);
	return rc;
}
