/* test_parse.c — POST /v1/imports/parse: the seed's three files give a document the importer
 * accepts; every refusal is a 4xx problem; nothing is ever written. Also unit aliases. */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "harness.h"
#include "suites.h"

#define DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* Rows of every table a parse could touch, summed: equal before and after means nothing
 * was written. */
static long long rows_everywhere(void)
{
	return harness_count("SELECT (SELECT count(*) FROM plans) + (SELECT count(*) FROM units)"
	                     " + (SELECT count(*) FROM tasks) + (SELECT count(*) FROM measures)"
	                     " + (SELECT count(*) FROM targets) + (SELECT count(*) FROM "
	                     "assignments) + (SELECT count(*) FROM audit_log)"
	                     " + (SELECT count(*) FROM changes)"
	                     " + (SELECT sum(row_version) FROM units)");
}

/* A file of ../shared/seeds (beside the checkout) read whole; caller frees. */
static char *seed_file(const char *name, size_t *len)
{
	char path[1024];
	const char *seed = getenv("ZEREN_TEST_SEED"); /* <root>/db/seed/yunfu-gdjg.json */
	snprintf(path, sizeof(path), "%.*s/../shared/seeds/%s",
	         (int)(strlen(seed) - strlen("/db/seed/yunfu-gdjg.json")), seed, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "missing %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* A zip of (name, text) pairs, NULL-terminated, as new bytes; aes encrypts each entry. */
static char *zip_of(const char *const *entries, int aes, size_t *len)
{
	char path[] = "/tmp/zeren-parse-XXXXXX";
	int fd = mkstemp(path), err;
	ck_assert_int_ge(fd, 0);
	close(fd);
	zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	for (size_t i = 0; entries[i] != NULL; i += 2) {
		zip_source_t *s = zip_source_buffer(za, entries[i + 1], strlen(entries[i + 1]), 0);
		zip_int64_t at = zip_file_add(za, entries[i], s, ZIP_FL_OVERWRITE);
		ck_assert_int_ge(at, 0);
		if (aes)
			zip_file_set_encryption(za, (zip_uint64_t)at, ZIP_EM_AES_256, "pw");
	}
	ck_assert_int_eq(zip_close(za), 0);
	FILE *f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	*len = (size_t)n;
	return buf;
}

static struct http_resp *parse_post(const char *query, const char *token, const char *type,
                                    const char *body, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "/v1/imports/parse%s", query);
	return http_call("POST", path, token, type, body, len, NULL);
}

/* The parse of file as type is 200 with every unit known, and its document passes a dry run. */
static void seed_through_http(const char *file, const char *type, char *admin)
{
	size_t len;
	char *bytes = seed_file(file, &len);
	long long before = rows_everywhere();
	struct http_resp *r = parse_post("?code=yunfu-gdjg", admin, type, bytes, len);
	ck_assert_msg(r->status == 200, "%s: %ld %s", file, r->status, r->body);
	json_t *stats = json_object_get(r->json, "stats");
	ck_assert_int_eq(json_integer_value(json_object_get(stats, "measures")), 17);
	ck_assert_int_eq(json_integer_value(json_object_get(stats, "units_new")), 0);
	ck_assert_int_ge(json_integer_value(json_object_get(stats, "targets")), 37);
	ck_assert(json_array_size(json_object_get(r->json, "review")) > 0);
	ck_assert_int_eq(rows_everywhere(), before);
	char *doc = json_dumps(json_object_get(r->json, "document"), JSON_COMPACT);
	struct http_resp *d = http_post_json("/v1/imports?dry_run=true", admin, doc);
	ck_assert_msg(d->status == 200, "%s: dry run %ld %s", file, d->status, d->body);
	ck_assert_int_eq(rows_everywhere(), before);
	http_resp_free(d);
	http_resp_free(r);
	free(doc);
	free(bytes);
}

START_TEST(seed_files_give_importable_documents)
{
	char *admin = harness_token("admin", ROLE_ADMIN, NULL);
	seed_through_http("000_92dba40c8bd80f07.txt", "text/plain; charset=utf-8", admin);
	seed_through_http("office/yunfu-gdjg.docx", DOCX, admin);
	seed_through_http("office/yunfu-gdjg.xlsx", XLSX, admin);
	free(admin);
}
END_TEST

/* The seed text in GB18030, declared so, reads the same. */
START_TEST(gb18030_text)
{
	char *admin = harness_token("admin", ROLE_ADMIN, NULL);
	size_t len, cap;
	char *utf8 = seed_file("000_92dba40c8bd80f07.txt", &len);
	char *gb = malloc(cap = len * 2), *in = utf8, *out = gb;
	size_t inleft = len, outleft = cap;
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	ck_assert_uint_ne(iconv(cd, &in, &inleft, &out, &outleft), (size_t)-1);
	iconv_close(cd);
	struct http_resp *r = parse_post("?code=yunfu-gdjg&title=%E6%B5%8B%E8%AF%95", admin,
	                                 "text/plain; charset=GB18030", gb, cap - outleft);
	ck_assert_msg(r->status == 200, "%s", r->body);
	json_t *plan = json_object_get(json_object_get(r->json, "document"), "plan");
	ck_assert_str_eq(json_string_value(json_object_get(plan, "title")), "测试");
	http_resp_free(r);
	free(gb);
	free(utf8);
	free(admin);
}
END_TEST

/* status for a body of type, and nothing written. */
static void refused(const char *token, const char *type, const char *body, size_t len, int status)
{
	long long before = rows_everywhere();
	struct http_resp *r = parse_post("", token, type, body, len);
	assert_problem(r, status, NULL);
	http_resp_free(r);
	ck_assert_int_eq(rows_everywhere(), before);
}

START_TEST(admin_only)
{
	char *reader = harness_token("reader", ROLE_READER, NULL);
	refused(NULL, "text/plain", "x", 1, 401);
	refused(reader, "text/plain", "x", 1, 403);
	free(reader);
}
END_TEST

START_TEST(wrong_types_are_415)
{
	char *admin = harness_token("admin", ROLE_ADMIN, NULL);
	size_t dl, xl, zl;
	char *docx = seed_file("office/yunfu-gdjg.docx", &dl);
	char *xlsx = seed_file("office/yunfu-gdjg.xlsx", &xl);
	const char *plain[] = {"notes.txt", "not office", NULL};
	char *zip = zip_of(plain, 0, &zl);
	refused(admin, NULL, "x", 1, 415);
	refused(admin, "application/json", "{}", 2, 415);
	refused(admin, "text/plain; charset=latin1", "x", 1, 415);
	refused(admin, "text/plain; charset=utf-8", docx, dl, 415); /* a .docx sent as text */
	refused(admin, DOCX, xlsx, xl, 415);                        /* a workbook as Word */
	refused(admin, DOCX, "plain words", 11, 415);               /* text as Word */
	refused(admin, DOCX, zip, zl, 415);                         /* a zip, not Office */
	free(zip);
	free(xlsx);
	free(docx);
	free(admin);
}
END_TEST

START_TEST(unreadable_files_are_422)
{
	char *admin = harness_token("admin", ROLE_ADMIN, NULL);
	size_t n = 4 * 1024 * 1024, bl, el, xl;
	char *big = malloc(n + 1);
	memset(big, 'a', n);
	big[n] = '\0';
	const char *bomb[] = {"word/document.xml", big, NULL};
	char *zbomb = zip_of(bomb, 0, &bl);
	free(big);
	const char *secret[] = {"word/document.xml", "<w:document/>", NULL};
	char *zenc = zip_of(secret, 1, &el);
	const char *broken[] = {"word/document.xml", "<w:document><w:body><w:p>", NULL};
	char *zxml = zip_of(broken, 0, &xl);
	refused(admin, "text/plain", "", 0, 422);                                /* empty */
	refused(admin, "text/plain; charset=utf-8", " \n\t\n", 4, 422);          /* blank */
	refused(admin, "text/plain; charset=utf-8", "\xff\xfe\x80\x81", 4, 422); /* not UTF-8 */
	refused(admin, "text/plain; charset=utf-8", "hello, world\n", 13, 422);  /* no list */
	refused(admin, DOCX, zbomb, bl, 422);
	refused(admin, DOCX, zenc, el, 422);
	refused(admin, DOCX, zxml, xl, 422);
	free(zxml);
	free(zenc);
	free(zbomb);
	free(admin);
}
END_TEST

START_TEST(query_is_checked)
{
	char *admin = harness_token("admin", ROLE_ADMIN, NULL);
	struct http_resp *r = parse_post("?code=Not%20A%20Code", admin, "text/plain", "x", 1);
	assert_problem(r, 400, NULL);
	http_resp_free(r);
	r = parse_post("?dry_run=true", admin, "text/plain", "x", 1);
	assert_problem(r, 400, NULL);
	http_resp_free(r);
	free(admin);
}
END_TEST

START_TEST(over_the_body_limit_is_413)
{
	const char *const small[] = {"ZEREN_MAX_BODY_BYTES=4096", NULL};
	harness_restart_with(small);
	char *admin = harness_token("admin", ROLE_ADMIN, NULL);
	size_t len;
	char *docx = seed_file("office/yunfu-gdjg.docx", &len);
	ck_assert_uint_gt(len, 4096);
	refused(admin, DOCX, docx, len, 413);
	free(docx);
	free(admin);
}
END_TEST

/* Aliases: kept and shown, unique across every unit's names and aliases, used by the parser. */
START_TEST(unit_aliases)
{
	char *admin = harness_token("admin", ROLE_ADMIN, NULL);
	struct http_resp *r = http_post_json(
	        "/v1/units", admin,
	        "{\"code\": \"city-health\", \"name\": \"市卫生健康局\", \"kind\": \"department\", "
	        "\"aliases\": [\"市卫健\"]}");
	ck_assert_msg(r->status == 201, "%s", r->body);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r->json, "aliases"), 0)),
	                 "市卫健");
	http_resp_free(r);
	r = http_post_json(
	        "/v1/units", admin,
	        "{\"code\": \"city-health2\", \"name\": \"卫健\", \"kind\": \"department\", "
	        "\"aliases\": [\"市商务\"]}");
	assert_problem(r, 400, "/aliases/0"); /* 市商务 is 市商务局's */
	http_resp_free(r);
	r = http_post_json(
	        "/v1/units", admin,
	        "{\"code\": \"city-health3\", \"name\": \"市卫健\", \"kind\": \"department\"}");
	assert_problem(r, 400, "/name"); /* the alias of health */
	http_resp_free(r);
	const char text[] =
	        "工作任务\t工作措施\t工作内容\t牵头单位\t相关责任单位\n"
	        "（一）任务\t1.措施。\t（1）到2022年培训1000人次以上。\t市卫健\t市商务\n";
	r = parse_post("", admin, "text/plain; charset=utf-8", text, sizeof(text) - 1);
	ck_assert_msg(r->status == 200, "%s", r->body);
	json_t *m = json_array_get(
	        json_object_get(json_object_get(r->json, "document"), "measures"), 0);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(m, "lead"), 0)),
	                 "city-health");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(m, "related"), 0)),
	                 "commerce");
	http_resp_free(r);
	free(admin);
}
END_TEST

/* A document whose unit takes an alias another unit keeps in the database: 409, nothing
 * written; the alias moved within the document: imported. */
START_TEST(import_checks_aliases_against_the_database)
{
	char *admin = harness_token("admin", ROLE_ADMIN, NULL);
	json_t *doc = json_load_file(getenv("ZEREN_TEST_SEED"), 0, NULL);
	json_t *units = json_object_get(doc, "units");
	size_t i;
	json_t *u;
	json_array_foreach(units, i, u)
	{
		if (strcmp(json_string_value(json_object_get(u, "code")), "commerce") == 0)
			json_object_del(u, "aliases"); /* keeps 市商务 from the database */
	}
	json_array_append_new(units,
	                      json_pack("{s:s, s:s, s:s, s:[s]}", "code", "trade", "name", "商务办",
	                                "kind", "department", "aliases", "市商务"));
	char *text = json_dumps(doc, JSON_COMPACT);
	long long before = rows_everywhere();
	struct http_resp *r = http_post_json("/v1/imports", admin, text);
	assert_problem(r, 409, NULL);
	http_resp_free(r);
	free(text);
	ck_assert_int_eq(rows_everywhere(), before);
	json_array_foreach(units, i, u)
	{
		if (strcmp(json_string_value(json_object_get(u, "code")), "commerce") == 0)
			json_object_set_new(u, "aliases", json_array()); /* moved to trade */
	}
	text = json_dumps(doc, JSON_COMPACT);
	r = http_post_json("/v1/imports", admin, text);
	ck_assert_msg(r->status == 200, "%s", r->body);
	http_resp_free(r);
	ck_assert_int_eq(harness_count("SELECT count(*) FROM units WHERE code = 'trade' AND "
	                               "aliases = '{市商务}'"),
	                 1);
	free(text);
	json_decref(doc);
	free(admin);
}
END_TEST

Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, seed_files_give_importable_documents);
	tcase_add_test(tc, gb18030_text);
	tcase_add_test(tc, admin_only);
	tcase_add_test(tc, wrong_types_are_415);
	tcase_add_test(tc, unreadable_files_are_422);
	tcase_add_test(tc, query_is_checked);
	tcase_add_test(tc, over_the_body_limit_is_413);
	tcase_add_test(tc, unit_aliases);
	tcase_add_test(tc, import_checks_aliases_against_the_database);
	suite_add_tcase(s, tc);
	return s;
}
