/* test_log.c — log lines: durations rounded to the microsecond and written without noise. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "suites.h"

START_TEST(durations_round_to_microseconds)
{
	ck_assert(log_duration_ms(0.000077213000054143777) == 0.077);
	ck_assert(log_duration_ms(1.2345678) == 1234.568);
	ck_assert(log_duration_ms(0) == 0);
	ck_assert(log_duration_ms(0.0000004) == 0);
}
END_TEST

START_TEST(a_rounded_duration_prints_as_written)
{
	/* stderr into a file for one line */
	FILE *tmp = tmpfile();
	ck_assert_ptr_nonnull(tmp);
	fflush(stderr);
	int saved = dup(fileno(stderr));
	dup2(fileno(tmp), fileno(stderr));
	log_json("info", "request",
	         json_pack("{sf}", "duration_ms", log_duration_ms(0.000077213000054143777)));
	fflush(stderr);
	dup2(saved, fileno(stderr));
	close(saved);
	char line[512] = "";
	rewind(tmp);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), tmp));
	fclose(tmp);
	ck_assert_msg(strstr(line, "\"duration_ms\":0.077}") != NULL, "%s", line);
}
END_TEST

Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");
	tcase_add_test(tc, durations_round_to_microseconds);
	tcase_add_test(tc, a_rounded_duration_prints_as_written);
	suite_add_tcase(s, tc);
	return s;
}
