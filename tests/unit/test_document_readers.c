/* test_document_readers.c — text decoding, docx / xlsx readers, merged cells, bad files. */
#include <check.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "document/doc_parse.h"
#include "document/doc_text.h"
#include "document/doc_zip.h"
#include "suites.h"

/* A zip of the given entries (name, text pairs, NULL-terminated) as new bytes; aes encrypts
 * every entry. Caller frees. */
static char *make_zip(const char *const *entries, int aes, size_t *len)
{
	char path[] = "/tmp/zeren-doc-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	int err;
	zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	ck_assert_ptr_nonnull(za);
	for (size_t i = 0; entries[i] != NULL; i += 2) {
		zip_source_t *src =
		        zip_source_buffer(za, entries[i + 1], strlen(entries[i + 1]), 0);
		zip_int64_t at = zip_file_add(za, entries[i], src, ZIP_FL_OVERWRITE);
		ck_assert_int_ge(at, 0);
		if (aes)
			ck_assert_int_eq(
			        zip_file_set_encryption(za, (zip_uint64_t)at, ZIP_EM_AES_256, "pw"),
			        0);
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

static enum doc_error parse(const char *bytes, size_t len, struct doc_result *r)
{
	struct doc_options o = {.code = "t"};
	return doc_parse(bytes, len, &o, r);
}

START_TEST(text_decoding)
{
	char *out;
	size_t len;
	ck_assert_int_eq(doc_text_decode("\xEF\xBB\xBF牵头单位", 15, &out, &len), DOC_OK);
	ck_assert_str_eq(out, "牵头单位");
	free(out);
	/* 牵头单位 in GB18030 */
	const char *utf8 = "牵头单位：市财政局";
	char gb[64], *in = (char *)utf8, *o = gb;
	size_t inleft = strlen(utf8), oleft = sizeof(gb);
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	ck_assert(iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1);
	iconv_close(cd);
	ck_assert_int_eq(doc_text_decode(gb, (size_t)(o - gb), &out, &len), DOC_OK);
	ck_assert_str_eq(out, utf8);
	free(out);
	ck_assert_int_eq(doc_text_decode("\xFF\xFF\xFF", 3, &out, &len), DOC_ENCODING);
	ck_assert_int_eq(doc_text_decode(" \n\t ", 4, &out, &len), DOC_EMPTY);
	ck_assert_int_eq(doc_text_decode("a\0b", 3, &out, &len), DOC_FORMAT);
	ck_assert(!doc_utf8_valid("\xC0\xAF", 2));     /* overlong */
	ck_assert(!doc_utf8_valid("\xED\xA0\x80", 3)); /* surrogate */
}
END_TEST

START_TEST(columns)
{
	ck_assert_int_eq(doc_layout_column("工作任务"), DOC_COL_TASK);
	ck_assert_int_eq(doc_layout_column("重点任务"), DOC_COL_TASK);
	ck_assert_int_eq(doc_layout_column("工作措施"), DOC_COL_MEASURE);
	ck_assert_int_eq(doc_layout_column("具体措施"), DOC_COL_MEASURE);
	ck_assert_int_eq(doc_layout_column("工作内容"), DOC_COL_CONTENT);
	ck_assert_int_eq(doc_layout_column("牵头单位"), DOC_COL_LEAD);
	ck_assert_int_eq(doc_layout_column("相关责任单位"), DOC_COL_RELATED);
	ck_assert_int_eq(doc_layout_column("配合单位"), DOC_COL_RELATED);
	ck_assert_int_eq(doc_layout_column("完成时限"), DOC_COL_DEADLINE);
	ck_assert_int_eq(doc_layout_column("序号"), DOC_COL_NUMBER);
	ck_assert_int_eq(doc_layout_column("备注"), DOC_COL_COUNT);
}
END_TEST

/* Six columns in another order, a task cell only on its first row, a deadline column. */
START_TEST(six_columns)
{
	const char *text = "序号\t具体措施\t重点任务\t牵头单位\t配合单位\t完成时限\n"
	                   "1\t建成3个实训基地。\t（一）强化基础\t市人社局\t市财政局、市教育局\t202"
	                   "3年6月底前\n"
	                   "2\t开展培训1000人次以上。\t\t市人社局\t各县（市、区）人民政府\t每年\n"
	                   "3\t完善制度。\t（二）完善机制\t市教育局\t\t长期坚持\n";
	struct doc_result r;
	ck_assert_int_eq(parse(text, strlen(text), &r), DOC_OK);
	json_t *ms = json_object_get(r.document, "measures");
	ck_assert_uint_eq(json_array_size(ms), 3);
	ck_assert_uint_eq(json_array_size(json_object_get(r.document, "tasks")), 2);
	json_t *m1 = json_array_get(ms, 0), *m2 = json_array_get(ms, 1);
	ck_assert_str_eq(json_string_value(json_object_get(m2, "task")), "t-t1");
	json_t *t1 = json_array_get(json_object_get(m1, "targets"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(t1, "deadline")), "2023-06-30");
	json_t *t2 = json_array_get(json_object_get(m2, "targets"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(t2, "recurrence")), "annual");
	ck_assert_str_eq(json_string_value(json_object_get(
	                         json_array_get(json_object_get(m1, "items"), 0), "text")),
	                 "建成3个实训基地。");
	ck_assert_uint_eq(json_array_size(json_object_get(m1, "related")), 2);
	doc_result_free(&r);
}
END_TEST

#define W         "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
#define TC(t)     "<w:tc><w:p><w:r><w:t>" t "</w:t></w:r></w:p></w:tc>"
#define TC_MERGED "<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>"

/* clang-format off */
static const char docx_xml[] = W
	"<w:body><w:p><w:r><w:t>测试清单</w:t></w:r></w:p><w:tbl>"
	"<w:tr>" TC("工作任务") TC("工作措施") TC("工作内容") TC("牵头单位") TC("相关责任单位") "</w:tr>"
	"<w:tr><w:tc><w:tcPr><w:vMerge w:val=\"restart\"/></w:tcPr>"
	"<w:p><w:r><w:t>（一）任务甲</w:t></w:r></w:p></w:tc>" TC("1.措施一。")
	"<w:tc><w:p><w:r><w:t>（1）到2022年，建成2个基地。</w:t></w:r></w:p>"
	"<w:p><w:r><w:t>（2）完善制度。</w:t></w:r></w:p></w:tc>" TC("市财政局") TC("市教育局") "</w:tr>"
	"<w:tr>" TC_MERGED TC("2.措施二。") TC("推进工作。")
	"<w:tc><w:tcPr><w:gridSpan w:val=\"2\"/></w:tcPr><w:p><w:r><w:t>市教育局</w:t></w:r></w:p></w:tc>"
	"</w:tr></w:tbl></w:body></w:document>";
/* clang-format on */

/* A docx table: the task cell merged down (w:vMerge), a spanned header cell (w:gridSpan). */
START_TEST(docx_merged_cells)
{
	const char *xml = docx_xml;
	const char *entries[] = {"[Content_Types].xml", "<Types/>", "word/document.xml", xml, NULL};
	size_t len;
	char *zip = make_zip(entries, 0, &len);
	struct doc_body b;
	enum doc_kind kind;
	doc_body_init(&b);
	ck_assert_int_eq(doc_parse_body(zip, len, &b, &kind), DOC_OK);
	ck_assert_int_eq(kind, DOC_KIND_DOCX);
	ck_assert_uint_eq(b.nrows, 3);
	ck_assert_ptr_null(b.rows[2].cells[0]);
	ck_assert_uint_eq(b.rows[2].ncells, 5);
	ck_assert_str_eq(b.rows[2].cells[4], "");
	ck_assert_str_eq(b.rows[1].cells[2], "（1）到2022年，建成2个基地。\n（2）完善制度。");
	doc_body_free(&b);
	struct doc_result r;
	ck_assert_int_eq(parse(zip, len, &r), DOC_OK);
	json_t *ms = json_object_get(r.document, "measures");
	json_t *plan = json_object_get(r.document, "plan");
	ck_assert_str_eq(json_string_value(json_object_get(plan, "title")), "测试清单");
	ck_assert_uint_eq(json_array_size(ms), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ms, 1), "task")), "t-t1");
	ck_assert_uint_eq(json_array_size(json_object_get(json_array_get(ms, 0), "items")), 2);
	doc_result_free(&r);
	free(zip);
}
END_TEST

#define XC(ref, i) "<c r=\"" ref "\" t=\"s\"><v>" i "</v></c>"

/* An xlsx sheet: shared strings, a merged task range, an inline string. */
/* A row that fills its 64 cells in the middle of a spanned cell is refused, and the cell's text,
 * already kept for the span's first column, is freed once (a double free, found by fuzzing). */
START_TEST(docx_span_past_the_cell_limit)
{
	char xml[8192];
	size_t n = (size_t)snprintf(xml, sizeof(xml), "%s", W "<w:body><w:tbl><w:tr>");
	for (int i = 0; i < 62; i++)
		n += (size_t)snprintf(xml + n, sizeof(xml) - n, "%s", TC("x"));
	snprintf(
	        xml + n, sizeof(xml) - n, "%s",
	        "<w:tc><w:tcPr><w:gridSpan w:val=\"4\"/></w:tcPr><w:p><w:r><w:t>y</w:t></w:r></w:p>"
	        "</w:tc></w:tr></w:tbl></w:body></w:document>");
	const char *entries[] = {"[Content_Types].xml", "<Types/>", "word/document.xml", xml, NULL};
	size_t len;
	char *zip = make_zip(entries, 0, &len);
	struct doc_body b;
	enum doc_kind kind;
	doc_body_init(&b);
	ck_assert_int_eq(doc_parse_body(zip, len, &b, &kind), DOC_TOO_LARGE);
	doc_body_free(&b);
	free(zip);
}
END_TEST

START_TEST(xlsx_merged_ranges)
{
	const char *strings =
	        "<sst><si><t>工作任务</t></si><si><t>工作措施</t></si><si><t>牵头单位"
	        "</t></si><si><t>（一）任务甲</t></si><si><r><t>1.措施</t></r><r><t>一。"
	        "</t></r></si><si><t>市财政局</t></si></sst>";
	const char *sheet = "<worksheet><sheetData><row r=\"1\">" XC("A1", "0") XC("B1", "1")
	        XC("C1", "2") "</row><row r=\"2\">" XC("A2", "3") XC("B2", "4")
	                XC("C2", "5") "</row><row r=\"3\"><c r=\"B3\" "
	                              "t=\"inlineStr\"><is><t>2.措施二。</t></is></c>" XC(
	                                      "C3", "5") "</row></sheetData><mergeCells><mergeCell "
	                                                 "ref=\"A2:A3\"/>"
	                                                 "</mergeCells></worksheet>";
	const char *entries[] = {"xl/workbook.xml",
	                         "<workbook/>",
	                         "xl/sharedStrings.xml",
	                         strings,
	                         "xl/worksheets/sheet1.xml",
	                         sheet,
	                         NULL};
	size_t len;
	char *zip = make_zip(entries, 0, &len);
	struct doc_body b;
	enum doc_kind kind;
	doc_body_init(&b);
	ck_assert_int_eq(doc_parse_body(zip, len, &b, &kind), DOC_OK);
	ck_assert_int_eq(kind, DOC_KIND_XLSX);
	ck_assert_uint_eq(b.nrows, 3);
	ck_assert_str_eq(b.rows[1].cells[1], "1.措施一。");
	ck_assert_ptr_null(b.rows[2].cells[0]);
	doc_body_free(&b);
	struct doc_result r;
	ck_assert_int_eq(parse(zip, len, &r), DOC_OK);
	json_t *ms = json_object_get(r.document, "measures");
	ck_assert_uint_eq(json_array_size(ms), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ms, 1), "task")), "t-t1");
	doc_result_free(&r);
	free(zip);
}
END_TEST

/* A workbook whose first sheet is a note and whose list is on its second sheet, the sheets
 * named through the relationships (one target absolute, one not named sheetN.xml): the list
 * is read (only sheet1.xml was, which is not the list). */
START_TEST(xlsx_list_on_sheet_two)
{
	const char *workbook =
	        "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
	        "relationships\"><sheets><sheet name=\"说明\" sheetId=\"1\" r:id=\"rId2\"/>"
	        "<sheet name=\"清单\" sheetId=\"2\" r:id=\"rId1\"/></sheets></workbook>";
	const char *rels =
	        "<Relationships><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/"
	        "officeDocument/2006/relationships/worksheet\" Target=\"/xl/worksheets/list.xml\"/>"
	        "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
	        "2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	        "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
	        "2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>";
	const char *note = "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is>"
	                   "<t>填表说明：按任务填写。</t></is></c></row></sheetData></worksheet>";
	const char *strings =
	        "<sst><si><t>工作措施</t></si><si><t>牵头单位</t></si><si><t>1.措施一。"
	        "</t></si><si><t>市财政局</t></si></sst>";
	const char *list = "<worksheet><sheetData><row r=\"1\">" XC("A1", "0")
	        XC("B1", "1") "</row><row r=\"2\">" XC("A2", "2")
	                XC("B2", "3") "</row></sheetData></worksheet>";
	const char *entries[] = {"xl/workbook.xml",
	                         workbook,
	                         "xl/_rels/workbook.xml.rels",
	                         rels,
	                         "xl/sharedStrings.xml",
	                         strings,
	                         "xl/worksheets/sheet1.xml",
	                         note,
	                         "xl/worksheets/list.xml",
	                         list,
	                         NULL};
	size_t len;
	char *zip = make_zip(entries, 0, &len);
	struct doc_body b;
	enum doc_kind kind;
	doc_body_init(&b);
	ck_assert_int_eq(doc_parse_body(zip, len, &b, &kind), DOC_OK);
	ck_assert_int_eq(kind, DOC_KIND_XLSX);
	ck_assert_uint_eq(b.nrows, 2);
	ck_assert_str_eq(b.rows[1].cells[0], "1.措施一。");
	doc_body_free(&b);
	struct doc_result r;
	ck_assert_int_eq(parse(zip, len, &r), DOC_OK);
	json_t *ms = json_object_get(r.document, "measures");
	ck_assert_uint_eq(json_array_size(ms), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ms, 0), "title")),
	                 "措施一。");
	doc_result_free(&r);
	free(zip);
}
END_TEST

START_TEST(paragraph_list)
{
	const char *text =
	        "某市实施方案\n一、强化基础\n1.建设基地。到2022年，建成5个基地。（牵头单位："
	        "市人社局，配合单位：市财政局、市教育局，各区、县级市）\n"
	        "2.完善制度。健全机制。（市教育局、市财政局等负责）\n二、保障\n"
	        "3.加强领导。（市委组织部负责）\n";
	struct doc_result r;
	ck_assert_int_eq(parse(text, strlen(text), &r), DOC_OK);
	json_t *ms = json_object_get(r.document, "measures");
	ck_assert_uint_eq(json_array_size(ms), 3);
	ck_assert_uint_eq(json_array_size(json_object_get(r.document, "tasks")), 2);
	json_t *m1 = json_array_get(ms, 0), *m2 = json_array_get(ms, 1);
	ck_assert_str_eq(json_string_value(json_object_get(m1, "title")), "建设基地。");
	ck_assert_str_eq(json_string_value(json_object_get(
	                         json_array_get(json_object_get(m1, "items"), 0), "text")),
	                 "到2022年，建成5个基地。");
	ck_assert_uint_eq(json_array_size(json_object_get(m1, "lead")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(m1, "related")), 3);
	ck_assert_uint_eq(json_array_size(json_object_get(m2, "lead")), 1); /* first listed leads */
	ck_assert_uint_eq(json_array_size(json_object_get(m2, "related")), 1);
	json_t *plan = json_object_get(r.document, "plan");
	ck_assert_str_eq(json_string_value(json_object_get(plan, "title")), "某市实施方案");
	doc_result_free(&r);
}
END_TEST

START_TEST(bad_files)
{
	struct doc_result r;
	size_t len;
	ck_assert_int_eq(parse("", 0, &r), DOC_EMPTY);
	ck_assert_int_eq(parse("  \n", 3, &r), DOC_EMPTY);
	ck_assert_int_eq(parse("\x01\x02\0\x03", 4, &r), DOC_FORMAT);
	ck_assert_int_eq(parse("\xFF\xFE\xFF\xFE", 4, &r), DOC_ENCODING);
	ck_assert_int_eq(parse("just some words, no list", 24, &r), DOC_NOT_A_LIST);
	const char *other[] = {"readme.txt", "hello", NULL};
	char *zip = make_zip(other, 0, &len);
	ck_assert_int_eq(parse(zip, len, &r), DOC_FORMAT); /* a zip that is not Office */
	free(zip);
	const char *plain[] = {
	        "word/document.xml",
	        W "<w:body><w:p><w:r><w:t>没有表格</w:t></w:r></w:p></w:body></w:document>", NULL};
	zip = make_zip(plain, 0, &len);
	ck_assert_int_eq(parse(zip, len, &r), DOC_NOT_A_LIST); /* no table, no list */
	free(zip);
	const char *broken[] = {"word/document.xml", W "<w:body><w:p>", NULL};
	zip = make_zip(broken, 0, &len);
	ck_assert_int_eq(parse(zip, len, &r), DOC_BAD_XML);
	free(zip);
	zip = make_zip(plain, 1, &len);
	ck_assert_int_eq(parse(zip, len, &r), DOC_ENCRYPTED);
	free(zip);
	char cfb[600] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
	memcpy(cfb + 100, "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0", 32);
	ck_assert_int_eq(parse(cfb, sizeof(cfb), &r), DOC_ENCRYPTED);
	ck_assert_int_eq(parse("PK\x03\x04garbage", 11, &r), DOC_FORMAT);
}
END_TEST

/* 4 MiB of one letter deflates about a thousandfold: refused, never expanded. */
START_TEST(zip_bomb)
{
	size_t n = 4 * 1024 * 1024, len;
	char *big = malloc(n + 1);
	memset(big, 'a', n);
	big[n] = '\0';
	const char *entries[] = {"word/document.xml", big, NULL};
	char *zip = make_zip(entries, 0, &len);
	free(big);
	ck_assert_uint_lt(len, 64 * 1024);
	struct doc_result r;
	ck_assert_int_eq(parse(zip, len, &r), DOC_TOO_LARGE);
	free(zip);
}
END_TEST

/* Sets the 32-bit little-endian field at local_field of every local header (PK\3\4) and at
 * central_field of every central directory header (PK\1\2) of a zip to value. */
static void zip_patch(char *zip, size_t len, size_t local_field, size_t central_field,
                      uint32_t value)
{
	for (size_t i = 0; i + 46 <= len; i++) {
		size_t at = memcmp(zip + i, "PK\3\4", 4) == 0   ? i + local_field
		            : memcmp(zip + i, "PK\1\2", 4) == 0 ? i + central_field
		                                                : 0;
		for (size_t k = 0; at != 0 && k < 4; k++)
			zip[at + k] = (char)((value >> (8 * k)) & 0xFF);
	}
}

/* The same bomb, its headers claiming a hundred times its real compressed size, so that the
 * claim gives a ratio of about 10: still refused, the archive being only a few KiB (found by
 * fuzzing; the ratio was taken from the claim, and 8 MiB expanded). */
START_TEST(zip_bomb_claiming_more_compressed_bytes)
{
	size_t n = 8 * 1024 * 1024, len;
	char *big = malloc(n + 1);
	memset(big, ' ', n);
	big[n] = '\0';
	const char *entries[] = {"word/document.xml", big, NULL};
	char *zip = make_zip(entries, 0, &len);
	free(big);
	ck_assert_uint_lt(len, 64 * 1024);
	zip_patch(zip, len, 18, 20, (uint32_t)len * 100);
	struct doc_zip *z;
	ck_assert_int_eq(doc_zip_open(zip, len, &z), DOC_OK);
	char *out = NULL;
	size_t out_len = 0;
	ck_assert_int_eq(doc_zip_read(z, "word/document.xml", &out, &out_len), DOC_TOO_LARGE);
	ck_assert_ptr_null(out);
	free(out);
	doc_zip_close(z);
	free(zip);
}
END_TEST

Suite *document_readers_suite(void)
{
	Suite *s = suite_create("document_readers");
	TCase *tc = tcase_create("readers");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, text_decoding);
	tcase_add_test(tc, columns);
	tcase_add_test(tc, six_columns);
	tcase_add_test(tc, docx_merged_cells);
	tcase_add_test(tc, xlsx_merged_ranges);
	tcase_add_test(tc, xlsx_list_on_sheet_two);
	tcase_add_test(tc, paragraph_list);
	tcase_add_test(tc, bad_files);
	tcase_add_test(tc, zip_bomb);
	tcase_add_test(tc, zip_bomb_claiming_more_compressed_bytes);
	tcase_add_test(tc, docx_span_past_the_cell_limit);
	suite_add_tcase(s, tc);
	return s;
}
