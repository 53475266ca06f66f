/* The password policy: length, libpwquality's dictionary and simplicity checks, personal data. */
#ifndef CABINET_POLICY_H
#define CABINET_POLICY_H

#include <stddef.h>

#define PASSWORD_MIN_BYTES 8
#define PASSWORD_MAX_BYTES 1024

/*
 * Checks a new password. The length is checked first (a longer one is refused before anything looks
 * at it); min_len is the operator's minimum (setting password.min_length; below 8 counts as 8).
 * email and name (either may be NULL) must not appear in it. On refusal returns APP_INVALID,
 * sets *code_out to a stable code ("too_short", "too_long", "contains_personal_data", "too_weak") and
 * writes a sentence naming the rule into message.
 */
int password_policy_check(const char **code_out, char *message, size_t msglen, const char *password,
                          const char *email, const char *name, size_t min_len);

#endif
