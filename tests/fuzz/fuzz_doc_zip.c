/* fuzz_doc_zip.c — the zip layer on any bytes: open, look up and read the entries the Office
 * readers ask for. Whatever the headers claim, an entry read is NUL-terminated, within
 * DOC_MAX_ENTRY, and over 1 MiB only when it expanded at most DOC_MAX_RATIO times the whole
 * archive (a zip bomb is refused); reading it again gives the same bytes. */
#include "doc_fuzz.h"
#include "document/doc_zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"word/document.xml",
	                                    "xl/workbook.xml",
	                                    "xl/worksheets/sheet1.xml",
	                                    "xl/sharedStrings.xml",
	                                    "[Content_Types].xml",
	                                    "EncryptedPackage",
	                                    "a.txt"};
	struct doc_zip *z;
	enum doc_error e = doc_zip_open(data, size, &z);
	if (e != DOC_OK) {
		FUZZ_CHECK(z == NULL && (e == DOC_FORMAT || e == DOC_NOMEM));
		return 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *a, *b;
		size_t alen = 0, blen = 0;
		int has = doc_zip_has(z, names[i]);
		e = doc_zip_read(z, names[i], &a, &alen);
		if (e != DOC_OK) {
			FUZZ_CHECK(a == NULL);
			FUZZ_CHECK(e == DOC_FORMAT || e == DOC_ENCRYPTED || e == DOC_TOO_LARGE);
			FUZZ_CHECK(has || e == DOC_FORMAT);
			continue;
		}
		FUZZ_CHECK(has);
		FUZZ_CHECK(a[alen] == '\0' && alen <= DOC_MAX_ENTRY);
		FUZZ_CHECK(alen <= 1024 * 1024 || alen / size <= DOC_MAX_RATIO);
		FUZZ_CHECK(doc_zip_read(z, names[i], &b, &blen) == DOC_OK);
		FUZZ_CHECK(blen == alen && memcmp(a, b, alen) == 0);
		free(a);
		free(b);
	}
	doc_zip_close(z);
	return 0;
}
