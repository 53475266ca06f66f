/* The customer list: search, filter, sort and keyset pages (db/customer_repo.c), and its CSV export. */
#include "service/customers.h"

#include <stdlib.h>
#include <string.h>

#include "common/csv.h"
#include "common/err.h"
#include "db/customer_repo.h"
#include "db/db.h"

/* ---- list and search ---- */

int customers_parse_sort(struct customer_query *q, const char *sort)
{
	static const struct {
		const char *name;
		enum customer_sort sort;
	} SORTS[] = {
	        {"name", SORT_NAME}, {"created", SORT_CREATED}, {"last_login", SORT_LAST_LOGIN}};

	q->sort = SORT_NAME;
	q->descending = false;
	if (!sort)
		return APP_OK;
	if (*sort == '-') {
		q->descending = true;
		sort++;
	}
	for (size_t i = 0; i < sizeof(SORTS) / sizeof(SORTS[0]); i++)
		if (strcmp(sort, SORTS[i].name) == 0) {
			q->sort = SORTS[i].sort;
			return APP_OK;
		}
	return APP_INVALID;
}

int customers_list(json_t **out, struct app *app, const struct customer_query *q)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = customer_repo_page(out, conn, q);
	db_pool_checkin(app->pool, conn);
	return rc;
}

/* Appends a CSV cell (csv_cell: quoted, formulas defused) to buf. */
static void csv_append(json_t *buf, const char *v, bool last)
{
	char *s = csv_cell(v, last);

	if (s)
		json_array_append_new(buf, json_string(s));
	free(s);
}

int customers_export(char **csv, size_t *len, struct app *app, const struct customer_query *query)
{
	static const char *const COLUMNS[] = {"id",         "email",      "phone",
	                                      "first_name", "last_name",  "company",
	                                      "status",     "created_at", "last_login_at"};
	const size_t ncol = sizeof(COLUMNS) / sizeof(COLUMNS[0]);
	struct customer_query q = *query;
	struct db_conn *conn = NULL;
	json_t *cells = json_array(), *page = NULL, *item;
	char *cursor = NULL;
	size_t total = 0, i;
	int rc;

	*csv = NULL;
	*len = 0;
	q.limit = 200;
	for (i = 0; i < ncol; i++)
		csv_append(cells, COLUMNS[i], i == ncol - 1);
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		goto done;
	do {
		q.cursor = cursor;
		if ((rc = customer_repo_page(&page, conn, &q)) != APP_OK)
			break;
		json_array_foreach(json_object_get(page, "items"), i, item)
		{
			for (size_t k = 0; k < ncol; k++) {
				json_t *v = json_object_get(item, COLUMNS[k]);
				csv_append(cells, json_is_string(v) ? json_string_value(v) : "",
				           k == ncol - 1);
			}
		}
		free(cursor);
		cursor = json_is_string(json_object_get(page, "next_cursor"))
		                 ? strdup(json_string_value(json_object_get(page, "next_cursor")))
		                 : NULL;
		json_decref(page);
		page = NULL;
	} while (cursor);
	db_pool_checkin(app->pool, conn);
	conn = NULL;
	if (rc != APP_OK)
		goto done;
	json_array_foreach(cells, i, item) total += json_string_length(item);
	if (!(*csv = malloc(total + 1))) {
		rc = APP_INTERNAL;
		goto done;
	}
	json_array_foreach(cells, i, item)
	{
		memcpy(*csv + *len, json_string_value(item), json_string_length(item));
		*len += json_string_length(item);
	}
	(*csv)[*len] = '\0';
done:
	db_pool_checkin(app->pool, conn);
	free(cursor);
	json_decref(cells);
	return rc;
}
