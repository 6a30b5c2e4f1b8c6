/* test_pgcopy.c — COPY text fields: escapes, NULL, integers, row ends. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "pgcopy.h"
#include "suites.h"

/* What the writer produced, as a string the test owns. */
struct sink {
	FILE *f;
	char *text;
	size_t len;
};

static void sink_open(struct sink *s)
{
	s->text = NULL;
	s->f = open_memstream(&s->text, &s->len);
}

static const char *sink_text(struct sink *s)
{
	fflush(s->f);
	return s->text;
}

static void sink_close(struct sink *s)
{
	fclose(s->f);
	free(s->text);
}

START_TEST(escapes_what_would_end_a_field_or_row)
{
	struct sink s;
	sink_open(&s);
	pgcopy_field(s.f, "a\tb\nc\rd\\e", 0);
	pgcopy_field(s.f, "\\.", 1);
	ck_assert_str_eq(sink_text(&s), "a\\tb\\nc\\rd\\\\e\t\\\\.\n");
	sink_close(&s);
}
END_TEST

START_TEST(null_integers_and_plain_text)
{
	struct sink s;
	sink_open(&s);
	pgcopy_int(s.f, -42, 0);
	pgcopy_field(s.f, NULL, 0);
	pgcopy_field(s.f, "", 0);
	pgcopy_field(s.f, "广东技工 '; DROP TABLE x; --", 1);
	ck_assert_str_eq(sink_text(&s), "-42\t\\N\t\t广东技工 '; DROP TABLE x; --\n");
	sink_close(&s);
}
END_TEST

Suite *pgcopy_suite(void)
{
	Suite *s = suite_create("pgcopy");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, escapes_what_would_end_a_field_or_row);
	tcase_add_test(tc, null_integers_and_plain_text);
	suite_add_tcase(s, tc);
	return s;
}
