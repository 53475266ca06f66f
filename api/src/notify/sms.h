/* SMS: a signed JSON POST to the operator's webhook, which forwards to any SMS gateway. */
#ifndef CABINET_SMS_H
#define CABINET_SMS_H

#include <stddef.h>
#include <time.h>

struct sms_webhook {
	const char *url;
	const char *secret; /* HMAC-SHA256 key */
};

/*
 * Writes "sha256=<hex>" of HMAC-SHA256(secret, body) into out (at least 72 bytes): the value of the
 * X-Cabinet-Signature header.
 */
int sms_signature(char *out, size_t outlen, const char *secret, const char *body, size_t len);

/*
 * POSTs {"id", "to", "text", "sent_at"} with X-Cabinet-Signature. A 2xx answer is a delivery;
 * anything else is APP_UNAVAILABLE with a one-line reason in error. Blocking.
 */
int sms_send(char *error, size_t errlen, const struct sms_webhook *hook, const char *message_id,
             const char *to, const char *text, time_t now);

#endif
