/* fuzz_doc_xlsx.c — the .xlsx reader: the input up to its first NUL byte is the first
 * worksheet (xl/worksheets/sheet1.xml), the rest, when there is a NUL, the shared strings
 * (xl/sharedStrings.xml); they are put into a valid workbook zip here, then read alone and
 * parsed whole (with known units). */
#include "doc_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char workbook[] = "<workbook/>";
	const uint8_t *nul = memchr(data, '\0', size);
	size_t sheet = nul ? (size_t)(nul - data) : size;
	struct doc_fuzz_entry entries[] = {
	        {"xl/workbook.xml", workbook, sizeof(workbook) - 1},
	        {"xl/worksheets/sheet1.xml", data, sheet},
	        {"xl/sharedStrings.xml", nul ? nul + 1 : NULL, nul ? size - sheet - 1 : 0},
	};
	size_t len;
	char *zip = doc_fuzz_zip(entries, nul ? 3 : 2, &len);
	enum doc_error body;
	enum doc_kind kind = doc_fuzz_run(zip, len, 8, &body);
	FUZZ_CHECK(kind == DOC_KIND_XLSX);
	FUZZ_CHECK(body != DOC_FORMAT && body != DOC_ENCRYPTED);
	free(zip);
	return 0;
}
