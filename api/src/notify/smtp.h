/* E-mail: an RFC 5322 / MIME message built here, sent over SMTP with libcurl. */
#ifndef CABINET_SMTP_H
#define CABINET_SMTP_H

#include <stddef.h>
#include <time.h>

struct mail {
	const char *from;    /* "Name <addr>" or "addr" */
	const char *to;      /* "addr" */
	const char *subject; /* UTF-8 */
	const char *text;    /* UTF-8 */
	const char *html;    /* UTF-8, or NULL for a text-only message */
};

struct smtp_server {
	const char *url;             /* smtp://host:port or smtps://host:port */
	const char *user, *password; /* or NULL */
};

/*
 * Builds the message: From, To, Subject (RFC 2047 when not plain ASCII), Date, Message-ID,
 * MIME-Version, and multipart/alternative text + HTML parts in base64 UTF-8. Refuses (APP_INVALID)
 * addresses or names with line breaks. The caller frees *out.
 */
int smtp_build(char **out, const struct mail *m, time_t now, const char *message_id);

/* Writes the bare address of a mailbox ("Name <a@b>" -> "a@b"). APP_INVALID if malformed. */
int smtp_address(char *out, size_t outlen, const char *mailbox);

/*
 * Sends one message. On failure returns APP_UNAVAILABLE and writes a one-line reason (no secrets)
 * into error. Blocking: never call with a database connection checked out.
 */
int smtp_send(char *error, size_t errlen, const struct smtp_server *server, const struct mail *m,
              time_t now);

#endif
