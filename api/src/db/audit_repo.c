/* audit_log SQL. */
#include "db/audit_repo.h"

#include <stdlib.h>

#include "common/err.h"
#include "db/db.h"

static const char SQL_AUDIT_APPEND[] =
        "INSERT INTO audit_log (actor_kind, actor_id, action, target_kind, target_id, customer_id,"
        " ip, request_id, details)"
        " VALUES ($1::text, $2::uuid, $3::text, $4::text, $5::uuid, $6::uuid, $7::inet, $8::text,"
        " coalesce($9::jsonb, '{}'::jsonb))";

int audit_repo_append(struct db_conn *conn, const struct audit_entry *e)
{
	char *details = e->details ? json_dumps(e->details, JSON_COMPACT) : NULL;
	const char *params[] = {e->actor_kind,
	                        e->actor_id,
	                        e->action,
	                        e->target_kind,
	                        e->target_id,
	                        e->customer_id,
	                        e->ip && *e->ip ? e->ip : NULL,
	                        e->request_id,
	                        details};
	int rc;

	if (e->details && !details)
		return APP_INTERNAL;
	rc = db_exec(NULL, conn, SQL_AUDIT_APPEND, 9, params);
	free(details);
	return rc;
}
