/* Groups of a customer's individuals: each change audited, scoped by the customer of the path. */
#include "service/groups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/token.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/text.h"
#include "db/account_repo.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/group_repo.h"

int groups_list(json_t **out, struct app *app, const char *customer_id)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = group_repo_list(out, conn, customer_id);
	db_pool_checkin(app->pool, conn);
	return rc;
}

int groups_get(json_t **out, struct app *app, const char *customer_id, const char *id)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = group_repo_get(out, conn, customer_id, id);
	db_pool_checkin(app->pool, conn);
	return rc;
}

static struct audit_entry entry(const struct principal *who, const struct client_info *ci,
                                const char *action, const char *id, const char *customer_id,
                                json_t *details)
{
	return (struct audit_entry){.actor_kind = account_kind_name(who->kind),
	                            .actor_id = who->id,
	                            .action = action,
	                            .target_kind = "group",
	                            .target_id = id,
	                            .customer_id = customer_id,
	                            .ip = ci->ip,
	                            .request_id = ci->request_id,
	                            .api_token_id = ci->api_token_id,
	                            .impersonator_id = ci->impersonator_id,
	                            .details = details};
}

/* One change of a group: its statement (writing the group's id), its input. */
struct group_change {
	int (*op)(char id_out[37], struct db_conn *conn, const struct group_change *c);
	const char *customer_id, *id, *name, *description, *members;
	time_t now;
};

static int op_insert(char id_out[37], struct db_conn *conn, const struct group_change *c)
{
	return group_repo_insert(id_out, conn, c->customer_id, c->name, c->description, c->now);
}

static int op_update(char id_out[37], struct db_conn *conn, const struct group_change *c)
{
	snprintf(id_out, 37, "%s", c->id);
	return group_repo_update(conn, c->customer_id, c->id, c->name, c->description, c->now);
}

static int op_delete(char id_out[37], struct db_conn *conn, const struct group_change *c)
{
	snprintf(id_out, 37, "%s", c->id);
	return group_repo_delete(conn, c->customer_id, c->id);
}

static int op_set_members(char id_out[37], struct db_conn *conn, const struct group_change *c)
{
	snprintf(id_out, 37, "%s", c->id);
	return group_repo_set_members(conn, c->customer_id, c->id, c->members);
}

/*
 * Runs one change of a group in a transaction: its statement (no row: not found), its audit entry,
 * then reads the group into *out (NULL: not read).
 */
static int change(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                  const struct client_info *ci, const char *action, json_t *details,
                  const struct group_change *c)
{
	struct db_conn *conn = NULL;
	char id[37] = "";
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK || (rc = db_begin(conn)) != APP_OK)
		goto done;
	rc = c->op(id, conn, c);
	if (rc == APP_CONFLICT && strcmp(conn->constraint, "groups_name_key") == 0) {
		field_errors_add(errors, "name", "taken",
		                 "This customer has a group of this name.");
		rc = APP_INVALID;
	}
	if (rc != APP_OK)
		goto done;
	struct audit_entry e = entry(who, ci, action, id, c->customer_id, details);
	if ((rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (!out || (rc = group_repo_get(out, conn, c->customer_id, id)) == APP_OK))
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	if (rc != APP_OK && out) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int groups_save(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                const struct client_info *ci, const char *customer_id, const char *id, json_t *body)
{
	const char *key, *name = NULL, *description = NULL;
	json_t *v;

	*out = NULL;
	json_object_foreach(body, key, v)
	{
		if (!strcmp(key, "name")) {
			name = json_string_value(v);
			if (!name || json_string_length(v) < 1 || !text_line_ok(v, 100))
				field_errors_add(errors, key, "invalid", "1 to 100 characters.");
		} else if (!strcmp(key, "description")) {
			description = json_string_value(v);
			if (!description || !text_line_ok(v, 500))
				field_errors_add(errors, key, "invalid", "At most 500 characters.");
		} else {
			field_errors_add(errors, key, "unknown_field",
			                 "This field is not accepted.");
		}
	}
	if (!id && !json_object_get(body, "name"))
		field_errors_add(errors, "name", "required", "1 to 100 characters.");
	if (json_array_size(errors))
		return APP_INVALID;
	struct group_change c = {.op = id ? op_update : op_insert,
	                         .customer_id = customer_id,
	                         .id = id,
	                         .name = name,
	                         .description = description,
	                         .now = clock_now()};

	return change(out, errors, app, who, ci, id ? "group.updated" : "group.created", body, &c);
}

int groups_delete(struct app *app, const struct principal *who, const struct client_info *ci,
                  const char *customer_id, const char *id)
{
	struct group_change c = {.op = op_delete, .customer_id = customer_id, .id = id};
	json_t *errors = json_array();
	int rc = change(NULL, errors, app, who, ci, "group.deleted", NULL, &c);

	json_decref(errors);
	return rc;
}

int groups_set_members(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                       const struct client_info *ci, const char *customer_id, const char *id,
                       json_t *body)
{
	json_t *ids = json_object_get(body, "individual_ids"), *v;
	struct db_conn *conn = NULL;
	const char *key;
	char *list = NULL;
	bool all = false;
	size_t i, len = 3;
	int rc;

	*out = NULL;
	json_object_foreach(body, key, v) if (strcmp(key, "individual_ids"))
	        field_errors_add(errors, key, "unknown_field", "This field is not accepted.");
	if (!json_is_array(ids) || json_array_size(ids) > 1000)
		field_errors_add(errors, "individual_ids", ids ? "invalid" : "required",
		                 "A list of at most 1000 individual ids.");
	json_array_foreach(json_is_array(ids) ? ids : NULL, i,
	                   v) if (!token_is_uuid(json_string_value(v)))
	        field_errors_add(errors, "individual_ids", "invalid",
	                         "Each entry is an individual's id.");
	if (json_array_size(errors))
		return APP_INVALID;
	/* ids are checked uuids: the array literal needs no quoting */
	list = malloc(3 + json_array_size(ids) * 37);
	if (!list)
		return APP_INTERNAL;
	list[0] = '{';
	json_array_foreach(ids, i, v)
	{
		len += (size_t)sprintf(list + len - 2, "%s%s", i ? "," : "", json_string_value(v));
	}
	strcpy(list + len - 2, "}");
	/* every id must be one of this customer's people: count them before anything changes */
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = group_repo_all_individuals(&all, conn, customer_id, list)) == APP_OK && !all) {
		field_errors_add(errors, "individual_ids", "unknown_individual",
		                 "Each entry is one of this customer's individuals.");
		rc = APP_INVALID;
	}
	db_pool_checkin(app->pool, conn);
	struct group_change c = {
	        .op = op_set_members, .customer_id = customer_id, .id = id, .members = list};
	if (rc == APP_OK)
		rc = change(out, errors, app, who, ci, "group.members_set", body, &c);
	free(list);
	return rc;
}
