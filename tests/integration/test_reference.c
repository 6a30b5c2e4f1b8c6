/* test_reference.c — the read API on the seeded Yunfu plan: every endpoint, pagination,
 * filters, conditional GETs, CORS, and every refusal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"

static char *reader;

static void ref_setup(void)
{
	harness_setup();
	reader = harness_token("reader-1", ROLE_READER, NULL);
}

static void ref_teardown(void)
{
	free(reader);
	reader = NULL;
	harness_teardown();
}

static struct http_resp *get_ok(const char *path)
{
	struct http_resp *r = http_get(path, reader);
	ck_assert_msg(r->status == 200, "GET %s: %ld %s", path, r->status, r->body);
	ck_assert_ptr_nonnull(r->json);
	return r;
}

static long long id_of(const char *sql)
{
	return harness_count(sql);
}

/* Walks a list in pages of size, collecting each item's number field into out (comma list). */
static int walk(const char *first, const char *field, char *out, size_t outlen)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s", first);
	out[0] = '\0';
	int pages = 0;
	for (;;) {
		struct http_resp *r = get_ok(path);
		pages++;
		size_t i;
		json_t *item;
		json_array_foreach(json_object_get(r->json, "items"), i, item)
		{
			size_t n = strlen(out);
			snprintf(out + n, outlen - n, "%s%lld", n ? "," : "",
			         json_integer_value(json_object_get(item, field)));
		}
		const char *next = json_string_value(json_object_get(r->json, "next_cursor"));
		char link[1024];
		if (next == NULL) {
			ck_assert_ptr_null(http_resp_header(r, "Link", link, sizeof(link)));
			http_resp_free(r);
			break;
		}
		ck_assert_ptr_nonnull(http_resp_header(r, "Link", link, sizeof(link)));
		ck_assert_ptr_nonnull(strstr(link, next));
		ck_assert_ptr_nonnull(strstr(link, "rel=\"next\""));
		/* follow the Link header as a client would */
		char *start = strchr(link, '<'), *end = strchr(link, '>');
		ck_assert(start != NULL && end != NULL);
		*end = '\0';
		snprintf(path, sizeof(path), "%s", start + 1);
		http_resp_free(r);
		ck_assert_int_lt(pages, 100);
	}
	return pages;
}

START_TEST(plans_list_and_get)
{
	struct http_resp *r = get_ok("/v1/plans");
	json_t *items = json_object_get(r->json, "items");
	ck_assert_uint_eq(json_array_size(items), 1);
	json_t *p = json_array_get(items, 0);
	ck_assert_str_eq(json_string_value(json_object_get(p, "code")), "yunfu-gdjg");
	ck_assert_str_eq(json_string_value(json_object_get(p, "title")),
	                 "云浮市推进“广东技工”工程实施方案责任清单");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "measure_count")), 17);
	/* start date, cadence, due days, and the five undated targets' deadlines */
	ck_assert_uint_eq(json_array_size(json_object_get(p, "assumptions")), 8);
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	char path[64];
	snprintf(path, sizeof(path), "/v1/plans/%lld",
	         json_integer_value(json_object_get(p, "id")));
	http_resp_free(r);
	r = get_ok(path);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "cadence")), "quarter");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "start_date")), "2021-01-01");
	http_resp_free(r);
}
END_TEST

START_TEST(tasks_in_document_order)
{
	char path[64], got[256];
	snprintf(path, sizeof(path), "/v1/tasks?plan_id=%lld&limit=2",
	         id_of("SELECT id FROM plans WHERE code = 'yunfu-gdjg'"));
	ck_assert_int_eq(walk(path, "number", got, sizeof(got)), 3);
	ck_assert_str_eq(got, "1,2,3,4,5");
	snprintf(path, sizeof(path), "/v1/tasks/%lld",
	         id_of("SELECT id FROM tasks WHERE number = 3"));
	struct http_resp *r = get_ok(path);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "label")), "（三）");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "measure_count")), 3);
	http_resp_free(r);
}
END_TEST

START_TEST(measures_walk_in_pages_of_four)
{
	char got[256];
	ck_assert_int_eq(walk("/v1/measures?limit=4", "number", got, sizeof(got)), 5);
	ck_assert_str_eq(got, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17");
}
END_TEST

START_TEST(measures_filters)
{
	char got[256];
	walk("/v1/measures?unit=finance", "number", got, sizeof(got));
	ck_assert_str_eq(got, "1,3,6,7,9,10,11,14,15,17");
	walk("/v1/measures?unit=finance&role=lead", "number", got, sizeof(got));
	ck_assert_str_eq(got, "");
	walk("/v1/measures?unit=education&role=lead", "number", got, sizeof(got));
	ck_assert_str_eq(got, "2,8,11,15");
	/* through 各职业院校 and directly */
	walk("/v1/measures?unit=yunfu-technician-college", "number", got, sizeof(got));
	ck_assert_str_eq(got, "2,3,4,5,8,10,11,12,13");
	/* through 各县（市、区）人民政府 only */
	walk("/v1/measures?unit=yunan-district-gov", "number", got, sizeof(got));
	ck_assert_str_eq(got, "17");
	walk("/v1/measures?q=%E7%B2%A4%E8%8F%9C%E5%B8%88%E5%82%85", "number", got, sizeof(got));
	ck_assert_str_eq(got, "8,14"); /* 粤菜师傅 */
	char path[64];
	snprintf(path, sizeof(path), "/v1/measures?task_id=%lld",
	         id_of("SELECT id FROM tasks WHERE number = 5"));
	walk(path, "number", got, sizeof(got));
	ck_assert_str_eq(got, "14,15,16,17");
	walk("/v1/measures?unit=no-such-unit", "number", got, sizeof(got));
	ck_assert_str_eq(got, "");
}
END_TEST

START_TEST(measure_detail_carries_everything)
{
	char path[96];
	snprintf(path, sizeof(path), "/v1/measures/%lld",
	         id_of("SELECT id FROM measures WHERE number = 2"));
	struct http_resp *r = get_ok(path);
	json_t *m = r->json;
	ck_assert_str_eq(json_string_value(json_object_get(m, "title")),
	                 "实施“联合办学”培养机制。");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(m, "task"), "number")),
	                 1);
	ck_assert_uint_eq(json_array_size(json_object_get(m, "items")), 2);
	json_t *as = json_object_get(m, "assignments");
	json_t *lead = json_object_get(as, "lead"), *related = json_object_get(as, "related");
	ck_assert_uint_eq(json_array_size(lead), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(lead, 0), "name")),
	                 "市人力资源社会保障局");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(lead, 1), "code")),
	                 "education");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(related, 0), "name")),
	                 "各职业院校");
	ck_assert_ptr_null(json_object_get(json_array_get(related, 0), "members"));
	json_t *t = json_array_get(json_object_get(m, "targets"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(t, "comparator")), "gte");
	ck_assert_int_eq((int)json_number_value(json_object_get(t, "value")), 5);
	ck_assert_str_eq(
	        json_string_value(json_object_get(json_object_get(t, "accountable_unit"), "code")),
	        "yunfu-technician-college");
	char etag[64];
	ck_assert_ptr_nonnull(http_resp_header(r, "ETag", etag, sizeof(etag)));
	char cc[64];
	ck_assert_str_eq(http_resp_header(r, "Cache-Control", cc, sizeof(cc)), "no-cache");
	http_resp_free(r);

	/* conditional GET */
	char inm[96];
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	const char *const hdr[] = {inm, NULL};
	r = http_call("GET", path, reader, NULL, NULL, 0, hdr);
	ck_assert_int_eq(r->status, 304);
	ck_assert_int_eq((int)r->len, 0);
	http_resp_free(r);

	/* groups expanded on request */
	strcat(path, "?expand=members");
	r = get_ok(path);
	json_t *g = json_array_get(
	        json_object_get(json_object_get(r->json, "assignments"), "related"), 0);
	json_t *members = json_object_get(g, "members");
	ck_assert_uint_eq(json_array_size(members), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(members, 0), "name")),
	                 "云浮技师学院");
	http_resp_free(r);
}
END_TEST

START_TEST(targets_of_a_measure_and_alone)
{
	char path[96], got[128];
	long long m4 = id_of("SELECT id FROM measures WHERE number = 4");
	snprintf(path, sizeof(path), "/v1/measures/%lld/targets?limit=3", m4);
	ck_assert_int_eq(walk(path, "item_number", got, sizeof(got)), 2);
	ck_assert_str_eq(got, "1,1,1,1,1");
	long long t = id_of("SELECT id FROM targets WHERE comparator = 'gt'");
	snprintf(path, sizeof(path), "/v1/targets/%lld", t);
	struct http_resp *r = get_ok(path);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "source_phrase")),
	                 "技能人才合作培养规模超过10000人次");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "deadline")), "2025-12-31");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "aggregation")), "sum");
	http_resp_free(r);
	t = id_of("SELECT id FROM targets WHERE share_of_id IS NOT NULL");
	snprintf(path, sizeof(path), "/v1/targets/%lld", t);
	r = get_ok(path);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "recurrence")), "annual");
	ck_assert_ptr_nonnull(json_object_get(json_object_get(r->json, "share_of"), "code"));
	http_resp_free(r);
}
END_TEST

START_TEST(units_list_get_and_measures)
{
	char got[512];
	ck_assert_int_eq(walk("/v1/units?limit=10", "id", got, sizeof(got)), 4);
	struct http_resp *r = get_ok("/v1/units?kind=group");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 2);
	http_resp_free(r);
	r = get_ok("/v1/units?q=%E8%B4%A2%E6%94%BF"); /* 财政 */
	json_t *items = json_object_get(r->json, "items");
	ck_assert_uint_eq(json_array_size(items), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "code")),
	                 "finance");
	http_resp_free(r);

	char path[96];
	long long college = id_of("SELECT id FROM units WHERE code = 'yunfu-technician-college'");
	snprintf(path, sizeof(path), "/v1/units/%lld", college);
	r = get_ok(path);
	json_t *groups = json_object_get(r->json, "groups");
	ck_assert_uint_eq(json_array_size(groups), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(groups, 0), "code")),
	                 "vocational-schools");
	http_resp_free(r);

	snprintf(path, sizeof(path), "/v1/units/%lld/measures", college);
	r = get_ok(path);
	items = json_object_get(r->json, "items");
	ck_assert_uint_eq(json_array_size(items), 9);
	json_t *m2 = json_array_get(items, 0);
	json_t *how = json_object_get(m2, "assignment");
	ck_assert_str_eq(json_string_value(json_object_get(how, "role")), "related");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(how, "via"), "code")),
	                 "vocational-schools");
	json_t *m3 = json_array_get(items, 1);
	ck_assert(json_is_null(json_object_get(json_object_get(m3, "assignment"), "via")));
	http_resp_free(r);

	long long hrss = id_of("SELECT id FROM units WHERE code = 'hrss'");
	snprintf(path, sizeof(path), "/v1/units/%lld/measures?role=lead&limit=100", hrss);
	r = get_ok(path);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 17);
	http_resp_free(r);
}
END_TEST

START_TEST(tokens_are_required)
{
	struct http_resp *r = http_get("/v1/measures", NULL);
	assert_problem(r, 401, NULL);
	char www[128];
	ck_assert_str_eq(http_resp_header(r, "WWW-Authenticate", www, sizeof(www)),
	                 "Bearer error=\"invalid_token\"");
	http_resp_free(r);
	r = http_get("/v1/plans", "not.a.token");
	assert_problem(r, 401, NULL);
	http_resp_free(r);
	const char *const basic[] = {"Authorization: Basic YTpi", NULL};
	r = http_call("GET", "/v1/units", NULL, NULL, NULL, 0, basic);
	assert_problem(r, 401, NULL);
	http_resp_free(r);
}
END_TEST

START_TEST(bad_parameters_are_400_naming_them)
{
	static const char *const cases[][2] = {
	        {"/v1/measures?limit=0", "?limit"},
	        {"/v1/measures?limit=501", "?limit"},
	        {"/v1/measures?limit=ten", "?limit"},
	        {"/v1/measures?limit=-1", "?limit"},
	        {"/v1/measures?cursor=garbage!", "?cursor"},
	        {"/v1/measures?cursor=ejEudGFza3MuMS4z", "?cursor"}, /* a tasks cursor */
	        {"/v1/measures?colour=red", "?colour"},
	        {"/v1/measures?role=boss", "?role"},
	        {"/v1/measures?plan_id=-1", "?plan_id"},
	        {"/v1/measures?task_id=1.5", "?task_id"},
	        {"/v1/measures?unit=%E5%B8%82", "?unit"},
	        {"/v1/measures?expand=all", "?expand"},
	        {"/v1/measures?q=", "?q"},
	        {"/v1/units?kind=ministry", "?kind"},
	        {"/v1/tasks?plan_id=abc", "?plan_id"},
	        {"/v1/plans?limit=5&page=2", "?page"},
	        {"/v1/measures/1?limit=5", "?limit"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_resp *r = http_get(cases[i][0], reader);
		assert_problem(r, 400, cases[i][1]);
		http_resp_free(r);
	}
}
END_TEST

START_TEST(unknown_ids_are_404)
{
	static const char *const paths[] = {
	        "/v1/measures/999999", "/v1/measures/abc",          "/v1/measures/0",
	        "/v1/plans/999999",    "/v1/tasks/999999",          "/v1/targets/999999",
	        "/v1/units/999999",    "/v1/units/999999/measures", "/v1/measures/999999/targets",
	        "/v1/measures/-3",     "/v1/measures/01",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct http_resp *r = http_get(paths[i], reader);
		assert_problem(r, 404, NULL);
		http_resp_free(r);
	}
}
END_TEST

START_TEST(cors_preflight_and_simple_requests)
{
	const char *const ok[] = {"Origin: https://app.example.org",
	                          "Access-Control-Request-Method: GET",
	                          "Access-Control-Request-Headers: authorization", NULL};
	struct http_resp *r = http_call("OPTIONS", "/v1/measures", NULL, NULL, NULL, 0, ok);
	ck_assert_int_eq(r->status, 204);
	char v[256];
	ck_assert_str_eq(http_resp_header(r, "Access-Control-Allow-Origin", v, sizeof(v)),
	                 "https://app.example.org");
	ck_assert_ptr_nonnull(
	        strstr(http_resp_header(r, "Access-Control-Allow-Headers", v, sizeof(v)),
	               "Authorization"));
	http_resp_free(r);
	const char *const other[] = {"Origin: https://evil.example.com",
	                             "Access-Control-Request-Method: GET", NULL};
	r = http_call("OPTIONS", "/v1/measures", NULL, NULL, NULL, 0, other);
	ck_assert_ptr_null(http_resp_header(r, "Access-Control-Allow-Origin", v, sizeof(v)));
	http_resp_free(r);
	const char *const simple[] = {"Origin: https://app.example.org", NULL};
	r = http_call("GET", "/v1/plans", reader, NULL, NULL, 0, simple);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(http_resp_header(r, "Access-Control-Allow-Origin", v, sizeof(v)),
	                 "https://app.example.org");
	ck_assert_ptr_nonnull(
	        strstr(http_resp_header(r, "Access-Control-Expose-Headers", v, sizeof(v)), "ETag"));
	http_resp_free(r);
}
END_TEST

Suite *reference_suite(void)
{
	Suite *s = suite_create("reference");
	TCase *tc = tcase_create("reference");
	tcase_add_checked_fixture(tc, ref_setup, ref_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, plans_list_and_get);
	tcase_add_test(tc, tasks_in_document_order);
	tcase_add_test(tc, measures_walk_in_pages_of_four);
	tcase_add_test(tc, measures_filters);
	tcase_add_test(tc, measure_detail_carries_everything);
	tcase_add_test(tc, targets_of_a_measure_and_alone);
	tcase_add_test(tc, units_list_get_and_measures);
	tcase_add_test(tc, tokens_are_required);
	tcase_add_test(tc, bad_parameters_are_400_naming_them);
	tcase_add_test(tc, unknown_ids_are_404);
	tcase_add_test(tc, cors_preflight_and_simple_requests);
	suite_add_tcase(s, tc);
	return s;
}
