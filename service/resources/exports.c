/* exports.c — GET /v1/exports/plans/{id}.csv and .xlsx: the responsibility list in the
 * source document's layout (工作任务 · 工作措施 · 工作内容 · 牵头单位 · 相关责任单位) followed
 * by each target's deadline, actual, achievement, colour and the latest progress; the
 * workbook adds a sheet of unit scorecards. One plan is held in memory at a time. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "../repo.h"
#include "reports_repo.h"

#define EXPORT_COLS        12
#define EXPORT_MAX_PERIODS 240

/* Which cells span a whole task, a whole measure, or one target row. */
enum export_span { EXPORT_TASK, EXPORT_MEASURE, EXPORT_TARGET };

static const char *const export_headers[EXPORT_COLS] = {
        "工作任务", "工作措施", "工作内容", "牵头单位", "相关责任单位", "目标",
        "完成时限", "实际完成", "完成率",   "状态",     "是否逾期",     "最新进展"};
static const enum export_span export_spans[EXPORT_COLS] = {
        EXPORT_TASK,    EXPORT_MEASURE, EXPORT_MEASURE, EXPORT_MEASURE,
        EXPORT_MEASURE, EXPORT_TARGET,  EXPORT_TARGET,  EXPORT_TARGET,
        EXPORT_TARGET,  EXPORT_TARGET,  EXPORT_TARGET,  EXPORT_MEASURE};
static const char *const export_colour_names[REPORT_COLOUR_COUNT] = {"蓝色", "绿色", "黄色",
                                                                     "红色"};
/* Fill colours of the status cells: blue, green, yellow, red. */
static const lxw_color_t export_fills[REPORT_COLOUR_COUNT] = {0x9BC2E6, 0xC6EFCE, 0xFFEB9C,
                                                              0xFFC7CE};

/* A measure's targets counted, and a target's row, for the scorecard sheet's look-ups. */
struct export_stat {
	long long measure_id;
	struct report_counts counts;
};
struct export_target {
	long long target_id;
	int row;
};

/* Everything one export needs, loaded in four statements. */
struct export_data {
	struct reports_options o;
	struct reports_plan plan;
	struct reports_set set; /* every task, measure and target, evaluated */
	PGresult *docs;         /* per measure: items, lead and related unit names */
	PGresult *units;        /* unit ↔ measure links (workbook only) */
	PGresult *timely;       /* timeliness of every unit and period (workbook only) */
	struct report_period *periods;
	size_t nperiods;
	int *doc_row;              /* per set row: its measure's row in docs, or -1 */
	struct export_stat *stats; /* per measure, sorted by id: its targets counted */
	int nstats;
	struct export_target *targets; /* per target, sorted by id: its set row */
	int ntargets;
};

static void export_data_free(struct export_data *d)
{
	reports_set_free(&d->set);
	PQclear(d->docs);
	PQclear(d->units);
	PQclear(d->timely);
	free(d->periods);
	free(d->doc_row);
	free(d->stats);
	free(d->targets);
	memset(d, 0, sizeof(*d));
}

static int export_stat_cmp(const void *a, const void *b)
{
	long long x = ((const struct export_stat *)a)->measure_id;
	long long y = ((const struct export_stat *)b)->measure_id;
	return (x > y) - (x < y);
}

static int export_target_cmp(const void *a, const void *b)
{
	long long x = ((const struct export_target *)a)->target_id;
	long long y = ((const struct export_target *)b)->target_id;
	return (x > y) - (x < y);
}

/* Look-ups built once: each row's document columns, each measure's counts, each target's
 * row. Both statements list measures in document order, so one forward walk pairs them. */
static enum svc_error export_index(struct export_data *d)
{
	const struct reports_set *s = &d->set;
	int ndocs = PQntuples(d->docs);
	d->doc_row = calloc((size_t)s->n + 1, sizeof(int));
	d->stats = calloc((size_t)s->n + 1, sizeof(*d->stats));
	d->targets = calloc((size_t)s->n + 1, sizeof(*d->targets));
	if (d->doc_row == NULL || d->stats == NULL || d->targets == NULL)
		return SVC_INTERNAL;
	int hint = 0;
	for (int i = 0; i < s->n; i++) {
		long long measure = s->rows[i].measure_id;
		d->doc_row[i] = -1;
		for (int k = 0; measure != 0 && k < ndocs; k++) {
			int j = (hint + k) % ndocs;
			if (atoll(PQgetvalue(d->docs, j, 0)) == measure) {
				d->doc_row[i] = hint = j;
				break;
			}
		}
		if (measure != 0 &&
		    (d->nstats == 0 || d->stats[d->nstats - 1].measure_id != measure))
			d->stats[d->nstats++].measure_id = measure;
		if (s->rows[i].has_target) {
			report_counts_add(&d->stats[d->nstats - 1].counts, &s->rows[i].result);
			d->targets[d->ntargets].target_id = s->rows[i].target_id;
			d->targets[d->ntargets++].row = i;
		}
	}
	qsort(d->stats, (size_t)d->nstats, sizeof(*d->stats), export_stat_cmp);
	qsort(d->targets, (size_t)d->ntargets, sizeof(*d->targets), export_target_cmp);
	return SVC_OK;
}

static enum svc_error export_exec(struct db_conn *conn, enum db_stmt stmt, const char *plan_id,
                                  PGresult **out)
{
	const char *params[] = {plan_id};
	*out = db_exec(conn, stmt, 1, params);
	return db_result_error(conn, *out);
}

static enum svc_error export_load(struct db_conn *conn, const char *plan_id, int workbook,
                                  struct export_data *d)
{
	enum svc_error err = reports_plan_load(conn, plan_id, &d->plan);
	if (err != SVC_OK)
		return err;
	const char *params[] = {plan_id, d->o.as_of_text,
	                        d->o.include_submitted ? "true" : "false"};
	err = reports_set_load(conn, STMT_EXPORT_PLAN_TARGETS, 3, params, &d->o, &d->set);
	if (err == SVC_OK)
		err = export_exec(conn, STMT_EXPORT_MEASURES, plan_id, &d->docs);
	if (err == SVC_OK)
		err = export_index(d);
	if (err != SVC_OK || !workbook)
		return err;
	err = export_exec(conn, STMT_REPORT_PLAN_UNITS, plan_id, &d->units);
	if (err != SVC_OK)
		return err;
	d->periods = calloc(EXPORT_MAX_PERIODS, sizeof(*d->periods));
	if (d->periods == NULL)
		return SVC_INTERNAL;
	d->nperiods = report_periods(d->plan.cadence, d->plan.due_days, d->plan.start, d->o.as_of,
	                             d->periods, EXPORT_MAX_PERIODS);
	if (d->nperiods == 0)
		return SVC_OK;
	long long *ids = calloc(d->nperiods, sizeof(*ids));
	if (ids == NULL)
		return SVC_INTERNAL;
	for (size_t i = 0; i < d->nperiods; i++)
		ids[i] = d->plan.id;
	err = reports_timeliness(conn, ids, d->periods, d->nperiods, 0, d->o.as_of, &d->timely);
	free(ids);
	return err;
}

/* --- cell text --- */

/* A number as people write it: no trailing zeros, at most 6 decimals. */
static void export_number(double v, char *out, size_t len)
{
	snprintf(out, len, "%.6f", v);
	char *dot = strchr(out, '.');
	if (dot == NULL)
		return;
	char *end = out + strlen(out) - 1;
	while (end > dot && *end == '0')
		*end-- = '\0';
	if (end == dot)
		*end = '\0';
}

/* The document columns of set row i's measure (0 items, 1 lead, 2 related). */
static const char *export_doc(const struct export_data *d, int i, int col)
{
	int row = d->doc_row != NULL ? d->doc_row[i] : -1;
	return row >= 0 ? PQgetvalue(d->docs, row, 1 + col) : "";
}

/* Cell col of set row i, written into a new string the caller frees. */
static char *export_cell(const struct export_data *d, int i, int col)
{
	const struct reports_set *s = &d->set;
	const struct reports_row *r = &s->rows[i];
	char *text = NULL, num[64];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f == NULL)
		return NULL;
	long long measure = s->rows[i].measure_id;
	const char *status = reports_text(s, i, "status_summary");
	static const char *const symbols[] = {"≥", ">", "≤", "<", "="};
	switch (col) {
	case 0:
		fprintf(f, "%s%s", reports_text(s, i, "task_label"),
		        reports_text(s, i, "task_title"));
		break;
	case 1:
		if (measure != 0)
			fprintf(f, "%lld.%s", reports_int(s, i, "measure_number"),
			        reports_text(s, i, "measure_title"));
		break;
	case 2:
	case 3:
	case 4:
		if (measure != 0)
			fputs(export_doc(d, i, col - 2), f);
		break;
	case 5:
		if (!r->has_target)
			break;
		if (r->def.kind == REPORT_MILESTONE) {
			fprintf(f, "%s：完成", reports_text(s, i, "metric"));
			break;
		}
		export_number(r->def.value, num, sizeof(num));
		fprintf(f, "%s %s %s%s", reports_text(s, i, "metric"), symbols[r->def.comparator],
		        num,
		        reports_text(s, i, "unit_of_measure")
		                ? reports_text(s, i, "unit_of_measure")
		                : "");
		break;
	case 6:
		if (!r->has_target)
			break;
		if (r->def.recurrence == REPORT_ONCE) {
			fputs(reports_text(s, i, "deadline"), f);
		} else {
			char a[11], b[11];
			report_date_format(r->result.window.start, a);
			report_date_format(r->result.window.end, b);
			fprintf(f, "%s（本期 %s 至 %s）",
			        r->def.recurrence == REPORT_ANNUAL ? "每年" : "每两年", a, b);
		}
		break;
	case 7:
		if (r->has_target && r->result.has_actual) {
			export_number(r->result.actual, num, sizeof(num));
			fputs(num, f);
		}
		break;
	case 8:
		if (r->has_target && r->result.has_achievement)
			fprintf(f, "%.1f%%", r->result.achievement * 100.0);
		break;
	case 9:
		if (r->has_target)
			fputs(export_colour_names[r->result.colour], f);
		break;
	case 10:
		if (r->has_target)
			fputs(r->result.overdue ? "是" : "否", f);
		break;
	case 11:
		if (measure != 0 && status != NULL)
			fprintf(f, "%s：%s", reports_text(s, i, "status_period"), status);
		break;
	default:
		break;
	}
	fclose(f);
	return text;
}

/* --- CSV --- */

/* RFC 4180: quoted when it holds a comma, quote or line break, quotes doubled. Text that a
 * spreadsheet would take for a formula gets a leading apostrophe. */
static void export_csv_field(FILE *out, const char *v, int is_text)
{
	int quote = strpbrk(v, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', out);
	if (is_text && v[0] != '\0' && strchr("=+-@", v[0]) != NULL)
		fputc('\'', out);
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	if (quote)
		fputc('"', out);
}

static int export_csv(const struct export_data *d, char **body, size_t *len)
{
	FILE *out = open_memstream(body, len);
	if (out == NULL)
		return -1;
	fputs("\xEF\xBB\xBF", out); /* so Excel and WPS read UTF-8 */
	for (int c = 0; c < EXPORT_COLS; c++) {
		if (c > 0)
			fputc(',', out);
		export_csv_field(out, export_headers[c], 1);
	}
	fputs("\r\n", out);
	int ok = 1;
	for (int i = 0; i < d->set.n && ok; i++) {
		for (int c = 0; c < EXPORT_COLS; c++) {
			char *cell = export_cell(d, i, c);
			ok = ok && cell != NULL;
			if (c > 0)
				fputc(',', out);
			export_csv_field(out, cell != NULL ? cell : "", c != 7);
			free(cell);
		}
		fputs("\r\n", out);
	}
	return fclose(out) == 0 && ok ? 0 : -1;
}

/* --- XLSX --- */

struct export_formats {
	lxw_format *title, *header, *text, *number, *percent;
	lxw_format *fill[REPORT_COLOUR_COUNT], *fill_percent[REPORT_COLOUR_COUNT];
};

static lxw_format *export_format(lxw_workbook *wb, int bold, lxw_color_t fill, const char *num)
{
	lxw_format *f = workbook_add_format(wb);
	format_set_text_wrap(f);
	format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
	format_set_border(f, LXW_BORDER_THIN);
	if (bold)
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
	f->header = export_format(wb, 1, 0xD9D9D9, NULL);
	format_set_align(f->header, LXW_ALIGN_CENTER);
	f->text = export_format(wb, 0, 0, NULL);
	f->number = export_format(wb, 0, 0, "0.######");
	f->percent = export_format(wb, 0, 0, "0.0%");
	for (int c = 0; c < REPORT_COLOUR_COUNT; c++) {
		f->fill[c] = export_format(wb, 0, export_fills[c], NULL);
		f->fill_percent[c] = export_format(wb, 0, export_fills[c], "0.0%");
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

/* The row after the rows from i of the same task (measure when by_measure), before limit. */
static int export_span_end(const struct reports_set *s, int i, int by_measure, int limit)
{
	int j = i + 1;
	while (j < limit && (by_measure ? s->rows[j].measure_id == s->rows[i].measure_id
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

static void export_list_sheet(lxw_workbook *wb, const struct export_data *d,
                              const struct export_formats *f)
{
	static const double widths[EXPORT_COLS] = {24, 24, 60, 20, 24, 32, 16, 10, 9, 7, 7, 40};
	lxw_worksheet *ws = workbook_add_worksheet(wb, "责任清单");
	for (int c = 0; c < EXPORT_COLS; c++)
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL);
	char title[700];
	snprintf(title, sizeof(title), "%s（截至 %s）", d->plan.title, d->o.as_of_text);
	worksheet_merge_range(ws, 0, 0, 0, EXPORT_COLS - 1, title, f->title);
	for (int c = 0; c < EXPORT_COLS; c++)
		worksheet_write_string(ws, 1, (lxw_col_t)c, export_headers[c], f->header);
	worksheet_freeze_panes(ws, 2, 0);
	const struct reports_set *s = &d->set;
	for (int i = 0; i < s->n;) {
		int task_end = export_span_end(s, i, 0, s->n);
		char *task = export_cell(d, i, 0);
		export_span_cell(ws, (lxw_row_t)(2 + i), (lxw_row_t)(1 + task_end), 0,
		                 task != NULL ? task : "", f->text);
		free(task);
		while (i < task_end) {
			int measure_end = export_span_end(s, i, 1, task_end);
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

/* --- unit scorecards --- */

/* One unit's line on the scorecard sheet. */
struct export_unit {
	int roles[3]; /* lead, related, accountable-only measures */
	int colours[REPORT_COLOUR_COUNT];
	int overdue;
	int timely[4];  /* expected, on time, late, missing over every period */
	int current[2]; /* the current period: expected, missing */
};

/* Adds measure_id's targets to u, or only target_id when it is not 0. */
static void export_unit_measure(struct export_unit *u, const struct export_data *d,
                                long long measure_id, long long target_id)
{
	struct report_counts one, *c = NULL;
	if (target_id != 0) {
		struct export_target key = {target_id, 0}, *t;
		t = bsearch(&key, d->targets, (size_t)d->ntargets, sizeof(key), export_target_cmp);
		if (t == NULL)
			return;
		memset(&one, 0, sizeof(one));
		report_counts_add(&one, &d->set.rows[t->row].result);
		c = &one;
	} else {
		struct export_stat key, *m;
		memset(&key, 0, sizeof(key));
		key.measure_id = measure_id;
		m = bsearch(&key, d->stats, (size_t)d->nstats, sizeof(key), export_stat_cmp);
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
			export_unit_measure(u, d, measure, 0);
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
	worksheet_set_column(ws, 1, NCOLS - 1, 10, NULL);
	for (int c = 0; c < NCOLS; c++)
		worksheet_write_string(ws, 0, (lxw_col_t)c, headers[c], f->header);
	worksheet_freeze_panes(ws, 1, 1);
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
static int export_xlsx(const struct export_data *d, const char *path)
{
	lxw_workbook *wb = workbook_new(path);
	if (wb == NULL)
		return -1;
	struct export_formats f;
	export_formats_add(wb, &f);
	export_list_sheet(wb, d, &f);
	export_units_sheet(wb, d, &f);
	return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

/* --- streaming the workbook file --- */

struct export_stream {
	int fd;
};

static ssize_t export_stream_read(void *data, uint64_t offset, char *out, size_t max)
{
	const struct export_stream *st = data;
	ssize_t n = pread(st->fd, out, max, (off_t)offset);
	if (n == 0)
		return U_STREAM_END;
	return n < 0 ? U_STREAM_ERROR : n;
}

static void export_stream_free(void *data)
{
	struct export_stream *st = data;
	close(st->fd);
	free(st);
}

/* Builds the workbook in a temporary file, unlinks it and streams it from the open file. */
static void export_reply_xlsx(struct http_ctx *ctx, const struct export_data *d)
{
	const char *dir = getenv("TMPDIR");
	char path[512];
	snprintf(path, sizeof(path), "%s/zeren-export-XXXXXX.xlsx",
	         dir != NULL && dir[0] != '\0' ? dir : "/tmp");
	int fd = mkstemps(path, 5);
	if (fd < 0) {
		http_reply_problem(ctx, SVC_INTERNAL, "the workbook could not be written");
		return;
	}
	close(fd);
	int built = export_xlsx(d, path);
	fd = built == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	unlink(path);
	struct stat sb;
	struct export_stream *st = fd >= 0 ? malloc(sizeof(*st)) : NULL;
	if (st == NULL || fstat(fd, &sb) != 0) {
		if (fd >= 0)
			close(fd);
		free(st);
		http_reply_problem(ctx, SVC_INTERNAL, "the workbook could not be written");
		return;
	}
	st->fd = fd;
	http_set_header(ctx, "Content-Type",
	                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
	ulfius_set_stream_response(ctx->res, 200, export_stream_read, export_stream_free,
	                           (uint64_t)sb.st_size, 64 * 1024, st);
}

/* --- handler --- */

static void exports_plan(struct http_ctx *ctx)
{
	static const char *const allowed[] = {"as_of", "include", NULL};
	const char *file = ctx->params[0], *dot = strrchr(file, '.');
	int workbook = dot != NULL && strcmp(dot, ".xlsx") == 0;
	if (dot == NULL || (!workbook && strcmp(dot, ".csv") != 0)) {
		http_reply_problem(ctx, SVC_NOT_FOUND,
		                   "no such export: ask for {plan id}.csv or {plan id}.xlsx");
		return;
	}
	char id[24];
	long long parsed;
	snprintf(id, sizeof(id), "%.*s", (int)(dot - file), file);
	struct export_data d;
	memset(&d, 0, sizeof(d));
	if (http_authorize(ctx, POLICY_READ, NULL) != 0 || http_query_allow(ctx, allowed) != 0 ||
	    reports_read_options(ctx, &d.o) != 0)
		return;
	char *end = NULL;
	parsed = strtoll(id, &end, 10);
	if ((size_t)(dot - file) >= sizeof(id) || id[0] < '1' || id[0] > '9' || *end != '\0' ||
	    parsed <= 0) {
		http_reply_problem(ctx, SVC_NOT_FOUND, "no such plan");
		return;
	}
	struct db_conn *conn = reports_connect(ctx);
	if (conn == NULL)
		return;
	enum svc_error err = export_load(conn, id, workbook, &d);
	db_release(ctx->app->read_pool, conn);
	if (err != SVC_OK) {
		if (err == SVC_NOT_FOUND)
			http_reply_problem(ctx, SVC_NOT_FOUND, "no such plan");
		else
			repo_reply_error(ctx, err);
		export_data_free(&d);
		return;
	}
	char disposition[200];
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s-%s.%s\"", d.plan.code,
	         d.o.as_of_text, workbook ? "xlsx" : "csv");
	http_set_header(ctx, "Content-Disposition", disposition);
	http_set_header(ctx, "Cache-Control", "no-cache");
	if (workbook) {
		export_reply_xlsx(ctx, &d);
	} else {
		char *body = NULL;
		size_t len = 0;
		if (export_csv(&d, &body, &len) == 0)
			http_reply_body(ctx, 200, "text/csv; charset=utf-8", body, len);
		else
			http_reply_problem(ctx, SVC_INTERNAL, "the CSV could not be written");
		free(body);
	}
	export_data_free(&d);
}

const struct route exports_routes[] = {
        {"GET", "/v1/exports/plans/:file", exports_plan, 0},
        {NULL, NULL, NULL, 0},
};
