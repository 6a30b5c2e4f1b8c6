/* exports_repo.h — the data of one plan's export: the plan, every task, measure and target
 * evaluated, the document columns, and for the workbook the unit links and timeliness; and
 * each list cell's text, which the CSV and the workbook share. */
#ifndef ZEREN_EXPORTS_REPO_H
#define ZEREN_EXPORTS_REPO_H

#include <libpq-fe.h>

#include "../db.h"
#include "../report.h"
#include "reports_repo.h"

#define EXPORT_COLS        12
#define EXPORT_MAX_PERIODS 240

/* Which cells span a whole task, a whole measure, or one target row. */
enum export_span { EXPORT_TASK, EXPORT_MEASURE, EXPORT_TARGET };

/* The file asked for: the list as CSV, or the workbook (the list and unit scorecards). */
enum export_format { EXPORT_CSV, EXPORT_XLSX };

/* The list's column headings, spans and the colours' names, in column order. */
extern const char *const export_headers[EXPORT_COLS];
extern const enum export_span export_spans[EXPORT_COLS];
extern const char *const export_colour_names[REPORT_COLOUR_COUNT];

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

/* Loads plan_id's export as of d->o (set by the caller) into d; the workbook's extra data
 * only for EXPORT_XLSX. SVC_NOT_FOUND when there is no such plan. Free d with
 * export_data_free on every path. */
enum svc_error export_data_load(struct db_conn *conn, const char *plan_id,
                                enum export_format format, struct export_data *d)
        __attribute__((warn_unused_result));
void export_data_free(struct export_data *d);

/* Cell col of set row i, written into a new string the caller frees; NULL when out of
 * memory. */
char *export_cell(const struct export_data *d, int i, int col);

/* The measure's counts, the target's set row: borrowed from d, NULL when not there. */
const struct export_stat *export_stat_find(const struct export_data *d, long long measure_id);
const struct export_target *export_target_find(const struct export_data *d, long long target_id);

#endif
