/* reports_repo.h — the data side of reports and exports: report options, the targets in
 * scope with their actuals as of a date (evaluated by report.c), reporting timeliness, and
 * the measure progress added to GET /v1/measures/{id}[/targets] when ?as_of= is given. */
#ifndef ZEREN_REPORTS_REPO_H
#define ZEREN_REPORTS_REPO_H

#include <jansson.h>
#include <libpq-fe.h>

#include "../db.h"
#include "../domain.h"
#include "../report.h"

/* How a report is asked for: ?as_of= (default today, UTC) and ?include=submitted. */
struct reports_options {
	report_day as_of;
	char as_of_text[11];
	int include_submitted;
	int tolerance_points; /* ZEREN_REPORT_TOLERANCE */
};

/* A read connection from pool (the replica when there is one) in a transaction whose
 * statements are planned for their parameters (db_begin_custom_plans): SVC_OK with *out, to
 * be returned to pool, or the error with *out NULL. */
enum svc_error reports_repo_connect(struct db_pool *pool, struct db_conn **out)
        __attribute__((warn_unused_result));

/* One row of a report statement: a target (or a measure or task without one) evaluated. */
struct reports_row {
	long long measure_id; /* of the row's measure_id and task_id columns, 0 when absent */
	long long task_id;
	int has_target;
	long long target_id;
	long long share_of_id;
	long long accountable_unit_id; /* 0 when none */
	struct report_target def;
	report_day plan_start;
	struct report_input input;
	struct report_result result;
};

/* Column numbers looked up by name, remembered by the name's address (names are literals). */
#define REPORTS_COLUMNS 48
struct reports_columns {
	const char *name[REPORTS_COLUMNS];
	int col[REPORTS_COLUMNS];
	int n;
};

/* A statement's rows and their evaluation; free with reports_set_free. */
struct reports_set {
	PGresult *res; /* owned: the statement's rows, read with reports_text */
	struct reports_row *rows;
	int n;
	struct reports_columns *columns; /* owned */
};

/* Runs stmt, whose rows carry SQL_REPORT_TARGET_COLS (a NULL target_id means no target),
 * then the actuals of every target in one more statement, and evaluates each row. */
enum svc_error reports_set_load(struct db_conn *conn, enum db_stmt stmt, int nparams,
                                const char *const *params, const struct reports_options *o,
                                struct reports_set *out) __attribute__((warn_unused_result));
void reports_set_free(struct reports_set *s);

/* Row i's column by name: its text (borrowed), or NULL for SQL NULL or no such column. */
const char *reports_text(const struct reports_set *s, int i, const char *column);
long long reports_int(const struct reports_set *s, int i, const char *column);
/* A JSON text column parsed (owned); JSON null when NULL or unparsable. */
json_t *reports_json(const struct reports_set *s, int i, const char *column);
/* Row i's evaluation as the documented TargetProgress object (owned). */
json_t *reports_progress_json(const struct reports_row *r);

/* --- tallies of evaluated rows --- */

/* A status outside domain_statuses (or none) is counted under this index. */
#define REPORTS_STATUS_NONE DOMAIN_STATUS_COUNT

/* Measures and targets of a scope (a plan, a task, a unit), counted. */
struct reports_tally {
	int measures;
	int measure_colour[REPORT_COLOUR_COUNT];
	int measure_uncoloured; /* measures without targets */
	int status[REPORTS_STATUS_NONE + 1];
	struct report_counts targets;
};

/* Adds one measure whose targets are counted in c and whose progress status is status. */
void reports_tally_measure(struct reports_tally *t, const struct report_counts *c,
                           const char *status);
/* The measures part of t as {"total", "by_colour", "by_status"} (owned). */
json_t *reports_tally_measures_json(const struct reports_tally *t);
/* The colour of a measure whose targets are counted in c (owned), or JSON null. */
json_t *reports_colour_json(const struct report_counts *c);
/* Counts into c the targets of the measure starting at row i of s (rows of one measure are
 * adjacent); returns the row after it. */
int reports_measure_counts(const struct reports_set *s, int i, struct report_counts *c);

/* A plan as reports need it. */
struct reports_plan {
	long long id;
	char code[72];
	char title[512];
	report_day start;
	enum report_cadence cadence;
	int due_days;
};

/* Plan id_text, or the only plan when id_text is NULL: SVC_OK, SVC_NOT_FOUND, or
 * SVC_BAD_REQUEST when none is named and there are several. */
enum svc_error reports_plan_load(struct db_conn *conn, const char *id_text,
                                 struct reports_plan *out) __attribute__((warn_unused_result));
json_t *reports_plan_json(const struct reports_plan *p);
json_t *reports_period_json(const struct report_period *p);

/* reports_timeliness's unit_id for every unit. */
#define REPORTS_ALL_UNITS 0

/* Timeliness rows (STMT_REPORT_TIMELINESS) for n (plan, period) pairs, of one unit or of
 * all (unit_id REPORTS_ALL_UNITS). Caller PQclears *out. Columns: plan_id, task_id, unit_id, code,
 * name, kind, period, expected, on_time, late, missing. */
enum svc_error reports_timeliness(struct db_conn *conn, const long long *plan_ids,
                                  const struct report_period *periods, size_t n, long long unit_id,
                                  report_day as_of, PGresult **out)
        __attribute__((warn_unused_result));

/* The JSON text of a report body (stolen); caller frees. NULL when out of memory. */
char *reports_dump(json_t *body);

/* The tasks of a plan, as STMT_REPORT_PLAN_TASKS returns them; caller PQclears *out. */
enum svc_error reports_plan_tasks(struct db_conn *conn, long long plan_id, PGresult **out)
        __attribute__((warn_unused_result));
/* The id of the unit with this code in id ("" when there is none). */
enum svc_error reports_unit_by_code(struct db_conn *conn, const char *code, char id[24])
        __attribute__((warn_unused_result));
/* The details (id, then three JSON columns) of the targets of rows[0..n) of s; caller PQclears
 * *out, which may be NULL on failure. */
enum svc_error reports_target_details(struct db_conn *conn, const struct reports_set *s,
                                      const int *rows, int n, PGresult **out)
        __attribute__((warn_unused_result));
/* The unit's report row (id, unit JSON); SVC_NOT_FOUND when none. Caller PQclears *out. */
enum svc_error reports_unit_load(struct db_conn *conn, const char *unit_id, PGresult **out)
        __attribute__((warn_unused_result));

/* A measure's targets evaluated as of o (freed on failure). */
enum svc_error reports_measure_load(struct db_conn *conn, const char *measure_id,
                                    const struct reports_options *o, struct reports_set *s)
        __attribute__((warn_unused_result));
/* Sets "progress" on a target object from set (a struct reports_set), matched by id: a
 * repo_item_map. */
void reports_attach(json_t *target, void *set);
/* GET /v1/measures/{id} with ?as_of= or ?include=: the usual representation (*out, owned)
 * with a "progress" object on each target and a roll-up on the measure. */
enum svc_error reports_measure_get(struct db_conn *conn, const char *measure_id, const char *expand,
                                   const struct reports_options *o, json_t **out)
        __attribute__((warn_unused_result));

#endif
