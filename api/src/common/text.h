/* Checks of text people type into single-line fields (names, companies, titles). */
#ifndef CABINET_TEXT_H
#define CABINET_TEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Whether s (len bytes) holds no control character: no C0 byte (NUL, CR, LF, tab...) and no DEL. A
 * name with a line break forges headers and log lines; one with a NUL is cut short by C code.
 */
bool text_is_single_line(const char *s, size_t len);

/* Whether v is a JSON string of at most max bytes that text_is_single_line. */
bool text_line_ok(const json_t *v, size_t max);

#endif
