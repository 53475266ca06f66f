/* Application clock. The offset exists so API tests can move time (token expiry, lockouts). */
#include "common/clock.h"

#include <ctype.h>
#include <stdatomic.h>
#include <string.h>

static _Atomic int64_t offset_s;

time_t clock_now(void)
{
	return time(NULL) + (time_t)atomic_load(&offset_s);
}

int64_t clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_mono_ms(void)
{
	return clock_mono_us() / 1000;
}

int64_t clock_set_offset(int64_t seconds)
{
	return atomic_exchange(&offset_s, seconds);
}

int64_t clock_offset(void)
{
	return atomic_load(&offset_s);
}

void clock_deadline(struct timespec *out, clockid_t clock, long ms)
{
	clock_gettime(clock, out);
	out->tv_sec += ms / 1000;
	out->tv_nsec += (ms % 1000) * 1000000L;
	if (out->tv_nsec >= 1000000000L) {
		out->tv_sec++;
		out->tv_nsec -= 1000000000L;
	}
}

bool clock_is_rfc3339(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i = 0;

	if (!s || strlen(s) < 20)
		return false;
	for (; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
			return false;
	if (s[i] == '.') {
		i++;
		if (!isdigit((unsigned char)s[i]))
			return false;
		while (isdigit((unsigned char)s[i]))
			i++;
	}
	if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0')
		return true;
	return (s[i] == '+' || s[i] == '-') && isdigit((unsigned char)s[i + 1]) &&
	       isdigit((unsigned char)s[i + 2]) && s[i + 3] == ':' &&
	       isdigit((unsigned char)s[i + 4]) && isdigit((unsigned char)s[i + 5]) &&
	       s[i + 6] == '\0';
}
