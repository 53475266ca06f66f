/* CSV (RFC 4180) into JSON: the customer import reads spreadsheets' exports with it. */
#ifndef CABINET_CSV_H
#define CABINET_CSV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Parses CSV text whose first record names the columns into an array of objects {column: text}
 * (empty cells are ""). Fields may be quoted ("" is a quote inside), quoted fields may hold commas and
 * line breaks, records end with LF or CRLF, a UTF-8 byte order mark is skipped. A record with another
 * number of fields than the header, an unterminated quote or a duplicate column name is an error:
 * NULL with a sentence in why naming the line.
 */
json_t *csv_parse(const char *text, size_t len, char *why, size_t whylen);

/*
 * Whether a spreadsheet would read cell text v as a formula: its first character after any leading
 * white space (space, tab, CR, LF) is =, +, -, @ or their full-width forms (U+FF1D, U+FF0B,
 * U+FF0D, U+FF20), or v starts with a tab or CR.
 */
bool csv_looks_like_formula(const char *v);

/*
 * One exported cell: v (NULL: empty) quoted, quotes doubled, with a leading apostrophe when it
 * looks like a formula, then ',' or (last) a line feed. The caller frees the result; NULL on ENOMEM.
 */
char *csv_cell(const char *v, bool last);

#endif
