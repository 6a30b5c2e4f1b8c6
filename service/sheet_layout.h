/* sheet_layout.h — how much room text takes in a spreadsheet cell, since libxlsxwriter does
 * not measure text: width in column units (a CJK or full-width character counts 2, as in
 * Excel's and WPS's default fonts), wrapped lines in a column, and the row height that shows
 * them all. Pure; nothing here allocates. */
#ifndef ZEREN_SHEET_LAYOUT_H
#define ZEREN_SHEET_LAYOUT_H

#include <stddef.h>

/* Points of one wrapped line of 11-point text in the fonts Excel, WPS and LibreOffice use
 * for Chinese (Noto/Source Han Sans CJK is taller than Calibri), and of a row's padding. */
#define SHEET_LINE_POINTS 15.0
#define SHEET_ROW_PADDING 4.0
/* The tallest row a spreadsheet allows. */
#define SHEET_MAX_ROW_POINTS 409.0

/* Column units of the code point cp: 2 for CJK ideographs, kana, hangul and full-width forms
 * and punctuation, 0 for a combining mark, 1 otherwise. */
int sheet_char_units(unsigned long cp);

/* Lines that text (UTF-8, paragraphs split by '\n') takes when wrapped in a column width
 * units wide: at least 1, one more for each line break, Latin words kept whole when they
 * fit on a line. Bytes that are not UTF-8 count one unit each. */
int sheet_text_lines(const char *text, double width);

/* The height in points of a row that shows lines lines, capped at SHEET_MAX_ROW_POINTS. */
double sheet_row_points(int lines);

/* Spreads the points a merged block of rows n rows tall needs over heights[0..n-1] (each row's
 * own need, in points): rows get the shortfall in equal parts, so the block is at least need
 * tall while no row exceeds SHEET_MAX_ROW_POINTS. */
void sheet_spread(double *heights, size_t n, double need);

#endif
