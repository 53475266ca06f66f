/*
 * The connection guard: what libmicrohttpd and Ulfius do not bound by themselves. A request head
 * must arrive within a deadline (slow clients trickling header lines cannot hold every slot), a
 * body within another; a body announced over its limit is refused with 413 before a byte of it is
 * read (only a staff member's signed access token opens the import's larger limit); and all the
 * bodies being received at once share one memory budget (503 beyond it).
 */
#ifndef CABINET_HTTP_GUARD_H
#define CABINET_HTTP_GUARD_H

#include <microhttpd.h>

#include "app.h"

/* Starts the watchdog thread; call before the HTTP daemon starts. APP_INTERNAL on failure. */
int guard_start(struct app *app);

/* Stops the watchdog; call after the daemon stopped. */
void guard_stop(void);

/* MHD_OPTION_NOTIFY_CONNECTION callback: follows each connection from accept to close. */
void guard_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                      enum MHD_ConnectionNotificationCode toe);

/*
 * MHD_OPTION_NOTIFY_COMPLETED callback: ends the request's accounting, then lets Ulfius free its
 * request (mhd_request_completed).
 */
void guard_request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                             enum MHD_RequestTerminationCode toe);

/* What the guard did, for /metrics. */
struct guard_stats {
	long closed_slow;       /* connections closed for a head or body not in time */
	long refused_too_large; /* bodies refused by size before they were read */
	long refused_busy;      /* bodies refused because the memory budget was spent */
	long body_bytes;        /* bytes of bodies being received now (the budget used) */
};

void guard_stats(struct guard_stats *out);

#endif
