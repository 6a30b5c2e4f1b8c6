/* tx.c — the write-transaction kit: every write's connection, error mapping and ending. */
#include "tx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etag.h"
#include "refcache.h"

int tx_fail(struct tx *tx, enum svc_error err, const char *detail)
{
	tx->err = err;
	tx->detail = detail;
	return -1;
}

/* Keeps the database's message of the first failure when the options ask for it. */
static void tx_keep_message(struct tx *tx, const PGresult *r)
{
	if (tx->opt.message == NULL || tx->opt.message_size == 0 || tx->opt.message[0] != '\0')
		return;
	snprintf(tx->opt.message, tx->opt.message_size, "%s",
	         r != NULL ? PQresultErrorMessage(r) : "the database connection failed");
	size_t len = strlen(tx->opt.message);
	while (len > 0 && (tx->opt.message[len - 1] == '\n' || tx->opt.message[len - 1] == ' '))
		tx->opt.message[--len] = '\0';
}

/* Records a mapped error err (SQLSTATE state, "" when unknown) worded as the options say;
 * returns -1. */
static int tx_fail_mapped(struct tx *tx, enum svc_error err, const char *state,
                          const char *conflict)
{
	if (err != SVC_UNAVAILABLE) {
		if ((tx->opt.flags & TX_RESTRICT_IS_CONFLICT) && strcmp(state, "23503") == 0)
			err = SVC_CONFLICT;
		if ((tx->opt.flags & TX_CONSTRAINT_IS_CONFLICT) && strncmp(state, "23", 2) == 0)
			err = SVC_CONFLICT;
	}
	const char *detail = NULL;
	if (err == SVC_CONFLICT)
		detail = conflict != NULL ? conflict : tx->opt.conflict;
	else if (err == SVC_FORBIDDEN)
		detail = tx->opt.forbidden;
	return tx_fail(tx, err, detail);
}

/* r when it succeeded; otherwise NULL with r cleared and the error recorded. */
static PGresult *tx_check(struct tx *tx, PGresult *r, const char *conflict)
{
	enum svc_error err = db_result_error(tx->conn, r);
	if (err == SVC_OK)
		return r;
	tx_keep_message(tx, r);
	tx_fail_mapped(tx, err, db_sqlstate(r), conflict);
	PQclear(r);
	return NULL;
}

int tx_command(struct tx *tx, const char *sql)
{
	PGresult *r = tx->borrowed ? db_exec_simple(tx->conn, sql) /* reconnects when idle */
	                           : db_exec_text(tx->conn, sql, 0, NULL);
	r = tx_check(tx, r, NULL);
	PQclear(r);
	return r != NULL ? 0 : -1;
}

static void tx_init(struct tx *tx, const struct tx_env *env, const struct tx_options *opt)
{
	memset(tx, 0, sizeof(*tx));
	tx->env = env;
	if (opt != NULL)
		tx->opt = *opt;
	if (tx->opt.message != NULL && tx->opt.message_size > 0)
		tx->opt.message[0] = '\0';
}

int tx_begin(struct tx *tx, const struct tx_env *env, const struct tx_options *opt)
{
	tx_init(tx, env, opt);
	enum svc_error err = db_acquire(env->pool, &tx->conn);
	if (err != SVC_OK) {
		tx->conn = NULL;
		tx_keep_message(tx, NULL);
		return tx_fail(tx, err, "the database is not available; retry shortly");
	}
	tx->borrowed = 1;
	return tx_command(tx, "BEGIN");
}

PGresult *tx_begin_exec(struct tx *tx, const struct tx_env *env, const struct tx_options *opt,
                        enum db_stmt stmt, int n, const char *const *p)
{
	tx_init(tx, env, opt);
	enum svc_error err = db_acquire(env->pool, &tx->conn);
	if (err != SVC_OK) {
		tx->conn = NULL;
		tx_keep_message(tx, NULL);
		tx_fail(tx, err, "the database is not available; retry shortly");
		return NULL;
	}
	tx->borrowed = 1;
	const struct db_step steps[] = {{.sql = "BEGIN"}, {.stmt = stmt, .n = n, .p = p}};
	PGresult *r[2];
	db_pipeline(tx->conn, steps, 2, r);
	r[0] = tx_check(tx, r[0], NULL);
	if (r[0] == NULL) {
		PQclear(r[1]);
		return NULL;
	}
	PQclear(r[0]);
	return tx_check(tx, r[1], NULL);
}

/* The most statements tx_exec_commit sends with its COMMIT. */
#define TX_PIPELINE_MAX 8

int tx_exec_commit(struct tx *tx, const struct tx_step *steps, int n, PGresult **results)
{
	struct db_step s[TX_PIPELINE_MAX + 1];
	PGresult *r[TX_PIPELINE_MAX + 1];
	if (n > TX_PIPELINE_MAX)
		return tx_fail(tx, SVC_INTERNAL, NULL);
	for (int i = 0; i < n; i++)
		s[i] = (struct db_step){.stmt = steps[i].stmt, .n = steps[i].n, .p = steps[i].p};
	s[n] = (struct db_step){.sql = "COMMIT"};
	db_pipeline(tx->conn, s, n + 1, r);
	int failed = 0;
	for (int i = 0; i <= n; i++) {
		if (!failed) {
			r[i] = tx_check(tx, r[i], i < n ? steps[i].conflict : NULL);
			failed = r[i] == NULL;
		} else {
			PQclear(r[i]);
			r[i] = NULL;
		}
	}
	PQclear(r[n]);
	for (int i = 0; i < n; i++) {
		if (failed)
			PQclear(r[i]);
		results[i] = failed ? NULL : r[i];
	}
	if (failed)
		return -1;
	tx->committed = 1;
	if ((tx->opt.flags & TX_REFERENCE_DATA) && tx->env->refcache != NULL)
		refcache_invalidate(tx->env->refcache);
	return 0;
}

int tx_begin_on(struct tx *tx, struct db_conn *conn, const struct tx_env *env,
                const struct tx_options *opt)
{
	tx_init(tx, env, opt);
	tx->conn = conn;
	return tx_command(tx, "BEGIN");
}

PGresult *tx_exec(struct tx *tx, enum db_stmt stmt, int n, const char *const *p,
                  const char *conflict)
{
	return tx_check(tx, db_exec(tx->conn, stmt, n, p), conflict);
}

PGresult *tx_exec_text(struct tx *tx, const char *sql, int n, const char *const *p)
{
	return tx_check(tx, db_exec_text(tx->conn, sql, n, p), NULL);
}

int tx_copy_in(struct tx *tx, const char *copy_sql, const char *data, size_t len)
{
	enum svc_error err = db_copy_in(tx->conn, copy_sql, data, len);
	if (err == SVC_OK)
		return 0;
	tx_keep_message(tx, NULL);
	return tx_fail_mapped(tx, err, "", NULL);
}

int tx_run(struct tx *tx, enum db_stmt stmt, int n, const char *const *p, const char *conflict)
{
	PGresult *r = tx_exec(tx, stmt, n, p, conflict);
	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

int tx_exists(struct tx *tx, enum db_stmt stmt, int n, const char *const *p)
{
	PGresult *r = tx_exec(tx, stmt, n, p, NULL);
	if (r == NULL)
		return -1;
	int found = PQntuples(r) > 0;
	PQclear(r);
	return found;
}

int tx_single(struct tx *tx, enum db_stmt stmt, int n, const char *const *p, const char *conflict,
              char value[TX_ID_SIZE])
{
	PGresult *r = tx_exec(tx, stmt, n, p, conflict);
	if (r == NULL)
		return -1;
	int found = PQntuples(r) == 1;
	if (found)
		snprintf(value, TX_ID_SIZE, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return found;
}

char *tx_json(struct tx *tx, enum db_stmt stmt, const char *id)
{
	const char *p[] = {id};
	PGresult *r = tx_exec(tx, stmt, 1, p, NULL);
	if (r == NULL)
		return NULL;
	int rows = PQntuples(r);
	char *json = rows > 0 ? strdup(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	if (json == NULL)
		tx_fail(tx, rows == 0 ? SVC_NOT_FOUND : SVC_INTERNAL, NULL);
	return json;
}

int tx_precondition(struct tx *tx, const char *if_match, const char *text, size_t len,
                    const char *detail)
{
	char etag[ETAG_SIZE];
	etag_of(text, len, etag);
	return etag_matches(if_match, etag) ? 0 : tx_fail(tx, SVC_PRECONDITION_FAILED, detail);
}

char *tx_lock(struct tx *tx, enum db_stmt lock_stmt, const char *id, const char *if_match,
              const char *not_found)
{
	char *json = tx_json(tx, lock_stmt, id);
	if (json == NULL) {
		if (tx->err == SVC_NOT_FOUND)
			tx->detail = not_found;
		return NULL;
	}
	if (if_match != NULL &&
	    tx_precondition(tx, if_match, json, strlen(json),
	                    "the resource changed since it was read; GET it again") != 0) {
		free(json);
		return NULL;
	}
	return json;
}

int tx_audit(struct tx *tx, const char *action, const char *entity, const char *id,
             const char *before, const char *after)
{
	const struct tx_actor *a = &tx->env->actor;
	const char *p[] = {a->iss, a->sub, a->unit, a->request_id, action,
	                   entity, id,     before,  after};
	return tx_run(tx, STMT_ADMIN_AUDIT, 9, p, NULL);
}

int tx_commit(struct tx *tx)
{
	/* A pool's connection commits through db_commit, which also notes the commit's LSN for
	 * the reply's consistency token when reads go to a replica. */
	if (tx->borrowed) {
		enum svc_error err = db_commit(tx->conn);
		if (err != SVC_OK)
			return tx_fail_mapped(tx, err, "", NULL);
	} else if (tx_command(tx, "COMMIT") != 0) {
		return -1;
	}
	tx->committed = 1;
	if ((tx->opt.flags & TX_REFERENCE_DATA) && tx->env->refcache != NULL)
		refcache_invalidate(tx->env->refcache);
	return 0;
}

void tx_end(struct tx *tx, struct tx_result *out)
{
	if (tx->conn != NULL) {
		if (!tx->committed)
			db_rollback(tx->conn);
		if (tx->borrowed)
			db_release(tx->env->pool, tx->conn);
		tx->conn = NULL;
	}
	if (out == NULL)
		return;
	if (tx->err != SVC_OK) {
		free(out->json);
		out->json = NULL;
	}
	out->err = tx->err;
	out->detail = tx->detail;
}
