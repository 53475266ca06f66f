/* MIME assembly (pure, unit-tested) and delivery through libcurl's SMTP client. */
#include "notify/smtp.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/secrets.h"
#include "common/err.h"

struct buf {
	char *data;
	size_t len, cap;
	bool err;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap + n + 1) * 2;
		char *grown = realloc(b->data, cap);

		if (!grown) {
			b->err = true;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of n bytes, with a CRLF every 76 output characters when wrap is set. */
static void put_base64(struct buf *b, const unsigned char *s, size_t n, bool wrap)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
		             (i + 2 < n ? s[i + 2] : 0);
		char q[4] = {B64[v >> 18 & 63], B64[v >> 12 & 63],
		             i + 1 < n ? B64[v >> 6 & 63] : '=', i + 2 < n ? B64[v & 63] : '='};

		put(b, q, 4);
		col += 4;
		if (wrap && col >= 76 && i + 3 < n) {
			put(b, "\r\n", 2);
			col = 0;
		}
	}
}

static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x7f || (unsigned char)*s < 0x20)
			return false;
	return true;
}

/*
 * A header value as RFC 2047 encoded words of 64 characters (39 bytes of UTF-8 each, never
 * splitting a character), folded onto continuation lines; plain ASCII stays as it is.
 */
static void put_header_text(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (plain_ascii(s)) {
		puts_(b, s);
		return;
	}
	for (size_t i = 0; i < n;) {
		size_t take = n - i < 39 ? n - i : 39;

		while (take > 0 && i + take < n && ((unsigned char)s[i + take] & 0xC0) == 0x80)
			take--; /* do not cut a UTF-8 sequence */
		if (i > 0)
			puts_(b, "\r\n ");
		puts_(b, "=?UTF-8?B?");
		put_base64(b, (const unsigned char *)s + i, take, false);
		puts_(b, "?=");
		i += take;
	}
}

int smtp_address(char *out, size_t outlen, const char *mailbox)
{
	const char *lt = strrchr(mailbox, '<'), *start = mailbox, *end;

	if (lt) {
		start = lt + 1;
		end = strchr(start, '>');
		if (!end)
			return APP_INVALID;
	} else {
		end = mailbox + strlen(mailbox);
	}
	while (start < end && *start == ' ')
		start++;
	while (end > start && end[-1] == ' ')
		end--;
	if (end - start < 3 || (size_t)(end - start) >= outlen ||
	    !memchr(start, '@', (size_t)(end - start)))
		return APP_INVALID;
	for (const char *p = start; p < end; p++)
		if (*p == ' ' || *p == '<' || *p == '>' || *p == '\r' || *p == '\n' || *p == ',')
			return APP_INVALID;
	memcpy(out, start, (size_t)(end - start));
	out[end - start] = '\0';
	return APP_OK;
}

/* From: an encoded display name when there is one, then <address>. */
static int put_from(struct buf *b, const char *from)
{
	char addr[320], name[256];
	const char *lt = strrchr(from, '<');
	size_t n;

	if (smtp_address(addr, sizeof(addr), from) != APP_OK)
		return APP_INVALID;
	puts_(b, "From: ");
	n = lt ? (size_t)(lt - from) : 0;
	while (n > 0 && from[n - 1] == ' ')
		n--;
	if (n > 0 && n < sizeof(name)) {
		memcpy(name, from, n);
		name[n] = '\0';
		if (name[0] == '"' && n > 1 && name[n - 1] == '"') {
			memmove(name, name + 1, n - 2);
			name[n - 2] = '\0';
		}
		if (plain_ascii(name) && !strpbrk(name, "\"\\")) {
			puts_(b, "\"");
			puts_(b, name);
			puts_(b, "\"");
		} else {
			put_header_text(b, name);
		}
		puts_(b, " ");
	}
	puts_(b, "<");
	puts_(b, addr);
	puts_(b, ">\r\n");
	return APP_OK;
}

static void put_part(struct buf *b, const char *boundary, const char *type, const char *body)
{
	puts_(b, "--");
	puts_(b, boundary);
	puts_(b, "\r\nContent-Type: ");
	puts_(b, type);
	puts_(b, "; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	put_base64(b, (const unsigned char *)body, strlen(body), true);
	puts_(b, "\r\n");
}

int smtp_build(char **out, const struct mail *m, time_t now, const char *message_id)
{
	struct buf b = {0};
	char to[320], date[64], boundary[48], hex[25], subject[1000];
	struct tm tm;
	int rc;

	*out = NULL;
	if (smtp_address(to, sizeof(to), m->to) != APP_OK || strchr(m->to, '<'))
		return APP_INVALID;
	/* a subject never spans lines: line breaks become spaces */
	snprintf(subject, sizeof(subject), "%s", m->subject ? m->subject : "");
	for (char *p = subject; *p; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if ((rc = secrets_random_hex(hex, 12)) != APP_OK)
		return rc;
	snprintf(boundary, sizeof(boundary), "=_cabinet_%s", hex);

	if ((rc = put_from(&b, m->from)) != APP_OK) {
		free(b.data);
		return rc;
	}
	puts_(&b, "To: <");
	puts_(&b, to);
	puts_(&b, ">\r\nSubject: ");
	put_header_text(&b, subject);
	puts_(&b, "\r\nDate: ");
	puts_(&b, date);
	puts_(&b, "\r\nMessage-ID: <");
	puts_(&b, message_id);
	puts_(&b, ">\r\nMIME-Version: 1.0\r\n");
	if (m->html) {
		puts_(&b, "Content-Type: multipart/alternative; boundary=\"");
		puts_(&b, boundary);
		puts_(&b, "\"\r\n\r\nThis is a MIME message.\r\n");
		put_part(&b, boundary, "text/plain", m->text);
		put_part(&b, boundary, "text/html", m->html);
		puts_(&b, "--");
		puts_(&b, boundary);
		puts_(&b, "--\r\n");
	} else {
		puts_(&b, "Content-Type: text/plain; charset=UTF-8\r\n"
		          "Content-Transfer-Encoding: base64\r\n\r\n");
		put_base64(&b, (const unsigned char *)m->text, strlen(m->text), true);
		puts_(&b, "\r\n");
	}
	if (b.err) {
		free(b.data);
		return APP_INTERNAL;
	}
	*out = b.data;
	return APP_OK;
}

struct reader {
	const char *data;
	size_t len, pos;
};

static size_t read_cb(char *dest, size_t size, size_t nmemb, void *userp)
{
	struct reader *r = userp;
	size_t room = size * nmemb, n = r->len - r->pos < room ? r->len - r->pos : room;

	memcpy(dest, r->data + r->pos, n);
	r->pos += n;
	return n;
}

int smtp_send(char *error, size_t errlen, const struct smtp_server *server, const struct mail *m,
              time_t now)
{
	char from[320], to[320], id[96], hex[33], *text = NULL;
	const char *domain;
	struct curl_slist *rcpt = NULL;
	struct reader r = {0};
	CURL *curl = NULL;
	CURLcode cc;
	long code = 0;
	int rc;

	error[0] = '\0';
	if (smtp_address(from, sizeof(from), m->from) != APP_OK ||
	    smtp_address(to, sizeof(to), m->to) != APP_OK) {
		snprintf(error, errlen, "invalid sender or recipient address");
		return APP_INVALID;
	}
	domain = strchr(from, '@') + 1;
	if ((rc = secrets_random_hex(hex, 16)) != APP_OK)
		return rc;
	snprintf(id, sizeof(id), "%s@%s", hex, domain);
	if ((rc = smtp_build(&text, m, now, id)) != APP_OK) {
		snprintf(error, errlen, "the message could not be built");
		return rc;
	}
	r = (struct reader){text, strlen(text), 0};
	if (!(curl = curl_easy_init()) || !(rcpt = curl_slist_append(NULL, to))) {
		rc = APP_INTERNAL;
		goto done;
	}
	curl_easy_setopt(curl, CURLOPT_URL, server->url);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(curl, CURLOPT_READDATA, &r);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY); /* STARTTLS when offered */
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
	if (server->user)
		curl_easy_setopt(curl, CURLOPT_USERNAME, server->user);
	if (server->password)
		curl_easy_setopt(curl, CURLOPT_PASSWORD, server->password);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (cc != CURLE_OK) {
		snprintf(error, errlen, "SMTP: %s (reply %ld)", curl_easy_strerror(cc), code);
		rc = APP_UNAVAILABLE;
	}
done:
	curl_slist_free_all(rcpt);
	if (curl)
		curl_easy_cleanup(curl);
	free(text);
	return rc;
}
