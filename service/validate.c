/* validate.c — checks that collect every problem instead of stopping at the first. */
#include "validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void verr_add(json_t *errors, const char *pointer, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_t *p = json_string(pointer);
	json_t *m = json_string(msg);
	json_array_append_new(errors, json_pack("{soso}", "pointer", p ? p : json_string(""),
	                                        "message", m ? m : json_string("invalid value")));
}

int validate_code(const char *s)
{
	if (s == NULL)
		return 0;
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

static int validate_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

static int validate_days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

int validate_date(const char *s)
{
	int y, m, d;
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	if (!validate_digits(s, 4, &y) || !validate_digits(s + 5, 2, &m) ||
	    !validate_digits(s + 8, 2, &d))
		return 0;
	return y >= 1900 && m >= 1 && m <= 12 && d >= 1 && d <= validate_days_in_month(y, m);
}

int validate_timestamp(const char *s)
{
	int h, mi, sec, oh, om;
	if (s == NULL || strlen(s) < 20 || strlen(s) > 35)
		return 0;
	char date[11];
	memcpy(date, s, 10);
	date[10] = '\0';
	if (!validate_date(date) || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
	    s[16] != ':' || !validate_digits(s + 11, 2, &h) || !validate_digits(s + 14, 2, &mi) ||
	    !validate_digits(s + 17, 2, &sec) || h > 23 || mi > 59 || sec > 60)
		return 0;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return 1;
	if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
	    validate_digits(p + 1, 2, &oh) && validate_digits(p + 4, 2, &om))
		return oh <= 23 && om <= 59;
	return 0;
}

int validate_period(const char *s, char start[11], char end[11])
{
	int y, a = 1, b = 12, n;
	if (s == NULL || !validate_digits(s, 4, &y) || y < 1900)
		return 0;
	size_t len = strlen(s);
	if (len == 4) {
		a = 1;
		b = 12;
	} else if (len == 7 && s[4] == '-' && s[5] == 'H' && (s[6] == '1' || s[6] == '2')) {
		a = s[6] == '1' ? 1 : 7;
		b = a + 5;
	} else if (len == 7 && s[4] == '-' && s[5] == 'Q' && s[6] >= '1' && s[6] <= '4') {
		a = (s[6] - '1') * 3 + 1;
		b = a + 2;
	} else if (len == 7 && s[4] == '-' && validate_digits(s + 5, 2, &n) && n >= 1 && n <= 12) {
		a = b = n;
	} else {
		return 0;
	}
	/* y < 10000 and months/days are two digits, so ten characters always fit */
	char tmp[32];
	if (start != NULL) {
		snprintf(tmp, sizeof(tmp), "%04d-%02d-01", y, a);
		memcpy(start, tmp, 11);
	}
	if (end != NULL) {
		snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y, b, validate_days_in_month(y, b));
		memcpy(end, tmp, 11);
	}
	return 1;
}

int validate_http_url(const char *s)
{
	if (s == NULL)
		return 0;
	const char *rest;
	if (strncmp(s, "https://", 8) == 0)
		rest = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		rest = s + 7;
	else
		return 0;
	if (*rest == '\0' || *rest == '/' || *rest == '?' || *rest == '#')
		return 0;
	size_t n = strlen(s);
	if (n > 2048)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\')
			return 0;
	}
	return 1;
}

int validate_utf8_text(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned char c = p[i];
		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return 0;
			i++;
			continue;
		}
		int extra;
		unsigned int cp;
		if (c >= 0xC2 && c <= 0xDF) {
			extra = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			extra = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			extra = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + (size_t)extra >= len + 0 && i + (size_t)extra > len - 1 + 1)
			return 0;
		for (int k = 1; k <= extra; k++) {
			if (i + (size_t)k >= len || (p[i + (size_t)k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + (size_t)k] & 0x3F);
		}
		/* overlong forms, surrogates and values past U+10FFFF */
		if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += (size_t)extra + 1;
	}
	return 1;
}

int validate_enum(const char *s, const char *const *choices)
{
	if (s == NULL)
		return 0;
	for (size_t i = 0; choices[i] != NULL; i++)
		if (strcmp(s, choices[i]) == 0)
			return 1;
	return 0;
}

int validate_choice(const char *s, const char *const *choices, const char *pointer, json_t *errors)
{
	if (s == NULL || validate_enum(s, choices))
		return 0;
	char text[512];
	size_t n = 0;
	text[0] = '\0';
	for (size_t i = 0; choices[i] != NULL && n < sizeof(text); i++) {
		const char *sep = i == 0 ? "" : choices[i + 1] == NULL ? " or " : ", ";
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s", sep, choices[i]);
	}
	verr_add(errors, pointer, "must be %s", text);
	return -1;
}

/* base + "/" + key with key escaped as RFC 6901 asks: "~" -> "~0", "/" -> "~1". */
static void validate_pointer(char *out, size_t len, const char *base, const char *key)
{
	size_t n = (size_t)snprintf(out, len, "%s/", base);
	for (const char *k = key; *k != '\0' && n + 3 < len; k++) {
		if (*k == '~' || *k == '/') {
			out[n++] = '~';
			out[n++] = *k == '~' ? '0' : '1';
		} else {
			out[n++] = *k;
		}
	}
	if (n < len)
		out[n] = '\0';
	else
		out[len - 1] = '\0';
}

/* obj's member key with its pointer in ptr; NULL when absent or null (an error if required). */
static json_t *validate_member(json_t *obj, const char *key, enum validate_presence required,
                               const char *base, char *ptr, size_t len, json_t *errors)
{
	json_t *v = json_object_get(obj, key);
	validate_pointer(ptr, len, base, key);
	if (v != NULL && !json_is_null(v))
		return v;
	if (required)
		verr_add(errors, ptr, "is required");
	return NULL;
}

size_t validate_utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

const char *validate_string_member(json_t *obj, const char *key, enum validate_presence required,
                                   size_t max_len, const char *base, json_t *errors)
{
	char ptr[256];
	json_t *v = validate_member(obj, key, required, base, ptr, sizeof(ptr), errors);
	if (v == NULL)
		return NULL;
	if (!json_is_string(v)) {
		verr_add(errors, ptr, "must be a string");
		return NULL;
	}
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (required && n == 0) {
		verr_add(errors, ptr, "must not be empty");
		return NULL;
	}
	if (strlen(s) != n || !validate_utf8_text(s, n)) {
		verr_add(errors, ptr, "must not contain NUL or control characters");
		return NULL;
	}
	/* characters, as JSON Schema's maxLength counts them: 云 is one, not three */
	if (validate_utf8_chars(s, n) > max_len) {
		verr_add(errors, ptr, "is longer than %zu characters", max_len);
		return NULL;
	}
	return s;
}

int validate_integer_member(json_t *obj, const char *key, enum validate_presence required,
                            long long min, long long max, long long *out, const char *base,
                            json_t *errors)
{
	char ptr[256];
	json_t *v = validate_member(obj, key, required, base, ptr, sizeof(ptr), errors);
	if (v == NULL)
		return -1;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		verr_add(errors, ptr, "must be an integer from %lld to %lld", min, max);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

int validate_number_member(json_t *obj, const char *key, enum validate_presence required,
                           double min, double max, double *out, const char *base, json_t *errors)
{
	char ptr[256];
	json_t *v = validate_member(obj, key, required, base, ptr, sizeof(ptr), errors);
	if (v == NULL)
		return -1;
	if (!json_is_number(v)) {
		verr_add(errors, ptr, "must be a number");
		return -1;
	}
	double d = json_number_value(v);
	if (!isfinite(d) || d < min || d > max) {
		verr_add(errors, ptr, "must be a finite number from %g to %g", min, max);
		return -1;
	}
	*out = d;
	return 0;
}

int validate_element(json_t *el, const char *list, size_t i, const char *shape, char *out,
                     size_t len, json_t *errors)
{
	snprintf(out, len, "%s/%zu", list, i);
	if (json_is_object(el))
		return 0;
	if (shape != NULL)
		verr_add(errors, out, "must be an object %s", shape);
	else
		verr_add(errors, out, "must be an object");
	return -1;
}

void validate_known_members(json_t *obj, const char *const *allowed, const char *base,
                            json_t *errors)
{
	const char *key;
	json_t *value;
	json_object_foreach(obj, key, value)
	{
		(void)value;
		if (!validate_enum(key, allowed)) {
			char ptr[256];
			validate_pointer(ptr, sizeof(ptr), base, key);
			verr_add(errors, ptr, "unknown member");
		}
	}
}
