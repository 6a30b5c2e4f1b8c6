/* sheet_layout.c — greedy line wrapping over code points, as a spreadsheet wraps a cell. */
#include "sheet_layout.h"

#include <math.h>

int sheet_char_units(unsigned long cp)
{
	if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0x200B)
		return 0; /* combining marks, variation selectors, zero-width space */
	if ((cp >= 0x1100 && cp <= 0x115F) ||   /* hangul jamo */
	    (cp >= 0x2E80 && cp <= 0x303E) ||   /* CJK radicals, punctuation （、。「」） */
	    (cp >= 0x3041 && cp <= 0x33FF) ||   /* kana, bopomofo, CJK compatibility */
	    (cp >= 0x3400 && cp <= 0x4DBF) ||   /* extension A */
	    (cp >= 0x4E00 && cp <= 0x9FFF) ||   /* unified ideographs */
	    (cp >= 0xA960 && cp <= 0xA97F) ||   /* hangul jamo extended */
	    (cp >= 0xAC00 && cp <= 0xD7A3) ||   /* hangul syllables */
	    (cp >= 0xF900 && cp <= 0xFAFF) ||   /* compatibility ideographs */
	    (cp >= 0xFE30 && cp <= 0xFE4F) ||   /* CJK compatibility forms */
	    (cp >= 0xFF00 && cp <= 0xFF60) ||   /* full-width forms （，：） */
	    (cp >= 0xFFE0 && cp <= 0xFFE6) ||   /* full-width signs */
	    (cp >= 0x20000 && cp <= 0x3FFFD) || /* extensions B and later */
	    cp == 0x2014 || cp == 0x2026 ||     /* — and … are set full width in CJK fonts */
	    cp == 0x201C || cp == 0x201D)       /* “ ” likewise */
		return 2;
	return 1;
}

/* Decodes the code point at *p (advancing it past it); a stray byte is itself. */
static unsigned long sheet_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	int n = s[0] >= 0xF0 && s[0] < 0xF8 ? 3 : s[0] >= 0xE0 ? 2 : s[0] >= 0xC0 ? 1 : 0;
	unsigned long cp = n == 0 ? s[0] : (unsigned long)(s[0] & (0x3F >> n));
	for (int k = 1; k <= n; k++) {
		if ((s[k] & 0xC0) != 0x80) {
			*p = s + 1;
			return s[0];
		}
		cp = (cp << 6) | (unsigned long)(s[k] & 0x3F);
	}
	*p = s + n + 1;
	return cp;
}

/* Units of the Latin word starting at p (up to a space, line break or wide character). */
static int sheet_word_units(const unsigned char *p)
{
	int units = 0;
	while (*p != '\0' && *p != ' ' && *p != '\n') {
		int u = sheet_char_units(sheet_next(&p));
		if (u == 2)
			break;
		units += u;
	}
	return units;
}

int sheet_text_lines(const char *text, double width)
{
	/* Excel's CJK glyphs (11-point 等线) are a little wider than two digits, and a cell keeps a
	 * margin: 93% of the width less one unit; a line holds at least one wide character */
	int room = (int)floor(width * 0.93) - 1;
	room = room < 2 ? 2 : room;
	int lines = 1, used = 0;
	const unsigned char *p = (const unsigned char *)(text != NULL ? text : "");
	while (*p != '\0') {
		if (*p == '\n') {
			lines++, used = 0, p++;
			continue;
		}
		if (*p != ' ' && sheet_char_units(*p) == 1 && *p < 0x80) {
			int word = sheet_word_units(p);
			if (used > 0 && used + word > room && word <= room)
				lines++, used = 0; /* the word moves whole to the next line */
		}
		int u = sheet_char_units(sheet_next(&p));
		if (used + u > room) {
			lines++;
			used = 0;
		}
		used += u;
	}
	return lines;
}

double sheet_row_points(int lines)
{
	double h = (lines < 1 ? 1 : lines) * SHEET_LINE_POINTS + SHEET_ROW_PADDING;
	return h > SHEET_MAX_ROW_POINTS ? SHEET_MAX_ROW_POINTS : h;
}

void sheet_spread(double *heights, size_t n, double need)
{
	for (int round = 0; round < 4 && n > 0; round++) {
		double have = 0;
		size_t open = 0;
		for (size_t i = 0; i < n; i++) {
			have += heights[i];
			open += heights[i] < SHEET_MAX_ROW_POINTS;
		}
		if (have >= need || open == 0)
			return;
		double add = (need - have) / (double)open;
		for (size_t i = 0; i < n; i++)
			if (heights[i] < SHEET_MAX_ROW_POINTS)
				heights[i] = fmin(SHEET_MAX_ROW_POINTS, ceil(heights[i] + add));
	}
}

double sheet_page_room(const double *widths, size_t ncols, double page_width, double page_height)
{
	double total = 0;
	for (size_t c = 0; c < ncols; c++)
		total += (widths[c] * 7 + 5) *
		         0.75; /* Excel: 7 pixels a unit, 5 of padding, 96 dpi */
	double scale = total > page_width ? page_width / total : 1.0;
	return page_height / scale * 0.98;
}

size_t sheet_page_breaks(const double *heights, const unsigned char *starts, size_t n, double first,
                         double room, size_t *out, size_t max)
{
	size_t count = 0;
	double used = 0, page = first;
	for (size_t i = 0; i < n;) {
		size_t end = i + 1;
		double block = heights[i];
		for (; end < n && !starts[end]; end++)
			block += heights[end];
		if (used > 0 && used + block > page) {
			if (count == max)
				return count;
			out[count++] = i;
			used = 0;
			page = room;
		}
		/* a block taller than a page runs over: count what spills onto the next pages */
		used += block;
		while (used > page) {
			used -= page;
			page = room;
		}
		i = end;
	}
	return count;
}
