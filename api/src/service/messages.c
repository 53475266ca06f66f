/* Messages and templates service. */
#include "service/messages.h"

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "notify/templates.h"

/* Runs fn on a pooled connection (single read statements need no transaction). */
#define WITH_CONN(app, conn, expr)                                                                 \
	do {                                                                                       \
		if ((rc = db_pool_checkout(&(conn), (app)->pool)) == APP_OK)                       \
			rc = (expr);                                                               \
		db_pool_checkin((app)->pool, (conn));                                              \
	} while (0)

int messages_list(json_t **out, struct app *app, const struct message_filter *f)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	WITH_CONN(app, conn, message_repo_list(out, conn, f));
	return rc;
}

int messages_get(json_t **out, struct app *app, const char *id)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	WITH_CONN(app, conn, message_repo_get(out, conn, id));
	return rc;
}

/* Appends the audit entry of a staff action on conn, inside the caller's transaction. */
static int audit_staff(struct db_conn *conn, const struct principal *who,
                       const struct client_info *ci, const char *action, const char *target_kind,
                       const char *target_id, json_t *details)
{
	struct audit_entry e = {.actor_kind = "staff",
	                        .actor_id = who->id,
	                        .action = action,
	                        .target_kind = target_kind,
	                        .target_id = target_id,
	                        .ip = ci->ip,
	                        .request_id = ci->request_id,
	                        .api_token_id = ci->api_token_id,
	                        .details = details};

	return audit_repo_append(conn, &e);
}

struct retry {
	bool *gone;
	const struct principal *who;
	const struct client_info *ci;
	const char *id;
};

static int run_retry(struct db_conn *conn, void *arg)
{
	const struct retry *r = arg;
	int rc = message_repo_retry(r->gone, conn, r->id, clock_now());

	return rc == APP_OK ? audit_staff(conn, r->who, r->ci, "message.retry", NULL, NULL, NULL)
	                    : rc;
}

int messages_retry(bool *gone_out, struct app *app, const struct principal *who,
                   const struct client_info *ci, const char *id)
{
	struct retry r = {gone_out, who, ci, id};

	return db_transaction(app->pool, run_retry, &r);
}

int templates_list_all(json_t **out, struct app *app)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	WITH_CONN(app, conn, template_repo_list(out, conn));
	return rc;
}

/* Adds placeholders and a preview rendered with sample values to a template object. */
static int decorate(json_t *tpl, const struct template_event *ev)
{
	json_t *vars = templates_sample_vars(ev), *preview = json_object();
	static const char *const fields[][2] = {
	        {"subject", "subject"}, {"body_text", "body_text"}, {"body_html", "body_html"}};
	int rc = APP_OK;

	for (size_t i = 0; i < 3 && rc == APP_OK; i++) {
		char *rendered = NULL;
		const char *text = json_string_value(json_object_get(tpl, fields[i][0]));

		rc = templates_render(&rendered, text ? text : "", vars,
		                      strcmp(fields[i][0], "body_html") == 0);
		if (rc == APP_OK)
			json_object_set_new(preview, fields[i][1], json_string(rendered));
		free(rendered);
	}
	json_object_set_new(tpl, "placeholders", templates_placeholders_json(ev));
	json_object_set_new(tpl, "preview", preview);
	json_decref(vars);
	return rc;
}

int templates_get_one(json_t **out, struct app *app, const char *event, const char *language)
{
	const struct template_event *ev = templates_event(event);
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if (!ev || !templates_language_ok(language))
		return APP_NOT_FOUND;
	WITH_CONN(app, conn, template_repo_get_json(out, conn, event, language));
	if (rc == APP_OK && (rc = decorate(*out, ev)) != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int templates_save(json_t **out, struct app *app, const struct principal *who,
                   const struct client_info *ci, const char *event, const char *language,
                   const struct template_texts *t, bool preview_only)
{
	const struct template_event *ev = templates_event(event);
	struct db_conn *conn = NULL;
	json_t *details = NULL;
	int rc;

	*out = NULL;
	if (!ev || !templates_language_ok(language))
		return APP_NOT_FOUND;
	if (preview_only) {
		*out = json_pack("{s:s, s:s, s:s, s:s, s:s}", "event", event, "language", language,
		                 "subject", t->subject, "body_text", t->body_text, "body_html",
		                 t->body_html);
		return decorate(*out, ev);
	}
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	details = json_pack("{s:s, s:s}", "event", event, "language", language);
	if ((rc = db_begin(conn)) == APP_OK &&
	    (rc = template_repo_put(conn, event, language, t->subject, t->body_text, t->body_html,
	                            who->id, clock_now())) == APP_OK &&
	    (rc = audit_staff(conn, who, ci, "template.update", NULL, NULL, details)) == APP_OK &&
	    (rc = template_repo_get_json(out, conn, event, language)) == APP_OK)
		rc = db_commit(conn);
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	if (rc == APP_OK)
		rc = decorate(*out, ev);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int messages_enqueue_test(char id_out[37], struct app *app, const struct outbox_message *m,
                          bool rollback)
{
	struct db_conn *conn = NULL;
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = db_begin(conn)) == APP_OK &&
	    (rc = outbox_enqueue(id_out, conn, app, m)) == APP_OK && !rollback)
		rc = db_commit(conn);
	db_rollback(conn); /* with rollback set, the message disappears with the transaction */
	db_pool_checkin(app->pool, conn);
	return rc;
}
