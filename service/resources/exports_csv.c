/* exports_csv.c — the export's list as CSV, for spreadsheets: RFC 4180 with a BOM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exports_write.h"

/* RFC 4180: quoted when it holds a comma, quote or line break, quotes doubled. Text that a
 * spreadsheet would take for a formula gets a leading apostrophe. */
/* Whether a field is text (guarded against formulas) or a number (written as it is). */
enum export_csv_kind { EXPORT_CSV_NUMBER, EXPORT_CSV_TEXT };

static void export_csv_field(FILE *out, const char *v, enum export_csv_kind kind)
{
	int quote = strpbrk(v, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', out);
	if (kind == EXPORT_CSV_TEXT && v[0] != '\0' && strchr("=+-@", v[0]) != NULL)
		fputc('\'', out);
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	if (quote)
		fputc('"', out);
}

int export_csv_write(const struct export_data *d, char **body, size_t *len)
{
	FILE *out = open_memstream(body, len);
	if (out == NULL)
		return -1;
	fputs("\xEF\xBB\xBF", out); /* so Excel and WPS read UTF-8 */
	for (int c = 0; c < EXPORT_COLS; c++) {
		if (c > 0)
			fputc(',', out);
		export_csv_field(out, export_headers[c], EXPORT_CSV_TEXT);
	}
	fputs("\r\n", out);
	int ok = 1;
	for (int i = 0; i < d->set.n && ok; i++) {
		for (int c = 0; c < EXPORT_COLS; c++) {
			char *cell = export_cell(d, i, c);
			ok = ok && cell != NULL;
			if (c > 0)
				fputc(',', out);
			/* column 7, the actual, is a number */
			export_csv_field(out, cell != NULL ? cell : "",
			                 c == 7 ? EXPORT_CSV_NUMBER : EXPORT_CSV_TEXT);
			free(cell);
		}
		fputs("\r\n", out);
	}
	return fclose(out) == 0 && ok ? 0 : -1;
}
