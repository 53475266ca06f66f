/* known_devices and device_alerts SQL: the "was this you?" notice of a sign-in from somewhere new. */
#ifndef CABINET_DEVICE_REPO_H
#define CABINET_DEVICE_REPO_H

#include <stdbool.h>
#include <time.h>

#include "auth/principal.h"
#include "db/pool.h"

/*
 * Remembers (device, network) for the account and whether both were new for an account that had
 * signed in before (*fresh_out). The network is the /24 (IPv4) or /48 (IPv6) of ip.
 */
int device_repo_seen(bool *fresh_out, struct db_conn *conn, const char *account_id,
                     const char *user_agent, const char *ip, time_t now);

/* Keeps a "not me" link's HMAC (hex) for the account, usable for ttl_s seconds. */
int device_repo_alert_create(struct db_conn *conn, const char *token_hmac, const char *kind,
                             const char *account_id, time_t now, long ttl_s);

/* Uses a live "not me" link once: its account. APP_NOT_FOUND when unknown, used or expired. */
int device_repo_alert_use(enum principal_kind *kind_out, char account_id_out[37],
                          struct db_conn *conn, const char *token_hmac, time_t now);

#endif
