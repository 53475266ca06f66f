/* CSV (RFC 4180) into JSON: the customer import reads spreadsheets' exports with it. */
#ifndef CABINET_CSV_H
#define CABINET_CSV_H

#include <jansson.h>
#include <stddef.h>

/*
 * Parses CSV text whose first record names the columns into an array of objects {column: text}
 * (empty cells are ""). Fields may be quoted ("" is a quote inside), quoted fields may hold commas and
 * line breaks, records end with LF or CRLF, a UTF-8 byte order mark is skipped. A record with another
 * number of fields than the header, an unterminated quote or a duplicate column name is an error:
 * NULL with a sentence in why naming the line.
 */
json_t *csv_parse(const char *text, size_t len, char *why, size_t whylen);

#endif
