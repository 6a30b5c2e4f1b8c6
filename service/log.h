/* log.h — one JSON object per line on standard error, for people and log shippers. */
#ifndef ZEREN_LOG_H
#define ZEREN_LOG_H

#include <jansson.h>

/* Writes {"ts","level","event",...fields}; takes ownership of fields (may be NULL). */
void log_json(const char *level, const char *event, json_t *fields);

/* Writes {"ts","level","event","message"} with a printf-style message. */
void log_msg(const char *level, const char *event, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* A duration in milliseconds rounded to the microsecond (3 decimals), as log lines carry it;
 * numbers are written with 15 significant digits, so 0.077 prints as 0.077. */
double log_duration_ms(double seconds);

/* Silences everything below "error" (used by tests that expect noisy failures). */
void log_set_quiet(int quiet);

#endif
