/* Groups: SQL scoped by the customer id of the path, which the dispatcher has matched to the caller. */
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

#define GROUP_JSON                                                                                 \
	"json_build_object('id', g.id, 'name', g.name, 'description', g.description,"              \
	" 'members', coalesce((SELECT json_agg(json_build_object('id', i.id, 'name',"              \
	"   trim(i.first_name || ' ' || i.last_name), 'email', i.email) ORDER BY lower(i.email))"  \
	"   FROM group_members m JOIN individuals i ON i.id = m.individual_id"                     \
	"   WHERE m.group_id = g.id AND i.status <> 'deleted'), '[]'::json),"                      \
	" 'created_at', " DB_RFC3339("g.created_at") ")"

static const char SQL_LIST[] =
        "SELECT json_build_object('items', coalesce((SELECT json_agg(" GROUP_JSON
        " ORDER BY lower(g.name)) FROM groups g WHERE g.customer_id = c.id), '[]'::json))"
        " FROM customers c WHERE c.id = $1::uuid AND c.status <> 'deleted'";

static const char SQL_GET[] =
        "SELECT " GROUP_JSON " FROM groups g WHERE g.id = $2::uuid AND g.customer_id = $1::uuid";

int groups_list(json_t **out, struct app *app, const char *customer_id)
{
	return db_read_json(out, app->pool, SQL_LIST, 1, (const char *const[]){customer_id});
}

int groups_get(json_t **out, struct app *app, const char *customer_id, const char *id)
{
	return db_read_json(out, app->pool, SQL_GET, 2, (const char *const[]){customer_id, id});
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

/*
 * Runs one change of a group in a transaction: sql (answering the group's id, no row: not found),
 * its audit entry, then reads the group into *out (NULL: not read).
 */
static int change(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                  const struct client_info *ci, const char *customer_id, const char *action,
                  json_t *details, const char *sql, int n, const char *const *params)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	char id[37] = "";
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK || (rc = db_begin(conn)) != APP_OK)
		goto done;
	rc = db_exec(&res, conn, sql, n, params);
	if (rc == APP_CONFLICT && strcmp(conn->constraint, "groups_name_key") == 0) {
		field_errors_add(errors, "name", "taken",
		                 "This customer has a group of this name.");
		rc = APP_INVALID;
	}
	if (rc == APP_OK && PQntuples(res) == 0)
		rc = APP_NOT_FOUND;
	if (rc != APP_OK)
		goto done;
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	struct audit_entry e = entry(who, ci, action, id, customer_id, details);
	if ((rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (!out || (rc = db_exec_json(out, conn, SQL_GET, 2,
	                                (const char *const[]){customer_id, id})) == APP_OK))
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	PQclear(res);
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
	char now[24];
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
	db_time_param(now, (long long)clock_now());
	if (!id)
		return change(
		        out, errors, app, who, ci, customer_id, "group.created", body,
		        "INSERT INTO groups (customer_id, name, description, created_at, "
		        "updated_at)"
		        " SELECT id, $2::text, coalesce($3::text, ''), to_timestamp($4::bigint),"
		        " to_timestamp($4::bigint) FROM customers"
		        " WHERE id = $1::uuid AND status <> 'deleted' RETURNING id",
		        4, (const char *const[]){customer_id, name, description, now});
	return change(out, errors, app, who, ci, customer_id, "group.updated", body,
	              "UPDATE groups SET name = coalesce($3::text, name),"
	              " description = coalesce($4::text, description),"
	              " updated_at = to_timestamp($5::bigint)"
	              " WHERE id = $2::uuid AND customer_id = $1::uuid RETURNING id",
	              5, (const char *const[]){customer_id, id, name, description, now});
}

int groups_delete(struct app *app, const struct principal *who, const struct client_info *ci,
                  const char *customer_id, const char *id)
{
	json_t *errors = json_array();
	int rc = change(NULL, errors, app, who, ci, customer_id, "group.deleted", NULL,
	                "DELETE FROM groups WHERE id = $2::uuid AND customer_id = $1::uuid"
	                " RETURNING id",
	                2, (const char *const[]){customer_id, id});

	json_decref(errors);
	return rc;
}

/*
 * The new member set, only if every id is an individual of the customer, not deleted: the group
 * row is locked first, the old members go, the new ones come; no row answered when the group is
 * not the customer's. A count mismatch (an unknown id) is checked by the caller beforehand.
 */
static const char SQL_SET_MEMBERS[] =
        "WITH g AS (SELECT id FROM groups WHERE id = $2::uuid AND customer_id = $1::uuid"
        "   FOR UPDATE),"
        " gone AS (DELETE FROM group_members m USING g WHERE m.group_id = g.id),"
        " added AS (INSERT INTO group_members (group_id, individual_id)"
        "   SELECT g.id, i.id FROM g, individuals i"
        "   WHERE i.id = ANY ($3::uuid[]) AND i.customer_id = $1::uuid AND i.status <> 'deleted')"
        " SELECT id FROM g";

int groups_set_members(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                       const struct client_info *ci, const char *customer_id, const char *id,
                       json_t *body)
{
	json_t *ids = json_object_get(body, "individual_ids"), *v;
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	const char *key;
	char *list = NULL;
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
	    (rc = db_exec(&res, conn,
	                  "SELECT count(DISTINCT i.id) = cardinality(ARRAY(SELECT DISTINCT unnest("
	                  "$2::uuid[]))) FROM individuals i WHERE i.id = ANY ($2::uuid[])"
	                  " AND i.customer_id = $1::uuid AND i.status <> 'deleted'",
	                  2, (const char *const[]){customer_id, list})) == APP_OK &&
	    strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		field_errors_add(errors, "individual_ids", "unknown_individual",
		                 "Each entry is one of this customer's individuals.");
		rc = APP_INVALID;
	}
	PQclear(res);
	db_pool_checkin(app->pool, conn);
	if (rc == APP_OK)
		rc = change(out, errors, app, who, ci, customer_id, "group.members_set", body,
		            SQL_SET_MEMBERS, 3, (const char *const[]){customer_id, id, list});
	free(list);
	return rc;
}
