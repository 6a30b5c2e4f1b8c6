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

/* Refused exactly when something was said about why, each error a pointer and a message. */
static void checked(int rc, json_t *errors)
{
	FUZZ_CHECK((rc != 0) == (json_array_size(errors) > 0));
	fuzz_check_errors(errors);
	json_array_clear(errors);
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
		FUZZ_CHECK(in.period != NULL && strcmp(in.period_start, in.period_end) <= 0);
		check_json_text(in.values);
		check_json_text(in.evidence);
	}
	progress_input_free(&in);
	checked(rc, errors);
	/* as a batch row: every pointer names the row */
	rc = progress_input_create(body, "/7", &in, errors);
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e)
	{
		const char *p = json_string_value(json_object_get(e, "pointer"));
		FUZZ_CHECK(p != NULL && strncmp(p, "/7", 2) == 0 && (p[2] == '\0' || p[2] == '/'));
	}
	checked(rc, errors);
	progress_input_free(&in);
	rc = progress_input_patch(body, &in, errors);
	if (rc == 0) {
		check_json_text(in.values);
		check_json_text(in.evidence);
	}
	progress_input_free(&in);
	checked(rc, errors);
	const char *decision, *comment;
	checked(progress_input_review(body, &decision, &comment, errors), errors);
	json_decref(errors);
	json_decref(body);
	return 0;
}
