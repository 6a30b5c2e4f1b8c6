/* progress_batch_rows.h — a batch's rows, read from a JSON array or CSV, each checked as it is
 * read and written out in COPY text format for the batch's staging tables. */
#ifndef ZEREN_PROGRESS_BATCH_ROWS_H
#define ZEREN_PROGRESS_BATCH_ROWS_H

#include <stddef.h>

#include <jansson.h>

struct http_ctx;

#define BATCH_MAX_ROWS   100000
#define BATCH_MAX_ERRORS 1000

struct batch_rows {
	json_t *errors; /* [{pointer, message}]; rows stop being checked once it holds
	                 * BATCH_MAX_ERRORS (a row may add several); owned */
	int forbidden;  /* a reporter's row named another unit */
	size_t n, n_values;
	size_t n_by_code; /* rows naming their measure or a target by code only: the database
	                   * resolves the codes before its checks */
	/* COPY text for pg_temp.batch_rows (i, measure_id, measure_code, unit, period,
	 * period_start, period_end, status, summary, problems, next_steps, evidence) and
	 * pg_temp.batch_values (i, target_id, target_code, value); owned */
	char *rows_copy, *values_copy;
	size_t rows_len, values_len;
};

/* Reads and checks the request's rows. 0: rows is filled (errors may name bad rows, and then
 * the COPY text is incomplete); -1: a reply was sent (not JSON or CSV, not an array, bad CSV,
 * no rows, too many rows). Free rows with batch_rows_free in both cases. */
int batch_rows_read(struct http_ctx *ctx, struct batch_rows *rows);
void batch_rows_free(struct batch_rows *rows);

#endif
