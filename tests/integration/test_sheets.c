/* test_sheets.c — the spreadsheets people print and fill: the workbook's page setup and row
 * heights, a unit's report form (who gets it, what is locked, the drop-down) and its round
 * trip through POST /v1/progress/batch after cells are filled as a person fills them. With
 * ZEREN_TEST_EXPORT_DIR set the workbooks are also saved there for scripts/print-export.sh. */
#include <iconv.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "harness.h"
#include "sheet_layout.h"
#include "sheet_util.h"
#include "suites.h"

#define XLSX_TYPE     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define COUNT_RECORDS "SELECT count(*) FROM progress_records"

static char *reader, *supervisor, *hrss;

static void sheets_setup(void)
{
	harness_setup();
	reader = harness_token("reader-1", ROLE_READER, NULL);
	supervisor = harness_token("supervisor-1", ROLE_SUPERVISOR, NULL);
	hrss = harness_token("hrss-clerk", ROLE_REPORTER, "hrss");
}

static void sheets_teardown(void)
{
	free(reader);
	free(supervisor);
	free(hrss);
	harness_teardown();
}

static long long plan_id(void)
{
	return harness_count("SELECT id FROM plans WHERE code = 'yunfu-gdjg'");
}

static long long unit_id(const char *code)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT id FROM units WHERE code = '%s'", code);
	return harness_count(sql);
}

/* GETs path as tok, expects 200 with the xlsx type, saves the workbook to path (unlink it)
 * and, when ZEREN_TEST_EXPORT_DIR is set, to that directory as name. */
static void get_workbook(const char *url, const char *tok, const char *name, char *path)
{
	struct http_resp *r = http_get(url, tok);
	ck_assert_msg(r->status == 200, "GET %s: %ld %s", url, r->status, r->body);
	char ct[128];
	ck_assert_str_eq(http_resp_header(r, "Content-Type", ct, sizeof(ct)), XLSX_TYPE);
	sheet_save(r->body, r->len, path);
	const char *dir = getenv("ZEREN_TEST_EXPORT_DIR");
	if (dir != NULL && dir[0] != '\0') {
		char keep[PATH_MAX];
		snprintf(keep, sizeof(keep), "%s/%s", dir, name);
		FILE *f = fopen(keep, "wb");
		if (f != NULL) {
			fwrite(r->body, 1, r->len, f);
			fclose(f);
		}
	}
	http_resp_free(r);
}

/* The height (ht) of sheet row number row, 0 when the row sets none. */
static double row_height(const char *xml, int row)
{
	char open[32];
	snprintf(open, sizeof(open), "<row r=\"%d\"", row);
	const char *p = strstr(xml, open);
	ck_assert_msg(p != NULL, "no row %d", row);
	const char *ht = strstr(p, " ht=\""), *end = strchr(p, '>');
	return ht != NULL && ht < end ? atof(ht + 5) : 0;
}

START_TEST(export_prints_landscape_one_page_wide_with_every_line)
{
	char url[160], file[PATH_MAX];
	snprintf(url, sizeof(url), "/v1/exports/plans/%lld/responsibility.xlsx?as_of=2026-11-27",
	         plan_id());
	get_workbook(url, reader, "responsibility.xlsx", file);
	char *sheet1 = sheet_member(file, "xl/worksheets/sheet1.xml");
	char *sheet2 = sheet_member(file, "xl/worksheets/sheet2.xml");
	char *workbook = sheet_member(file, "xl/workbook.xml");
	for (int s = 0; s < 2; s++) {
		const char *xml = s == 0 ? sheet1 : sheet2;
		ck_assert_ptr_nonnull(strstr(xml, "<pageSetUpPr fitToPage=\"1\"/>"));
		ck_assert_ptr_nonnull(strstr(xml, "orientation=\"landscape\""));
		ck_assert_ptr_nonnull(strstr(xml, "fitToHeight=\"0\""));
		ck_assert_ptr_nonnull(strstr(xml, "paperSize=\"9\""));
		ck_assert_ptr_nonnull(strstr(xml, "<oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页"));
		ck_assert_ptr_nonnull(strstr(xml, "（截至 2026-11-27）</oddHeader>"));
	}
	/* the header row repeats on every page of both sheets */
	ck_assert_ptr_nonnull(strstr(workbook, "'责任清单'!$2:$2"));
	ck_assert_ptr_nonnull(strstr(workbook, "'单位记分卡'!$1:$1"));
	/* measure 1 is tall enough for its four items, wrapped */
	long long lines = harness_count(
	        "SELECT count(*) FROM measure_items i JOIN measures m ON m.id = i.measure_id "
	        "WHERE m.number = 1");
	ck_assert_int_eq(lines, 4);
	/* measure 1 spans one row per target from sheet row 3; its merged cells' lines are spread
	 * over those rows: four items of 60 to 100 characters in a 46-unit column, at least 2 lines
	 * each */
	long long rows = harness_count("SELECT count(*) FROM targets t JOIN measures m ON m.id = "
	                               "t.measure_id WHERE m.number = 1");
	double h = 0;
	for (int r = 3; r < 3 + (int)rows; r++)
		h += row_height(sheet1, r);
	ck_assert_msg(h >= 8 * SHEET_LINE_POINTS, "rows 3 to %lld are %.1f points", 2 + rows, h);
	ck_assert_ptr_nonnull(strstr(sheet1, "customHeight=\"1\""));
	free(sheet1);
	free(sheet2);
	free(workbook);
	unlink(file);
}
END_TEST

START_TEST(export_paths_old_and_new)
{
	char url[160];
	const char *ok[] = {"/responsibility.csv", ".csv", ".xlsx"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(url, sizeof(url), "/v1/exports/plans/%lld%s", plan_id(), ok[i]);
		struct http_resp *r = http_get(url, reader);
		ck_assert_msg(r->status == 200, "%s: %ld", url, r->status);
		char cd[256];
		ck_assert_ptr_nonnull(http_resp_header(r, "Content-Disposition", cd, sizeof(cd)));
		http_resp_free(r);
	}
	const char *missing[] = {"1/responsibility.pdf", "1/list.csv", "999999/responsibility.csv",
	                         "abc/responsibility.xlsx", "1.pdf"};
	for (size_t i = 0; i < 5; i++) {
		snprintf(url, sizeof(url), "/v1/exports/plans/%s", missing[i]);
		struct http_resp *r = http_get(url, reader);
		assert_problem(r, 404, NULL);
		http_resp_free(r);
	}
}
END_TEST

START_TEST(form_is_the_units_own)
{
	char url[160], file[PATH_MAX];
	long long hrss_id = unit_id("hrss");
	snprintf(url, sizeof(url), "/v1/exports/units/%lld/template.xlsx?period=2026-Q4", hrss_id);
	get_workbook(url, hrss, "template-hrss-2026-Q4.xlsx", file);
	unlink(file);
	get_workbook(url, supervisor, "template-supervisor.xlsx", file);
	char *sheet = sheet_member(file, "xl/worksheets/sheet1.xml");
	char *strings = sheet_member(file, "xl/sharedStrings.xml");
	ck_assert_ptr_nonnull(strstr(sheet, "<sheetProtection"));
	ck_assert_ptr_nonnull(strstr(sheet, "<dataValidation type=\"list\""));
	ck_assert_ptr_nonnull(strstr(sheet, "未开始,正常推进,存在风险,滞后,已完成"));
	ck_assert_ptr_nonnull(strstr(sheet, "hidden=\"1\""));
	ck_assert_ptr_nonnull(strstr(strings, "measure_id"));
	ck_assert_ptr_nonnull(strstr(strings, "2026-Q4"));
	ck_assert_ptr_nonnull(strstr(strings, "优化技工教育资源配置"));
	/* one row per measure of hrss: 17, sheet rows 5 to 21 */
	ck_assert_ptr_nonnull(strstr(sheet, "<row r=\"21\""));
	ck_assert_ptr_null(strstr(sheet, "<row r=\"22\""));
	free(sheet);
	free(strings);
	unlink(file);

	char *finance = harness_token("finance-clerk", ROLE_REPORTER, "finance");
	struct http_resp *r = http_get(url, finance);
	assert_problem(r, 403, NULL);
	http_resp_free(r);
	free(finance);
	r = http_get(url, reader);
	assert_problem(r, 403, NULL);
	http_resp_free(r);
	const char *bad[] = {"period=2026-Q5", "period=", "", "period=2026-Q4&as_of=2026-01-01"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(url, sizeof(url), "/v1/exports/units/%lld/template.xlsx?%s", hrss_id,
		         bad[i]);
		r = http_get(url, supervisor);
		assert_problem(r, 400, NULL);
		http_resp_free(r);
	}
	r = http_get("/v1/exports/units/999999/template.xlsx?period=2026-Q4", supervisor);
	assert_problem(r, 404, NULL);
	http_resp_free(r);
	snprintf(url, sizeof(url), "/v1/exports/units/%lld/form.xlsx?period=2026-Q4", hrss_id);
	r = http_get(url, supervisor);
	assert_problem(r, 404, NULL);
	http_resp_free(r);
}
END_TEST

/* Downloads hrss's 2026-Q4 form into file and returns its sheet XML (owned). */
static char *hrss_form(char *file)
{
	char url[160];
	snprintf(url, sizeof(url), "/v1/exports/units/%lld/template.xlsx?period=2026-Q4",
	         unit_id("hrss"));
	get_workbook(url, hrss, "template-hrss.xlsx", file);
	return sheet_member(file, "xl/worksheets/sheet1.xml");
}

/* Posts the workbook file as hrss; the caller frees the response. */
static struct http_resp *post_form(const char *file, const char *query, const char *const *hdrs)
{
	size_t len;
	char *body = sheet_read(file, &len), path[64];
	snprintf(path, sizeof(path), "/v1/progress/batch%s", query);
	struct http_resp *r = http_call("POST", path, hrss, XLSX_TYPE, body, len, hdrs);
	free(body);
	return r;
}

START_TEST(filled_form_round_trip)
{
	char file[PATH_MAX], v[64];
	char *xml = hrss_form(file);
	/* row 5 is measure 1 with one target; row 6 measure 2 */
	long long m1 = atoll(sheet_value(xml, "A5", v, sizeof(v)));
	long long t1 = atoll(sheet_value(xml, "J5", v, sizeof(v)));
	long long m2 = atoll(sheet_value(xml, "A6", v, sizeof(v)));
	ck_assert_int_eq(m1, harness_count("SELECT id FROM measures WHERE number = 1"));
	ck_assert_int_gt(t1, 0);
	sheet_fill(&xml, "F5", "正常推进", 0);
	sheet_fill(&xml, "G5", "已推动罗定技工学校升级", 0);
	sheet_fill(&xml, "H5", "用地指标不足", 0);
	sheet_fill(&xml, "L5", "1", 1);
	sheet_fill(&xml, "F6", "滞后", 0);
	sheet_fill(&xml, "G6", "联合办学协议待签", 0);
	sheet_replace(file, "xl/worksheets/sheet1.xml", xml);

	struct http_resp *r = post_form(file, "?dry_run=true", NULL);
	ck_assert_msg(r->status == 200, "%s", r->body);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "rows")), 2);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);

	const char *const key[] = {"Idempotency-Key: form-1", NULL};
	r = post_form(file, "", key);
	ck_assert_msg(r->status == 201, "%s", r->body);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "created")), 2);
	http_resp_free(r);
	r = post_form(file, "", key);
	ck_assert_int_eq(r->status, 201);
	char replayed[16];
	ck_assert_str_eq(http_resp_header(r, "Idempotent-Replayed", replayed, sizeof(replayed)),
	                 "true");
	http_resp_free(r);
	/* the untouched 15 rows were skipped; the two filled are records as a person wrote them */
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 2);
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM progress_records r JOIN units u ON u.id = r.unit_id "
	         "WHERE u.code = 'hrss' AND r.period = '2026-Q4' AND r.measure_id = %lld "
	         "AND r.status = 'on_track' AND r.summary = '已推动罗定技工学校升级' "
	         "AND r.problems = '用地指标不足' AND r.period_end = '2026-12-31'",
	         m1);
	ck_assert_int_eq(harness_count(sql), 1);
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM progress_values v JOIN progress_records r ON r.id = "
	         "v.progress_id WHERE r.measure_id = %lld AND v.target_id = %lld AND v.value = 1",
	         m1, t1);
	ck_assert_int_eq(harness_count(sql), 1);
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM progress_records WHERE measure_id = %lld AND status = "
	         "'delayed'",
	         m2);
	ck_assert_int_eq(harness_count(sql), 1);
	free(xml);
	unlink(file);

	/* the next form shows what is reported, locked */
	xml = hrss_form(file);
	char *strings = sheet_member(file, "xl/sharedStrings.xml");
	ck_assert_ptr_nonnull(strstr(strings, "<t>是</t>"));
	free(strings);
	free(xml);
	unlink(file);
}
END_TEST

START_TEST(filled_form_with_a_bad_row_writes_nothing)
{
	char file[PATH_MAX];
	char *xml = hrss_form(file);
	sheet_fill(&xml, "F5", "正常推进", 0);
	sheet_fill(&xml, "G5", "已完成", 0);
	sheet_fill(&xml, "L5", "三个", 0);   /* not a number */
	sheet_fill(&xml, "F6", "差不多", 0); /* not on the list */
	sheet_fill(&xml, "F7", "已完成", 0); /* no summary */
	sheet_replace(file, "xl/worksheets/sheet1.xml", xml);
	struct http_resp *r = post_form(file, "", NULL);
	assert_problem(r, 400, "/0/values/0/value");
	assert_problem(r, 400, "/1/status");
	assert_problem(r, 400, "/2/summary");
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	free(xml);
	unlink(file);

	/* untouched: nothing to write; not a form; not a workbook */
	xml = hrss_form(file);
	r = post_form(file, "", NULL);
	assert_problem(r, 400, NULL);
	http_resp_free(r);
	free(xml);
	sheet_replace(file, "xl/worksheets/sheet1.xml",
	              "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
	              "main\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>x</t>"
	              "</is></c></row></sheetData></worksheet>");
	r = post_form(file, "", NULL);
	assert_problem(r, 400, NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "not a report form"));
	http_resp_free(r);
	unlink(file);
	r = http_call("POST", "/v1/progress/batch", hrss, XLSX_TYPE, "PK\x03\x04garbage", 11, NULL);
	assert_problem(r, 400, NULL);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
}
END_TEST

/* --- CSV in and out --- */

/* text (UTF-8) in GB18030, as Excel on Chinese Windows saves it; owned, *len bytes. */
static char *to_gb18030(const char *text, size_t *len)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	ck_assert(cd != (iconv_t)-1);
	size_t in_left = strlen(text), out_left = in_left * 2 + 4;
	char *out = calloc(1, out_left), *dst = out, *in = (char *)text;
	ck_assert_uint_ne(iconv(cd, &in, &in_left, &dst, &out_left), (size_t)-1);
	iconv_close(cd);
	*len = (size_t)(dst - out);
	return out;
}

START_TEST(csv_in_gb18030_when_the_charset_says_so)
{
	char csv[512];
	snprintf(csv, sizeof(csv),
	         "measure_id,period,status,summary\r\n%lld,2026-Q4,on_track,"
	         "已组织“广东技工”培训\r\n",
	         harness_count("SELECT id FROM measures WHERE number = 17"));
	size_t len;
	char *gb = to_gb18030(csv, &len);
	ck_assert_ptr_null(strstr(gb, "已组织")); /* really another encoding */
	/* no charset: UTF-8 required, 415 naming the line */
	struct http_resp *r =
	        http_call("POST", "/v1/progress/batch", hrss, "text/csv", gb, len, NULL);
	assert_problem(r, 415, NULL);
	const char *detail = json_string_value(json_object_get(r->json, "detail"));
	ck_assert_ptr_nonnull(strstr(detail, "line 2"));
	ck_assert_ptr_nonnull(strstr(detail, "charset=gb18030"));
	http_resp_free(r);
	r = http_call("POST", "/v1/progress/batch", hrss, "text/csv; charset=latin1", gb, len,
	              NULL);
	assert_problem(r, 415, NULL);
	http_resp_free(r);
	/* UTF-8 declared and not UTF-8: 415 as well */
	r = http_call("POST", "/v1/progress/batch", hrss, "text/csv; charset=utf-8", gb, len, NULL);
	assert_problem(r, 415, NULL);
	http_resp_free(r);
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	const char *types[] = {"text/csv; charset=GBK", "text/csv;charset=\"gb18030\""};
	for (int i = 0; i < 2; i++) {
		r = http_call("POST", "/v1/progress/batch?dry_run=true", hrss, types[i], gb, len,
		              NULL);
		ck_assert_msg(r->status == 200, "%s: %s", types[i], r->body);
		http_resp_free(r);
	}
	ck_assert_int_eq(harness_count(COUNT_RECORDS), 0);
	r = http_call("POST", "/v1/progress/batch", hrss, "text/csv; charset=gbk", gb, len, NULL);
	ck_assert_msg(r->status == 201, "%s", r->body);
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM progress_records WHERE summary = "
	                               "'已组织“广东技工”培训'"),
	                 1);
	/* bytes that are not GB18030 either: 400 naming the line */
	r = http_call("POST", "/v1/progress/batch", hrss, "text/csv; charset=gbk",
	              "measure_id\n\x81", 12, NULL);
	assert_problem(r, 400, NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "line 2"));
	http_resp_free(r);
	free(gb);
}
END_TEST

/* Column name's index in the header row. */
static size_t column(json_t *header, const char *name)
{
	for (size_t i = 0; i < json_array_size(header); i++)
		if (strcmp(json_string_value(json_array_get(header, i)), name) == 0)
			return i;
	ck_abort_msg("no column %s", name);
	return 0;
}

/* rows as RFC 4180 CSV with a BOM, every field quoted; owned. */
static char *csv_write(json_t *rows, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	fputs("\xEF\xBB\xBF", f);
	size_t i, j;
	json_t *row, *cell;
	json_array_foreach(rows, i, row)
	{
		json_array_foreach(row, j, cell)
		{
			fputs(j > 0 ? ",\"" : "\"", f);
			for (const char *p = json_string_value(cell); *p != '\0'; p++) {
				if (*p == '"')
					fputc('"', f); /* doubled */
				fputc(*p, f);
			}
			fputc('"', f);
		}
		fputs("\r\n", f);
	}
	fclose(f);
	return text;
}

START_TEST(csv_export_filled_in_is_a_batch)
{
	char url[160];
	snprintf(url, sizeof(url), "/v1/exports/plans/%lld/responsibility.csv?as_of=2026-11-27",
	         plan_id());
	struct http_resp *r = http_get(url, supervisor);
	ck_assert_int_eq(r->status, 200);
	char err[160];
	json_t *rows = csv_parse(r->body, r->len, 1000, err, sizeof(err));
	ck_assert_msg(rows != NULL, "%s", err);
	http_resp_free(r);
	json_t *header = json_array_get(rows, 0);
	size_t mc = column(header, "measure_id"), tc = column(header, "target_id"),
	       pc = column(header, "period"), sc = column(header, "status"),
	       yc = column(header, "summary"), vc = column(header, "value");
	char m17[24], m2[24];
	snprintf(m17, sizeof(m17), "%lld",
	         harness_count("SELECT id FROM measures WHERE number = 17"));
	snprintf(m2, sizeof(m2), "%lld", harness_count("SELECT id FROM measures WHERE number = 2"));
	long long t17 =
	        harness_count("SELECT t.id FROM targets t JOIN measures m ON m.id = "
	                      "t.measure_id WHERE m.number = 17 ORDER BY t.position LIMIT 1");
	int filled = 0;
	for (size_t i = 1; i < json_array_size(rows); i++) {
		json_t *row = json_array_get(rows, i);
		const char *m = json_string_value(json_array_get(row, mc));
		/* the period to report next is filled in on every measure's row */
		if (m[0] != '\0')
			ck_assert_str_eq(json_string_value(json_array_get(row, pc)), "2026-Q4");
		if (strcmp(m, m17) == 0) {
			json_array_set_new(row, sc, json_string("on_track"));
			json_array_set_new(row, yc, json_string("已建成技能创业孵化基地"));
			if (atoll(json_string_value(json_array_get(row, tc))) == t17)
				json_array_set_new(row, vc, json_string("2"));
			filled++;
		} else if (strcmp(m, m2) == 0 && json_string_length(json_array_get(row, sc)) == 0) {
			json_array_set_new(row, sc, json_string("at_risk"));
			json_array_set_new(row, yc, json_string("合作办学协议待签"));
			filled++;
		}
	}
	ck_assert_int_ge(filled, 2);
	size_t len;
	char *csv = csv_write(rows, &len);
	json_decref(rows);
	r = http_call("POST", "/v1/progress/batch", hrss, "text/csv", csv, len, NULL);
	ck_assert_msg(r->status == 201, "%s", r->body);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "created")), 2);
	http_resp_free(r);
	free(csv);
	char sql[512];
	snprintf(
	        sql, sizeof(sql),
	        "SELECT count(*) FROM progress_records r JOIN progress_values v ON v.progress_id = "
	        "r.id WHERE r.measure_id = %s AND r.period = '2026-Q4' AND r.status = 'on_track' "
	        "AND v.target_id = %lld AND v.value = 2",
	        m17, t17);
	ck_assert_int_eq(harness_count(sql), 1);
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM progress_records WHERE measure_id = %s AND status = "
	         "'at_risk' AND period_start = '2026-10-01'",
	         m2);
	ck_assert_int_eq(harness_count(sql), 1);
}
END_TEST

Suite *sheets_suite(void)
{
	Suite *s = suite_create("sheets");
	TCase *tc = tcase_create("sheets");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, sheets_setup, sheets_teardown);
	tcase_add_test(tc, export_prints_landscape_one_page_wide_with_every_line);
	tcase_add_test(tc, export_paths_old_and_new);
	tcase_add_test(tc, form_is_the_units_own);
	tcase_add_test(tc, filled_form_round_trip);
	tcase_add_test(tc, filled_form_with_a_bad_row_writes_nothing);
	tcase_add_test(tc, csv_in_gb18030_when_the_charset_says_so);
	tcase_add_test(tc, csv_export_filled_in_is_a_batch);
	suite_add_tcase(s, tc);
	return s;
}
