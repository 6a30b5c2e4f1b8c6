/* test_measure_documents.c — every write path keeps each measure's kept document
 * (measure_documents) equal to json.sql's measure_json: admin writes of measures, items,
 * targets, assignments, tasks, units and group members, imports, and SQL run by the owner. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sql.h"
#include "harness.h"
#include "suites.h"

static char *admin;

static void docs_setup(void)
{
	harness_setup();
	admin = harness_token("admin", ROLE_ADMIN, NULL);
}

static void docs_teardown(void)
{
	free(admin);
	harness_teardown();
}

/* Measures whose document differs from the fragment, plus documents without a measure. */
static long long docs_stale(void)
{
	char sql[8192];
	snprintf(sql, sizeof(sql),
	         "SELECT (SELECT count(*) FROM (%s) s) + (SELECT count(*) FROM measure_documents d "
	         "WHERE NOT EXISTS (SELECT 1 FROM measures m WHERE m.id = d.measure_id))",
	         SQL_MEASURE_DOCUMENTS_STALE);
	ck_assert_uint_lt(strlen(sql), sizeof(sql) - 1);
	return harness_count(sql);
}

/* method path body with If-Match taken from a GET of etag_of (NULL: none); the status. */
static long docs_write(const char *method, const char *path, const char *body, const char *etag_of)
{
	char etag[40] = "", hdr[64];
	if (etag_of != NULL) {
		struct http_resp *g = http_get(etag_of, admin);
		ck_assert_int_eq(g->status, 200);
		ck_assert_ptr_nonnull(http_resp_header(g, "ETag", etag, sizeof(etag)));
		http_resp_free(g);
	}
	snprintf(hdr, sizeof(hdr), "If-Match: %s", etag);
	const char *headers[] = {etag_of != NULL ? hdr : NULL, NULL};
	struct http_resp *r =
	        http_call(method, path, admin, body != NULL ? "application/json" : NULL, body,
	                  body != NULL ? strlen(body) : 0, headers);
	long status = r->status;
	if (status >= 300)
		fprintf(stderr, "%s %s: %ld %s\n", method, path, status, r->body);
	http_resp_free(r);
	return status;
}

static long long id_of(const char *sql)
{
	long long id = harness_count(sql);
	ck_assert_int_gt(id, 0);
	return id;
}

START_TEST(seeded_documents_equal_the_fragment_and_are_served)
{
	ck_assert_int_eq(docs_stale(), 0);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM measure_documents"),
	                 harness_count("SELECT count(*) FROM measures"));
	/* the bytes served are the document's */
	long long id = id_of("SELECT min(id) FROM measures");
	char path[64], sql[160];
	snprintf(path, sizeof(path), "/v1/measures/%lld?expand=members", id);
	struct http_resp *r = http_get(path, admin);
	ck_assert_int_eq(r->status, 200);
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM measure_documents WHERE measure_id = %lld AND "
	         "coalesce(json_expanded, json) = convert_from(decode('",
	         id);
	size_t n = strlen(r->body);
	char *check = malloc(strlen(sql) + 2 * n + 64);
	char *p = check + sprintf(check, "%s", sql);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%02x", (unsigned char)r->body[i]);
	sprintf(p, "', 'hex'), 'UTF8')");
	ck_assert_int_eq(harness_count(check), 1);
	free(check);
	http_resp_free(r);
}
END_TEST

START_TEST(admin_writes_keep_documents_in_step)
{
	ck_assert_int_eq(docs_write("POST", "/v1/measures",
	                            "{\"code\":\"test-doc\",\"number\":99,"
	                            "\"task\":\"yunfu-gdjg-t1\",\"title\":\"测试措施。\",\"items\":"
	                            "[{\"number\":1,\"text\":\"第一段。\"},{\"number\":2,\"text\":"
	                            "\"第二段，培训100人次。\"}],\"lead\":[\"hrss\"],\"related\":"
	                            "[\"finance\",\"vocational-schools\"]}",
	                            NULL),
	                 201);
	ck_assert_int_eq(docs_stale(), 0);
	long long m = id_of("SELECT id FROM measures WHERE code = 'test-doc'");
	char mpath[64], tpath[96], apath[96], path[128];
	snprintf(mpath, sizeof(mpath), "/v1/measures/%lld", m);

	/* a target, then the items replaced as a whole, then the target changed */
	snprintf(tpath, sizeof(tpath), "%s/targets", mpath);
	ck_assert_int_eq(docs_write("POST", tpath,
	                            "{\"code\":\"test-doc-t1\",\"item\":2,\"metric\":\"培训\","
	                            "\"kind\":\"quantity\",\"comparator\":\"gte\",\"value\":100,"
	                            "\"deadline\":\"2022-12-31\",\"aggregation\":\"sum\","
	                            "\"accountable_unit\":\"finance\",\"source_phrase\":"
	                            "\"培训100人次\"}",
	                            NULL),
	                 201);
	ck_assert_int_eq(docs_stale(), 0);
	ck_assert_int_eq(docs_write("PATCH", mpath,
	                            "{\"title\":\"改过的措施。\",\"items\":[{\"number\":1,\"text\":"
	                            "\"改写的第一段。\"},{\"number\":2,\"text\":\"第二段，培训100人"
	                            "次以上。\"},{\"number\":3,\"text\":\"新增第三段。\"}]}",
	                            mpath),
	                 200);
	ck_assert_int_eq(docs_stale(), 0);
	long long t = id_of("SELECT id FROM targets WHERE code = 'test-doc-t1'");
	snprintf(path, sizeof(path), "/v1/targets/%lld", t);
	ck_assert_int_eq(
	        docs_write("PATCH", path, "{\"value\":120,\"accountable_unit\":null}", path), 200);
	ck_assert_int_eq(docs_stale(), 0);

	/* assignments: one added, one removed */
	snprintf(apath, sizeof(apath), "%s/assignments", mpath);
	ck_assert_int_eq(
	        docs_write("POST", apath, "{\"unit\":\"education\",\"role\":\"lead\"}", NULL), 201);
	ck_assert_int_eq(docs_stale(), 0);
	snprintf(path, sizeof(path), "%s/%lld", apath,
	         id_of("SELECT id FROM units WHERE code = 'finance'"));
	ck_assert_int_eq(docs_write("DELETE", path, NULL, mpath), 200);
	ck_assert_int_eq(docs_stale(), 0);

	/* a unit renamed (shown in many measures), a group's members replaced, a task renamed */
	snprintf(path, sizeof(path), "/v1/units/%lld",
	         id_of("SELECT id FROM units WHERE code = 'hrss'"));
	ck_assert_int_eq(docs_write("PATCH", path, "{\"name\":\"市人社局（改名）\"}", path), 200);
	ck_assert_int_eq(docs_stale(), 0);
	snprintf(path, sizeof(path), "/v1/units/%lld",
	         id_of("SELECT id FROM units WHERE code = 'vocational-schools'"));
	ck_assert_int_eq(
	        docs_write("PATCH", path, "{\"members\":[\"yunfu-technician-college\"]}", path),
	        200);
	ck_assert_int_eq(docs_stale(), 0);
	snprintf(path, sizeof(path), "/v1/tasks/%lld",
	         id_of("SELECT id FROM tasks WHERE code = 'yunfu-gdjg-t1'"));
	ck_assert_int_eq(docs_write("PATCH", path, "{\"title\":\"改过的任务\"}", path), 200);
	ck_assert_int_eq(docs_stale(), 0);

	/* the target, then the measure deleted: no document left behind */
	snprintf(path, sizeof(path), "/v1/targets/%lld", t);
	ck_assert_int_eq(docs_write("DELETE", path, NULL, path), 204);
	ck_assert_int_eq(docs_stale(), 0);
	ck_assert_int_eq(docs_write("DELETE", mpath, NULL, mpath), 204);
	ck_assert_int_eq(docs_stale(), 0);
}
END_TEST

START_TEST(imports_keep_documents_in_step)
{
	json_t *doc = json_load_file(getenv("ZEREN_TEST_SEED"), 0, NULL);
	ck_assert_ptr_nonnull(doc);
	json_t *m0 = json_array_get(json_object_get(doc, "measures"), 0);
	json_object_set_new(m0, "title", json_string("导入改过的措施。"));
	json_array_remove(json_object_get(m0, "related"), 0);
	json_t *u0 = json_array_get(json_object_get(doc, "units"), 0);
	json_object_set_new(u0, "name", json_string("导入改名的单位"));
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	struct http_resp *r = http_post_json("/v1/imports", admin, text);
	ck_assert_msg(r->status == 200, "%s", r->body);
	ck_assert(json_is_true(json_object_get(r->json, "changed")));
	http_resp_free(r);
	free(text);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM measure_documents WHERE json LIKE "
	                               "'%导入改过的措施。%'"),
	                 1);
	ck_assert_int_eq(docs_stale(), 0);
}
END_TEST

START_TEST(owner_sql_keeps_documents_in_step)
{
	/* what an operator might run by hand, statement by statement and set-based */
	harness_exec("UPDATE units SET code = code || '-x' WHERE kind = 'school'");
	ck_assert_int_eq(docs_stale(), 0);
	harness_exec("DELETE FROM unit_memberships WHERE group_id = (SELECT id FROM units "
	             "WHERE code = 'county-governments') AND position = 0");
	ck_assert_int_eq(docs_stale(), 0);
	harness_exec("UPDATE measure_items SET text = text || '（补）' WHERE number = 1");
	ck_assert_int_eq(docs_stale(), 0);
	harness_exec("UPDATE targets SET code = code || '-x' WHERE share_of_id IS NULL AND id IN "
	             "(SELECT share_of_id FROM targets)");
	ck_assert_int_eq(docs_stale(), 0);
	harness_exec("UPDATE tasks SET label = label || '·'");
	ck_assert_int_eq(docs_stale(), 0);
	harness_exec("DELETE FROM assignments WHERE role = 'related' AND position = 0");
	ck_assert_int_eq(docs_stale(), 0);
}
END_TEST

Suite *measure_documents_suite(void)
{
	Suite *s = suite_create("measure_documents");
	TCase *tc = tcase_create("documents");
	tcase_add_checked_fixture(tc, docs_setup, docs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, seeded_documents_equal_the_fragment_and_are_served);
	tcase_add_test(tc, admin_writes_keep_documents_in_step);
	tcase_add_test(tc, imports_keep_documents_in_step);
	tcase_add_test(tc, owner_sql_keeps_documents_in_step);
	suite_add_tcase(s, tc);
	return s;
}
