/* exports_xlsx.c — the export as a workbook: the list with merged task and measure cells and
 * coloured status cells, and a sheet of unit scorecards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "../sheet_layout.h"
#include "exports_write.h"

/* Fill colours of the status cells: blue, green, yellow, red. */
static const lxw_color_t export_fills[REPORT_COLOUR_COUNT] = {0x9BC2E6, 0xC6EFCE, 0xFFEB9C,
                                                              0xFFC7CE};

struct export_formats {
	lxw_format *title, *header, *text, *number, *percent;
	lxw_format *fill[REPORT_COLOUR_COUNT], *fill_percent[REPORT_COLOUR_COUNT];
};

/* A cell format's weight. */
enum export_weight { EXPORT_REGULAR, EXPORT_BOLD };

static lxw_format *export_format(lxw_workbook *wb, enum export_weight weight, lxw_color_t fill,
                                 const char *num)
{
	lxw_format *f = workbook_add_format(wb);
	format_set_text_wrap(f);
	format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
	format_set_border(f, LXW_BORDER_THIN);
	if (weight == EXPORT_BOLD)
		format_set_bold(f);
	if (fill != 0)
		format_set_bg_color(f, fill);
	if (num != NULL)
		format_set_num_format(f, num);
	return f;
}

static void export_formats_add(lxw_workbook *wb, struct export_formats *f)
{
	f->title = workbook_add_format(wb);
	format_set_bold(f->title);
	format_set_font_size(f->title, 14);
	f->header = export_format(wb, EXPORT_BOLD, 0xD9D9D9, NULL);
	format_set_align(f->header, LXW_ALIGN_CENTER);
	f->text = export_format(wb, EXPORT_REGULAR, 0, NULL);
	f->number = export_format(wb, EXPORT_REGULAR, 0, "0.######");
	f->percent = export_format(wb, EXPORT_REGULAR, 0, "0.0%");
	for (int c = 0; c < REPORT_COLOUR_COUNT; c++) {
		f->fill[c] = export_format(wb, EXPORT_REGULAR, export_fills[c], NULL);
		f->fill_percent[c] = export_format(wb, EXPORT_REGULAR, export_fills[c], "0.0%");
	}
}

/* Writes a cell spanning rows first..last of column col (merged when more than one). */
static void export_span_cell(lxw_worksheet *ws, lxw_row_t first, lxw_row_t last, lxw_col_t col,
                             const char *text, lxw_format *fmt)
{
	if (last > first)
		worksheet_merge_range(ws, first, col, last, col, text, fmt);
	else
		worksheet_write_string(ws, first, col, text, fmt);
}

/* The row after the rows from i of the same task or measure (span), before limit. */
static int export_span_end(const struct reports_set *s, int i, enum export_span span, int limit)
{
	int j = i + 1;
	while (j < limit && (span == EXPORT_MEASURE ? s->rows[j].measure_id == s->rows[i].measure_id
	                                            : s->rows[j].task_id == s->rows[i].task_id))
		j++;
	return j;
}

static void export_target_cells(lxw_worksheet *ws, const struct export_data *d, int i,
                                lxw_row_t row, const struct export_formats *f)
{
	const struct reports_row *r = &d->set.rows[i];
	for (int c = 5; c < EXPORT_COLS; c++) {
		if (export_spans[c] != EXPORT_TARGET)
			continue;
		lxw_format *fill = r->has_target ? f->fill[r->result.colour] : f->text;
		if (c == 7 && r->has_target && r->result.has_actual) {
			worksheet_write_number(ws, row, (lxw_col_t)c, r->result.actual, f->number);
		} else if (c == 8 && r->has_target && r->result.has_achievement) {
			worksheet_write_number(ws, row, (lxw_col_t)c, r->result.achievement,
			                       f->fill_percent[r->result.colour]);
		} else {
			char *cell = export_cell(d, i, c);
			worksheet_write_string(ws, row, (lxw_col_t)c, cell != NULL ? cell : "",
			                       c == 9 || c == 10 ? fill : f->text);
			free(cell);
		}
	}
}

/* The list's title and header rows, in points. */
#define EXPORT_TITLE_POINTS  24.0
#define EXPORT_HEADER_POINTS 20.0

/* Column widths of the list, in character units: what A4 landscape holds at about 70%. */
static const double export_widths[EXPORT_COLS] = {14, 16, 46, 12, 16, 20, 11, 7, 7, 5, 5, 26};

/* Landscape A4, one page wide however many tall, header rows repeated, the title and as-of
 * date in the page header and page numbers in the footer. */
static void export_page_setup(lxw_worksheet *ws, const struct export_data *d, lxw_row_t header)
{
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, 9); /* A4 */
	worksheet_set_margins(ws, 0.4, 0.4, 0.7, 0.6);
	worksheet_fit_to_pages(ws, 1, 0);
	worksheet_repeat_rows(ws, header, header);
	/* '&' starts a header code: doubled; the header holds at most 255 bytes */
	char title[200], head[255];
	size_t k = 0;
	for (const char *p = d->plan.title; *p != '\0' && k + 3 < sizeof(title); p++) {
		if (*p == '&')
			title[k++] = '&';
		title[k++] = *p;
	}
	title[k] = '\0';
	snprintf(head, sizeof(head), "&C%s（截至 %s）", title, d->o.as_of_text);
	(void)worksheet_set_header(ws, head);
	(void)worksheet_set_footer(ws, "&C第 &P 页，共 &N 页");
}

/* The lines cell text takes in column col. */
static int export_lines(const char *text, int col)
{
	return sheet_text_lines(text, export_widths[col]);
}

/* Each set row's height: its own target cells, then each measure's and each task's merged
 * cells spread over their rows. heights has d->set.n entries. */
static void export_heights(const struct export_data *d, double *heights)
{
	const struct reports_set *s = &d->set;
	for (int i = 0; i < s->n; i++) {
		int lines = 1;
		for (int c = 0; c < EXPORT_COLS; c++) {
			if (export_spans[c] != EXPORT_TARGET)
				continue;
			char *cell = export_cell(d, i, c);
			int l = export_lines(cell, c);
			lines = l > lines ? l : lines;
			free(cell);
		}
		heights[i] = sheet_row_points(lines);
	}
	/* measures first: a task's block then sees its measures' heights */
	static const enum export_span spans[] = {EXPORT_MEASURE, EXPORT_TASK};
	for (size_t k = 0; k < 2; k++) {
		enum export_span span = spans[k];
		for (int i = 0; i < s->n;) {
			int end = export_span_end(s, i, span, s->n), lines = 1;
			for (int c = 0; c < EXPORT_COLS; c++) {
				if (export_spans[c] != span)
					continue;
				char *cell = export_cell(d, i, c);
				int l = export_lines(cell, c);
				lines = l > lines ? l : lines;
				free(cell);
			}
			double need = lines * SHEET_LINE_POINTS + SHEET_ROW_PADDING;
			sheet_spread(heights + i, (size_t)(end - i), need);
			i = end;
		}
	}
}

static void export_list_rows(lxw_worksheet *ws, const struct export_data *d,
                             const struct export_formats *f)
{
	const struct reports_set *s = &d->set;
	for (int i = 0; i < s->n;) {
		int task_end = export_span_end(s, i, EXPORT_TASK, s->n);
		char *task = export_cell(d, i, 0);
		export_span_cell(ws, (lxw_row_t)(2 + i), (lxw_row_t)(1 + task_end), 0,
		                 task != NULL ? task : "", f->text);
		free(task);
		while (i < task_end) {
			int measure_end = export_span_end(s, i, EXPORT_MEASURE, task_end);
			for (int c = 1; c < EXPORT_COLS; c++) {
				if (export_spans[c] != EXPORT_MEASURE)
					continue;
				char *cell = export_cell(d, i, c);
				export_span_cell(ws, (lxw_row_t)(2 + i),
				                 (lxw_row_t)(1 + measure_end), (lxw_col_t)c,
				                 cell != NULL ? cell : "", f->text);
				free(cell);
			}
			for (; i < measure_end; i++)
				export_target_cells(ws, d, i, (lxw_row_t)(2 + i), f);
		}
	}
}

/* Page breaks between measures, so that a measure that fits on a page is printed whole on
 * one (a merged cell split by a page break shows half its lines on each page). */
static int export_page_breaks(lxw_worksheet *ws, const struct export_data *d, const double *heights)
{
	size_t n = (size_t)d->set.n;
	unsigned char *starts = calloc(n + 1, 1);
	size_t *rows = calloc(LXW_BREAKS_MAX, sizeof(*rows));
	lxw_row_t *breaks = calloc(LXW_BREAKS_MAX + 1, sizeof(*breaks));
	int rc = starts != NULL && rows != NULL && breaks != NULL ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < n; i++)
		starts[i] = i == 0 || d->set.rows[i].measure_id != d->set.rows[i - 1].measure_id;
	if (rc == 0) {
		/* A4 landscape less the margins of export_page_setup, in points */
		double room = sheet_page_room(export_widths, EXPORT_COLS, 842 - 2 * 0.4 * 72,
		                              595 - (0.7 + 0.6) * 72) -
		              EXPORT_HEADER_POINTS;
		size_t k = sheet_page_breaks(heights, starts, n, room - EXPORT_TITLE_POINTS, room,
		                             rows, LXW_BREAKS_MAX);
		for (size_t i = 0; i < k; i++)
			breaks[i] = (lxw_row_t)(2 + rows[i]);
		if (k > 0 && worksheet_set_h_pagebreaks(ws, breaks) != LXW_NO_ERROR)
			rc = -1;
	}
	free(starts);
	free(rows);
	free(breaks);
	return rc;
}

static int export_list_sheet(lxw_workbook *wb, const struct export_data *d,
                             const struct export_formats *f)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, "责任清单");
	for (int c = 0; c < EXPORT_COLS; c++)
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, export_widths[c], NULL);
	char title[700];
	snprintf(title, sizeof(title), "%s（截至 %s）", d->plan.title, d->o.as_of_text);
	worksheet_merge_range(ws, 0, 0, 0, EXPORT_COLS - 1, title, f->title);
	worksheet_set_row(ws, 0, EXPORT_TITLE_POINTS, NULL);
	worksheet_set_row(ws, 1, EXPORT_HEADER_POINTS, NULL);
	for (int c = 0; c < EXPORT_COLS; c++)
		worksheet_write_string(ws, 1, (lxw_col_t)c, export_headers[c], f->header);
	worksheet_freeze_panes(ws, 2, 0);
	export_page_setup(ws, d, 1);
	double *heights = calloc((size_t)d->set.n + 1, sizeof(*heights));
	if (heights == NULL)
		return -1;
	export_heights(d, heights);
	for (int i = 0; i < d->set.n; i++)
		worksheet_set_row(ws, (lxw_row_t)(2 + i), heights[i], NULL);
	int rc = export_page_breaks(ws, d, heights);
	free(heights);
	if (rc != 0)
		return -1;
	export_list_rows(ws, d, f);
	return 0;
}

/* --- unit scorecards --- */

/* One unit's line on the scorecard sheet. */
struct export_unit {
	int roles[3]; /* lead, related, accountable-only measures */
	int colours[REPORT_COLOUR_COUNT];
	int overdue;
	int timely[4];  /* expected, on time, late, missing over every period */
	int current[2]; /* the current period: expected, missing */
};

/* export_unit_measure's target_id for all of the measure's targets. */
#define EXPORT_ALL_TARGETS 0

/* Adds measure_id's targets to u, or only target_id unless it is EXPORT_ALL_TARGETS. */
static void export_unit_measure(struct export_unit *u, const struct export_data *d,
                                long long measure_id, long long target_id)
{
	struct report_counts one;
	const struct report_counts *c = NULL;
	if (target_id != EXPORT_ALL_TARGETS) {
		const struct export_target *t = export_target_find(d, target_id);
		if (t == NULL)
			return;
		memset(&one, 0, sizeof(one));
		report_counts_add(&one, &d->set.rows[t->row].result);
		c = &one;
	} else {
		const struct export_stat *m = export_stat_find(d, measure_id);
		if (m == NULL)
			return;
		c = &m->counts;
	}
	enum report_colour worst;
	if (report_counts_worst(c, &worst))
		u->colours[worst]++;
	u->overdue += c->overdue;
}

/* Fills u from the link rows [first, end) of one unit and the timeliness rows, which like
 * the links are ordered by unit; *t is where the unit's timeliness rows may start. */
static void export_unit_fill(struct export_unit *u, const struct export_data *d, int first, int end,
                             int *t)
{
	memset(u, 0, sizeof(*u));
	const PGresult *l = d->units;
	for (int i = first; i < end;) {
		long long measure = atoll(PQgetvalue(l, i, 4));
		int best = 2, j = i;
		for (; j < end && atoll(PQgetvalue(l, j, 4)) == measure; j++) {
			const char *role = PQgetvalue(l, j, 5);
			int rank = strcmp(role, "lead") == 0      ? 0
			           : strcmp(role, "related") == 0 ? 1
			                                          : 2;
			best = rank < best ? rank : best;
		}
		u->roles[best]++;
		if (best < 2) {
			export_unit_measure(u, d, measure, EXPORT_ALL_TARGETS);
		} else {
			for (int k = i; k < j; k++)
				export_unit_measure(u, d, measure, atoll(PQgetvalue(l, k, 6)));
		}
		i = j;
	}
	long long unit = atoll(PQgetvalue(l, first, 0));
	const char *current = d->nperiods > 0 ? d->periods[d->nperiods - 1].label : "";
	int rows = d->timely != NULL ? PQntuples(d->timely) : 0;
	while (*t < rows && atoll(PQgetvalue(d->timely, *t, 2)) < unit)
		(*t)++;
	for (int i = *t; i < rows && atoll(PQgetvalue(d->timely, i, 2)) == unit; i++) {
		for (int k = 0; k < 4; k++)
			u->timely[k] += atoi(PQgetvalue(d->timely, i, 7 + k));
		if (strcmp(PQgetvalue(d->timely, i, 6), current) == 0) {
			u->current[0] += atoi(PQgetvalue(d->timely, i, 7));
			u->current[1] += atoi(PQgetvalue(d->timely, i, 10));
		}
	}
}

static void export_units_sheet(lxw_workbook *wb, const struct export_data *d,
                               const struct export_formats *f)
{
	static const char *const headers[] = {
	        "单位",     "类型",   "牵头措施", "参与措施", "负责目标所在措施",
	        "蓝色",     "绿色",   "黄色",     "红色",     "逾期目标",
	        "本期报送", "应报送", "按时报送", "逾期报送", "未报送"};
	static const char *const kinds[][2] = {{"department", "部门"},
	                                       {"county_government", "县级政府"},
	                                       {"school", "学校"},
	                                       {"organisation", "群团组织"},
	                                       {"group", "单位组"}};
	enum { NCOLS = sizeof(headers) / sizeof(headers[0]) };
	lxw_worksheet *ws = workbook_add_worksheet(wb, "单位记分卡");
	worksheet_set_column(ws, 0, 0, 28, NULL);
	worksheet_set_column(ws, 1, 9, 9, NULL);
	worksheet_set_column(ws, 10, 10, 18, NULL); /* "2026-Q3 未报送" on one line */
	worksheet_set_column(ws, 11, NCOLS - 1, 9, NULL);
	int header_lines = 1;
	for (int c = 0; c < NCOLS; c++) {
		worksheet_write_string(ws, 0, (lxw_col_t)c, headers[c], f->header);
		int l = sheet_text_lines(headers[c], c == 0 ? 28 : c == 10 ? 18 : 9);
		header_lines = l > header_lines ? l : header_lines;
	}
	worksheet_set_row(ws, 0, sheet_row_points(header_lines), NULL);
	worksheet_freeze_panes(ws, 1, 1);
	export_page_setup(ws, d, 0);
	const PGresult *l = d->units;
	lxw_row_t row = 1;
	int t = 0;
	for (int i = 0; i < PQntuples(l); row++) {
		int end = i;
		while (end < PQntuples(l) &&
		       strcmp(PQgetvalue(l, end, 0), PQgetvalue(l, i, 0)) == 0)
			end++;
		struct export_unit u;
		export_unit_fill(&u, d, i, end, &t);
		const char *kind = PQgetvalue(l, i, 3);
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (strcmp(kind, kinds[k][0]) == 0)
				kind = kinds[k][1];
		char current[96] = "—";
		if (d->nperiods > 0 && u.current[0] > 0)
			snprintf(current, sizeof(current), "%s %s",
			         d->periods[d->nperiods - 1].label,
			         u.current[1] == 0 ? "已报送" : "未报送");
		int lines = sheet_text_lines(PQgetvalue(l, i, 2), 28),
		    more = sheet_text_lines(current, 18);
		worksheet_set_row(ws, row, sheet_row_points(lines > more ? lines : more), NULL);
		worksheet_write_string(ws, row, 0, PQgetvalue(l, i, 2), f->text);
		worksheet_write_string(ws, row, 1, kind, f->text);
		const int numbers[] = {u.roles[0],   u.roles[1],   u.roles[2],   u.colours[0],
		                       u.colours[1], u.colours[2], u.colours[3], u.overdue};
		for (int c = 0; c < 8; c++)
			worksheet_write_number(ws, row, (lxw_col_t)(2 + c), numbers[c],
			                       c >= 3 && c <= 6 && numbers[c] > 0 ? f->fill[c - 3]
			                                                          : f->text);
		worksheet_write_string(ws, row, 10, current,
		                       u.current[0] > 0 && u.current[1] > 0 ? f->fill[REPORT_RED]
		                                                            : f->text);
		for (int c = 0; c < 4; c++)
			worksheet_write_number(ws, row, (lxw_col_t)(11 + c), u.timely[c], f->text);
		i = end;
	}
}

/* Builds the workbook at path; 0 on success. */
int export_xlsx_write(const struct export_data *d, const char *path)
{
	lxw_workbook *wb = workbook_new(path);
	if (wb == NULL)
		return -1;
	struct export_formats f;
	export_formats_add(wb, &f);
	int rc = export_list_sheet(wb, d, &f);
	export_units_sheet(wb, d, &f);
	return workbook_close(wb) == LXW_NO_ERROR && rc == 0 ? 0 : -1;
}
