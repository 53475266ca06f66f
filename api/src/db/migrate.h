/* Schema migrations: the embedded migrations/NNNN_*.sql files, applied once each, in order. */
#ifndef CABINET_MIGRATE_H
#define CABINET_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/embedded.h"
#include "db/pool.h"

/*
 * Applies every pending migration of files (sorted by name), each in its own transaction, under a session
 * advisory lock so concurrent instances apply each file exactly once. Refuses (APP_CONFLICT) when an
 * applied file's checksum differs from the embedded one: landed migrations are history.
 * *applied_out receives how many were applied now.
 */
int migrate_apply(size_t *applied_out, struct db_conn *conn, const struct embedded_file *files,
                  size_t count);

/* Whether every file is recorded as applied (readiness). APP_OK or a db error. */
int migrate_is_current(bool *current_out, struct db_conn *conn, const struct embedded_file *files,
                       size_t count);

/* The numeric version of a migration file name ("0012_x.sql" -> 12), or -1 when malformed. */
long migrate_version(const char *name);

#endif
