/* exports_csv.c — the export's list as CSV, for spreadsheets: RFC 4180 with a BOM. After the
 * list's columns come the columns POST /v1/progress/batch reads (measure_id, target_id, unit,
 * period, status, summary, problems, next_steps, value) with the ids and the period containing
 * as_of filled in, and the measure's and target's codes: so the export, filled in, is a batch
 * for that period (the list's columns and the codes are ignored there). */
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

/* The batch's columns, after the list's. */
static const char *const export_csv_batch[] = {
        "measure_id", "measure_code", "target_id", "target_code", "unit",  "period",
        "status",     "summary",      "problems",  "next_steps",  "value", NULL};

/* Row i's batch columns: ids, codes and the period; what is to be filled left empty. */
static void export_csv_batch_cells(FILE *out, const struct export_data *d, int i,
                                   const char *period)
{
	const struct reports_row *r = &d->set.rows[i];
	const char *measure_code = reports_text(&d->set, i, "measure_code");
	const char *target_code = reports_text(&d->set, i, "target_code");
	if (r->measure_id != 0)
		fprintf(out, ",%lld,", r->measure_id);
	else
		fputs(",,", out);
	export_csv_field(out, measure_code != NULL ? measure_code : "", EXPORT_CSV_TEXT);
	if (r->has_target)
		fprintf(out, ",%lld,", r->target_id);
	else
		fputs(",,", out);
	export_csv_field(out, target_code != NULL ? target_code : "", EXPORT_CSV_TEXT);
	fprintf(out, ",,%s,,,,,", r->measure_id != 0 ? period : "");
}

int export_csv_write(const struct export_data *d, char **body, size_t *len)
{
	struct report_period next;
	report_period_containing(d->plan.cadence, d->o.as_of, d->plan.due_days, &next);
	FILE *out = open_memstream(body, len);
	if (out == NULL)
		return -1;
	fputs("\xEF\xBB\xBF", out); /* so Excel and WPS read UTF-8 */
	for (int c = 0; c < EXPORT_COLS; c++) {
		if (c > 0)
			fputc(',', out);
		export_csv_field(out, export_headers[c], EXPORT_CSV_TEXT);
	}
	for (size_t c = 0; export_csv_batch[c] != NULL; c++)
		fprintf(out, ",%s", export_csv_batch[c]);
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
		export_csv_batch_cells(out, d, i, next.label);
		fputs("\r\n", out);
	}
	return fclose(out) == 0 && ok ? 0 : -1;
}
