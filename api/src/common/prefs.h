/* The account preferences every form shares: languages and date formats. */
#ifndef CABINET_PREFS_H
#define CABINET_PREFS_H

#include <stdbool.h>

/* The languages of the portal and of the messages, NULL-terminated. */
extern const char *const PREFS_LANGUAGES[];

/* The date input and output formats an account may choose, NULL-terminated. */
extern const char *const PREFS_DATE_FORMATS[];

bool prefs_language_known(const char *s);
bool prefs_date_format_known(const char *s);

#endif
