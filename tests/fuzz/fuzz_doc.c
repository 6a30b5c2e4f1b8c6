/* fuzz_doc.c — doc_parse, the whole document reader behind `zeren parse`, on any bytes: text,
 * zip, Office or compound file, whatever the content says. The first byte picks the options
 * (plan code, title, known units); the rest is the file. */
#include "doc_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum doc_error body;
	(void)doc_fuzz_run(data + 1, size - 1, data[0], &body);
	return 0;
}
