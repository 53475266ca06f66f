/*
 * Every log line, Ulfius's included, goes through yder's callback mode into format_line(), which writes
 * one JSON object (or one text line) to standard error, so a collector can parse every line the same way.
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <yder.h>

#include "common/err.h"

static bool log_json = true;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local char tls_request_id[40];
/* Set by log_fields for the duration of one y_log_message: the message is a JSON object of fields. */
static _Thread_local const char *tls_event;

static const char *level_name(unsigned long level)
{
	switch (level) {
	case Y_LOG_LEVEL_ERROR:
		return "error";
	case Y_LOG_LEVEL_WARNING:
		return "warning";
	case Y_LOG_LEVEL_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void timestamp(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);

	snprintf(buf + n, len - n, ".%03dZ", (int)(tv.tv_usec / 1000) % 1000);
}

static void write_json(const char *ts, unsigned long level, const char *message)
{
	json_t *line = json_pack("{s:s, s:s}", "time", ts, "level", level_name(level));
	char *text;

	if (tls_request_id[0])
		json_object_set_new(line, "request_id", json_string(tls_request_id));
	if (tls_event) {
		json_t *fields = json_loads(message, 0, NULL);

		json_object_set_new(line, "event", json_string(tls_event));
		if (json_is_object(fields))
			json_object_update(line, fields);
		json_decref(fields);
	} else {
		/* yder hands us bytes; keep the line valid JSON even if a message is not UTF-8 */
		json_t *msg = json_string(message);

		json_object_set_new(line, "msg", msg ? msg : json_string("(message not UTF-8)"));
	}
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	if (text)
		fprintf(stderr, "%s\n", text);
	free(text);
	json_decref(line);
}

static void format_line(void *cls, const char *app, const time_t date, const unsigned long level,
                        const char *message)
{
	char ts[32];

	(void)cls, (void)app, (void)date;
	timestamp(ts, sizeof(ts));
	pthread_mutex_lock(&write_lock);
	if (log_json) {
		write_json(ts, level, message);
	} else {
		/* text: "time level [request] event message" */
		fprintf(stderr, "%s %-7s %s%s%s%s%s%s\n", ts, level_name(level),
		        tls_request_id[0] ? "[" : "", tls_request_id, tls_request_id[0] ? "] " : "",
		        tls_event ? tls_event : "", tls_event ? " " : "", message);
	}
	fflush(stderr);
	pthread_mutex_unlock(&write_lock);
}

int log_init(const char *format, const char *level)
{
	unsigned long lv = Y_LOG_LEVEL_INFO;

	log_json = strcmp(format, "text") != 0;
	if (strcmp(level, "error") == 0)
		lv = Y_LOG_LEVEL_ERROR;
	else if (strcmp(level, "warning") == 0)
		lv = Y_LOG_LEVEL_WARNING;
	else if (strcmp(level, "debug") == 0)
		lv = Y_LOG_LEVEL_DEBUG;
	if (!y_init_logs("cabinet", Y_LOG_MODE_CALLBACK, lv, NULL, NULL))
		return APP_INTERNAL;
	if (!y_set_logs_callback(format_line, NULL, NULL))
		return APP_INTERNAL;
	return APP_OK;
}

void log_close(void)
{
	y_close_logs();
}

void log_set_request_id(const char *request_id)
{
	if (!request_id)
		tls_request_id[0] = '\0';
	else
		snprintf(tls_request_id, sizeof(tls_request_id), "%s", request_id);
}

#define LOG_AT(name, level)                                                                        \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		char msg[1024];                                                                    \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vsnprintf(msg, sizeof(msg), fmt, ap);                                              \
		va_end(ap);                                                                        \
		y_log_message(level, "%s", msg);                                                   \
	}

LOG_AT(log_error, Y_LOG_LEVEL_ERROR)
LOG_AT(log_warn, Y_LOG_LEVEL_WARNING)
LOG_AT(log_info, Y_LOG_LEVEL_INFO)
LOG_AT(log_debug, Y_LOG_LEVEL_DEBUG)

void log_fields(const char *event, json_t *fields)
{
	char *text =
	        json_dumps(fields, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));

	if (!text)
		return;
	if (!log_json) {
		/* text lines list the fields as key=value */
		char buf[2048] = "";
		size_t used = 0;
		const char *key;
		json_t *v;

		json_object_foreach(fields, key, v)
		{
			char *vs = json_is_string(v)
			                   ? strdup(json_string_value(v))
			                   : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			int w = snprintf(buf + used, sizeof(buf) - used, "%s%s=%s", used ? " " : "",
			                 key, vs ? vs : "");

			free(vs);
			if (w < 0 || (size_t)w >= sizeof(buf) - used)
				break;
			used += (size_t)w;
		}
		free(text);
		text = strdup(buf);
		if (!text)
			return;
	}
	tls_event = event;
	y_log_message(Y_LOG_LEVEL_INFO, "%s", text);
	tls_event = NULL;
	free(text);
}
