/*
 * The ceiling bench/run compares cabinetd with: the least a program on the same stack must do to
 * answer an authenticated read. Ulfius on an epoll pool of threads, the bearer token verified with
 * libjwt (HS256, exp checked), one prepared primary-key SELECT on a per-thread libpq connection,
 * its text returned as the body. No logging, metrics, or authorization beyond the signature.
 *
 *   ceiling PORT THREADS CONNINFO JWT_SECRET_FILE
 *   GET /customers/{id}   the customer's row as JSON (404 when there is none)
 */
#include <jwt.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <ulfius.h>
#include <unistd.h>

static const char *conninfo;
static unsigned char secret[256];
static size_t secret_len;
static __thread PGconn *conn; /* one per pool thread, prepared once */

static int reply(struct _u_response *resp, int status, const char *body)
{
	ulfius_set_string_body_response(resp, status, body);
	u_map_put(resp->map_header, "Content-Type", "application/json");
	return U_CALLBACK_CONTINUE;
}

static int bearer_valid(const struct _u_request *req)
{
	const char *h = u_map_get_case(req->map_header, "Authorization");
	jwt_t *jwt = NULL;
	int ok;

	if (!h || strncasecmp(h, "Bearer ", 7) != 0 ||
	    jwt_decode(&jwt, h + 7, secret, (int)secret_len) != 0)
		return 0;
	ok = jwt_get_alg(jwt) == JWT_ALG_HS256 && jwt_get_grant_int(jwt, "exp") > time(NULL);
	jwt_free(jwt);
	return ok;
}

static int get_customer(const struct _u_request *req, struct _u_response *resp, void *unused)
{
	const char *id = u_map_get(req->map_url, "id");
	PGresult *res;

	(void)unused;
	if (!bearer_valid(req))
		return reply(resp, 401, "{\"title\":\"unauthorized\"}");
	if (!conn) {
		conn = PQconnectdb(conninfo);
		res = PQprepare(conn, "customer",
		                "SELECT row_to_json(c) FROM customers c WHERE id = $1::uuid", 1,
		                NULL);
		PQclear(res);
	}
	res = PQexecPrepared(conn, "customer", 1, (const char *const[]){id}, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "ceiling: %s", PQresultErrorMessage(res));
		reply(resp, 500, "{\"title\":\"database error\"}");
	} else if (PQntuples(res) != 1)
		reply(resp, 404, "{\"title\":\"not found\"}");
	else
		reply(resp, 200, PQgetvalue(res, 0, 0));
	PQclear(res);
	return U_CALLBACK_CONTINUE;
}

int main(int argc, char **argv)
{
	struct _u_instance inst;
	FILE *f;
	sigset_t set;
	int sig;

	if (argc != 5 || !(f = fopen(argv[4], "r")))
		return fprintf(stderr, "usage: ceiling PORT THREADS CONNINFO JWT_SECRET_FILE\n"), 2;
	secret_len = fread(secret, 1, sizeof(secret), f);
	fclose(f);
	while (secret_len && (secret[secret_len - 1] == '\n' || secret[secret_len - 1] == '\r'))
		secret_len--;
	conninfo = argv[3];
	if (ulfius_init_instance(&inst, (unsigned)atoi(argv[1]), NULL, NULL) != U_OK)
		return 1;
	ulfius_add_endpoint_by_val(&inst, "GET", NULL, "/customers/:id", 0, get_customer, NULL);
	struct MHD_OptionItem options[] = {
	        {MHD_OPTION_THREAD_POOL_SIZE, atoi(argv[2]), NULL},
	        {MHD_OPTION_CONNECTION_LIMIT, 1024, NULL},
	        /* what ulfius_start_framework passes itself: without them no request is parsed */
	        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL},
	        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL},
	        {MHD_OPTION_END, 0, NULL},
	};
	if (ulfius_start_framework_with_mhd_options(
	            &inst,
	            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC,
	            options) != U_OK)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	ulfius_stop_framework(&inst);
	ulfius_clean_instance(&inst);
	return 0;
}
