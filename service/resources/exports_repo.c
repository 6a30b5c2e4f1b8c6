/* exports_repo.c — an export's four statements, its look-ups, and the list's cell text. */
#include "exports_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const export_headers[EXPORT_COLS] = {
        "工作任务", "工作措施", "工作内容", "牵头单位", "相关责任单位", "目标",
        "完成时限", "实际完成", "完成率",   "状态",     "是否逾期",     "最新进展"};
const enum export_span export_spans[EXPORT_COLS] = {EXPORT_TASK,    EXPORT_MEASURE, EXPORT_MEASURE,
                                                    EXPORT_MEASURE, EXPORT_MEASURE, EXPORT_TARGET,
                                                    EXPORT_TARGET,  EXPORT_TARGET,  EXPORT_TARGET,
                                                    EXPORT_TARGET,  EXPORT_TARGET,  EXPORT_MEASURE};
const char *const export_colour_names[REPORT_COLOUR_COUNT] = {"蓝色", "绿色", "黄色", "红色"};
void export_data_free(struct export_data *d)
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

const struct export_stat *export_stat_find(const struct export_data *d, long long measure_id)
{
	struct export_stat key;
	memset(&key, 0, sizeof(key));
	key.measure_id = measure_id;
	return bsearch(&key, d->stats, (size_t)d->nstats, sizeof(key), export_stat_cmp);
}

const struct export_target *export_target_find(const struct export_data *d, long long target_id)
{
	struct export_target key = {target_id, 0};
	return bsearch(&key, d->targets, (size_t)d->ntargets, sizeof(key), export_target_cmp);
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

enum svc_error export_data_load(struct db_conn *conn, const char *plan_id,
                                enum export_format format, struct export_data *d)
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
	if (err != SVC_OK || format != EXPORT_XLSX)
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
	err = reports_timeliness(conn, ids, d->periods, d->nperiods, REPORTS_ALL_UNITS, d->o.as_of,
	                         &d->timely);
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

/* The target of set row i: "metric ≥ 90%", or "metric：完成" for a milestone. */
static void export_target_text(FILE *f, const struct reports_set *s, int i)
{
	static const char *const symbols[] = {"≥", ">", "≤", "<", "="};
	const struct reports_row *r = &s->rows[i];
	if (r->def.kind == REPORT_MILESTONE) {
		fprintf(f, "%s：完成", reports_text(s, i, "metric"));
		return;
	}
	char num[64];
	export_number(r->def.value, num, sizeof(num));
	const char *unit = reports_text(s, i, "unit_of_measure");
	fprintf(f, "%s %s %s%s", reports_text(s, i, "metric"), symbols[r->def.comparator], num,
	        unit != NULL ? unit : "");
}

/* The deadline of set row i, or for a recurring target its current window. */
static void export_deadline_text(FILE *f, const struct reports_set *s, int i)
{
	const struct reports_row *r = &s->rows[i];
	if (r->def.recurrence == REPORT_ONCE) {
		fputs(reports_text(s, i, "deadline"), f);
		return;
	}
	char a[11], b[11];
	report_date_format(r->result.window.start, a);
	report_date_format(r->result.window.end, b);
	fprintf(f, "%s（本期 %s 至 %s）", r->def.recurrence == REPORT_ANNUAL ? "每年" : "每两年", a,
	        b);
}

char *export_cell(const struct export_data *d, int i, int col)
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
		if (r->has_target)
			export_target_text(f, s, i);
		break;
	case 6:
		if (r->has_target)
			export_deadline_text(f, s, i);
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
