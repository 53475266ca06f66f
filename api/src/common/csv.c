/* A small RFC 4180 reader: one pass, fields copied into a growing buffer. */
#include "common/csv.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reader {
	const char *p, *end;
	long line;
	char *field;
	size_t flen, fcap;
};

static bool put(struct reader *r, char c)
{
	if (r->flen + 1 >= r->fcap) {
		size_t cap = r->fcap ? 2 * r->fcap : 256;
		char *grown = realloc(r->field, cap);

		if (!grown)
			return false;
		r->field = grown;
		r->fcap = cap;
	}
	r->field[r->flen++] = c;
	return true;
}

/*
 * Reads one record into fields (an array of strings). Returns 1 for a record, 0 at the end of the
 * text, -1 on an error (why set).
 */
static int read_record(struct reader *r, json_t *fields, char *why, size_t whylen)
{
	long start = r->line; /* errors name the line where the record began */

	if (r->p >= r->end)
		return 0;
	for (;;) {
		bool quoted = false;

		r->flen = 0;
		if (r->p < r->end && *r->p == '"') {
			quoted = true;
			r->p++;
			for (;;) {
				if (r->p >= r->end) {
					snprintf(why, whylen,
					         "line %ld: a quoted field is not closed", start);
					return -1;
				}
				if (*r->p == '"') {
					if (r->p + 1 < r->end && r->p[1] == '"') {
						if (!put(r, '"'))
							return -1;
						r->p += 2;
						continue;
					}
					r->p++;
					break;
				}
				if (*r->p == '\n')
					r->line++;
				if (!put(r, *r->p++))
					return -1;
			}
		}
		while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
			if (quoted || *r->p == '"') {
				snprintf(why, whylen,
				         "line %ld: text after a quoted field, or a stray quote",
				         r->line);
				return -1;
			}
			if (!put(r, *r->p++))
				return -1;
		}
		json_array_append_new(fields, json_stringn(r->field ? r->field : "", r->flen));
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '\r')
			r->p++;
		if (r->p < r->end && *r->p == '\n')
			r->p++;
		r->line++;
		return 1;
	}
}

json_t *csv_parse(const char *text, size_t len, char *why, size_t whylen)
{
	struct reader r = {.p = text, .end = text + len, .line = 1};
	json_t *header = json_array(), *rows = json_array(), *fields = NULL, *seen = NULL;
	int got;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		r.p += 3;
	if ((got = read_record(&r, header, why, whylen)) <= 0) {
		if (got == 0)
			snprintf(why, whylen,
			         "line 1: the header line naming the columns is missing");
		goto fail;
	}
	/* names seen so far in a hash table: linear in the number of columns */
	seen = json_object();
	for (size_t i = 0; i < json_array_size(header); i++) {
		json_t *name = json_array_get(header, i);

		if (json_object_getn(seen, json_string_value(name), json_string_length(name))) {
			snprintf(why, whylen, "line 1: the column %.100s is named twice",
			         json_string_value(name));
			goto fail;
		}
		json_object_setn_new(seen, json_string_value(name), json_string_length(name),
		                     json_true());
	}
	for (;;) {
		long line = r.line;

		fields = json_array();
		if ((got = read_record(&r, fields, why, whylen)) < 0)
			goto fail;
		if (got == 0)
			break;
		/* an empty line (a trailing newline in most files) is no record */
		if (json_array_size(fields) == 1 &&
		    !json_string_length(json_array_get(fields, 0))) {
			json_decref(fields);
			continue;
		}
		if (json_array_size(fields) != json_array_size(header)) {
			snprintf(why, whylen, "line %ld: %zu fields where the header names %zu",
			         line, json_array_size(fields), json_array_size(header));
			goto fail;
		}
		json_t *row = json_object();
		for (size_t i = 0; i < json_array_size(header); i++)
			json_object_set(row, json_string_value(json_array_get(header, i)),
			                json_array_get(fields, i));
		json_array_append_new(rows, row);
		json_decref(fields);
	}
	json_decref(fields);
	json_decref(header);
	json_decref(seen);
	free(r.field);
	return rows;
fail:
	json_decref(seen);
	json_decref(fields);
	json_decref(header);
	json_decref(rows);
	free(r.field);
	return NULL;
}

bool csv_looks_like_formula(const char *v)
{
	static const char *const WIDE[] = {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D",
	                                   "\xEF\xBC\xA0"}; /* ＝ ＋ － ＠ */

	if (!v || !*v)
		return false;
	if (*v == '\t' || *v == '\r')
		return true;
	v += strspn(v, " \t\r\n");
	if (*v && strchr("=+-@", *v))
		return true;
	for (size_t i = 0; i < sizeof(WIDE) / sizeof(WIDE[0]); i++)
		if (strncmp(v, WIDE[i], 3) == 0)
			return true;
	return false;
}

char *csv_cell(const char *v, bool last)
{
	size_t n = v ? strlen(v) : 0;
	char *s = malloc(2 * n + 8), *p = s;

	if (!s)
		return NULL;
	*p++ = '"';
	if (csv_looks_like_formula(v))
		*p++ = '\'';
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"')
			*p++ = '"';
		*p++ = v[i];
	}
	*p++ = '"';
	*p++ = last ? '\n' : ',';
	*p = '\0';
	return s;
}
