/* New-device notices and the "not me" link they carry. */
#ifndef CABINET_SERVICE_DEVICES_H
#define CABINET_SERVICE_DEVICES_H

#include <time.h>

#include "app.h"
#include "common/client.h"
#include "db/account_repo.h"
#include "db/pool.h"

/*
 * Called inside the transaction of a new session: remembers the device and network, and when neither
 * pair was seen before for an account that has signed in before, queues the new_device_login notice
 * with its single-use "this wasn't me" link.
 */
int devices_note(struct db_conn *conn, struct app *app, const struct account *a,
                 const struct client_info *ci, time_t now);

/*
 * POST /auth/not-me {token}: ends every session of the account and sends it a recovery link.
 * APP_NOT_FOUND for an unknown, used or expired link.
 */
int devices_not_me(struct app *app, const struct client_info *ci, const char *token);

#endif
