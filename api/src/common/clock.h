/* The application clock: wall time plus an offset that only test builds can move. */
#ifndef CABINET_CLOCK_H
#define CABINET_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Seconds since the epoch as the application sees them (real time + offset). */
time_t clock_now(void);

/* Monotonic milliseconds, for durations and deadlines; never affected by the offset. */
int64_t clock_mono_ms(void);

/* Monotonic microseconds, for latency measurements. */
int64_t clock_mono_us(void);

/* Writes into out the time ms milliseconds from now on the given clock (for timed waits). */
void clock_deadline(struct timespec *out, clockid_t clock, long ms);

/* Sets the offset in seconds (test hook only) and returns the previous one. */
int64_t clock_set_offset(int64_t seconds);

/* The current offset. */
int64_t clock_offset(void);

/* Whether s is an RFC 3339 date-time ("2026-01-31T12:00:00Z", offsets and fractions allowed). */
bool clock_is_rfc3339(const char *s);

#endif
