/* reports_repo.c — report statements run and mapped: targets in scope, their actuals for
 * the windows report.c computes, timeliness, the tallies of evaluated rows; and the measure
 * progress of GET /v1/measures. */
#include "reports_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain.h"

/* --- rows --- */

/* PQfnumber compares every column name; a report asks the same few thousands of times. */
static int reports_column(const struct reports_set *s, const char *column)
{
	struct reports_columns *cc = s->columns;
	for (int k = 0; cc != NULL && k < cc->n; k++)
		if (cc->name[k] == column)
			return cc->col[k];
	int c = PQfnumber(s->res, column);
	if (cc != NULL && cc->n < REPORTS_COLUMNS) {
		cc->name[cc->n] = column;
		cc->col[cc->n++] = c;
	}
	return c;
}

const char *reports_text(const struct reports_set *s, int i, const char *column)
{
	int c = reports_column(s, column);
	if (c < 0 || i < 0 || i >= PQntuples(s->res) || PQgetisnull(s->res, i, c))
		return NULL;
	return PQgetvalue(s->res, i, c);
}

long long reports_int(const struct reports_set *s, int i, const char *column)
{
	const char *v = reports_text(s, i, column);
	return v != NULL ? atoll(v) : 0;
}

json_t *reports_json(const struct reports_set *s, int i, const char *column)
{
	const char *v = reports_text(s, i, column);
	json_t *j = v != NULL ? json_loads(v, 0, NULL) : NULL;
	return j != NULL ? j : json_null();
}

json_t *reports_progress_json(const struct reports_row *r)
{
	return report_result_json(&r->def, &r->input, &r->result);
}

/* Reads the target columns of row i; -1 when a code or date is not one report.c knows. */
static int reports_row_map(const struct reports_set *s, int i, struct reports_row *r)
{
	memset(r, 0, sizeof(*r));
	r->measure_id = reports_int(s, i, "measure_id");
	r->task_id = reports_int(s, i, "task_id");
	if (reports_text(s, i, "target_id") == NULL)
		return 0;
	r->has_target = 1;
	r->target_id = reports_int(s, i, "target_id");
	r->share_of_id = reports_int(s, i, "share_of_id");
	r->accountable_unit_id = reports_int(s, i, "accountable_unit_id");
	r->def.share_of = r->share_of_id != 0;
	r->def.value = strtod(reports_text(s, i, "value"), NULL);
	if (report_comparator_parse(reports_text(s, i, "comparator"), &r->def.comparator) != 0 ||
	    report_kind_parse(reports_text(s, i, "kind"), &r->def.kind) != 0 ||
	    report_recurrence_parse(reports_text(s, i, "recurrence"), &r->def.recurrence) != 0 ||
	    report_date_parse(reports_text(s, i, "plan_start"), &r->plan_start) != 0)
		return -1;
	const char *day = r->def.recurrence == REPORT_ONCE ? reports_text(s, i, "deadline")
	                                                   : reports_text(s, i, "recurrence_start");
	report_day *into =
	        r->def.recurrence == REPORT_ONCE ? &r->def.deadline : &r->def.recurrence_start;
	return report_date_parse(day, into);
}

/* Appends one (target, window start, last counted day) to the three array literals. */
static void reports_subject(FILE *ids, FILE *starts, FILE *ends, int *count, long long target,
                            const struct report_window *w, report_day as_of)
{
	char start[11], end[11];
	report_date_format(w->start, start);
	report_date_format(w->end < as_of ? w->end : as_of, end);
	const char *sep = *count > 0 ? "," : "";
	fprintf(ids, "%s%lld", sep, target);
	fprintf(starts, "%s%s", sep, start);
	fprintf(ends, "%s%s", sep, end);
	(*count)++;
}

/* The actuals of every target row: one statement for all of them. */
static enum svc_error reports_actuals(struct db_conn *conn, struct reports_set *s,
                                      const struct reports_options *o)
{
	char *ids = NULL, *starts = NULL, *ends = NULL;
	size_t l1 = 0, l2 = 0, l3 = 0;
	FILE *fi = open_memstream(&ids, &l1), *fs = open_memstream(&starts, &l2),
	     *fe = open_memstream(&ends, &l3);
	int *own = calloc((size_t)s->n + 1, sizeof(int)),
	    *base = calloc((size_t)s->n + 1, sizeof(int));
	enum svc_error err = SVC_OK;
	if (fi == NULL || fs == NULL || fe == NULL || own == NULL || base == NULL) {
		err = SVC_INTERNAL;
		goto cleanup;
	}
	int count = 0;
	fputc('{', fi), fputc('{', fs), fputc('{', fe);
	for (int i = 0; i < s->n; i++) {
		struct reports_row *r = &s->rows[i];
		if (!r->has_target)
			continue;
		struct report_window w;
		report_window_of(&r->def, r->plan_start, o->as_of, &w);
		own[i] = count + 1; /* ordinality of its subject; 0 = none */
		reports_subject(fi, fs, fe, &count, r->target_id, &w, o->as_of);
		if (r->def.share_of) {
			base[i] = count + 1;
			reports_subject(fi, fs, fe, &count, r->share_of_id, &w, o->as_of);
		}
	}
	fputc('}', fi), fputc('}', fs), fputc('}', fe);
	fclose(fi), fclose(fs), fclose(fe);
	fi = fs = fe = NULL;
	if (count == 0)
		goto cleanup;

	const char *params[] = {ids, starts, ends, o->include_submitted ? "true" : "false"};
	PGresult *res = db_exec(conn, STMT_REPORT_ACTUALS, 4, params);
	err = db_result_error(conn, res);
	/* Rows name their subject by ordinality; subjects without counted values may be
	 * missing. Spread the found aggregates over the subjects, then onto the rows. */
	int *found = err == SVC_OK ? calloc((size_t)count + 1, sizeof(int)) : NULL;
	if (err == SVC_OK && found == NULL)
		err = SVC_INTERNAL;
	for (int k = 0; err == SVC_OK && k < PQntuples(res); k++) {
		long long ord = atoll(PQgetvalue(res, k, STMT_REPORT_ACTUALS_COL_ORD));
		if (ord >= 1 && ord <= count &&
		    !PQgetisnull(res, k, STMT_REPORT_ACTUALS_COL_COUNT) &&
		    atoll(PQgetvalue(res, k, STMT_REPORT_ACTUALS_COL_COUNT)) > 0)
			found[ord - 1] = k + 1;
	}
	for (int i = 0; err == SVC_OK && i < s->n; i++) {
		struct reports_row *r = &s->rows[i];
		int k = own[i] > 0 ? found[own[i] - 1] : 0;
		if (k > 0) {
			r->input.has_own = 1;
			r->input.own =
			        strtod(PQgetvalue(res, k - 1, STMT_REPORT_ACTUALS_COL_VALUE), NULL);
		}
		k = base[i] > 0 ? found[base[i] - 1] : 0;
		if (k > 0) {
			r->input.has_base = 1;
			r->input.base =
			        strtod(PQgetvalue(res, k - 1, STMT_REPORT_ACTUALS_COL_VALUE), NULL);
		}
	}
	free(found);
	PQclear(res);
cleanup:
	if (fi != NULL)
		fclose(fi);
	if (fs != NULL)
		fclose(fs);
	if (fe != NULL)
		fclose(fe);
	free(ids), free(starts), free(ends), free(own), free(base);
	return err;
}

enum svc_error reports_set_load(struct db_conn *conn, enum db_stmt stmt, int nparams,
                                const char *const *params, const struct reports_options *o,
                                struct reports_set *out)
{
	memset(out, 0, sizeof(*out));
	out->res = db_exec(conn, stmt, nparams, params);
	enum svc_error err = db_result_error(conn, out->res);
	if (err != SVC_OK)
		return err;
	out->n = PQntuples(out->res);
	out->rows = calloc((size_t)out->n + 1, sizeof(*out->rows));
	out->columns = calloc(1, sizeof(*out->columns));
	if (out->rows == NULL || out->columns == NULL)
		return SVC_INTERNAL;
	for (int i = 0; i < out->n; i++) {
		if (reports_row_map(out, i, &out->rows[i]) != 0)
			out->rows[i].has_target = 0; /* the schema's checks make this unreachable */
	}
	err = reports_actuals(conn, out, o);
	if (err != SVC_OK)
		return err;
	for (int i = 0; i < out->n; i++) {
		struct reports_row *r = &out->rows[i];
		if (r->has_target)
			report_evaluate(&r->def, r->plan_start, o->as_of, &r->input,
			                o->tolerance_points, &r->result);
	}
	return SVC_OK;
}

void reports_set_free(struct reports_set *s)
{
	PQclear(s->res);
	free(s->rows);
	free(s->columns);
	memset(s, 0, sizeof(*s));
}

/* --- plans, periods, timeliness --- */

enum svc_error reports_plan_load(struct db_conn *conn, const char *id_text,
                                 struct reports_plan *out)
{
	const char *params[] = {id_text};
	PGresult *r = id_text != NULL ? db_exec(conn, STMT_REPORT_PLAN, 1, params)
	                              : db_exec(conn, STMT_REPORT_PLAN_ONLY, 0, NULL);
	enum svc_error err = db_result_error(conn, r);
	if (err == SVC_OK && PQntuples(r) == 0)
		err = SVC_NOT_FOUND;
	if (err == SVC_OK && PQntuples(r) > 1)
		err = SVC_BAD_REQUEST;
	if (err == SVC_OK) { /* STMT_REPORT_PLAN_ONLY has STMT_REPORT_PLAN's columns */
		memset(out, 0, sizeof(*out));
		out->id = atoll(PQgetvalue(r, 0, STMT_REPORT_PLAN_COL_ID));
		snprintf(out->code, sizeof(out->code), "%s",
		         PQgetvalue(r, 0, STMT_REPORT_PLAN_COL_CODE));
		snprintf(out->title, sizeof(out->title), "%s",
		         PQgetvalue(r, 0, STMT_REPORT_PLAN_COL_TITLE));
		out->due_days = atoi(PQgetvalue(r, 0, STMT_REPORT_PLAN_COL_REPORT_DUE_DAYS));
		if (report_date_parse(PQgetvalue(r, 0, STMT_REPORT_PLAN_COL_START_DATE),
		                      &out->start) != 0 ||
		    report_cadence_parse(PQgetvalue(r, 0, STMT_REPORT_PLAN_COL_CADENCE),
		                         &out->cadence) != 0)
			err = SVC_INTERNAL;
	}
	PQclear(r);
	return err;
}

static json_t *reports_day_json(report_day d)
{
	char text[11];
	report_date_format(d, text);
	return json_string(text);
}

json_t *reports_plan_json(const struct reports_plan *p)
{
	return json_pack("{sIsssssosssi}", "id", (json_int_t)p->id, "code", p->code, "title",
	                 p->title, "start_date", reports_day_json(p->start), "cadence",
	                 domain_cadences[p->cadence], "report_due_days", p->due_days);
}

json_t *reports_period_json(const struct report_period *p)
{
	return json_pack("{sssososo}", "period", p->label, "start", reports_day_json(p->start),
	                 "end", reports_day_json(p->end), "due", reports_day_json(p->due));
}

enum svc_error reports_timeliness(struct db_conn *conn, const long long *plan_ids,
                                  const struct report_period *periods, size_t n, long long unit_id,
                                  report_day as_of, PGresult **out)
{
	char *plans = NULL, *labels = NULL, *dues = NULL;
	size_t l1 = 0, l2 = 0, l3 = 0;
	FILE *fp = open_memstream(&plans, &l1), *fl = open_memstream(&labels, &l2),
	     *fd = open_memstream(&dues, &l3);
	FILE *all[] = {fp, fl, fd};
	int ok = fp != NULL && fl != NULL && fd != NULL;
	for (int k = 0; ok && k < 3; k++)
		fputc('{', all[k]);
	for (size_t i = 0; ok && i < n; i++) {
		char due[11];
		report_date_format(periods[i].due, due);
		const char *sep = i > 0 ? "," : "";
		fprintf(fp, "%s%lld", sep, plan_ids[i]);
		fprintf(fl, "%s%s", sep, periods[i].label);
		fprintf(fd, "%s%s", sep, due);
	}
	for (int k = 0; k < 3; k++) {
		if (all[k] == NULL)
			continue;
		if (ok)
			fputc('}', all[k]);
		fclose(all[k]);
	}
	enum svc_error err = SVC_INTERNAL;
	*out = NULL;
	if (ok) {
		char unit[24], day[11];
		snprintf(unit, sizeof(unit), "%lld", unit_id);
		report_date_format(as_of, day);
		const char *params[] = {plans, labels, dues, day, unit};
		*out = unit_id > 0 ? db_exec(conn, STMT_REPORT_UNIT_TIMELINESS, 5, params)
		                   : db_exec(conn, STMT_REPORT_TIMELINESS, 4, params);
		err = db_result_error(conn, *out);
	}
	free(plans), free(labels), free(dues);
	return err;
}

/* --- tallies --- */

static int reports_status_index(const char *status)
{
	int i = domain_lookup(domain_statuses, status);
	return i >= 0 ? i : REPORTS_STATUS_NONE;
}

/* Adds one measure whose targets are counted in c. */
void reports_tally_measure(struct reports_tally *t, const struct report_counts *c,
                           const char *status)
{
	enum report_colour worst;
	t->measures++;
	if (report_counts_worst(c, &worst))
		t->measure_colour[worst]++;
	else
		t->measure_uncoloured++;
	t->status[reports_status_index(status)]++;
	t->targets.total += c->total;
	t->targets.met += c->met;
	t->targets.overdue += c->overdue;
	t->targets.no_data += c->no_data;
	for (int i = 0; i < REPORT_COLOUR_COUNT; i++)
		t->targets.colour[i] += c->colour[i];
}

json_t *reports_tally_measures_json(const struct reports_tally *t)
{
	json_t *colours = json_object(), *statuses = json_object();
	for (int i = 0; i < REPORT_COLOUR_COUNT; i++)
		json_object_set_new(colours, report_colour_name((enum report_colour)i),
		                    json_integer(t->measure_colour[i]));
	json_object_set_new(colours, "none", json_integer(t->measure_uncoloured));
	for (int i = 0; i < REPORTS_STATUS_NONE; i++)
		json_object_set_new(statuses, domain_statuses[i], json_integer(t->status[i]));
	json_object_set_new(statuses, "none", json_integer(t->status[REPORTS_STATUS_NONE]));
	return json_pack("{sisoso}", "total", t->measures, "by_colour", colours, "by_status",
	                 statuses);
}

/* The colour of a measure whose targets are counted in c, or JSON null. */
json_t *reports_colour_json(const struct report_counts *c)
{
	enum report_colour worst;
	return report_counts_worst(c, &worst) ? json_string(report_colour_name(worst))
	                                      : json_null();
}

/* Counts the targets of the measure starting at row i; returns the row after it. */
int reports_measure_counts(const struct reports_set *s, int i, struct report_counts *c)
{
	long long measure = s->rows[i].measure_id;
	memset(c, 0, sizeof(*c));
	for (; i < s->n && s->rows[i].measure_id == measure; i++)
		if (s->rows[i].has_target)
			report_counts_add(c, &s->rows[i].result);
	return i;
}

/* --- serializing --- */

char *reports_dump(json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(body);
	return text;
}

/* --- the statements reports.c needs beside the sets --- */

enum svc_error reports_repo_connect(struct db_pool *pool, struct db_conn **out)
{
	enum svc_error err = db_acquire(pool, out);
	if (err == SVC_OK && (err = db_begin_custom_plans(*out)) != SVC_OK)
		db_release(pool, *out);
	if (err != SVC_OK)
		*out = NULL;
	return err;
}

enum svc_error reports_plan_tasks(struct db_conn *conn, long long plan_id, PGresult **out)
{
	char pid[24];
	snprintf(pid, sizeof(pid), "%lld", plan_id);
	const char *params[] = {pid};
	*out = db_exec(conn, STMT_REPORT_PLAN_TASKS, 1, params);
	return db_result_error(conn, *out);
}

enum svc_error reports_unit_by_code(struct db_conn *conn, const char *code, char id[24])
{
	const char *params[] = {code};
	PGresult *r = db_exec(conn, STMT_REPORT_UNIT_CODE, 1, params);
	enum svc_error err = db_result_error(conn, r);
	id[0] = '\0';
	if (err == SVC_OK && PQntuples(r) == 1)
		snprintf(id, 24, "%s", PQgetvalue(r, 0, STMT_REPORT_UNIT_CODE_COL_ID));
	PQclear(r);
	return err;
}

enum svc_error reports_target_details(struct db_conn *conn, const struct reports_set *s,
                                      const int *rows, int n, PGresult **out)
{
	*out = NULL;
	char *ids = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&ids, &len);
	if (f == NULL)
		return SVC_INTERNAL;
	fputc('{', f);
	for (int k = 0; k < n; k++)
		fprintf(f, "%s%lld", k > 0 ? "," : "", s->rows[rows[k]].target_id);
	fputc('}', f);
	if (fclose(f) != 0) {
		free(ids);
		return SVC_INTERNAL;
	}
	const char *params[] = {ids};
	*out = db_exec(conn, STMT_REPORT_TARGET_DETAILS, 1, params);
	free(ids);
	return db_result_error(conn, *out);
}

enum svc_error reports_unit_load(struct db_conn *conn, const char *unit_id, PGresult **out)
{
	const char *params[] = {unit_id};
	*out = db_exec(conn, STMT_REPORT_UNIT, 1, params);
	enum svc_error err = db_result_error(conn, *out);
	return err == SVC_OK && PQntuples(*out) == 0 ? SVC_NOT_FOUND : err;
}

/* --- measure progress --- */

/* The measure-level roll-up: worst colour and counts of its targets. */
static json_t *reports_measure_rollup(const struct reports_set *s, const struct reports_options *o)
{
	struct report_counts c;
	memset(&c, 0, sizeof(c));
	for (int i = 0; i < s->n; i++)
		if (s->rows[i].has_target)
			report_counts_add(&c, &s->rows[i].result);
	enum report_colour worst;
	json_t *colour = report_counts_worst(&c, &worst) ? json_string(report_colour_name(worst))
	                                                 : json_null();
	return json_pack("{sssbsososo}", "as_of", o->as_of_text, "include_submitted",
	                 o->include_submitted, "colour", colour, "targets", report_counts_json(&c),
	                 "rules", report_rules_json(o->tolerance_points));
}

void reports_attach(json_t *target, void *set)
{
	const struct reports_set *s = set;
	json_int_t id = json_integer_value(json_object_get(target, "id"));
	for (int i = 0; i < s->n; i++) {
		if (s->rows[i].has_target && s->rows[i].target_id == id) {
			json_object_set_new(target, "progress", reports_progress_json(&s->rows[i]));
			return;
		}
	}
}

enum svc_error reports_measure_load(struct db_conn *conn, const char *measure_id,
                                    const struct reports_options *o, struct reports_set *s)
{
	const char *params[] = {measure_id};
	enum svc_error err = reports_set_load(conn, STMT_REPORT_MEASURE_TARGETS, 1, params, o, s);
	if (err != SVC_OK)
		reports_set_free(s);
	return err;
}

enum svc_error reports_measure_get(struct db_conn *conn, const char *measure_id, const char *expand,
                                   const struct reports_options *o, json_t **out)
{
	*out = NULL;
	const char *params[] = {measure_id, expand != NULL ? "true" : "false"};
	PGresult *r = db_exec(conn, STMT_MEASURE_GET, 2, params);
	enum svc_error err = db_result_error(conn, r);
	if (err == SVC_OK && PQntuples(r) == 0)
		err = SVC_NOT_FOUND;
	json_t *measure = err == SVC_OK
	                          ? json_loads(PQgetvalue(r, 0, STMT_MEASURE_GET_COL_JSON), 0, NULL)
	                          : NULL;
	PQclear(r);
	if (err != SVC_OK || measure == NULL)
		return err != SVC_OK ? err : SVC_INTERNAL;
	struct reports_set s;
	memset(&s, 0, sizeof(s));
	if ((err = reports_measure_load(conn, measure_id, o, &s)) != SVC_OK) {
		json_decref(measure);
		return err;
	}
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(measure, "targets"), i, t) reports_attach(t, &s);
	json_object_set_new(measure, "progress", reports_measure_rollup(&s, o));
	reports_set_free(&s);
	*out = measure;
	return SVC_OK;
}
