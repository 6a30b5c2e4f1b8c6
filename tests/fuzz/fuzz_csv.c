/* fuzz_csv.c — csv_each and csv_parse on any bytes: rows of UTF-8 strings or an error naming
 * a line, and a reader that stops early. */
#include "csv.h"
#include "fuzz.h"
#include "validate.h"

struct seen {
	size_t rows, stop_at;
};

static int on_row(json_t *cells, size_t index, void *arg)
{
	struct seen *s = arg;
	size_t i;
	json_t *cell;
	FUZZ_CHECK(index == s->rows);
	FUZZ_CHECK(json_is_array(cells) && json_array_size(cells) > 0);
	json_array_foreach(cells, i, cell)
	{
		FUZZ_CHECK(json_is_string(cell));
		FUZZ_CHECK(validate_utf8_text(json_string_value(cell), json_string_length(cell)));
	}
	s->rows++;
	return s->rows == s->stop_at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char err[128] = "";
	json_t *rows = csv_parse(text, size, 50, err, sizeof(err));
	if (rows == NULL)
		FUZZ_CHECK(err[0] != '\0');
	struct seen all = {0, 0}, some = {0, 3};
	int rc = csv_each(text, size, 50, on_row, &all, err, sizeof(err));
	FUZZ_CHECK((rc == 0) == (rows != NULL));
	if (rows != NULL)
		FUZZ_CHECK(json_array_size(rows) == all.rows);
	(void)csv_each(text, size, 50, on_row, &some, err, sizeof(err));
	FUZZ_CHECK(some.rows <= 3);
	json_decref(rows);
	return 0;
}
