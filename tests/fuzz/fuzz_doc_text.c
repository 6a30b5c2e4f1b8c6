/* fuzz_doc_text.c — the text reader: doc_utf8_valid against an independent UTF-8 check,
 * doc_text_decode (UTF-8 kept byte for byte, else GB18030, always UTF-8 out) and
 * doc_text_read (lines to paragraphs and tab cells, within the body's limits). */
#include "doc_fuzz.h"

/* RFC 3629 written out by its table of well-formed byte sequences, as the oracle. */
static int utf8_oracle(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		uint8_t lo = 0x80, hi = 0xBF; /* range of the second byte */
		size_t k;
		if (c < 0x80)
			k = 0;
		else if (c >= 0xC2 && c <= 0xDF)
			k = 1;
		else if (c == 0xE0)
			k = 2, lo = 0xA0;
		else if (c == 0xED)
			k = 2, hi = 0x9F;
		else if (c >= 0xE1 && c <= 0xEF)
			k = 2;
		else if (c == 0xF0)
			k = 3, lo = 0x90;
		else if (c == 0xF4)
			k = 3, hi = 0x8F;
		else if (c >= 0xF1 && c <= 0xF3)
			k = 3;
		else
			return 0;
		if (k > 0 && (n - i <= k || s[i + 1] < lo || s[i + 1] > hi))
			return 0;
		for (size_t j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xBF)
				return 0;
		i += k + 1;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *bytes = (const char *)data;
	FUZZ_CHECK(!doc_utf8_valid(bytes, size) == !utf8_oracle(data, size));
	char *out = NULL;
	size_t len = 0;
	enum doc_error e = doc_text_decode(bytes, size, &out, &len);
	if (e != DOC_OK) {
		FUZZ_CHECK(out == NULL);
		FUZZ_CHECK(e == DOC_EMPTY || e == DOC_FORMAT || e == DOC_ENCODING);
		return 0;
	}
	FUZZ_CHECK(out != NULL && out[len] == '\0' && strlen(out) == len);
	FUZZ_CHECK(doc_utf8_valid(out, len));
	size_t bom = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	if (utf8_oracle(data + bom, size - bom))
		FUZZ_CHECK(len == size - bom && memcmp(out, data + bom, len) == 0);
	struct doc_body b;
	doc_body_init(&b);
	e = doc_text_read(out, len, &b);
	FUZZ_CHECK(doc_error_message(e) != NULL);
	if (e == DOC_OK)
		doc_fuzz_check_body(&b);
	doc_body_free(&b);
	free(out);
	return 0;
}
