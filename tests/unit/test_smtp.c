/* notify/smtp.c, sms.c, worker.c: MIME assembly, header safety, the webhook signature, back-off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/err.h"
#include "notify/sms.h"
#include "notify/smtp.h"
#include "notify/worker.h"

static void addresses(void **state)
{
	char a[64];

	(void)state;
	assert_int_equal(smtp_address(a, sizeof(a), "Cabinet <no-reply@example.com>"), APP_OK);
	assert_string_equal(a, "no-reply@example.com");
	assert_int_equal(smtp_address(a, sizeof(a), "ada@example.com"), APP_OK);
	assert_string_equal(a, "ada@example.com");
	assert_int_equal(smtp_address(a, sizeof(a), "Name <broken@example.com"), APP_INVALID);
	assert_int_equal(smtp_address(a, sizeof(a), "no-at-sign"), APP_INVALID);
	assert_int_equal(smtp_address(a, sizeof(a), "a@b.c\r\nBcc: x@y.z"), APP_INVALID);
	assert_int_equal(smtp_address(a, sizeof(a), "a@b.c, x@y.z"), APP_INVALID);
}

static void builds_mime(void **state)
{
	struct mail m = {.from = "Cabinet Café <no-reply@example.com>",
	                 .to = "zoe@example.org",
	                 .subject = "Réunion 🎉\r\nBcc: evil@example.com",
	                 .text = "Bonjour",
	                 .html = "<p>Bonjour</p>"};
	char *out = NULL;

	(void)state;
	assert_int_equal(smtp_build(&out, &m, 1800000000, "abc@example.com"), APP_OK);
	assert_non_null(strstr(out, "From: =?UTF-8?B?"));
	assert_non_null(strstr(out, "<no-reply@example.com>\r\n"));
	assert_non_null(strstr(out, "To: <zoe@example.org>\r\n"));
	assert_non_null(strstr(out, "Subject: =?UTF-8?B?"));
	assert_null(strstr(out, "\r\nBcc:")); /* a line break in the subject cannot add a header */
	assert_non_null(strstr(out, "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"));
	assert_non_null(strstr(out, "Message-ID: <abc@example.com>\r\n"));
	assert_non_null(strstr(out, "Content-Type: multipart/alternative; boundary=\"=_cabinet_"));
	assert_non_null(strstr(out, "Content-Type: text/plain; charset=UTF-8"));
	assert_non_null(strstr(out, "Content-Type: text/html; charset=UTF-8"));
	assert_non_null(strstr(out, "Qm9uam91cg==")); /* "Bonjour" in base64 */
	free(out);

	m.to = "Zoe <zoe@example.org>"; /* recipients are bare addresses */
	assert_int_equal(smtp_build(&out, &m, 0, "x@y"), APP_INVALID);
	m.to = "zoe@example.org";
	m.html = NULL;
	m.subject = "Plain ASCII";
	assert_int_equal(smtp_build(&out, &m, 0, "x@y"), APP_OK);
	assert_non_null(strstr(out, "Subject: Plain ASCII\r\n"));
	assert_non_null(strstr(out, "Content-Type: text/plain; charset=UTF-8\r\n"));
	assert_null(strstr(out, "multipart"));
	free(out);
}

static void long_subjects_fold_on_character_boundaries(void **state)
{
	struct mail m = {.from = "a@b.c", .to = "d@e.f", .text = "x", .html = NULL};
	char subject[400] = "";
	char *out = NULL, *line;

	(void)state;
	for (int i = 0; i < 40; i++)
		strcat(subject, "é€"); /* 2- and 3-byte sequences */
	m.subject = subject;
	assert_int_equal(smtp_build(&out, &m, 0, "x@y"), APP_OK);
	line = strstr(out, "Subject: ");
	for (char *p = line; p && *p && strncmp(p, "\r\nDate", 6) != 0;) {
		char *eol = strstr(p, "\r\n");

		assert_true(eol - p <= 76); /* RFC 2047: lines with encoded words of at most 76 */
		p = eol + 2;
	}
	free(out);
}

static void signature_is_rfc4231_hmac_sha256(void **state)
{
	char sig[80];
	const char *data = "what do ya want for nothing?";

	(void)state;
	/* RFC 4231 test case 2 */
	assert_int_equal(sms_signature(sig, sizeof(sig), "Jefe", data, strlen(data)), APP_OK);
	assert_string_equal(
	        sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void backoff_doubles_and_stops(void **state)
{
	(void)state;
	assert_int_equal(notify_backoff(30, 1, 8), 30);
	assert_int_equal(notify_backoff(30, 2, 8), 60);
	assert_int_equal(notify_backoff(30, 4, 8), 240);
	assert_int_equal(notify_backoff(30, 8, 8), 0);
	assert_int_equal(notify_backoff(1000, 5, 50), 3600);
	assert_int_equal(notify_backoff(1, 1, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(addresses),
	        cmocka_unit_test(builds_mime),
	        cmocka_unit_test(long_subjects_fold_on_character_boundaries),
	        cmocka_unit_test(signature_is_rfc4231_hmac_sha256),
	        cmocka_unit_test(backoff_doubles_and_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
