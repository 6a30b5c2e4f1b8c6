/* progress_batch_repo.c — the batch's statements in the order they must run, on the tx kit;
 * a batch that is refused says why per row, one that is written logs each step's time. */
#include "progress_batch_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../log.h"
#include "../validate.h"

/* Step times: stage, check, insert, values, audit (each its start) and the end. */
enum batch_step { BATCH_STAGE, BATCH_CHECK, BATCH_INSERT, BATCH_VALUES, BATCH_AUDIT, BATCH_END };

double batch_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Adds the database's [{i, field, problem}] to errors; returns the reply's status: 403 when a
 * reporter's row is out of scope, else 400 when an id and a code disagree, else 409 for
 * conflicts, else 422. */
static enum svc_error batch_problems(enum principal_role role, const char *text, json_t *errors)
{
	json_t *problems = json_loads(text, 0, NULL);
	enum svc_error kind = SVC_UNPROCESSABLE;
	size_t k;
	json_t *pr;
	json_array_foreach(problems, k, pr)
	{
		const char *msg = json_string_value(json_object_get(pr, "problem"));
		char p[96];
		snprintf(p, sizeof(p), "/%lld/%s", json_integer_value(json_object_get(pr, "i")),
		         json_string_value(json_object_get(pr, "field")));
		verr_add(errors, p, "%s", msg);
		if (strncmp(msg, "forbidden", 9) == 0 && role == ROLE_REPORTER)
			kind = SVC_FORBIDDEN;
		else if (strncmp(msg, "disagrees", 9) == 0 && kind != SVC_FORBIDDEN)
			kind = SVC_VALIDATION;
		else if (strncmp(msg, "conflict", 8) == 0 && kind != SVC_FORBIDDEN &&
		         kind != SVC_VALIDATION)
			kind = SVC_CONFLICT;
	}
	json_decref(problems);
	return kind;
}

/* The staging tables, the rows copied into them and their codes resolved. */
static int batch_stage(struct tx *tx, const struct batch_rows *rows)
{
	if (tx_command(tx, SQL_BATCH_STAGE) != 0 ||
	    tx_copy_in(tx, SQL_BATCH_COPY_ROWS, rows->rows_copy, rows->rows_len) != 0)
		return -1;
	if (rows->n_values > 0 &&
	    tx_copy_in(tx, SQL_BATCH_COPY_VALUES, rows->values_copy, rows->values_len) != 0)
		return -1;
	/* ids for codes, only when some row named a measure or target by code alone */
	if (rows->n_by_code > 0 && tx_command(tx, SQL_BATCH_RESOLVE) != 0)
		return -1;
	return 0;
}

/* The database's checks of every row, with the scope set; -1 with the rows' problems. */
static int batch_check(struct tx *tx, enum principal_role role, struct batch_rows *rows)
{
	const char *p[] = {tx->env->actor.role, tx->env->actor.unit};
	PGresult *r = tx_exec_text(tx, SQL_BATCH_CHECK, 2, p);
	if (r == NULL)
		return -1;
	int refused = strcmp(PQgetvalue(r, 0, 2), "[]") != 0;
	if (refused)
		tx_fail(tx, batch_problems(role, PQgetvalue(r, 0, 2), rows->errors),
		        "some rows cannot be written; nothing was written");
	PQclear(r);
	return refused ? -1 : 0;
}

/* The records; when some row found one already, -1 naming those rows. */
static int batch_insert(struct tx *tx, enum principal_role role, struct batch_rows *rows)
{
	const char *p[] = {tx->env->actor.sub, tx->env->actor.iss};
	PGresult *r = tx_exec_text(tx, SQL_BATCH_INSERT, 2, p);
	if (r == NULL)
		return -1;
	int all = strtoull(PQgetvalue(r, 0, 0), NULL, 10) == rows->n;
	PQclear(r);
	if (all)
		return 0;
	if ((r = tx_exec_text(tx, SQL_BATCH_CONFLICTS, 0, NULL)) == NULL)
		return -1;
	enum svc_error kind = batch_problems(role, PQgetvalue(r, 0, 0), rows->errors);
	PQclear(r);
	if (json_array_size(rows->errors) > 0)
		return tx_fail(tx, kind,
		               "records for some rows exist already; nothing was written");
	/* no row found a record: reference data (a unit's code) changed meanwhile */
	return tx_fail(tx, SVC_CONFLICT,
	               "the plan's reference data changed while the batch was written; nothing "
	               "was written, send it again");
}

/* Each record's values. */
static int batch_values(struct tx *tx)
{
	PGresult *r = tx_exec_text(tx, SQL_BATCH_VALUES, 0, NULL);
	PQclear(r);
	return r != NULL ? 0 : -1;
}

/* The audit row; *ids (owned) the new records' ids. */
static int batch_audit(struct tx *tx, json_t **ids)
{
	const struct tx_actor *a = &tx->env->actor;
	const char *p[] = {a->sub, a->iss, a->unit, a->request_id};
	PGresult *r = tx_exec_text(tx, SQL_BATCH_AUDIT, 4, p);
	if (r == NULL)
		return -1;
	*ids = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	return 0;
}

static void batch_log(const struct tx_env *env, size_t n, double started, const double *t)
{
	log_json("info", "batch_written",
	         json_pack("{sssIsfsfsfsfsfsfsf}", "request_id", env->actor.request_id, "rows",
	                   (json_int_t)n, "parse_ms", (t[BATCH_STAGE] - started) * 1e3, "stage_ms",
	                   (t[BATCH_CHECK] - t[BATCH_STAGE]) * 1e3, "check_ms",
	                   (t[BATCH_INSERT] - t[BATCH_CHECK]) * 1e3, "insert_ms",
	                   (t[BATCH_VALUES] - t[BATCH_INSERT]) * 1e3, "values_ms",
	                   (t[BATCH_AUDIT] - t[BATCH_VALUES]) * 1e3, "audit_ms",
	                   (t[BATCH_END] - t[BATCH_AUDIT]) * 1e3, "commit_ms",
	                   (batch_now() - t[BATCH_END]) * 1e3));
}

void progress_batch_repo_write(const struct tx_env *env, enum principal_role role,
                               struct batch_rows *rows, enum batch_mode mode, double started,
                               struct batch_outcome *out)
{
	memset(out, 0, sizeof(*out));
	const struct tx_options opt = {
	        .conflict = "a record for one of the rows was written meanwhile; nothing was "
	                    "written",
	        .forbidden = "the database refused a row outside the unit's scope; nothing was "
	                     "written",
	};
	double t[BATCH_END + 1];
	struct tx tx;
	t[BATCH_STAGE] = batch_now();
	if (tx_begin(&tx, env, &opt) != 0 || batch_stage(&tx, rows) != 0)
		goto cleanup;
	t[BATCH_CHECK] = batch_now();
	if (batch_check(&tx, role, rows) != 0)
		goto cleanup;
	t[BATCH_INSERT] = batch_now();
	if (batch_insert(&tx, role, rows) != 0)
		goto cleanup;
	t[BATCH_VALUES] = batch_now();
	if (rows->n_values > 0 && batch_values(&tx) != 0)
		goto cleanup;
	t[BATCH_AUDIT] = batch_now();
	if (mode == BATCH_DRY_RUN) /* every check has run, the writes included: undo them */
		goto cleanup;
	if (batch_audit(&tx, &out->ids) != 0)
		goto cleanup;
	t[BATCH_END] = batch_now();
	if (tx_commit(&tx) == 0)
		batch_log(env, rows->n, started, t);
cleanup:
	tx_end(&tx, &out->res);
	if (out->res.err != SVC_OK) {
		json_decref(out->ids);
		out->ids = NULL;
	}
}
