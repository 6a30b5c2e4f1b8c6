/* test_domain.c — service/domain.c: each list in its enum's order, lookups, and the choice
 * messages validate_choice builds from the lists. */
#include "domain.h"

#include <check.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "report.h"
#include "validate.h"

static size_t count(const char *const *words)
{
	size_t n = 0;
	while (words[n] != NULL)
		n++;
	return n;
}

START_TEST(test_lists_match_their_enums)
{
	ck_assert_uint_eq(count(domain_cadences), DOMAIN_CADENCE_COUNT);
	ck_assert_uint_eq(count(domain_unit_kinds), DOMAIN_UNIT_KIND_COUNT);
	ck_assert_uint_eq(count(domain_roles), DOMAIN_ROLE_COUNT);
	ck_assert_uint_eq(count(domain_target_kinds), DOMAIN_TARGET_KIND_COUNT);
	ck_assert_uint_eq(count(domain_comparators), DOMAIN_COMPARATOR_COUNT);
	ck_assert_uint_eq(count(domain_recurrences), DOMAIN_RECURRENCE_COUNT);
	ck_assert_uint_eq(count(domain_aggregations), DOMAIN_AGGREGATION_COUNT);
	ck_assert_uint_eq(count(domain_statuses), DOMAIN_STATUS_COUNT);
	ck_assert_uint_eq(count(domain_review_states), DOMAIN_REVIEW_STATE_COUNT);
	ck_assert_str_eq(domain_cadences[DOMAIN_CADENCE_HALF], "half");
	ck_assert_str_eq(domain_unit_kinds[DOMAIN_UNIT_GROUP], "group");
	ck_assert_str_eq(domain_roles[DOMAIN_ROLE_RELATED], "related");
	ck_assert_str_eq(domain_target_kinds[DOMAIN_TARGET_PERCENTAGE], "percentage");
	ck_assert_str_eq(domain_comparators[DOMAIN_CMP_LT], "lt");
	ck_assert_str_eq(domain_recurrences[DOMAIN_RECUR_BIENNIAL], "biennial");
	ck_assert_str_eq(domain_aggregations[DOMAIN_AGG_LATEST], "latest");
	ck_assert_str_eq(domain_statuses[DOMAIN_STATUS_DELAYED], "delayed");
	ck_assert_str_eq(domain_review_states[DOMAIN_REVIEW_RETURNED], "returned");
}
END_TEST

START_TEST(test_lookup)
{
	ck_assert_int_eq(domain_lookup(domain_cadences, "month"), DOMAIN_CADENCE_MONTH);
	ck_assert_int_eq(domain_lookup(domain_cadences, "year"), DOMAIN_CADENCE_YEAR);
	ck_assert_int_eq(domain_lookup(domain_statuses, "completed"), DOMAIN_STATUS_COMPLETED);
	ck_assert_int_eq(domain_lookup(domain_cadences, "Month"), -1);
	ck_assert_int_eq(domain_lookup(domain_cadences, "mont"), -1);
	ck_assert_int_eq(domain_lookup(domain_cadences, ""), -1);
	ck_assert_int_eq(domain_lookup(domain_cadences, NULL), -1);
}
END_TEST

/* report.c's parsers read the same lists, so every word parses to its own enum value. */
START_TEST(test_report_parsers_follow_the_lists)
{
	for (int i = 0; i < DOMAIN_CADENCE_COUNT; i++) {
		enum report_cadence c;
		ck_assert_int_eq(report_cadence_parse(domain_cadences[i], &c), 0);
		ck_assert_int_eq((int)c, i);
	}
	for (int i = 0; i < DOMAIN_COMPARATOR_COUNT; i++) {
		enum report_comparator c;
		ck_assert_int_eq(report_comparator_parse(domain_comparators[i], &c), 0);
		ck_assert_int_eq((int)c, i);
	}
	for (int i = 0; i < DOMAIN_TARGET_KIND_COUNT; i++) {
		enum report_kind k;
		ck_assert_int_eq(report_kind_parse(domain_target_kinds[i], &k), 0);
		ck_assert_int_eq((int)k, i);
	}
	enum report_recurrence r;
	ck_assert_int_eq(report_recurrence_parse("annual", &r), 0);
	ck_assert_int_eq(r, REPORT_ANNUAL);
	ck_assert_int_eq(report_recurrence_parse("biennial", &r), 0);
	ck_assert_int_eq(r, REPORT_BIENNIAL);
	ck_assert_int_eq(report_recurrence_parse("", &r), 0);
	ck_assert_int_eq(r, REPORT_ONCE);
	ck_assert_int_eq(report_recurrence_parse("weekly", &r), -1);
}
END_TEST

static const char *choice_message(const char *s, const char *const *words)
{
	static char text[256];
	json_t *errors = json_array();
	text[0] = '\0';
	if (validate_choice(s, words, "/p", errors) != 0) {
		json_t *e = json_array_get(errors, 0);
		ck_assert_str_eq(json_string_value(json_object_get(e, "pointer")), "/p");
		snprintf(text, sizeof(text), "%s",
		         json_string_value(json_object_get(e, "message")));
	}
	ck_assert_uint_eq(json_array_size(errors), text[0] != '\0');
	json_decref(errors);
	return text;
}

START_TEST(test_choice_messages)
{
	ck_assert_str_eq(choice_message("x", domain_cadences),
	                 "must be month, quarter, half or year");
	ck_assert_str_eq(choice_message("x", domain_unit_kinds),
	                 "must be department, county_government, school, organisation or group");
	ck_assert_str_eq(choice_message("x", domain_comparators), "must be gte, gt, lte, lt or eq");
	ck_assert_str_eq(choice_message("x", domain_aggregations), "must be sum or latest");
	ck_assert_str_eq(choice_message("x", domain_statuses),
	                 "must be not_started, on_track, at_risk, delayed or completed");
	static const char *const one[] = {"only", NULL};
	ck_assert_str_eq(choice_message("x", one), "must be only");
	ck_assert_str_eq(choice_message("half", domain_cadences), "");
	ck_assert_str_eq(choice_message(NULL, domain_cadences), "");
}
END_TEST

Suite *domain_suite(void)
{
	Suite *s = suite_create("domain");
	TCase *tc = tcase_create("domain");
	tcase_add_test(tc, test_lists_match_their_enums);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_report_parsers_follow_the_lists);
	tcase_add_test(tc, test_choice_messages);
	suite_add_tcase(s, tc);
	return s;
}
