/* fuzz_doc_docx.c — the .docx reader: the input is word/document.xml, put into a valid zip
 * here so that every run reaches libxml2's reader and the table / paragraph walk, then read
 * alone and parsed whole (with known units). */
#include "doc_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char types[] = "<Types/>";
	const struct doc_fuzz_entry entries[] = {
	        {"[Content_Types].xml", types, sizeof(types) - 1},
	        {"word/document.xml", data, size},
	};
	size_t len;
	char *zip = doc_fuzz_zip(entries, 2, &len);
	enum doc_error body;
	enum doc_kind kind = doc_fuzz_run(zip, len, 8, &body);
	FUZZ_CHECK(kind == DOC_KIND_DOCX);
	FUZZ_CHECK(body != DOC_FORMAT && body != DOC_ENCRYPTED);
	free(zip);
	return 0;
}
