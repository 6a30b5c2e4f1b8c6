/* db_pipeline.c — several statements in one round trip (libpq's pipeline mode): a write's
 * BEGIN with its first statement, its last statements with COMMIT. */
#include "db_internal.h"

#include <string.h>

#include "request_limits.h"

/* Queues one step in the pipeline; 1 when it was queued. */
static int db_pipeline_send(PGconn *pg, enum db_statements statements, const struct db_step *s)
{
	if (s->sql != NULL)
		return PQsendQueryParams(pg, s->sql, 0, NULL, NULL, NULL, NULL, 0);
	if (statements == DB_STATEMENTS_UNNAMED)
		return PQsendQueryParams(pg, db_stmt_table[s->stmt].sql, s->n, NULL, s->p, NULL,
		                         NULL, 0);
	return PQsendQueryPrepared(pg, db_stmt_table[s->stmt].name, s->n, s->p, NULL, NULL, 0);
}

/* The next query's result in a pipeline and the NULL that ends it; NULL when the connection
 * gave none. */
static PGresult *db_pipeline_result(PGconn *pg)
{
	PGresult *r = PQgetResult(pg);
	if (r == NULL)
		return NULL;
	PGresult *more;
	while ((more = PQgetResult(pg)) != NULL) /* only a failure could say more */
		PQclear(more);
	return r;
}

/* One attempt of db_pipeline; 0, or -1 when the connection failed before any answer. */
static int db_pipeline_once(struct db_conn *conn, const struct db_step *steps, int n,
                            PGresult **results)
{
	PGconn *pg = conn->pg;
	int lsn = atomic_load(&conn->pool->capture_lsn);
	int sent = pg != NULL && PQenterPipelineMode(pg) == 1;
	int lsn_sent = 0;
	for (int i = 0; sent && i < n; i++) {
		sent = db_pipeline_send(pg, conn->pool->statements, &steps[i]) == 1;
		if (sent && lsn && steps[i].sql != NULL && strcmp(steps[i].sql, "COMMIT") == 0)
			lsn_sent = sent = PQsendQueryParams(pg, SQL_WAL_INSERT_LSN, 0, NULL, NULL,
			                                    NULL, NULL, 0) == 1;
	}
	sent = sent && PQpipelineSync(pg) == 1;
	int answered = 0;
	for (int i = 0; sent && i < n; i++) {
		results[i] = db_pipeline_result(pg);
		if (results[i] == NULL)
			break;
		answered = 1;
		if (lsn_sent && steps[i].sql != NULL && strcmp(steps[i].sql, "COMMIT") == 0) {
			PGresult *l = db_pipeline_result(pg);
			if (l != NULL)
				db_note_commit_lsn(l);
			PQclear(l);
		}
	}
	PGresult *r;
	while (sent && PQstatus(pg) == CONNECTION_OK && (r = PQgetResult(pg)) != NULL) {
		int synced = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
		PQclear(r);
		if (synced)
			break;
	}
	if (pg != NULL && PQpipelineStatus(pg) != PQ_PIPELINE_OFF && PQexitPipelineMode(pg) != 1) {
		PQfinish(pg); /* answers left unread: nobody can use this connection again */
		conn->pg = NULL;
	}
	for (int i = 0; i < n; i++)
		if (results[i] == NULL)
			results[i] = PQmakeEmptyPGresult(conn->pg, PGRES_FATAL_ERROR);
	return answered ? 0 : -1;
}

void db_pipeline(struct db_conn *conn, const struct db_step *steps, int n, PGresult **results)
{
	conn = db_serving(conn);
	for (int i = 0; i < n; i++)
		results[i] = NULL;
	if (limits_deadline_left_ms() == 0) { /* out of time: 503 (db_result_error) */
		for (int i = 0; i < n; i++)
			results[i] = PQmakeEmptyPGresult(conn->pg, PGRES_FATAL_ERROR);
		return;
	}
	int idle = conn->pg == NULL || PQtransactionStatus(conn->pg) == PQTRANS_IDLE;
	int writes = 0;
	for (int i = 0; i < n; i++)
		if (steps[i].sql == NULL &&
		    !(db_stmt_table[steps[i].stmt].properties & DB_STMT_READ_ONLY))
			writes = 1;
	if (db_pipeline_once(conn, steps, n, results) == 0 || !idle || writes ||
	    PQstatus(conn->pg) == CONNECTION_OK)
		return;
	/* lost before anything ran (a restarted server): nothing happened, so once more */
	for (int i = 0; i < n; i++) {
		PQclear(results[i]);
		results[i] = NULL;
	}
	PQfinish(conn->pg);
	conn->pg = NULL;
	if (db_conn_open(conn->pool, conn) == 0)
		db_pipeline_once(conn, steps, n, results);
	for (int i = 0; i < n; i++)
		if (results[i] == NULL)
			results[i] = PQmakeEmptyPGresult(conn->pg, PGRES_FATAL_ERROR);
}
