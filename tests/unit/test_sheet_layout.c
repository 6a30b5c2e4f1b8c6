/* test_sheet_layout.c — text measured for spreadsheet cells: widths, wrapped lines, heights. */
#include <check.h>
#include <string.h>

#include "sheet_layout.h"
#include "suites.h"

START_TEST(cjk_characters_count_two_units)
{
	ck_assert_int_eq(sheet_char_units('a'), 1);
	ck_assert_int_eq(sheet_char_units(0x4E00), 2);  /* 一 */
	ck_assert_int_eq(sheet_char_units(0xFF0C), 2);  /* ， */
	ck_assert_int_eq(sheet_char_units(0x3001), 2);  /* 、 */
	ck_assert_int_eq(sheet_char_units(0x201C), 2);  /* “ */
	ck_assert_int_eq(sheet_char_units(0x0301), 0);  /* combining acute */
	ck_assert_int_eq(sheet_char_units(0x20BB7), 2); /* 𠮷, extension B */
}
END_TEST

START_TEST(lines_wrap_by_column_width)
{
	/* width 12: 10 units of room (floor(12 × 0.93) − 1), so 5 Chinese characters a line */
	ck_assert_int_eq(sheet_text_lines("", 12), 1);
	ck_assert_int_eq(sheet_text_lines(NULL, 12), 1);
	ck_assert_int_eq(sheet_text_lines("一二三四五", 12), 1);
	ck_assert_int_eq(sheet_text_lines("一二三四五六", 12), 2);
	ck_assert_int_eq(sheet_text_lines("一二三四五六七八九十", 12), 2);
	ck_assert_int_eq(sheet_text_lines("一二三四五六七八九十十", 12), 3);
	/* ten Latin letters fit where five Chinese characters do */
	ck_assert_int_eq(sheet_text_lines("abcdefghij", 12), 1);
	ck_assert_int_eq(sheet_text_lines("abcdefghijk", 12), 2);
	/* mixed: 4 + 2×3 = 10 units */
	ck_assert_int_eq(sheet_text_lines("2022年度", 12), 1);
}
END_TEST

START_TEST(line_breaks_and_words)
{
	/* every paragraph starts a line, empty ones too */
	ck_assert_int_eq(sheet_text_lines("一\n二\n\n三", 12), 4);
	ck_assert_int_eq(sheet_text_lines("一二三四五六\n七", 12), 3);
	/* a word that does not fit the rest of the line moves whole */
	ck_assert_int_eq(sheet_text_lines("abc defghij", 12), 2);
	/* a word longer than a line is broken */
	ck_assert_int_eq(sheet_text_lines("abcdefghijabcdefghijab", 12), 3);
	/* a narrow column still holds a wide character a line */
	ck_assert_int_eq(sheet_text_lines("一二三", 1), 3);
	/* a stray byte counts as one unit and ends nothing */
	ck_assert_int_eq(sheet_text_lines("\xE4\xB8", 12), 1);
}
END_TEST

START_TEST(measure_one_paragraphs)
{
	/* four items of a measure, as the seed has them, in the list's 46-unit column */
	const char *items = "（1）调整优化技工院校区域布局，支持技工院校扩大办学规模。\n"
	                    "（2）推动技工院校与职业院校融合发展。\n"
	                    "（3）建设高水平技工院校和优质专业。\n"
	                    "（4）推动云浮技师学院新校区建设，争取年内投入使用。";
	/* 57 and 51 units wrap to 2 lines in 41 units of room, 39 and 37 take 1 */
	ck_assert_int_eq(sheet_text_lines(items, 46), 6);
}
END_TEST

START_TEST(heights_and_spreading)
{
	ck_assert(sheet_row_points(1) == SHEET_LINE_POINTS + SHEET_ROW_PADDING);
	ck_assert(sheet_row_points(0) == sheet_row_points(1));
	ck_assert(sheet_row_points(3) == 3 * SHEET_LINE_POINTS + SHEET_ROW_PADDING);
	ck_assert(sheet_row_points(1000) == SHEET_MAX_ROW_POINTS);
	double h[3] = {20, 20, 60};
	sheet_spread(h, 3, 90); /* tall enough already */
	ck_assert(h[0] == 20 && h[1] == 20 && h[2] == 60);
	sheet_spread(h, 3, 160);
	ck_assert(h[0] + h[1] + h[2] >= 160);
	ck_assert(h[0] == h[1]);
	double one[1] = {20};
	sheet_spread(one, 1, 1000);
	ck_assert(one[0] == SHEET_MAX_ROW_POINTS);
	double two[2] = {SHEET_MAX_ROW_POINTS, 20};
	sheet_spread(two, 2, 500);
	ck_assert(two[0] == SHEET_MAX_ROW_POINTS && two[1] >= 91);
}
END_TEST

START_TEST(page_room_from_the_fitted_width)
{
	/* 100 units a column: 705 px, 528.75 pt; two columns on a page 705 pt wide scale by 2/3 */
	const double widths[] = {100, 100};
	double room = sheet_page_room(widths, 2, 705, 500);
	ck_assert(room > 500 * 1.5 * 0.97 && room < 500 * 1.5 * 0.99);
	/* narrow columns are not scaled up */
	const double narrow[] = {10};
	ck_assert(sheet_page_room(narrow, 1, 705, 500) == 500 * 0.98);
}
END_TEST

START_TEST(pages_break_between_blocks)
{
	/* blocks: rows 0-1 (100), 2 (60), 3-4 (80), 5 (300: taller than a page), 6 (10) */
	const double h[] = {50, 50, 60, 40, 40, 300, 10};
	const unsigned char starts[] = {1, 0, 1, 1, 0, 1, 1};
	size_t out[8];
	size_t n = sheet_page_breaks(h, starts, 7, 200, 200, out, 8);
	/* page 1: 100 + 60; block 3-4 would pass 200: a page from row 3; 80 + 300 passes: row 5
	 * starts a page and runs 100 onto the next, where row 6 fits */
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(out[0], 3);
	ck_assert_uint_eq(out[1], 5);
	/* a smaller first page (the title) breaks earlier */
	n = sheet_page_breaks(h, starts, 7, 120, 200, out, 8);
	ck_assert_uint_eq(out[0], 2);
	/* everything on one page: no breaks; room for at most one */
	ck_assert_uint_eq(sheet_page_breaks(h, starts, 5, 1000, 1000, out, 8), 0);
	ck_assert_uint_eq(sheet_page_breaks(h, starts, 7, 200, 200, out, 1), 1);
}
END_TEST

Suite *sheet_layout_suite(void)
{
	Suite *s = suite_create("sheet_layout");
	TCase *tc = tcase_create("sheet_layout");
	tcase_add_test(tc, cjk_characters_count_two_units);
	tcase_add_test(tc, lines_wrap_by_column_width);
	tcase_add_test(tc, line_breaks_and_words);
	tcase_add_test(tc, measure_one_paragraphs);
	tcase_add_test(tc, heights_and_spreading);
	tcase_add_test(tc, page_room_from_the_fitted_width);
	tcase_add_test(tc, pages_break_between_blocks);
	suite_add_tcase(s, tc);
	return s;
}
