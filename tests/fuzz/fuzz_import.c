/* fuzz_import.c — import_validate, the whole plan-document check that runs before anything is
 * written, on any JSON document. */
#include "fuzz.h"
#include "import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (doc == NULL)
		return 0;
	json_t *errors = import_validate(doc);
	fuzz_check_errors(errors);
	json_decref(errors);
	json_decref(doc);
	return 0;
}
