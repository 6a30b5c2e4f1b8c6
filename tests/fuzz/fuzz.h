/* fuzz.h — what the libFuzzer harnesses share: the entry point's prototype, a NUL-terminated
 * copy of the input, and a check that aborts (which libFuzzer reports as a crash). */
#ifndef ZEREN_FUZZ_H
#define ZEREN_FUZZ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code under test promises; a broken one is a finding like a crash. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__,        \
			        #cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The input as a C string (cut at its first NUL, as a header or query value would be); caller
 * frees. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Every entry of a validator's errors is {pointer, message} with a JSON pointer ("" or "/…"). */
static inline void fuzz_check_errors(json_t *errors)
{
	size_t i;
	json_t *e;
	FUZZ_CHECK(json_is_array(errors));
	json_array_foreach(errors, i, e)
	{
		const char *p = json_string_value(json_object_get(e, "pointer"));
		FUZZ_CHECK(p != NULL && (p[0] == '\0' || p[0] == '/'));
		FUZZ_CHECK(json_is_string(json_object_get(e, "message")));
	}
}

#endif
