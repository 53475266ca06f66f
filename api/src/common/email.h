/* E-mail address checks shared by every endpoint that takes one. */
#ifndef CABINET_EMAIL_H
#define CABINET_EMAIL_H

#include <stdbool.h>

/*
 * A plausible address: at most 254 bytes, one '@' with something on both sides, a dot inside the
 * domain, no spaces or characters that would need quoting. Deliverability is proven by the link sent.
 */
bool email_plausible(const char *s);

#endif
