/* validate.h — pure input checks; every failure is collected as {pointer, message}. */
#ifndef ZEREN_VALIDATE_H
#define ZEREN_VALIDATE_H

#include <stddef.h>

#include <jansson.h>

/* Appends {"pointer": ..., "message": printf(fmt...)} to errors (a JSON array). */
void verr_add(json_t *errors, const char *pointer, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* A stable code: ^[a-z0-9][a-z0-9._-]{0,63}$ */
int validate_code(const char *s);
/* A real calendar date written YYYY-MM-DD (years 1900..9999). */
int validate_date(const char *s);
/* An RFC 3339 timestamp: YYYY-MM-DDTHH:MM:SS, optional fraction, Z or +HH:MM / -HH:MM. */
int validate_timestamp(const char *s);
/* A reporting period: 2022, 2022-H1, 2022-Q3 or 2022-07. Writes its first and last day
 * (YYYY-MM-DD) when start/end are not NULL. */
int validate_period(const char *s, char start[11], char end[11]);
/* An absolute http or https URL with a host and no spaces or control characters. */
int validate_http_url(const char *s);
/* Well-formed UTF-8 without NUL or other C0 controls except tab, CR and LF. */
int validate_utf8_text(const char *s, size_t len);
/* One of the NULL-terminated choices. */
int validate_enum(const char *s, const char *const *choices);
/* For a member already read (s, NULL when absent): 0 when s is NULL or one of choices
 * (NULL-terminated, e.g. a domain.h list); otherwise records "must be a, b or c" at pointer and
 * returns -1. */
int validate_choice(const char *s, const char *const *choices, const char *pointer, json_t *errors);

/* Whether a member must be there: the required argument of the member readers below. */
enum validate_presence { VALIDATE_OPTIONAL = 0, VALIDATE_REQUIRED = 1 };

/* The characters (code points) of the len bytes of UTF-8 at s. */
size_t validate_utf8_chars(const char *s, size_t len);

/* Typed member readers for objects: each returns the value or NULL/-1 and records an error at
 * base + "/" + key when the member is missing (if required) or of the wrong type. A string's
 * max_len counts characters, as JSON Schema's maxLength does. */
const char *validate_string_member(json_t *obj, const char *key, enum validate_presence required,
                                   size_t max_len, const char *base, json_t *errors);
int validate_integer_member(json_t *obj, const char *key, enum validate_presence required,
                            long long min, long long max, long long *out, const char *base,
                            json_t *errors);
/* Finite number (integers included) within [min, max]. */
int validate_number_member(json_t *obj, const char *key, enum validate_presence required,
                           double min, double max, double *out, const char *base, json_t *errors);
/* Element i of the array at pointer list, which must be an object: writes its pointer (list +
 * "/" + i) into out (len bytes); 0 when el is an object, else -1 after recording "must be an
 * object" (followed by " " and shape, e.g. "{title, url}", when shape is not NULL) there. */
int validate_element(json_t *el, const char *list, size_t i, const char *shape, char *out,
                     size_t len, json_t *errors);
/* Records an error for every member of obj not in allowed (NULL-terminated). */
void validate_known_members(json_t *obj, const char *const *allowed, const char *base,
                            json_t *errors);

#endif
