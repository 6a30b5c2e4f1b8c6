/* fuzz_progress_input.c — a progress body as POST, PATCH and review read it. */
#include "fuzz.h"
#include "progress_input.h"

/* What a valid record carries as JSON text is given to the database as is: it must parse. */
static void check_json_text(const char *text)
{
	if (text == NULL)
		return;
	json_t *v = json_loads(text, 0, NULL);
	FUZZ_CHECK(json_is_array(v));
	json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (body == NULL)
		return 0;
	json_t *errors = json_array();
	struct progress_input in;
	int rc = progress_input_create(body, "", &in, errors);
	if (rc == 0) {
		FUZZ_CHECK(json_array_size(errors) == 0);
		FUZZ_CHECK(in.period != NULL && strcmp(in.period_start, in.period_end) <= 0);
		check_json_text(in.values);
		check_json_text(in.evidence);
	}
	progress_input_free(&in);
	json_array_clear(errors);
	/* as a batch row, with its pointers under the row's index */
	if (progress_input_create(body, "/7", &in, errors) != 0)
		FUZZ_CHECK(json_array_size(errors) > 0);
	progress_input_free(&in);
	fuzz_check_errors(errors);
	json_array_clear(errors);
	if (progress_input_patch(body, &in, errors) == 0) {
		FUZZ_CHECK(json_array_size(errors) == 0);
		check_json_text(in.values);
		check_json_text(in.evidence);
	}
	progress_input_free(&in);
	fuzz_check_errors(errors);
	json_array_clear(errors);
	const char *decision, *comment;
	(void)progress_input_review(body, &decision, &comment, errors);
	fuzz_check_errors(errors);
	json_decref(errors);
	json_decref(body);
	return 0;
}
