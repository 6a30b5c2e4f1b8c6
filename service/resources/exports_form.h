/* exports_form.h — a unit's report form for one period: the unit, each measure it reports on
 * with its targets evaluated as of the period's end, loaded from the plans' export data; and
 * the form written as a workbook. The workbook's layout is shared with its reader
 * (progress_batch_sheet.c) through the column keys in its hidden key row. */
#ifndef ZEREN_EXPORTS_FORM_H
#define ZEREN_EXPORTS_FORM_H

#include <libpq-fe.h>

#include "../db.h"
#include "exports_repo.h"

/* The form's fixed columns, in order, then EXPORT_FORM_SLOT_COLS per target slot. */
enum export_form_col {
	EXPORT_FORM_MEASURE_ID, /* hidden */
	EXPORT_FORM_UNIT,       /* hidden */
	EXPORT_FORM_PERIOD,     /* hidden */
	EXPORT_FORM_MEASURE,
	EXPORT_FORM_REPORTED,
	EXPORT_FORM_STATUS,
	EXPORT_FORM_SUMMARY,
	EXPORT_FORM_PROBLEMS,
	EXPORT_FORM_NEXT_STEPS,
	EXPORT_FORM_FIXED_COLS
};
/* Per target slot: its id (hidden), its text with the current actual, the value to fill. */
#define EXPORT_FORM_SLOT_COLS 3
/* Target slots at most: the reader keeps to 64 columns. */
#define EXPORT_FORM_MAX_SLOTS 18
/* The sheet's rows: title, instructions, the hidden key row, the labels, then one per measure. */
#define EXPORT_FORM_KEY_ROW   2
#define EXPORT_FORM_FIRST_ROW 4

/* The key row's names of the fixed columns (the reader finds its columns by them). */
extern const char *const export_form_keys[EXPORT_FORM_FIXED_COLS];
/* The status drop-down's labels, in the order of domain_statuses. */
extern const char *const export_form_status_labels[];

/* One measure of the form: its plan's data, its first row in that set and how many targets. */
struct export_form_measure {
	const struct export_data *d; /* borrowed from the form */
	int row, ntargets;
	int reported; /* the unit already has a record for the period */
};

/* The form. Free with export_form_free on every path. */
struct export_form {
	PGresult *unit, *measures;
	char period[16], period_start[11], period_end[11];
	struct export_data *plans; /* one per plan of the measures */
	size_t nplans;
	struct export_form_measure *rows;
	size_t nrows;
	int slots; /* target slots: the most targets of any measure, at least 1 */
};

/* Loads unit_id's form for period (checked: period_start/end set by the caller) with o as the
 * base options (as_of is set to the period's end). SVC_NOT_FOUND when there is no such unit;
 * SVC_CONFLICT when a measure has more than EXPORT_FORM_MAX_SLOTS targets. */
enum svc_error export_form_load(struct db_conn *conn, const char *unit_id,
                                const struct reports_options *o, struct export_form *f)
        __attribute__((warn_unused_result));
void export_form_free(struct export_form *f);
/* The unit's column col (STMT_EXPORT_FORM_UNIT_COL_*); borrowed from f. */
const char *export_form_unit(const struct export_form *f, int col);

/* Writes the form to the file at path; 0 on success. */
int export_form_write(const struct export_form *f, const char *path)
        __attribute__((warn_unused_result));

#endif
