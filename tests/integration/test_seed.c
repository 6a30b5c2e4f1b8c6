/* test_seed.c — the Yunfu seed against the source document, and import semantics:
 * repeatable, all or nothing, dry run. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"
#include "import.h"
#include <unistd.h>

#include "suites.h"

static json_t *seed_load(void)
{
	json_error_t err;
	json_t *doc = json_load_file(getenv("ZEREN_TEST_SEED"), 0, &err);
	ck_assert_msg(doc != NULL, "%s", err.text);
	return doc;
}

/* Imports doc on a fresh owner connection; returns the error and the report. */
static enum svc_error seed_import(json_t *doc, int dry_run, json_t **report)
{
	PGconn *pg = PQconnectdb(harness_owner_conninfo());
	ck_assert_int_eq(PQstatus(pg), CONNECTION_OK);
	char detail[1024];
	struct import_actor actor = {"test", "seed-test", NULL, "t"};
	enum svc_error e = import_apply(pg, doc, dry_run, &actor, report, detail, sizeof(detail));
	PQfinish(pg);
	return e;
}

static char *seed_text(const char *sql)
{
	PGconn *pg = PQconnectdb(harness_owner_conninfo());
	PGresult *r = PQexec(pg, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(r));
	char *v = strdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	PQfinish(pg);
	return v;
}

START_TEST(counts_match_the_document)
{
	ck_assert_int_eq(harness_count("SELECT count(*) FROM plans"), 1);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM tasks"), 5);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM measures"), 17);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM units WHERE kind <> 'group' AND "
	                               "in_source"),
	                 28);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM units WHERE kind = 'group'"), 2);
	char *items = seed_text("SELECT string_agg(n::text, ',' ORDER BY number) FROM "
	                        "(SELECT m.number, count(i.id) AS n FROM measures m JOIN "
	                        "measure_items i ON i.measure_id = m.id GROUP BY m.number) x");
	ck_assert_str_eq(items, "4,2,2,1,2,5,3,3,2,3,3,2,3,3,5,4,4");
	free(items);
	char *tasks = seed_text("SELECT string_agg(t.number || ':' || (SELECT string_agg("
	                        "m.number::text, ' ' ORDER BY m.number) FROM measures m WHERE "
	                        "m.task_id = t.id), ',' ORDER BY t.number) FROM tasks t");
	ck_assert_str_eq(tasks, "1:1 2 3,2:4 5 6 7,3:8 9 10,4:11 12 13,5:14 15 16 17");
	free(tasks);
	ck_assert_int_ge(harness_count("SELECT count(*) FROM targets"), 30);
}
END_TEST

START_TEST(text_is_verbatim)
{
	char *t = seed_text("SELECT title FROM tasks WHERE number = 2");
	ck_assert_str_eq(t, "在提升技能人才总量层次上攻坚突破，实施全民素质提升工程");
	free(t);
	t = seed_text("SELECT text FROM measure_items i JOIN measures m ON m.id = i.measure_id "
	              "WHERE m.number = 4");
	ck_assert_str_eq(t,
	                 "扩大全市技工院校招生规模，高级工以上学制教育规模达到65%以上。到2022年，"
	                 "云浮技师学院在校学生规模达5000人以上，社会培训规模达5000人次以上；"
	                 "罗定技工学校在校学生规模达2000人以上，社会培训规模达2000人次以上。");
	free(t);
	t = seed_text("SELECT title FROM measures WHERE number = 12");
	ck_assert_str_eq(t, "打造湾区技能人才输出地。");
	free(t);
}
END_TEST

/* Lead and related units of every measure, in document order, by name. */
START_TEST(assignments_match_the_document)
{
	static const char *const expected[17][2] = {
	        {"市人力资源社会保障局,云城区人民政府,罗定市人民政府,新兴县人民政府,郁南县人民政府",
	         "市发展改革局,市财政局,市教育局,市工信局,市投资促进局"},
	        {"市人力资源社会保障局,市教育局", "各职业院校"},
	        {"市人力资源社会保障局", "市委编办,市财政局,云浮技师学院,罗定技工学校"},
	        {"市人力资源社会保障局", "云浮技师学院,罗定技工学校"},
	        {"市人力资源社会保障局",
	         "市工信局,市教育局,市退役军人事务局,市农业农村局,各职业院校"},
	        {"市人力资源社会保障局", "市委组织部,市财政局,市工信局"},
	        {"市人力资源社会保障局", "市工信局,市财政局,市总工会"},
	        {"市人力资源社会保障局,市教育局", "各职业院校"},
	        {"市人力资源社会保障局", "市财政局,市公安局,市教育局,市总工会"},
	        {"市人力资源社会保障局,市文广旅体局", "市民政局,市财政局,云浮技师学院"},
	        {"市人力资源社会保障局,市教育局", "市工信局,市财政局,各职业院校"},
	        {"市人力资源社会保障局", "市教育局,各职业院校"},
	        {"市人力资源社会保障局", "市教育局,各职业院校"},
	        {"市人力资源社会保障局,市文广旅体局,市商务局,市农业农村局",
	         "市委宣传部,市教育局,市财政局,市市场监管局,市供销社"},
	        {"市人力资源社会保障局,市民政局,市商务局,市教育局,市卫健局",
	         "市委宣传部,市发展改革局,市财政局,市总工会,市团委,市妇联"},
	        {"市人力资源社会保障局", "市教育局,市农业农村局,市住建局,市商务局"},
	        {"市人力资源社会保障局", "市财政局,各县（市、区）人民政府"},
	};
	for (int m = 0; m < 17; m++) {
		for (int role = 0; role < 2; role++) {
			char sql[512];
			snprintf(sql, sizeof(sql),
			         "SELECT string_agg(u.name, ',' ORDER BY a.position) FROM "
			         "assignments a JOIN units u ON u.id = a.unit_id JOIN measures m "
			         "ON m.id = a.measure_id WHERE m.number = %d AND a.role = '%s'",
			         m + 1, role == 0 ? "lead" : "related");
			char *got = seed_text(sql);
			ck_assert_msg(strcmp(got, expected[m][role]) == 0, "measure %d %s: %s",
			              m + 1, role == 0 ? "lead" : "related", got);
			free(got);
		}
	}
	char *members = seed_text("SELECT string_agg(m.name, ',' ORDER BY um.position) FROM "
	                          "unit_memberships um JOIN units g ON g.id = um.group_id JOIN "
	                          "units m ON m.id = um.member_id WHERE g.name = "
	                          "'各县（市、区）人民政府'");
	ck_assert_str_eq(members, "云城区人民政府,云安区人民政府,罗定市人民政府,新兴县人民政府,"
	                          "郁南县人民政府");
	free(members);
}
END_TEST

/* target phrase -> "comparator value unit deadline|recurrence accountable aggregation" */
START_TEST(targets_are_typed)
{
	static const char *const cases[][2] = {
	        {"2022年年底前纳入高职院校序列",
	         "milestone gte 1 - 2022-12-31 yunfu-technician-college latest"},
	        {"云浮技师学院与5所以上粤港澳大湾区职业技工院校开展合作办学",
	         "quantity gte 5 所 2022-12-31 yunfu-technician-college latest"},
	        {"云浮技师学院在校学生规模达5000人以上",
	         "quantity gte 5000 人 2022-12-31 yunfu-technician-college latest"},
	        {"罗定技工学校在校学生规模达2000人以上",
	         "quantity gte 2000 人 2022-12-31 luoding-technical-school latest"},
	        {"全市每年开展各类技能培训15000人次以上", "quantity gte 15000 人次 annual - sum"},
	        {"技能提升培训占80%以上", "percentage gte 80 % annual - sum"},
	        {"每两年评选认定10名云浮首席技师", "quantity gte 10 名 biennial - sum"},
	        {"技能人才合作培养规模超过10000人次", "quantity gt 10000 人次 2025-12-31 - sum"},
	        {"与我市职业技工院校开展校企合作的粤港澳大湾区企业达到50家",
	         "quantity gte 50 家 2025-12-31 - latest"},
	        {"全市技工院校理论实习教学一体化教师达到技术理论课教师和实习指导教师总数的65%以上",
	         "percentage gte 65 % 2022-12-31 - latest"},
	        {"建成5个技能创业孵化基地", "quantity gte 5 个 2022-12-31 - latest"},
	        {"全市培训粤菜师傅4000人次以上", "quantity gte 4000 人次 2022-12-31 - sum"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char sql[1024];
		snprintf(sql, sizeof(sql),
		         "SELECT t.kind || ' ' || t.comparator || ' ' || t.value::float8 || ' ' || "
		         "coalesce(t.unit_of_measure, '-') || ' ' || coalesce(t.deadline::text, "
		         "t.recurrence) || ' ' || coalesce(u.code, '-') || ' ' || t.aggregation "
		         "FROM targets t LEFT JOIN units u ON u.id = t.accountable_unit_id WHERE "
		         "t.source_phrase LIKE '%%%s%%'",
		         cases[i][0]);
		char *got = seed_text(sql);
		ck_assert_msg(strcmp(got, cases[i][1]) == 0, "%s: got \"%s\"", cases[i][0], got);
		free(got);
	}
	ck_assert_int_eq(harness_count("SELECT count(*) FROM targets t JOIN targets b ON b.id = "
	                               "t.share_of_id WHERE b.value = 15000"),
	                 1);
}
END_TEST

START_TEST(reimport_changes_nothing)
{
	json_t *doc = seed_load(), *report = NULL;
	long long before = harness_count("SELECT sum(row_version) FROM targets");
	ck_assert_int_eq(seed_import(doc, 0, &report), SVC_OK);
	ck_assert(json_is_false(json_object_get(report, "changed")));
	json_t *t = json_object_get(json_object_get(report, "counts"), "targets");
	ck_assert_int_eq(json_integer_value(json_object_get(t, "created")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(t, "updated")), 0);
	ck_assert_int_gt(json_integer_value(json_object_get(t, "unchanged")), 30);
	ck_assert_int_eq(harness_count("SELECT sum(row_version) FROM targets"), before);
	json_decref(report);
	json_decref(doc);
}
END_TEST

START_TEST(bad_document_writes_nothing_and_names_the_row)
{
	json_t *doc = seed_load();
	json_t *m10 = json_array_get(json_object_get(doc, "measures"), 9);
	json_t *t0 = json_array_get(json_object_get(m10, "targets"), 0);
	json_object_set_new(t0, "comparator", json_string("ge"));
	json_object_set_new(json_object_get(doc, "plan"), "title", json_string("changed"));
	json_t *errors = import_validate(doc);
	ck_assert_uint_eq(json_array_size(errors), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "pointer")),
	                 "/measures/9/targets/0/comparator");
	json_decref(errors);
	json_decref(doc);
	/* and an error only the database sees rolls back the whole document */
	doc = seed_load();
	json_object_set_new(json_object_get(doc, "plan"), "title", json_string("changed title"));
	/* 30 February passes no calendar: PostgreSQL refuses it in the targets statement */
	json_t *m17 = json_array_get(json_object_get(doc, "measures"), 16);
	json_object_set_new(json_array_get(json_object_get(m17, "targets"), 0), "deadline",
	                    json_string("2022-02-30"));
	json_t *report = NULL;
	ck_assert_int_ne(seed_import(doc, 0, &report), SVC_OK);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM plans WHERE title = 'changed title'"),
	                 0);
	json_decref(doc);
}
END_TEST

/* A unit that stops being a group loses its members, so they lose its measures. */
START_TEST(group_turned_department_loses_members)
{
	json_t *doc = seed_load(), *report = NULL;
	size_t i;
	json_t *u;
	json_array_foreach(json_object_get(doc, "units"), i, u)
	{
		if (strcmp(json_string_value(json_object_get(u, "code")), "vocational-schools") ==
		    0) {
			json_object_set_new(u, "kind", json_string("organisation"));
			json_object_del(u, "members");
		}
	}
	json_t *errors = import_validate(doc);
	ck_assert_uint_eq(json_array_size(errors), 0);
	json_decref(errors);
	ck_assert_int_eq(seed_import(doc, 0, &report), SVC_OK);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM unit_memberships um JOIN units g ON "
	                               "g.id = um.group_id WHERE g.code = 'vocational-schools'"),
	                 0);
	json_decref(report);
	json_decref(doc);
}
END_TEST

START_TEST(dry_run_reports_and_writes_nothing)
{
	json_t *doc = seed_load(), *report = NULL;
	json_object_set_new(json_object_get(doc, "plan"), "title", json_string("renamed"));
	ck_assert_int_eq(seed_import(doc, 1, &report), SVC_OK);
	ck_assert(json_is_true(json_object_get(report, "dry_run")));
	ck_assert(json_is_true(json_object_get(report, "changed")));
	json_t *p = json_object_get(json_object_get(report, "counts"), "plans");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "updated")), 1);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM plans WHERE title = 'renamed'"), 0);
	json_decref(report);
	json_decref(doc);
}
END_TEST

START_TEST(cli_import_refuses_a_bad_file)
{
	const char *bin = getenv("ZEREN_TEST_BINARY");
	char path[] = "/tmp/zeren-bad-plan-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char bad[] = "{\"format\":\"zeren.plan/v1\",\"plan\":{},\"units\":[],"
	                   "\"tasks\":[],\"measures\":[]}";
	ck_assert_int_eq(write(fd, bad, sizeof(bad) - 1), (ssize_t)(sizeof(bad) - 1));
	close(fd);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
	         "ZEREN_DATABASE_URL='%s' ZEREN_JWT_HS256_SECRET=%s %s import %s "
	         "2>&1 | grep -q '/plan/code: is required'",
	         harness_owner_conninfo(), harness_secret(), bin, path);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd),
	         "ZEREN_DATABASE_URL='%s' ZEREN_JWT_HS256_SECRET=%s %s import %s "
	         ">/dev/null 2>&1",
	         harness_owner_conninfo(), harness_secret(), bin, path);
	int st = system(cmd);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	unlink(path);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM plans"), 1);
}
END_TEST

Suite *seed_suite(void)
{
	Suite *s = suite_create("seed");
	TCase *tc = tcase_create("seed");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, counts_match_the_document);
	tcase_add_test(tc, text_is_verbatim);
	tcase_add_test(tc, assignments_match_the_document);
	tcase_add_test(tc, targets_are_typed);
	tcase_add_test(tc, reimport_changes_nothing);
	tcase_add_test(tc, bad_document_writes_nothing_and_names_the_row);
	tcase_add_test(tc, dry_run_reports_and_writes_nothing);
	tcase_add_test(tc, group_turned_department_loses_members);
	tcase_add_test(tc, cli_import_refuses_a_bad_file);
	suite_add_tcase(s, tc);
	return s;
}
