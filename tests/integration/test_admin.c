/* test_admin.c — admin writes to reference data over HTTP: units, a measure's assignments,
 * targets, measures, tasks and plans.
 * Each happy path is read back through GET at once (the cache must not serve stale data);
 * each refusal leaves row and audit counts as they were. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "progress_fixtures.h" /* measure_id */
#include "suites.h"

/* every reference table's row count, folded into one number */
#define COUNT_REFERENCE                                                                            \
	"SELECT hashtext(concat_ws(',', (SELECT count(*) FROM plans), (SELECT count(*) FROM "      \
	"tasks), (SELECT count(*) FROM measures), (SELECT count(*) FROM measure_items), (SELECT "  \
	"count(*) FROM units), (SELECT count(*) FROM unit_memberships), (SELECT count(*) FROM "    \
	"assignments), (SELECT count(*) FROM targets)))"
#define COUNT_AUDIT_ALL "SELECT count(*) FROM audit_log"

static char *admin, *reader;

static void admin_setup(void)
{
	harness_setup();
	admin = harness_token("admin", ROLE_ADMIN, NULL);
	reader = harness_token("reader", ROLE_READER, NULL);
}

static void admin_teardown(void)
{
	free(admin);
	free(reader);
	harness_teardown();
}

/* method on path with an optional JSON body and an optional If-Match. */
static struct http_resp *send_req(const char *method, const char *path, const char *tok,
                                  const char *body, const char *if_match)
{
	char hdr[96];
	snprintf(hdr, sizeof(hdr), "If-Match: %s", if_match != NULL ? if_match : "");
	const char *headers[] = {if_match != NULL ? hdr : NULL, NULL};
	return http_call(method, path, tok, body != NULL ? "application/json" : NULL, body,
	                 body != NULL ? strlen(body) : 0, headers);
}

/* GET path as a reader: 200, its ETag copied into etag (when not NULL); caller frees. */
static struct http_resp *get_ok(const char *path, char etag[40])
{
	struct http_resp *r = http_get(path, reader);
	ck_assert_int_eq(r->status, 200);
	if (etag != NULL)
		ck_assert_ptr_nonnull(http_resp_header(r, "ETag", etag, 40));
	return r;
}

static long long unit_id(const char *code)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT coalesce((SELECT id FROM units WHERE code = '%s'), 0)",
	         code);
	return harness_count(sql);
}

/* Asserts a refusal with status (and pointer) that wrote nothing. */
static void refused(struct http_resp *r, int status, const char *pointer, long long rows,
                    long long audit)
{
	if (r->status != status)
		fprintf(stderr, "expected %d, got %ld: %s\n", status, r->status, r->body);
	assert_problem(r, status, pointer);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_REFERENCE), rows);
	ck_assert_int_eq(harness_count(COUNT_AUDIT_ALL), audit);
}

static long long audit_count(const char *action)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit_log WHERE action = '%s'", action);
	return harness_count(sql);
}

START_TEST(unit_create_update_delete)
{
	/* warm the cache with the list and let every later read prove it was dropped */
	struct http_resp *r = get_ok("/v1/units?q=test-dept", NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
	http_resp_free(r);

	r = send_req("POST", "/v1/units", admin,
	             "{\"code\":\"test-dept\",\"name\":\"市测试局\",\"kind\":\"department\"}",
	             NULL);
	ck_assert_int_eq(r->status, 201);
	long long id = json_integer_value(json_object_get(r->json, "id"));
	ck_assert_int_eq(id, unit_id("test-dept"));
	ck_assert_int_eq(json_is_true(json_object_get(r->json, "in_source")), 1);
	char loc[64], want[64], etag[40], got[40];
	snprintf(want, sizeof(want), "/v1/units/%lld", id);
	ck_assert_str_eq(http_resp_header(r, "Location", loc, sizeof(loc)), want);
	ck_assert_ptr_nonnull(http_resp_header(r, "ETag", etag, sizeof(etag)));
	http_resp_free(r);
	ck_assert_int_eq(audit_count("unit.create"), 1);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM audit_log WHERE action = "
	                               "'unit.create' AND entity = 'unit' AND before IS NULL AND "
	                               "after->>'code' = 'test-dept' AND actor_sub = 'admin'"),
	                 1);

	r = get_ok(want, got); /* the write's ETag is the GET's */
	ck_assert_str_eq(got, etag);
	http_resp_free(r);
	r = get_ok("/v1/units?q=test-dept", NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 1);
	http_resp_free(r);

	r = send_req("PATCH", want, admin, "{\"name\":\"市测试管理局\",\"note\":\"改名\"}", etag);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "name")), "市测试管理局");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "code")), "test-dept");
	ck_assert_ptr_nonnull(http_resp_header(r, "ETag", etag, sizeof(etag)));
	http_resp_free(r);
	r = get_ok(want, got);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "name")), "市测试管理局");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "note")), "改名");
	ck_assert_str_eq(got, etag);
	http_resp_free(r);
	ck_assert_int_eq(audit_count("unit.update"), 1);

	r = send_req("DELETE", want, admin, NULL, etag);
	ck_assert_int_eq(r->status, 204);
	http_resp_free(r);
	r = http_get(want, reader);
	ck_assert_int_eq(r->status, 404);
	http_resp_free(r);
	ck_assert_int_eq(unit_id("test-dept"), 0);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM audit_log WHERE action = "
	                               "'unit.delete' AND after IS NULL AND before->>'code' = "
	                               "'test-dept'"),
	                 1);
}
END_TEST

START_TEST(group_members_are_checked_and_replaced)
{
	struct http_resp *r = send_req("POST", "/v1/units", admin,
	                               "{\"code\":\"test-group\",\"name\":\"测试组\",\"kind\":"
	                               "\"group\",\"members\":[\"hrss\",\"finance\"]}",
	                               NULL);
	ck_assert_int_eq(r->status, 201);
	long long id = json_integer_value(json_object_get(r->json, "id"));
	json_t *members = json_object_get(r->json, "members");
	ck_assert_uint_eq(json_array_size(members), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(members, 1), "code")),
	                 "finance");
	char path[64], etag[40];
	snprintf(path, sizeof(path), "/v1/units/%lld", id);
	http_resp_header(r, "ETag", etag, sizeof(etag));
	http_resp_free(r);

	long long rows = harness_count(COUNT_REFERENCE), audit = harness_count(COUNT_AUDIT_ALL);
	/* an unknown member and a group as member, each with its pointer */
	r = send_req("PATCH", path, admin, "{\"members\":[\"hrss\",\"no-such-unit\"]}", etag);
	refused(r, 400, "/members/1", rows, audit);
	r = send_req("PATCH", path, admin, "{\"members\":[\"vocational-schools\"]}", etag);
	refused(r, 400, "/members/0", rows, audit);
	r = send_req("PATCH", path, admin, "{\"members\":[]}", etag);
	refused(r, 400, "/members", rows, audit);
	r = send_req("PATCH", path, admin, "{\"kind\":\"department\"}", etag);
	refused(r, 400, "/kind", rows, audit);

	r = send_req("PATCH", path, admin, "{\"members\":[\"education\"]}", etag);
	ck_assert_int_eq(r->status, 200);
	http_resp_free(r);
	r = get_ok(path, NULL);
	members = json_object_get(r->json, "members");
	ck_assert_uint_eq(json_array_size(members), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(members, 0), "code")),
	                 "education");
	http_resp_free(r);
	/* education is the group's only member now */
	char epath[64], eetag[40];
	snprintf(epath, sizeof(epath), "/v1/units/%lld", unit_id("education"));
	r = get_ok(epath, eetag);
	http_resp_free(r);
	rows = harness_count(COUNT_REFERENCE);
	audit = harness_count(COUNT_AUDIT_ALL);
	r = send_req("DELETE", epath, admin, NULL, eetag);
	ck_assert_ptr_nonnull(strstr(r->body, "only member of a group"));
	refused(r, 409, NULL, rows, audit);
	/* the member's own view lists its group */
	char mpath[64];
	snprintf(mpath, sizeof(mpath), "/v1/units/%lld", unit_id("education"));
	r = get_ok(mpath, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "groups")), 1);
	http_resp_free(r);
}
END_TEST

START_TEST(unit_refusals_write_nothing)
{
	char path[64], etag[40];
	long long hrss = unit_id("hrss");
	snprintf(path, sizeof(path), "/v1/units/%lld", hrss);
	struct http_resp *r = get_ok(path, etag);
	http_resp_free(r);
	long long rows = harness_count(COUNT_REFERENCE), audit = harness_count(COUNT_AUDIT_ALL);

	/* 403 for every role but admin, before the body is read */
	const char *ok = "{\"code\":\"x-unit\",\"name\":\"某局\",\"kind\":\"department\"}";
	char *reporter = harness_token("rep", ROLE_REPORTER, "hrss");
	char *supervisor = harness_token("sup", ROLE_SUPERVISOR, NULL);
	refused(send_req("POST", "/v1/units", reader, ok, NULL), 403, NULL, rows, audit);
	refused(send_req("POST", "/v1/units", reporter, "not json", NULL), 403, NULL, rows, audit);
	refused(send_req("PATCH", path, supervisor, "{\"name\":\"x\"}", etag), 403, NULL, rows,
	        audit);
	refused(send_req("DELETE", path, reporter, NULL, etag), 403, NULL, rows, audit);
	free(reporter);
	free(supervisor);

	/* 400 with pointers */
	refused(send_req("POST", "/v1/units", admin,
	                 "{\"code\":\"x-unit\",\"kind\":\"department\"}", NULL),
	        400, "/name", rows, audit);
	refused(send_req("POST", "/v1/units", admin,
	                 "{\"code\":\"X Unit\",\"name\":\"某局\",\"kind\":\"department\"}", NULL),
	        400, "/code", rows, audit);
	refused(send_req("POST", "/v1/units", admin,
	                 "{\"code\":\"x-unit\",\"name\":\"某局\",\"kind\":\"ministry\"}", NULL),
	        400, "/kind", rows, audit);
	refused(send_req("POST", "/v1/units", admin,
	                 "{\"code\":\"x-unit\",\"name\":\"某局\",\"kind\":\"department\","
	                 "\"members\":[\"hrss\"]}",
	                 NULL),
	        400, "/members", rows, audit);
	refused(send_req("POST", "/v1/units", admin,
	                 "{\"code\":\"x-unit\",\"name\":\"某局\",\"kind\":\"group\"}", NULL),
	        400, "/members", rows, audit);
	refused(send_req("POST", "/v1/units", admin,
	                 "{\"code\":\"x-unit\",\"name\":\"某局\",\"kind\":\"department\","
	                 "\"colour\":\"red\"}",
	                 NULL),
	        400, "/colour", rows, audit);
	refused(send_req("PATCH", path, admin, "{\"in_source\":\"yes\"}", etag), 400, "/in_source",
	        rows, audit);
	refused(send_req("PATCH", path, admin, "{\"name\":null}", etag), 400, "/name", rows, audit);
	refused(send_req("PATCH", path, admin, "{}", etag), 400, "", rows, audit);

	/* 409: a code in use, on create and on rename; a unit still referenced */
	refused(send_req("POST", "/v1/units", admin,
	                 "{\"code\":\"hrss\",\"name\":\"某局\",\"kind\":\"department\"}", NULL),
	        409, NULL, rows, audit);
	refused(send_req("PATCH", path, admin, "{\"code\":\"finance\"}", etag), 409, NULL, rows,
	        audit);
	refused(send_req("DELETE", path, admin, NULL, etag), 409, NULL, rows, audit);

	/* 428 without If-Match, 412 with a stale one, 404 for an unknown id */
	refused(send_req("PATCH", path, admin, "{\"name\":\"x\"}", NULL), 428, NULL, rows, audit);
	refused(send_req("DELETE", path, admin, NULL, NULL), 428, NULL, rows, audit);
	refused(send_req("PATCH", path, admin, "{\"name\":\"x\"}", "\"0000000000000000\""), 412,
	        NULL, rows, audit);
	refused(send_req("DELETE", path, admin, NULL, "\"0000000000000000\""), 412, NULL, rows,
	        audit);
	refused(send_req("PATCH", "/v1/units/999999", admin, "{\"name\":\"x\"}", etag), 404, NULL,
	        rows, audit);
	refused(send_req("DELETE", "/v1/units/999999", admin, NULL, etag), 404, NULL, rows, audit);

	/* the unit is unchanged and its ETag still holds */
	char again[40];
	r = get_ok(path, again);
	ck_assert_str_eq(again, etag);
	http_resp_free(r);
}
END_TEST

/* The codes of a measure's lead or related units, space-separated. */
static void role_codes(json_t *measure, const char *role, char *out, size_t len)
{
	json_t *list = json_object_get(json_object_get(measure, "assignments"), role);
	size_t i, n = 0;
	json_t *u;
	out[0] = '\0';
	json_array_foreach(list, i, u)
	{
		n += (size_t)snprintf(out + n, len - n, "%s%s", i ? " " : "",
		                      json_string_value(json_object_get(u, "code")));
		if (n >= len)
			break;
	}
}

START_TEST(assignment_create_delete)
{
	char path[64], apath[96], etag[40], got[40], codes[512];
	long long m = measure_id(3);
	snprintf(path, sizeof(path), "/v1/measures/%lld", m);
	snprintf(apath, sizeof(apath), "%s/assignments", path);
	struct http_resp *r = get_ok(path, etag); /* cached now */
	http_resp_free(r);

	r = send_req("POST", apath, admin, "{\"unit\":\"education\",\"role\":\"lead\"}", NULL);
	ck_assert_int_eq(r->status, 201);
	role_codes(r->json, "lead", codes, sizeof(codes));
	ck_assert_str_eq(codes, "hrss education");
	ck_assert_ptr_nonnull(http_resp_header(r, "ETag", etag, sizeof(etag)));
	http_resp_free(r);
	r = get_ok(path, got);
	role_codes(r->json, "lead", codes, sizeof(codes));
	ck_assert_str_eq(codes, "hrss education");
	ck_assert_str_eq(got, etag);
	http_resp_free(r);
	ck_assert_int_eq(audit_count("assignment.create"), 1);

	/* the unit's own measure list follows */
	char upath[96];
	snprintf(upath, sizeof(upath), "/v1/units/%lld/measures?role=lead", unit_id("education"));
	r = get_ok(upath, NULL);
	size_t before = json_array_size(json_object_get(r->json, "items"));
	http_resp_free(r);

	char dpath[128];
	snprintf(dpath, sizeof(dpath), "%s/%lld", apath, unit_id("education"));
	r = send_req("DELETE", dpath, admin, NULL, etag);
	ck_assert_int_eq(r->status, 200);
	role_codes(r->json, "lead", codes, sizeof(codes));
	ck_assert_str_eq(codes, "hrss");
	http_resp_free(r);
	r = get_ok(path, NULL);
	role_codes(r->json, "lead", codes, sizeof(codes));
	ck_assert_str_eq(codes, "hrss");
	http_resp_free(r);
	r = get_ok(upath, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), before - 1);
	http_resp_free(r);
	ck_assert_int_eq(audit_count("assignment.delete"), 1);

	/* an If-Match on POST is honoured when sent */
	r = get_ok(path, etag);
	http_resp_free(r);
	r = send_req("POST", apath, admin, "{\"unit\":\"health\",\"role\":\"related\"}", etag);
	ck_assert_int_eq(r->status, 201);
	role_codes(r->json, "related", codes, sizeof(codes));
	ck_assert_str_eq(codes, "staffing-office finance yunfu-technician-college "
	                        "luoding-technical-school health");
	http_resp_free(r);
}
END_TEST

START_TEST(assignment_refusals_write_nothing)
{
	char path[64], apath[96], dpath[128], etag[40];
	long long m = measure_id(3);
	snprintf(path, sizeof(path), "/v1/measures/%lld", m);
	snprintf(apath, sizeof(apath), "%s/assignments", path);
	struct http_resp *r = get_ok(path, etag);
	http_resp_free(r);
	long long rows = harness_count(COUNT_REFERENCE), audit = harness_count(COUNT_AUDIT_ALL);
	const char *ok = "{\"unit\":\"health\",\"role\":\"related\"}";

	refused(send_req("POST", apath, reader, ok, NULL), 403, NULL, rows, audit);
	refused(send_req("POST", apath, admin, "{\"unit\":\"health\"}", NULL), 400, "/role", rows,
	        audit);
	refused(send_req("POST", apath, admin, "{\"unit\":\"health\",\"role\":\"owner\"}", NULL),
	        400, "/role", rows, audit);
	refused(send_req("POST", apath, admin, "{\"unit\":\"no-such-unit\",\"role\":\"lead\"}",
	                 NULL),
	        400, "/unit", rows, audit);
	refused(send_req("POST", apath, admin, "{\"unit\":\"finance\",\"role\":\"lead\"}", NULL),
	        409, NULL, rows, audit);
	refused(send_req("POST", "/v1/measures/999999/assignments", admin, ok, NULL), 404, NULL,
	        rows, audit);
	refused(send_req("POST", apath, admin, ok, "\"0000000000000000\""), 412, NULL, rows, audit);

	snprintf(dpath, sizeof(dpath), "%s/%lld", apath, unit_id("hrss"));
	refused(send_req("DELETE", dpath, reader, NULL, etag), 403, NULL, rows, audit);
	refused(send_req("DELETE", dpath, admin, NULL, NULL), 428, NULL, rows, audit);
	refused(send_req("DELETE", dpath, admin, NULL, "\"0000000000000000\""), 412, NULL, rows,
	        audit);
	/* hrss is measure 3's only lead */
	refused(send_req("DELETE", dpath, admin, NULL, etag), 409, NULL, rows, audit);
	snprintf(dpath, sizeof(dpath), "%s/%lld", apath, unit_id("health"));
	refused(send_req("DELETE", dpath, admin, NULL, etag), 404, NULL, rows, audit);
	snprintf(dpath, sizeof(dpath), "/v1/measures/999999/assignments/%lld", unit_id("hrss"));
	refused(send_req("DELETE", dpath, admin, NULL, etag), 404, NULL, rows, audit);
}
END_TEST

/* A new target on measure 1, item 1, with extra members appended (",..." or ""). */
static char *target_body(const char *code, const char *extra)
{
	char *b = malloc(1024);
	snprintf(b, 1024,
	         "{\"code\":\"%s\",\"item\":1,\"metric\":\"对标高职院校建设\",\"kind\":"
	         "\"quantity\",\"comparator\":\"gte\",\"value\":2,\"unit_of_measure\":\"个\","
	         "\"deadline\":\"2022-12-31\",\"aggregation\":\"latest\",\"source_phrase\":"
	         "\"对标高职院校建设三年行动计划\"%s}",
	         code, extra);
	return b;
}

static size_t list_size(const char *path)
{
	struct http_resp *r = get_ok(path, NULL);
	size_t n = json_array_size(json_object_get(r->json, "items"));
	http_resp_free(r);
	return n;
}

START_TEST(target_create_update_delete)
{
	char tpath[96], mpath[64], path[64], loc[64], etag[40], got[40];
	long long m = measure_id(1);
	snprintf(mpath, sizeof(mpath), "/v1/measures/%lld", m);
	snprintf(tpath, sizeof(tpath), "/v1/measures/%lld/targets?limit=500", m);
	size_t before = list_size(tpath); /* cached now */

	char *b = target_body("test-t1", ",\"accountable_unit\":\"yunfu-technician-college\"");
	snprintf(tpath, sizeof(tpath), "/v1/measures/%lld/targets", m);
	struct http_resp *r = send_req("POST", tpath, admin, b, NULL);
	free(b);
	ck_assert_int_eq(r->status, 201);
	long long id = json_integer_value(json_object_get(r->json, "id"));
	snprintf(path, sizeof(path), "/v1/targets/%lld", id);
	ck_assert_str_eq(http_resp_header(r, "Location", loc, sizeof(loc)), path);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "item_number")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(
	                         json_object_get(r->json, "accountable_unit"), "code")),
	                 "yunfu-technician-college");
	ck_assert_ptr_nonnull(http_resp_header(r, "ETag", etag, sizeof(etag)));
	http_resp_free(r);
	r = get_ok(path, got);
	ck_assert_str_eq(got, etag);
	http_resp_free(r);
	snprintf(tpath, sizeof(tpath), "/v1/measures/%lld/targets?limit=500", m);
	ck_assert_uint_eq(list_size(tpath), before + 1);
	ck_assert_int_eq(audit_count("target.create"), 1);

	/* deadline to recurrence; null clears the accountable unit */
	r = send_req("PATCH", path, admin,
	             "{\"value\":3,\"deadline\":null,\"recurrence\":\"annual\","
	             "\"recurrence_start\":\"2021-01-01\",\"accountable_unit\":null}",
	             etag);
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_nonnull(http_resp_header(r, "ETag", etag, sizeof(etag)));
	http_resp_free(r);
	r = get_ok(path, got);
	ck_assert_str_eq(got, etag);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "recurrence")), "annual");
	ck_assert(json_is_null(json_object_get(r->json, "deadline")));
	ck_assert(json_is_null(json_object_get(r->json, "accountable_unit")));
	ck_assert_int_eq((long long)json_number_value(json_object_get(r->json, "value")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "metric")), "对标高职院校建设");
	http_resp_free(r);
	ck_assert_int_eq(audit_count("target.update"), 1);

	r = send_req("DELETE", path, admin, NULL, etag);
	ck_assert_int_eq(r->status, 204);
	http_resp_free(r);
	r = http_get(path, reader);
	ck_assert_int_eq(r->status, 404);
	http_resp_free(r);
	ck_assert_uint_eq(list_size(tpath), before);
	ck_assert_int_eq(audit_count("target.delete"), 1);
}
END_TEST

START_TEST(target_refusals_write_nothing)
{
	char tpath[96], path[64], etag[40], body[512];
	long long m = measure_id(1);
	long long seeded =
	        harness_count("SELECT id FROM targets WHERE code = 'yunfu-gdjg-m01-t01'");
	snprintf(tpath, sizeof(tpath), "/v1/measures/%lld/targets", m);
	snprintf(path, sizeof(path), "/v1/targets/%lld", seeded);
	/* a progress value against the seeded target, so it cannot be deleted */
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"unit\":\"hrss\",\"period\":\"2022\",\"status\":"
	         "\"on_track\",\"summary\":\"进展\",\"values\":[{\"target_id\":%lld,\"value\":1}]}",
	         m, seeded);
	struct http_resp *r = http_post_json("/v1/progress", admin, body);
	ck_assert_int_eq(r->status, 201);
	http_resp_free(r);
	r = get_ok(path, etag);
	http_resp_free(r);
	long long rows = harness_count(COUNT_REFERENCE), audit = harness_count(COUNT_AUDIT_ALL);

	char *ok = target_body("test-t2", "");
	refused(send_req("POST", tpath, reader, ok, NULL), 403, NULL, rows, audit);
	refused(send_req("PATCH", path, reader, "{\"value\":2}", etag), 403, NULL, rows, audit);
	refused(send_req("DELETE", path, reader, NULL, etag), 403, NULL, rows, audit);
	refused(send_req("POST", "/v1/measures/999999/targets", admin, ok, NULL), 404, NULL, rows,
	        audit);
	free(ok);

	static const struct {
		const char *change, *pointer;
	} bad[] = {
	        {"{\"item\":9}", "/item"},
	        {"{\"source_phrase\":\"不在原文中的短语\"}", "/source_phrase"},
	        {"{\"kind\":\"percentage\",\"value\":150}", "/value"},
	        {"{\"recurrence\":\"annual\",\"recurrence_start\":\"2021-01-01\"}", "/deadline"},
	        {"{\"deadline\":\"2022-02-30\"}", "/deadline"},
	        {"{\"comparator\":\"above\"}", "/comparator"},
	        {"{\"aggregation\":\"mean\"}", "/aggregation"},
	        {"{\"accountable_unit\":\"vocational-schools\"}", "/accountable_unit"},
	        {"{\"accountable_unit\":\"no-such-unit\"}", "/accountable_unit"},
	        {"{\"share_of\":\"no-such-target\"}", "/share_of"},
	        {"{\"colour\":\"red\"}", "/colour"},
	        {"{\"metric\":\"\"}", "/metric"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *base = target_body("test-t2", "");
		json_t *doc = json_loads(base, 0, NULL),
		       *change = json_loads(bad[i].change, 0, NULL);
		ck_assert_ptr_nonnull(change);
		json_object_update(doc, change);
		char *b = json_dumps(doc, JSON_COMPACT);
		refused(send_req("POST", tpath, admin, b, NULL), 400, bad[i].pointer, rows, audit);
		free(b);
		free(base);
		json_decref(doc);
		json_decref(change);
	}
	char *dup = target_body("yunfu-gdjg-m01-t01", "");
	refused(send_req("POST", tpath, admin, dup, NULL), 409, NULL, rows, audit);
	free(dup);

	refused(send_req("PATCH", path, admin, "{\"share_of\":\"yunfu-gdjg-m01-t01\"}", etag), 400,
	        "/share_of", rows, audit);
	refused(send_req("PATCH", path, admin, "{\"metric\":null}", etag), 400, "/metric", rows,
	        audit);
	refused(send_req("PATCH", path, admin, "{\"code\":\"yunfu-gdjg-m02-t01\"}", etag), 409,
	        NULL, rows, audit);
	refused(send_req("PATCH", path, admin, "{\"value\":2}", NULL), 428, NULL, rows, audit);
	refused(send_req("PATCH", path, admin, "{\"value\":2}", "\"0000000000000000\""), 412, NULL,
	        rows, audit);
	refused(send_req("PATCH", "/v1/targets/999999", admin, "{\"value\":2}", etag), 404, NULL,
	        rows, audit);
	refused(send_req("DELETE", path, admin, NULL, NULL), 428, NULL, rows, audit);
	refused(send_req("DELETE", path, admin, NULL, "\"0000000000000000\""), 412, NULL, rows,
	        audit);
	refused(send_req("DELETE", "/v1/targets/999999", admin, NULL, etag), 404, NULL, rows,
	        audit);
	/* progress values refer to it */
	refused(send_req("DELETE", path, admin, NULL, etag), 409, NULL, rows, audit);
}
END_TEST

static const char *const measure_ok =
        "{\"code\":\"test-m1\",\"number\":99,\"task\":\"yunfu-gdjg-t1\",\"title\":"
        "\"测试措施。\",\"items\":[{\"number\":1,\"text\":\"第一段。\"},{\"number\":2,"
        "\"text\":\"第二段，培训100人次。\"}],\"lead\":[\"hrss\"],\"related\":"
        "[\"finance\",\"vocational-schools\"]}";

START_TEST(measure_create_update_delete)
{
	char list[96], path[64], loc[64], etag[40], got[40], codes[256];
	snprintf(list, sizeof(list), "/v1/measures?task_id=%lld&limit=500",
	         harness_count("SELECT id FROM tasks WHERE code = 'yunfu-gdjg-t1'"));
	size_t before = list_size(list); /* cached now */

	struct http_resp *r = send_req("POST", "/v1/measures", admin, measure_ok, NULL);
	ck_assert_int_eq(r->status, 201);
	long long id = json_integer_value(json_object_get(r->json, "id"));
	snprintf(path, sizeof(path), "/v1/measures/%lld", id);
	ck_assert_str_eq(http_resp_header(r, "Location", loc, sizeof(loc)), path);
	ck_assert_ptr_nonnull(http_resp_header(r, "ETag", etag, sizeof(etag)));
	role_codes(r->json, "related", codes, sizeof(codes));
	ck_assert_str_eq(codes, "finance vocational-schools");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 2);
	http_resp_free(r);
	r = get_ok(path, got);
	ck_assert_str_eq(got, etag);
	role_codes(r->json, "lead", codes, sizeof(codes));
	ck_assert_str_eq(codes, "hrss");
	http_resp_free(r);
	ck_assert_uint_eq(list_size(list), before + 1);
	ck_assert_int_eq(audit_count("measure.create"), 1);

	/* a target on item 2, then items as a whole array that keep its phrase */
	char tpath[96];
	snprintf(tpath, sizeof(tpath), "%s/targets", path);
	r = send_req("POST", tpath, admin,
	             "{\"code\":\"test-m1-t1\",\"item\":2,\"metric\":\"培训\",\"kind\":"
	             "\"quantity\",\"comparator\":\"gte\",\"value\":100,\"deadline\":"
	             "\"2022-12-31\",\"aggregation\":\"sum\",\"source_phrase\":\"培训100人次\"}",
	             NULL);
	ck_assert_int_eq(r->status, 201);
	http_resp_free(r);
	r = get_ok(path, etag);
	http_resp_free(r);
	r = send_req(
	        "PATCH", path, admin,
	        "{\"title\":\"改过的措施。\",\"number\":98,\"items\":[{\"number\":1,"
	        "\"text\":\"改写的第一段。\"},{\"number\":2,\"text\":\"第二段，培训100人次以上。"
	        "\"},{\"number\":3,\"text\":\"新增第三段。\"}]}",
	        etag);
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_nonnull(http_resp_header(r, "ETag", etag, sizeof(etag)));
	http_resp_free(r);
	r = get_ok(path, got);
	ck_assert_str_eq(got, etag);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "title")), "改过的措施。");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "number")), 98);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_uint_eq(json_array_size(items), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "text")),
	                 "改写的第一段。");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "targets")), 1);
	http_resp_free(r);
	ck_assert_int_eq(audit_count("measure.update"), 1);

	r = send_req("DELETE", path, admin, NULL, etag);
	ck_assert_int_eq(r->status, 204);
	http_resp_free(r);
	r = http_get(path, reader);
	ck_assert_int_eq(r->status, 404);
	http_resp_free(r);
	ck_assert_uint_eq(list_size(list), before);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM targets WHERE code = 'test-m1-t1'"),
	                 0);
	ck_assert_int_eq(audit_count("measure.delete"), 1);
}
END_TEST

START_TEST(measure_refusals_write_nothing)
{
	char path[64], etag[40], body[512];
	long long m1 = measure_id(1);
	snprintf(path, sizeof(path), "/v1/measures/%lld", m1);
	snprintf(body, sizeof(body),
	         "{\"measure_id\":%lld,\"unit\":\"hrss\",\"period\":\"2022\",\"status\":"
	         "\"on_track\",\"summary\":\"进展\"}",
	         m1);
	struct http_resp *r = http_post_json("/v1/progress", admin, body);
	ck_assert_int_eq(r->status, 201);
	http_resp_free(r);
	r = get_ok(path, etag);
	http_resp_free(r);
	long long rows = harness_count(COUNT_REFERENCE), audit = harness_count(COUNT_AUDIT_ALL);

	refused(send_req("POST", "/v1/measures", reader, measure_ok, NULL), 403, NULL, rows, audit);
	refused(send_req("PATCH", path, reader, "{\"title\":\"x\"}", etag), 403, NULL, rows, audit);
	refused(send_req("DELETE", path, reader, NULL, etag), 403, NULL, rows, audit);

	static const struct {
		const char *change, *pointer;
		int status;
	} bad[] = {
	        {"{\"lead\":[]}", "/lead", 400},
	        {"{\"lead\":[\"no-such-unit\"]}", "/lead/0", 400},
	        {"{\"related\":[\"hrss\"]}", "/related/0", 400},
	        {"{\"task\":\"no-such-task\"}", "/task", 400},
	        {"{\"items\":[{\"number\":2,\"text\":\"x\"}]}", "/items/0/number", 400},
	        {"{\"items\":[{\"number\":1,\"text\":\"\"}]}", "/items/0/text", 400},
	        {"{\"items\":[]}", "/items", 400},
	        {"{\"number\":0}", "/number", 400},
	        {"{\"code\":\"yunfu-gdjg-m01\"}", NULL, 409},
	        {"{\"number\":1}", NULL, 409},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *doc = json_loads(measure_ok, 0, NULL),
		       *change = json_loads(bad[i].change, 0, NULL);
		ck_assert_ptr_nonnull(change);
		json_object_update(doc, change);
		char *b = json_dumps(doc, JSON_COMPACT);
		refused(send_req("POST", "/v1/measures", admin, b, NULL), bad[i].status,
		        bad[i].pointer, rows, audit);
		free(b);
		json_decref(doc);
		json_decref(change);
	}

	refused(send_req("PATCH", path, admin, "{\"lead\":[\"hrss\"]}", etag), 400, "/lead", rows,
	        audit);
	refused(send_req("PATCH", path, admin, "{\"task\":\"no-such-task\"}", etag), 400, "/task",
	        rows, audit);
	/* the new text drops the phrase target m01-t01 quotes */
	refused(send_req("PATCH", path, admin,
	                 "{\"items\":[{\"number\":1,\"text\":\"全新的文字。\"}]}", etag),
	        400, "/items/0/text", rows, audit);
	/* measure 2's only target is on item 2 */
	char path2[64], etag2[40];
	snprintf(path2, sizeof(path2), "/v1/measures/%lld", measure_id(2));
	r = get_ok(path2, etag2);
	json_t *first = json_array_get(json_object_get(r->json, "items"), 0);
	json_t *one = json_pack("{s:[O]}", "items", first);
	char *shrink = json_dumps(one, JSON_COMPACT);
	json_decref(one);
	http_resp_free(r);
	refused(send_req("PATCH", path2, admin, shrink, etag2), 409, NULL, rows, audit);
	free(shrink);
	refused(send_req("PATCH", path, admin, "{\"number\":2}", etag), 409, NULL, rows, audit);
	refused(send_req("PATCH", path, admin, "{\"code\":\"yunfu-gdjg-m02\"}", etag), 409, NULL,
	        rows, audit);
	refused(send_req("PATCH", path, admin, "{\"title\":\"x\"}", NULL), 428, NULL, rows, audit);
	refused(send_req("PATCH", path, admin, "{\"title\":\"x\"}", "\"0000000000000000\""), 412,
	        NULL, rows, audit);
	refused(send_req("PATCH", "/v1/measures/999999", admin, "{\"title\":\"x\"}", etag), 404,
	        NULL, rows, audit);
	refused(send_req("DELETE", path, admin, NULL, NULL), 428, NULL, rows, audit);
	refused(send_req("DELETE", path, admin, NULL, "\"0000000000000000\""), 412, NULL, rows,
	        audit);
	refused(send_req("DELETE", "/v1/measures/999999", admin, NULL, etag), 404, NULL, rows,
	        audit);
	/* progress records refer to it */
	refused(send_req("DELETE", path, admin, NULL, etag), 409, NULL, rows, audit);
}
END_TEST

START_TEST(task_and_plan_create_update_delete)
{
	char ppath[64], tpath[64], loc[64], etag[40], tetag[40], got[40];
	size_t plans = list_size("/v1/plans"); /* cached now */
	struct http_resp *r = send_req("POST", "/v1/plans", admin,
	                               "{\"code\":\"test-plan\",\"title\":\"测试方案\","
	                               "\"start_date\":\"2023-01-01\",\"cadence\":\"month\","
	                               "\"report_due_days\":10}",
	                               NULL);
	ck_assert_int_eq(r->status, 201);
	long long pid = json_integer_value(json_object_get(r->json, "id"));
	snprintf(ppath, sizeof(ppath), "/v1/plans/%lld", pid);
	ck_assert_str_eq(http_resp_header(r, "Location", loc, sizeof(loc)), ppath);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "assumptions")), 0);
	http_resp_header(r, "ETag", etag, sizeof(etag));
	http_resp_free(r);
	r = get_ok(ppath, got);
	ck_assert_str_eq(got, etag);
	http_resp_free(r);
	ck_assert_uint_eq(list_size("/v1/plans"), plans + 1);

	char tlist[96];
	snprintf(tlist, sizeof(tlist), "/v1/tasks?plan_id=%lld", pid);
	ck_assert_uint_eq(list_size(tlist), 0); /* cached now */
	r = send_req("POST", "/v1/tasks", admin,
	             "{\"plan\":\"test-plan\",\"code\":\"test-plan-t1\",\"number\":1,"
	             "\"label\":\"（一）\",\"title\":\"第一项任务\"}",
	             NULL);
	ck_assert_int_eq(r->status, 201);
	long long tid = json_integer_value(json_object_get(r->json, "id"));
	snprintf(tpath, sizeof(tpath), "/v1/tasks/%lld", tid);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "plan_id")), pid);
	http_resp_header(r, "ETag", tetag, sizeof(tetag));
	http_resp_free(r);
	ck_assert_uint_eq(list_size(tlist), 1);

	/* a plan with tasks, a task with measures cannot go */
	long long rows = harness_count(COUNT_REFERENCE), audit = harness_count(COUNT_AUDIT_ALL);
	r = get_ok(ppath, etag);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "task_count")), 1);
	http_resp_free(r);
	refused(send_req("DELETE", ppath, admin, NULL, etag), 409, NULL, rows, audit);

	r = send_req("PATCH", tpath, admin, "{\"title\":\"改过的任务\",\"label\":null}", tetag);
	ck_assert_int_eq(r->status, 200);
	http_resp_header(r, "ETag", tetag, sizeof(tetag));
	http_resp_free(r);
	r = get_ok(tpath, got);
	ck_assert_str_eq(got, tetag);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "title")), "改过的任务");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "label")), "");
	http_resp_free(r);

	r = send_req("PATCH", ppath, admin,
	             "{\"cadence\":\"quarter\",\"assumptions\":[{\"field\":\"start_date\","
	             "\"note\":\"假定\"}]}",
	             etag);
	ck_assert_int_eq(r->status, 200);
	http_resp_header(r, "ETag", etag, sizeof(etag));
	http_resp_free(r);
	r = get_ok(ppath, got);
	ck_assert_str_eq(got, etag);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "cadence")), "quarter");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "assumptions")), 1);
	http_resp_free(r);

	r = send_req("DELETE", tpath, admin, NULL, tetag);
	ck_assert_int_eq(r->status, 204);
	http_resp_free(r);
	ck_assert_uint_eq(list_size(tlist), 0);
	r = get_ok(ppath, etag);
	http_resp_free(r);
	r = send_req("DELETE", ppath, admin, NULL, etag);
	ck_assert_int_eq(r->status, 204);
	http_resp_free(r);
	r = http_get(ppath, reader);
	ck_assert_int_eq(r->status, 404);
	http_resp_free(r);
	ck_assert_uint_eq(list_size("/v1/plans"), plans);
	static const char *const actions[] = {"plan.create", "plan.update", "plan.delete",
	                                      "task.create", "task.update", "task.delete"};
	for (size_t i = 0; i < 6; i++)
		ck_assert_int_eq(audit_count(actions[i]), 1);
}
END_TEST

START_TEST(task_and_plan_refusals_write_nothing)
{
	char ppath[64], tpath[64], pet[40], tet[40];
	long long pid = harness_count("SELECT id FROM plans"),
	          tid = harness_count("SELECT id FROM tasks WHERE code = 'yunfu-gdjg-t1'");
	snprintf(ppath, sizeof(ppath), "/v1/plans/%lld", pid);
	snprintf(tpath, sizeof(tpath), "/v1/tasks/%lld", tid);
	struct http_resp *r = get_ok(ppath, pet);
	http_resp_free(r);
	r = get_ok(tpath, tet);
	http_resp_free(r);
	long long rows = harness_count(COUNT_REFERENCE), audit = harness_count(COUNT_AUDIT_ALL);
	const char *plan_ok = "{\"code\":\"p2\",\"title\":\"方案\",\"start_date\":"
	                      "\"2023-01-01\",\"cadence\":\"year\",\"report_due_days\":0}";
	const char *task_ok = "{\"plan\":\"yunfu-gdjg\",\"code\":\"t9\",\"number\":9,"
	                      "\"title\":\"任务\"}";

	refused(send_req("POST", "/v1/plans", reader, plan_ok, NULL), 403, NULL, rows, audit);
	refused(send_req("POST", "/v1/tasks", reader, task_ok, NULL), 403, NULL, rows, audit);
	refused(send_req("PATCH", ppath, reader, "{\"title\":\"x\"}", pet), 403, NULL, rows, audit);
	refused(send_req("DELETE", tpath, reader, NULL, tet), 403, NULL, rows, audit);

	refused(send_req("POST", "/v1/plans", admin,
	                 "{\"code\":\"p2\",\"title\":\"方案\",\"start_date\":\"2023-02-29\","
	                 "\"cadence\":\"week\",\"report_due_days\":400,\"assumptions\":[{}]}",
	                 NULL),
	        400, "/start_date", rows, audit);
	r = send_req("POST", "/v1/plans", admin,
	             "{\"code\":\"p2\",\"title\":\"方案\",\"start_date\":\"2023-02-29\","
	             "\"cadence\":\"week\",\"report_due_days\":400,\"assumptions\":[{}]}",
	             NULL);
	assert_problem(r, 400, "/cadence");
	assert_problem(r, 400, "/report_due_days");
	assert_problem(r, 400, "/assumptions/0/field");
	http_resp_free(r);
	refused(send_req("POST", "/v1/plans", admin,
	                 "{\"code\":\"yunfu-gdjg\",\"title\":\"方案\",\"start_date\":"
	                 "\"2023-01-01\",\"cadence\":\"year\",\"report_due_days\":0}",
	                 NULL),
	        409, NULL, rows, audit);
	refused(send_req("POST", "/v1/tasks", admin,
	                 "{\"plan\":\"no-such-plan\",\"code\":\"t9\",\"number\":9,\"title\":"
	                 "\"任务\"}",
	                 NULL),
	        400, "/plan", rows, audit);
	refused(send_req("POST", "/v1/tasks", admin,
	                 "{\"plan\":\"yunfu-gdjg\",\"code\":\"t9\",\"number\":0}", NULL),
	        400, "/title", rows, audit);
	refused(send_req("POST", "/v1/tasks", admin,
	                 "{\"plan\":\"yunfu-gdjg\",\"code\":\"t9\",\"number\":1,\"title\":"
	                 "\"任务\"}",
	                 NULL),
	        409, NULL, rows, audit);
	refused(send_req("POST", "/v1/tasks", admin,
	                 "{\"plan\":\"yunfu-gdjg\",\"code\":\"yunfu-gdjg-t2\",\"number\":9,"
	                 "\"title\":\"任务\"}",
	                 NULL),
	        409, NULL, rows, audit);

	refused(send_req("PATCH", tpath, admin, "{\"plan\":\"yunfu-gdjg\"}", tet), 400, "/plan",
	        rows, audit);
	refused(send_req("PATCH", tpath, admin, "{\"number\":2}", tet), 409, NULL, rows, audit);
	refused(send_req("PATCH", ppath, admin, "{\"cadence\":\"week\"}", pet), 400, "/cadence",
	        rows, audit);
	refused(send_req("PATCH", ppath, admin, "{\"title\":\"x\"}", NULL), 428, NULL, rows, audit);
	refused(send_req("PATCH", tpath, admin, "{\"title\":\"x\"}", "\"0000000000000000\""), 412,
	        NULL, rows, audit);
	refused(send_req("DELETE", ppath, admin, NULL, "\"0000000000000000\""), 412, NULL, rows,
	        audit);
	refused(send_req("DELETE", tpath, admin, NULL, NULL), 428, NULL, rows, audit);
	refused(send_req("PATCH", "/v1/plans/999999", admin, "{\"title\":\"x\"}", pet), 404, NULL,
	        rows, audit);
	refused(send_req("DELETE", "/v1/tasks/999999", admin, NULL, tet), 404, NULL, rows, audit);
	refused(send_req("DELETE", tpath, admin, NULL, tet), 409, NULL, rows, audit);
	refused(send_req("DELETE", ppath, admin, NULL, pet), 409, NULL, rows, audit);
}
END_TEST

Suite *admin_suite(void)
{
	Suite *s = suite_create("admin");
	TCase *tc = tcase_create("admin");
	tcase_add_checked_fixture(tc, admin_setup, admin_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, unit_create_update_delete);
	tcase_add_test(tc, group_members_are_checked_and_replaced);
	tcase_add_test(tc, unit_refusals_write_nothing);
	tcase_add_test(tc, assignment_create_delete);
	tcase_add_test(tc, assignment_refusals_write_nothing);
	tcase_add_test(tc, target_create_update_delete);
	tcase_add_test(tc, target_refusals_write_nothing);
	tcase_add_test(tc, measure_create_update_delete);
	tcase_add_test(tc, measure_refusals_write_nothing);
	tcase_add_test(tc, task_and_plan_create_update_delete);
	tcase_add_test(tc, task_and_plan_refusals_write_nothing);
	suite_add_tcase(s, tc);
	return s;
}
