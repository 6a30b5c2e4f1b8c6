/* progress_batch_sheet.h — a filled report form (GET /v1/exports/units/{id}/template.xlsx) read
 * back as batch rows. No HTTP here. */
#ifndef ZEREN_PROGRESS_BATCH_SHEET_H
#define ZEREN_PROGRESS_BATCH_SHEET_H

#include <stddef.h>

#include <jansson.h>

/* Why a workbook was not read. */
enum batch_sheet_error {
	BATCH_SHEET_OK,
	BATCH_SHEET_UNREADABLE, /* not an .xlsx, encrypted, or broken inside */
	BATCH_SHEET_TOO_LARGE,  /* over the document reader's limits */
	BATCH_SHEET_NOT_A_FORM, /* a workbook without the form's key row */
	BATCH_SHEET_NOMEM
};

/* Called with each filled row as the object a JSON batch row is (measure_id, unit, period,
 * status, summary, problems, next_steps, values), borrowed, and its index: its place among the
 * form's measure rows from 0 (the sheet's row number is index + EXPORT_FORM_FIRST_ROW + 1).
 * Returns 0 to go on. */
typedef int (*batch_sheet_fn)(json_t *row, size_t index, void *arg);

/* Reads the workbook's first sheet: finds the hidden key row, maps the status labels of the
 * drop-down to their words, and hands over every row with something filled in (a status, a
 * text or a value); untouched rows are skipped. *message (static text) says what went wrong. */
enum batch_sheet_error batch_sheet_each(const char *body, size_t len, batch_sheet_fn fn, void *arg,
                                        const char **message) __attribute__((warn_unused_result));

#endif
