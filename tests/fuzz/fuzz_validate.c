/* fuzz_validate.c — the pure checks of validate.c on any text, and the typed member readers on
 * any JSON object. */
#include "fuzz.h"
#include "validate.h"

static const char *const statuses[] = {"on_track", "at_risk", "off_track", "done", NULL};

static void check_text(const char *s, size_t len)
{
	char start[11], end[11];
	(void)validate_code(s);
	if (validate_date(s))
		FUZZ_CHECK(strlen(s) == 10);
	(void)validate_timestamp(s);
	(void)validate_http_url(s);
	(void)validate_enum(s, statuses);
	(void)validate_utf8_text(s, len);
	if (validate_period(s, start, end)) {
		/* a period is a run of real days, first before last */
		FUZZ_CHECK(validate_date(start) && validate_date(end));
		FUZZ_CHECK(strcmp(start, end) <= 0);
	}
	(void)validate_period(s, NULL, NULL);
}

static void check_members(json_t *obj)
{
	static const char *const known[] = {"code", "count", "share", NULL};
	json_t *errors = json_array();
	long long n;
	double x;
	(void)validate_string_member(obj, "code", 1, 64, "", errors);
	(void)validate_string_member(obj, "note", 0, 8, "/x", errors);
	(void)validate_integer_member(obj, "count", 1, 1, 1000, &n, "", errors);
	(void)validate_integer_member(obj, "count", 0, -5, 5, &n, "/y", errors);
	(void)validate_number_member(obj, "share", 0, 0, 100, &x, "", errors);
	validate_known_members(obj, known, "", errors);
	fuzz_check_errors(errors);
	json_decref(errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	check_text(s, size);
	json_t *doc = json_loadb((const char *)data, size, 0, NULL);
	if (json_is_object(doc))
		check_members(doc);
	json_decref(doc);
	free(s);
	return 0;
}
