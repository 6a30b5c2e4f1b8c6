/* log.h — one JSON object per line on standard error, for people and log shippers. */
#ifndef ZEREN_LOG_H
#define ZEREN_LOG_H

#include <jansson.h>

/* Writes {"ts","level","event",...fields}; takes ownership of fields (may be NULL). */
void log_json(const char *level, const char *event, json_t *fields);

/* Writes {"ts","level","event","message"} with a printf-style message. */
void log_msg(const char *level, const char *event, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Silences everything below "error" (used by tests that expect noisy failures). */
void log_set_quiet(int quiet);

#endif
