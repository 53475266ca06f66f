/* Readiness: is the database reachable and the schema current? */
#ifndef CABINET_SERVICE_HEALTH_H
#define CABINET_SERVICE_HEALTH_H

#include "app.h"

/*
 * APP_OK when ready. APP_UNAVAILABLE with *why_out set to a static, user-safe reason otherwise
 * ("database unreachable", "migrations pending", "shutting down").
 */
int health_ready(const char **why_out, struct app *app);

#endif
