/* test_progress_batch_json.c — POST /v1/progress/batch with a JSON array: all or nothing, the
 * shapes refused whole, dry runs, the database's checks naming every row, and text kept
 * verbatim through COPY. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress_fixtures.h"
#include "suites.h"

START_TEST(batch_json_all_or_nothing)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	char body[1024];
	snprintf(body, sizeof(body),
	         "[{\"measure_id\":%lld,\"period\":\"2022-01\",\"status\":\"on_track\",\"summary\":"
	         "\"a\"},{\"measure_id\":%lld,\"period\":\"2022-02\",\"status\":\"on_track\","
	         "\"summary\":\"b\"},{\"measure_id\":%lld,\"period\":\"2022-03\",\"status\":"
	         "\"on_track\",\"summary\":\"c\"}]",
	         measure_id(3), measure_id(3), measure_id(2));
	struct http_resp *r = http_post_json("/v1/progress/batch", tok, body);
	assert_problem(r, 403, "/2/unit");
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	snprintf(body, sizeof(body),
	         "[{\"measure_id\":%lld,\"period\":\"2022-01\",\"status\":\"on_track\",\"summary\":"
	         "\"a\",\"values\":[{\"target_id\":%lld,\"value\":40}]},{\"measure_id\":%lld,"
	         "\"period\":\"2022-02\",\"status\":\"on_track\",\"summary\":\"b\"}]",
	         measure_id(3), target_of(3, 0), measure_id(3));
	r = http_post_json("/v1/progress/batch", tok, body);
	ck_assert_msg(r->status == 201, "%s", r->body);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "created")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "ids")), 2);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_values"), 1);
	/* one audit row for the batch, naming every record it created */
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 1);
	ck_assert_int_eq(harness_count("SELECT (after->>'rows')::int FROM audit_log WHERE "
	                               "action = 'progress.batch'"),
	                 2);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_versions"), 0);
	/* each record's history is its one version, with the values the row gave */
	snprintf(body, sizeof(body), "/v1/progress/%lld/history",
	         harness_count("SELECT min(id) FROM progress_records"));
	r = http_get(body, tok);
	ck_assert_msg(r->status == 200, "%s", r->body);
	json_t *v1 =
	        json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "record");
	ck_assert_str_eq(json_string_value(json_object_get(v1, "summary")), "a");
	ck_assert(json_number_value(json_object_get(
	                  json_array_get(json_object_get(v1, "values"), 0), "value")) == 40);
	http_resp_free(r);
	snprintf(body, sizeof(body),
	         "[{\"measure_id\":%lld,\"period\":\"2022-01\",\"status\":\"on_track\",\"summary\":"
	         "\"a\",\"values\":[{\"target_id\":%lld,\"value\":40}]},{\"measure_id\":%lld,"
	         "\"period\":\"2022-02\",\"status\":\"on_track\",\"summary\":\"b\"}]",
	         measure_id(3), target_of(3, 0), measure_id(3));
	/* the same rows again: conflicts, nothing written */
	r = http_post_json("/v1/progress/batch", tok, body);
	assert_problem(r, 409, "/0/period");
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	free(tok);
}
END_TEST

/* A JSON batch is read element by element; whatever is not a plain array of objects is
 * refused whole, as one parse of the document would, and nothing is written. */
START_TEST(batch_json_shapes_refused_whole)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	char row[160], body[640];
	snprintf(row, sizeof(row),
	         "{\"measure_id\":%lld,\"period\":\"2022\",\"status\":\"on_track\","
	         "\"summary\":\"a\"}",
	         measure_id(3));
	static const struct {
		const char *before, *after, *pointer; /* the body is before + row + after */
	} cases[] = {
	        {"", "", ""},                                              /* an object */
	        {"[", ", 5]", "/1"},                                       /* not an object */
	        {"[", ", {\"period\":\"2023\",\"period\":\"2024\"}]", ""}, /* a duplicate key */
	        {"[", "] trailing", ""},
	        {"[", ",", ""},
	        {"[", " {}]", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "%s%s%s", cases[i].before, row, cases[i].after);
		struct http_resp *r = http_post_json("/v1/progress/batch", tok, body);
		assert_problem(r, 400, cases[i].pointer);
		if (cases[i].pointer[0] !=
		    '\0') /* the row before it was checked once, and passed */
			ck_assert_uint_eq(json_array_size(json_object_get(r->json, "errors")), 1);
		http_resp_free(r);
	}
	struct http_resp *r = http_post_json("/v1/progress/batch", tok, "[]");
	assert_problem(r, 400, NULL);
	http_resp_free(r);
	/* 100,000 empty rows are checked (400); one more and the batch is too long (413) */
	for (size_t n = 100000; n <= 100001; n++) {
		size_t len = 0;
		char *many = malloc(n * 3 + 2);
		many[len++] = '[';
		for (size_t i = 0; i < n; i++) {
			memcpy(many + len, i ? ",{}" : "{}", i ? 3 : 2);
			len += i ? 3 : 2;
		}
		many[len++] = ']';
		r = http_call("POST", "/v1/progress/batch", tok, "application/json", many, len,
		              NULL);
		assert_problem(r, n == 100000 ? 400 : 413, n == 100000 ? "/0/summary" : NULL);
		http_resp_free(r);
		free(many);
	}
	/* the same limit for CSV: rows after the header */
	for (size_t n = 100000; n <= 100001; n++) {
		size_t cap = n * 4 + 64, len = 0;
		char *csv = malloc(cap);
		len += (size_t)snprintf(csv, cap, "summary\n");
		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(csv + len, cap - len, "x\n");
		r = http_call("POST", "/v1/progress/batch", tok, "text/csv", csv, len, NULL);
		assert_problem(r, n == 100000 ? 400 : 413, n == 100000 ? "/0/measure_id" : NULL);
		http_resp_free(r);
		free(csv);
	}
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 0);
	free(tok);
}
END_TEST

/* A dry run goes through every check, the database's included, and writes nothing. */
START_TEST(batch_dry_run_checks_everything_writes_nothing)
{
	char *tok = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	char body[512];
	snprintf(body, sizeof(body),
	         "[{\"measure_id\":%lld,\"period\":\"2022-01\",\"status\":\"on_track\","
	         "\"summary\":\"a\",\"values\":[{\"target_id\":%lld,\"value\":40}]},"
	         "{\"measure_id\":%lld,\"period\":\"2022-02\",\"status\":\"on_track\","
	         "\"summary\":\"b\"}]",
	         measure_id(3), target_of(3, 0), measure_id(3));
	struct http_resp *r = http_post_json("/v1/progress/batch?dry_run=true", tok, body);
	ck_assert_msg(r->status == 200, "%s", r->body);
	ck_assert(json_is_true(json_object_get(r->json, "dry_run")));
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "rows")), 2);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_values"), 0);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 0);
	/* written for real, the same file's dry run now finds the records there */
	r = http_post_json("/v1/progress/batch?dry_run=false", tok, body);
	ck_assert_msg(r->status == 201, "%s", r->body);
	http_resp_free(r);
	r = http_post_json("/v1/progress/batch?dry_run=true", tok, body);
	assert_problem(r, 409, "/1/period");
	http_resp_free(r);
	/* and what the database alone knows: a measure the unit is not assigned to */
	snprintf(body, sizeof(body),
	         "[{\"measure_id\":%lld,\"period\":\"2022-01\",\"status\":\"on_track\","
	         "\"summary\":\"a\"}]",
	         measure_id(2));
	r = http_post_json("/v1/progress/batch?dry_run=true", tok, body);
	assert_problem(r, 403, "/0/unit");
	http_resp_free(r);
	r = http_post_json("/v1/progress/batch?dry_run=maybe", tok, body);
	assert_problem(r, 400, NULL);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 1);
	free(tok);
}
END_TEST

static struct http_resp *post_batch(const char *tok, json_t *rows)
{
	char *body = json_dumps(rows, JSON_COMPACT);
	struct http_resp *r = http_post_json("/v1/progress/batch", tok, body);
	free(body);
	json_decref(rows);
	return r;
}

/* What only the database can know about a batch (units, measures, targets, assignments) is
 * checked for every row at once, each bad row named; nothing is written. */
START_TEST(batch_database_checks_name_every_row)
{
	char *admin = harness_token("importer", ROLE_ADMIN, NULL);
	long long m3 = measure_id(3), pct = percentage_target_of_3();
	json_t *rows =
	        json_pack("[{sIssssssss}, {sIssssssss}, {sIssssssss}, {sIssssssss},"
	                  " {sIsssssssss[{sIsi}]}, {sIsssssssss[{sIsi}]}]",
	                  "measure_id", (json_int_t)m3, "unit", "finance", "period", "2022-01",
	                  "status", "on_track", "summary", "ok", /* 0: fine */
	                  "measure_id", (json_int_t)m3, "unit", "no-such-unit", "period", "2022-01",
	                  "status", "on_track", "summary", "x", /* 1 */
	                  "measure_id", (json_int_t)999999, "unit", "finance", "period", "2022-01",
	                  "status", "on_track", "summary", "x", /* 2 */
	                  "measure_id", (json_int_t)measure_id(2), "unit", "finance", "period",
	                  "2022-01", "status", "on_track", "summary", "x", /* 3: not assigned */
	                  "measure_id", (json_int_t)m3, "unit", "finance", "period", "2022-02",
	                  "status", "on_track", "summary", "x", "values", "target_id",
	                  (json_int_t)target_of(2, 0), "value", 1, /* 4: another measure's target */
	                  "measure_id", (json_int_t)m3, "unit", "finance", "period", "2022-03",
	                  "status", "on_track", "summary", "x", "values", "target_id",
	                  (json_int_t)pct, "value", 150); /* 5: a percentage over 100 */
	struct http_resp *r = post_batch(admin, rows);
	assert_problem(r, 422, "/1/unit");
	assert_problem(r, 422, "/2/measure_id");
	assert_problem(r, 422, "/3/unit");
	assert_problem(r, 422, "/4/values");
	assert_problem(r, 422, "/5/values");
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "errors")), 5);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	ck_assert_int_eq(harness_count(COUNT_AUDIT), 0);
	free(admin);
}
END_TEST

/* Text in a batch reaches the database through COPY: tabs, newlines, backslashes, COPY's
 * own markers and SQL come back exactly as sent; one batch may carry several units. */
START_TEST(batch_text_is_verbatim_and_units_mix)
{
	char *admin = harness_token("importer", ROLE_ADMIN, NULL);
	long long m3 = measure_id(3), pct = percentage_target_of_3();
	json_t *first =
	        json_pack("{sIsssssssssssss[{ssss}]}", "measure_id", (json_int_t)m3, "unit",
	                  "finance", "period", "2023", "status", "at_risk", "summary",
	                  "tab\there back\\slash \\N \\. line\nbreak\r\nend", "problems",
	                  "'; DROP TABLE progress_records; --", "next_steps", "下一步\t",
	                  "evidence", "title", "证据\\", "url", "https://example.org/a?b=c");
	json_t *rows = json_pack("[O{sIsssssssss[{sIsf}]}]", first, "measure_id", (json_int_t)m3,
	                         "unit", "hrss", "period", "2023", "status", "on_track", "summary",
	                         "x", "values", "target_id", (json_int_t)pct, "value", 65.3);
	struct http_resp *r = post_batch(admin, rows);
	ck_assert_msg(r->status == 201, "%s", r->body);
	json_t *ids = json_object_get(r->json, "ids");
	char path[64];
	snprintf(path, sizeof(path), "/v1/progress/%lld",
	         json_integer_value(json_array_get(ids, 0)));
	struct http_resp *g = http_get(path, admin);
	ck_assert_msg(g->status == 200, "%s", g->body);
	static const char *const fields[] = {"summary", "problems", "next_steps", "evidence", NULL};
	for (int i = 0; fields[i] != NULL; i++)
		ck_assert_msg(json_equal(json_object_get(g->json, fields[i]),
		                         json_object_get(first, fields[i])),
		              "%s differs: %s", fields[i], g->body);
	ck_assert_str_eq(
	        json_string_value(json_object_get(json_object_get(g->json, "unit"), "code")),
	        "finance");
	http_resp_free(g);
	snprintf(path, sizeof(path), "/v1/progress/%lld",
	         json_integer_value(json_array_get(ids, 1)));
	g = http_get(path, admin);
	ck_assert_str_eq(
	        json_string_value(json_object_get(json_object_get(g->json, "unit"), "code")),
	        "hrss");
	json_t *v = json_array_get(json_object_get(g->json, "values"), 0);
	ck_assert(json_number_value(json_object_get(v, "value")) == 65.3);
	ck_assert_msg(strstr(g->body, "65.3}") != NULL && strstr(g->body, "65.29") == NULL, "%s",
	              g->body);
	http_resp_free(g);
	http_resp_free(r);
	json_decref(first);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	free(admin);
}
END_TEST

Suite *progress_batch_json_suite(void)
{
	Suite *s = suite_create("progress_batch_json");
	TCase *tc = tcase_create("batch_json");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, batch_json_all_or_nothing);
	tcase_add_test(tc, batch_database_checks_name_every_row);
	tcase_add_test(tc, batch_text_is_verbatim_and_units_mix);
	tcase_add_test(tc, batch_json_shapes_refused_whole);
	tcase_add_test(tc, batch_dry_run_checks_everything_writes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
