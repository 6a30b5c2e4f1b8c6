/* fuzz_cursor.c — cursor_decode on any text, for each key count; what it accepts must come
 * back the same through the encoder. */
#include "cursor.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = {"measures", "progress", "u"};
	char *text = fuzz_cstr(data, size);
	for (int n = 1; n <= CURSOR_MAX_KEYS; n++) {
		const char *kind = kinds[(size_t)n - 1];
		long long keys[CURSOR_MAX_KEYS], again[CURSOR_MAX_KEYS];
		if (cursor_decode(text, kind, keys, n) != 0)
			continue;
		char out[CURSOR_TEXT_MAX];
		cursor_encode(kind, keys, n, out);
		FUZZ_CHECK(cursor_decode(out, kind, again, n) == 0);
		FUZZ_CHECK(memcmp(keys, again, sizeof(long long) * (size_t)n) == 0);
		/* a cursor of one list is refused by another */
		FUZZ_CHECK(cursor_decode(text, "other", again, n) != 0);
	}
	/* the raw encoder on the input bytes, as tests use it to build odd cursors */
	if (size <= 128) {
		char out[4 * 128 / 3 + 2];
		size_t len = cursor_b64_encode(data, size, out);
		FUZZ_CHECK(len < sizeof(out) && len == strlen(out));
	}
	free(text);
	return 0;
}
