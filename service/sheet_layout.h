/* sheet_layout.h — how much room text takes in a spreadsheet cell, since libxlsxwriter does
 * not measure text: width in column units (a CJK or full-width character counts 2, as in
 * Excel's and WPS's default fonts), wrapped lines in a column, and the row height that shows
 * them all. Pure; nothing here allocates. */
#ifndef ZEREN_SHEET_LAYOUT_H
#define ZEREN_SHEET_LAYOUT_H

#include <stddef.h>

/* Points of one wrapped line of 11-point text, measured where it is tallest: LibreOffice with
 * Noto Sans CJK beside Calibri's metrics (Carlito) sets 18.7 points a line; Excel and WPS with
 * 等线 or 宋体 about 15, where rows then have room to spare. And a row's padding. */
#define SHEET_LINE_POINTS 18.75
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

/* The height in points of rows a page holds when the columns (widths in character units) are
 * fitted to the page's width: page_width and page_height are the printable area in points
 * (paper less margins). Spreadsheets scale a page fitted to its width by printable width /
 * total column width (Excel: 7 pixels a unit); a 2% allowance covers how they round it.
 * LibreOffice draws columns wider and so fits more rows: its pages come out less full. */
double sheet_page_room(const double *widths, size_t ncols, double page_width, double page_height);

/* Where pages should break so that no block of rows is split across two pages when it fits
 * on one: heights[0..n-1] are the rows' heights, starts[i] is non-zero when row i starts a
 * block, first is the room of the first page and room that of the others (both after their
 * heading rows). Writes the rows that start a page (indexes, ascending) into out, at most max,
 * and returns how many. A block taller than a page starts a page and runs over. */
size_t sheet_page_breaks(const double *heights, const unsigned char *starts, size_t n, double first,
                         double room, size_t *out, size_t max);

#endif
