/* The SMS webhook client (libcurl) and its signature (GnuTLS HMAC). */
#include "notify/sms.h"

#include <curl/curl.h>
#include <gnutls/crypto.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

int sms_signature(char *out, size_t outlen, const char *secret, const char *body, size_t len)
{
	unsigned char mac[32];

	if (outlen < 72 ||
	    gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, strlen(secret), body, len, mac) != 0)
		return APP_INTERNAL;
	memcpy(out, "sha256=", 7);
	for (size_t i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
	return APP_OK;
}

/* Answers are read and dropped: only the status matters. */
static size_t discard(char *p, size_t size, size_t nmemb, void *userp)
{
	(void)p, (void)userp;
	return size * nmemb;
}

int sms_send(char *error, size_t errlen, const struct sms_webhook *hook, const char *message_id,
             const char *to, const char *text, time_t now)
{
	char sent_at[32], signature[80], header[112];
	struct tm tm;
	json_t *payload = NULL;
	char *body = NULL;
	struct curl_slist *headers = NULL;
	CURL *curl = NULL;
	CURLcode cc;
	long status = 0;
	int rc = APP_INTERNAL;

	error[0] = '\0';
	gmtime_r(&now, &tm);
	strftime(sent_at, sizeof(sent_at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	payload = json_pack("{s:s, s:s, s:s, s:s}", "id", message_id, "to", to, "text", text,
	                    "sent_at", sent_at);
	if (!payload || !(body = json_dumps(payload, JSON_COMPACT)))
		goto done;
	if (sms_signature(signature, sizeof(signature), hook->secret, body, strlen(body)) != APP_OK)
		goto done;
	snprintf(header, sizeof(header), "X-Cabinet-Signature: %s", signature);
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, header);
	if (!headers || !(curl = curl_easy_init()))
		goto done;
	curl_easy_setopt(curl, CURLOPT_URL, hook->url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK) {
		snprintf(error, errlen, "SMS webhook: %s", curl_easy_strerror(cc));
		rc = APP_UNAVAILABLE;
	} else if (status < 200 || status > 299) {
		snprintf(error, errlen, "SMS webhook answered HTTP %ld", status);
		rc = APP_UNAVAILABLE;
	} else {
		rc = APP_OK;
	}
done:
	if (rc == APP_INTERNAL && !error[0])
		snprintf(error, errlen, "SMS request could not be built");
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	free(body);
	json_decref(payload);
	return rc;
}
