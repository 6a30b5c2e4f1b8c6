/* test_problem.c — service/problem.c: status mapping, type URIs, RFC 9457 bodies. */
#include "problem.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define TYPE_PREFIX "urn:zeren:problem:"

/* Every error code after SVC_OK with the status DESIGN.md gives it. */
static const struct {
	enum svc_error err;
	int status;
} statuses[] = {
        {SVC_BAD_REQUEST, 400},
        {SVC_VALIDATION, 400},
        {SVC_UNAUTHORIZED, 401},
        {SVC_FORBIDDEN, 403},
        {SVC_NOT_FOUND, 404},
        {SVC_METHOD_NOT_ALLOWED, 405},
        {SVC_NOT_ACCEPTABLE, 406},
        {SVC_CONFLICT, 409},
        {SVC_PRECONDITION_FAILED, 412},
        {SVC_TOO_LARGE, 413},
        {SVC_URI_TOO_LONG, 414},
        {SVC_UNSUPPORTED_MEDIA, 415},
        {SVC_UNPROCESSABLE, 422},
        {SVC_PRECONDITION_REQUIRED, 428},
        {SVC_TOO_MANY_REQUESTS, 429},
        {SVC_UNAVAILABLE, 503},
        {SVC_INTERNAL, 500},
        {SVC_GONE, 410},
        {SVC_HEAD_TOO_LARGE, 431},
};

#define STATUSES (sizeof(statuses) / sizeof(statuses[0]))

START_TEST(test_status_mapping)
{
	/* The table covers every code between SVC_OK and SVC_ERROR_COUNT. */
	ck_assert_int_eq((int)STATUSES, (int)SVC_ERROR_COUNT - 1);
	for (size_t i = 0; i < STATUSES; i++) {
		ck_assert_int_eq((int)statuses[i].err, (int)i + 1);
		ck_assert_msg(problem_status(statuses[i].err) == statuses[i].status,
		              "code %d: status %d, want %d", (int)statuses[i].err,
		              problem_status(statuses[i].err), statuses[i].status);
	}
}
END_TEST

START_TEST(test_out_of_range_is_internal)
{
	const int bad[] = {-1, (int)SVC_ERROR_COUNT, (int)SVC_ERROR_COUNT + 1, 999};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum svc_error e = (enum svc_error)bad[i];
		ck_assert_int_eq(problem_status(e), 500);
		ck_assert_str_eq(problem_type(e), problem_type(SVC_INTERNAL));
		ck_assert_str_eq(problem_title(e), problem_title(SVC_INTERNAL));
		json_t *p = problem_new(e, "x", "req-1");
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(json_integer_value(json_object_get(p, "status")), 500);
		json_decref(p);
	}
}
END_TEST

START_TEST(test_type_uris)
{
	for (int a = SVC_BAD_REQUEST; a < SVC_ERROR_COUNT; a++) {
		const char *type = problem_type((enum svc_error)a);
		const char *title = problem_title((enum svc_error)a);
		ck_assert_ptr_nonnull(type);
		ck_assert_ptr_nonnull(title);
		ck_assert_uint_gt(strlen(title), 0);
		ck_assert_msg(strncmp(type, TYPE_PREFIX, strlen(TYPE_PREFIX)) == 0,
		              "code %d: type \"%s\"", a, type);
		const char *slug = type + strlen(TYPE_PREFIX);
		ck_assert_msg(slug[0] >= 'a' && slug[0] <= 'z', "code %d: empty or odd slug", a);
		for (const char *c = slug; *c != '\0'; c++)
			ck_assert_msg((*c >= 'a' && *c <= 'z') || *c == '-',
			              "code %d: slug \"%s\" is not lowercase-hyphenated", a, slug);
		for (int b = a + 1; b < SVC_ERROR_COUNT; b++)
			ck_assert_msg(strcmp(type, problem_type((enum svc_error)b)) != 0,
			              "codes %d and %d share type %s", a, b, type);
	}
	/* Spot-check the slugs integrators will switch on. */
	ck_assert_str_eq(problem_type(SVC_VALIDATION), TYPE_PREFIX "validation");
	ck_assert_str_eq(problem_type(SVC_NOT_FOUND), TYPE_PREFIX "not-found");
	ck_assert_str_eq(problem_type(SVC_FORBIDDEN), TYPE_PREFIX "forbidden");
}
END_TEST

START_TEST(test_problem_new_members)
{
	json_t *p = problem_new(SVC_NOT_FOUND, "no measure 99", "req-42");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(json_string_value(json_object_get(p, "type")),
	                 problem_type(SVC_NOT_FOUND));
	ck_assert_str_eq(json_string_value(json_object_get(p, "title")),
	                 problem_title(SVC_NOT_FOUND));
	ck_assert(json_is_integer(json_object_get(p, "status")));
	ck_assert_int_eq(json_integer_value(json_object_get(p, "status")), 404);
	ck_assert_str_eq(json_string_value(json_object_get(p, "detail")), "no measure 99");
	ck_assert_str_eq(json_string_value(json_object_get(p, "request_id")), "req-42");
	ck_assert_ptr_null(json_object_get(p, "errors"));
	ck_assert_uint_eq(json_object_size(p), 5);
	json_decref(p);

	/* A detail with non-ASCII text is kept as is. */
	p = problem_new(SVC_CONFLICT, "单位“市财政局”已存在", "r");
	ck_assert_str_eq(json_string_value(json_object_get(p, "detail")), "单位“市财政局”已存在");
	json_decref(p);
}
END_TEST

START_TEST(test_detail_falls_back_to_title)
{
	json_t *p = problem_new(SVC_UNAUTHORIZED, NULL, "req-1");
	ck_assert_str_eq(json_string_value(json_object_get(p, "detail")),
	                 problem_title(SVC_UNAUTHORIZED));
	json_decref(p);

	const char *invalid[] = {"bad \xff byte", "\xc0\xaf", "cut \xe4\xb8", "\xed\xa0\x80"};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		p = problem_new(SVC_BAD_REQUEST, invalid[i], "req-2");
		ck_assert_ptr_nonnull(p);
		ck_assert_msg(json_is_string(json_object_get(p, "detail")), "case %zu", i);
		ck_assert_str_eq(json_string_value(json_object_get(p, "detail")),
		                 problem_title(SVC_BAD_REQUEST));
		ck_assert_str_eq(json_string_value(json_object_get(p, "request_id")), "req-2");
		json_decref(p);
	}
}
END_TEST

START_TEST(test_add_error_in_order)
{
	static const char *const ptrs[] = {"/values/0/value", "/period", "", "/evidence/1/url"};
	static const char *const msgs[] = {"must be a number", "must be a period", "unknown member",
	                                   "must be an http or https URL"};
	json_t *p = problem_new(SVC_VALIDATION, "the body has 4 problems", "req-3");

	for (size_t i = 0; i < 4; i++)
		problem_add_error(p, ptrs[i], msgs[i]);
	json_t *errors = json_object_get(p, "errors");
	ck_assert(json_is_array(errors));
	ck_assert_uint_eq(json_array_size(errors), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *e = json_array_get(errors, i);
		ck_assert_uint_eq(json_object_size(e), 2);
		ck_assert_str_eq(json_string_value(json_object_get(e, "pointer")), ptrs[i]);
		ck_assert_str_eq(json_string_value(json_object_get(e, "message")), msgs[i]);
	}
	/* The rest of the body is untouched. */
	ck_assert_int_eq(json_integer_value(json_object_get(p, "status")), 400);
	ck_assert_uint_eq(json_object_size(p), 6);

	/* Text that is not valid UTF-8 still yields an entry with string members. */
	problem_add_error(p, "/a\xff", "bad \xff");
	ck_assert_uint_eq(json_array_size(errors), 5);
	json_t *last = json_array_get(errors, 4);
	ck_assert(json_is_string(json_object_get(last, "pointer")));
	ck_assert(json_is_string(json_object_get(last, "message")));
	json_decref(p);
}
END_TEST

Suite *problem_suite(void)
{
	Suite *s = suite_create("problem");
	TCase *tc = tcase_create("problem");

	tcase_add_test(tc, test_status_mapping);
	tcase_add_test(tc, test_out_of_range_is_internal);
	tcase_add_test(tc, test_type_uris);
	tcase_add_test(tc, test_problem_new_members);
	tcase_add_test(tc, test_detail_falls_back_to_title);
	tcase_add_test(tc, test_add_error_in_order);
	suite_add_tcase(s, tc);
	return s;
}
