/* exports_form_repo.c — a unit's report form loaded: the unit, its measures for the period, and
 * each of their plans' export data (targets evaluated as of the period's end), so the form's
 * target texts and actuals are the export's own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exports_form.h"

const char *const export_form_keys[EXPORT_FORM_FIXED_COLS] = {
        "measure_id", "unit",    "period",   "measure",   "reported",
        "status",     "summary", "problems", "next_steps"};
const char *const export_form_status_labels[] = {"未开始", "正常推进", "存在风险",
                                                 "滞后",   "已完成",   NULL};

void export_form_free(struct export_form *f)
{
	for (size_t i = 0; i < f->nplans; i++)
		export_data_free(&f->plans[i]);
	free(f->plans);
	free(f->rows);
	PQclear(f->unit);
	PQclear(f->measures);
	memset(f, 0, sizeof(*f));
}

const char *export_form_unit(const struct export_form *f, int col)
{
	return PQgetvalue(f->unit, 0, col);
}

/* The loaded plan plan_id, loading it first when it is new; NULL with *err on failure. */
static struct export_data *export_form_plan(struct db_conn *conn, struct export_form *f,
                                            const char *plan_id, const struct reports_options *o,
                                            enum svc_error *err)
{
	long long id = atoll(plan_id);
	for (size_t i = 0; i < f->nplans; i++)
		if (f->plans[i].plan.id == id)
			return &f->plans[i];
	struct export_data *d = &f->plans[f->nplans];
	memset(d, 0, sizeof(*d));
	d->o = *o;
	*err = export_data_load(conn, plan_id, EXPORT_CSV, d);
	f->nplans++; /* freed with the form whatever happened */
	return *err == SVC_OK ? d : NULL;
}

/* Finds measure_id's first row in d's set and counts its targets. */
static void export_form_locate(struct export_form_measure *m, long long measure_id)
{
	const struct reports_set *s = &m->d->set;
	m->row = -1;
	m->ntargets = 0;
	for (int i = 0; i < s->n; i++) {
		if (s->rows[i].measure_id != measure_id)
			continue;
		if (m->row < 0)
			m->row = i;
		m->ntargets += s->rows[i].has_target;
	}
}

static enum svc_error export_form_rows(struct db_conn *conn, struct export_form *f,
                                       const struct reports_options *o)
{
	int n = PQntuples(f->measures);
	f->plans = calloc((size_t)n + 1, sizeof(*f->plans));
	f->rows = calloc((size_t)n + 1, sizeof(*f->rows));
	if (f->plans == NULL || f->rows == NULL)
		return SVC_INTERNAL;
	f->slots = 1;
	enum svc_error err = SVC_OK;
	for (int i = 0; i < n; i++) {
		const char *plan =
		        PQgetvalue(f->measures, i, STMT_EXPORT_FORM_MEASURES_COL_PLAN_ID);
		struct export_form_measure *m = &f->rows[f->nrows];
		m->d = export_form_plan(conn, f, plan, o, &err);
		if (m->d == NULL)
			return err;
		export_form_locate(m, atoll(PQgetvalue(f->measures, i,
		                                       STMT_EXPORT_FORM_MEASURES_COL_MEASURE_ID)));
		if (m->row < 0)
			continue; /* removed between the two statements */
		m->reported = PQgetvalue(f->measures, i,
		                         STMT_EXPORT_FORM_MEASURES_COL_REPORTED)[0] == 't';
		if (m->ntargets > EXPORT_FORM_MAX_SLOTS)
			return SVC_CONFLICT;
		f->slots = m->ntargets > f->slots ? m->ntargets : f->slots;
		f->nrows++;
	}
	return SVC_OK;
}

enum svc_error export_form_load(struct db_conn *conn, const char *unit_id,
                                const struct reports_options *o, struct export_form *f)
{
	const char *unit_params[] = {unit_id};
	f->unit = db_exec(conn, STMT_EXPORT_FORM_UNIT, 1, unit_params);
	enum svc_error err = db_result_error(conn, f->unit);
	if (err != SVC_OK)
		return err;
	if (PQntuples(f->unit) == 0)
		return SVC_NOT_FOUND;
	const char *params[] = {unit_id, f->period_end, f->period};
	f->measures = db_exec(conn, STMT_EXPORT_FORM_MEASURES, 3, params);
	err = db_result_error(conn, f->measures);
	if (err != SVC_OK)
		return err;
	struct reports_options at = *o;
	if (report_date_parse(f->period_end, &at.as_of) != 0)
		return SVC_BAD_REQUEST;
	report_date_format(at.as_of, at.as_of_text);
	return export_form_rows(conn, f, &at);
}
