/* db_call.c — one statement on a connection: prepared, unnamed or simple, bounded in time when
 * asked, run once more after a lost connection when that is safe; results classified as errors. */
#include "db_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "request_limits.h"

PGresult *db_call_exec(PGconn *pg, const struct db_call *c)
{
	if (c->simple)
		return PQexec(pg, c->sql);
	if (c->name != NULL)
		return PQexecPrepared(pg, c->name, c->nparams, c->params, NULL, NULL, 0);
	return PQexecParams(pg, c->sql, c->nparams, NULL, c->params, NULL, NULL, 0);
}

static int db_call_send(PGconn *pg, const struct db_call *c)
{
	if (c->simple)
		return PQsendQuery(pg, c->sql);
	if (c->name != NULL)
		return PQsendQueryPrepared(pg, c->name, c->nparams, c->params, NULL, NULL, 0);
	return PQsendQueryParams(pg, c->sql, c->nparams, NULL, c->params, NULL, NULL, 0);
}

/* db_call_exec (the last result, as PQexec gives it) waiting at most ms for the answer (ms < 0:
 * as long as it takes). NULL when the time ran out: what was sent may still be queued (in a
 * pooler waiting for a server that is down), so the caller must close pg. */
PGresult *db_call_within(PGconn *pg, const struct db_call *c, long long ms)
{
	if (ms < 0)
		return db_call_exec(pg, c);
	if (ms == 0)
		return NULL;
	if (db_call_send(pg, c) != 1)
		return PQmakeEmptyPGresult(pg, PGRES_FATAL_ERROR);
	return db_result_within(pg, ms);
}

PGresult *db_result_within(PGconn *pg, long long ms)
{
	if (ms < 0) { /* as PQexec does: the last result */
		PGresult *r, *last = NULL;
		while ((r = PQgetResult(pg)) != NULL) {
			PQclear(last);
			last = r;
		}
		return last != NULL ? last : PQmakeEmptyPGresult(pg, PGRES_FATAL_ERROR);
	}
	long long until = clock_now_ms() + ms;
	PGresult *last = NULL;
	for (;;) {
		while (PQisBusy(pg)) {
			long long left = until - clock_now_ms();
			struct pollfd p = {.fd = PQsocket(pg), .events = POLLIN};
			int n = left > 0 ? poll(&p, 1, (int)left) : 0;
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				PQclear(last);
				return NULL;
			}
			if (PQconsumeInput(pg) == 0)
				break; /* the connection is gone: PQgetResult says so without
				          waiting */
		}
		PGresult *r = PQgetResult(pg);
		if (r == NULL)
			break;
		PQclear(last);
		last = r;
		ExecStatusType st = PQresultStatus(r);
		if (PQstatus(pg) == CONNECTION_BAD || st == PGRES_COPY_IN || st == PGRES_COPY_OUT ||
		    st == PGRES_COPY_BOTH)
			break;
	}
	return last != NULL ? last : PQmakeEmptyPGresult(pg, PGRES_FATAL_ERROR);
}

/* The connection that serves conn's request: its stand-in once the replica has failed it. */
struct db_conn *db_serving(struct db_conn *conn)
{
	return conn->standin != NULL ? conn->standin : conn;
}

int db_result_ok(const PGresult *r)
{
	ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* The connection is gone or the server is going, or cannot take connections now (57P03, also
 * what a pooler passes on): the failure says nothing of the statement. */
int db_conn_lost(PGconn *pg, const PGresult *r)
{
	if (pg == NULL || PQstatus(pg) != CONNECTION_OK)
		return 1;
	const char *s = r != NULL ? db_sqlstate(r) : "";
	return strncmp(s, "08", 2) == 0 || strncmp(s, "57P0", 4) == 0;
}

/* Runs call on conn, a connection of any pool or none (the command line's, run as it is); on
 * a primary, a retry-safe call outside a transaction that lost its connection runs once more
 * on a new one. Never NULL. */
PGresult *db_run(struct db_conn *conn, const struct db_call *call)
{
	struct db_pool *pool = conn->pool;
	int idle = conn->pg == NULL || PQtransactionStatus(conn->pg) == PQTRANS_IDLE;
	if (pool != NULL && pool->fallback != NULL && idle) {
		PGresult *rr = db_run_on_replica(conn, call);
		/* answered in time: the request's further reads are each bounded on their own */
		if (db_result_ok(rr))
			db_replica_attempt_end();
		return rr;
	}
	PGresult *r = conn->pg != NULL ? db_call_exec(conn->pg, call) : NULL;
	/* A read outside a transaction changed nothing, so after a lost connection (server
	 * restart, terminated backend) a retry-safe one is run once more on a new one; a write
	 * might have committed before the connection went. */
	if (pool != NULL && !db_result_ok(r) && idle && call->retry &&
	    PQstatus(conn->pg) != CONNECTION_OK) {
		PQclear(r);
		PQfinish(conn->pg);
		conn->pg = NULL;
		r = NULL;
		if (db_conn_open(pool, conn) == 0)
			r = db_call_exec(conn->pg, call);
	}
	return r != NULL ? r : PQmakeEmptyPGresult(conn->pg, PGRES_FATAL_ERROR);
}

PGresult *db_exec(struct db_conn *conn, enum db_stmt stmt, int nparams, const char *const *params)
{
	conn = db_serving(conn);
	if (limits_deadline_left_ms() == 0) /* the request is out of time: 503 (db_result_error) */
		return PQmakeEmptyPGresult(conn->pg, PGRES_FATAL_ERROR);
	/* Unnamed statements send their text with each call (PgBouncer transaction pooling). */
	int prepared = conn->pool->statements == DB_STATEMENTS_PREPARED;
	const struct db_call call = {prepared ? db_stmt_table[stmt].name : NULL,
	                             db_stmt_table[stmt].sql,
	                             nparams,
	                             params,
	                             0,
	                             (db_stmt_table[stmt].properties & DB_STMT_RETRY_SAFE) != 0};
	return db_run(conn, &call);
}

PGresult *db_exec_text(struct db_conn *conn, const char *sql, int nparams,
                       const char *const *params)
{
	conn = db_serving(conn);
	/* never run again on the primary (it may fill a transaction's temporary tables); a
	 * replica runs only reads, which may move to the primary when the replica fails them */
	int replica = conn->pool != NULL && conn->pool->fallback != NULL;
	const struct db_call call = {NULL, sql, nparams, params, 0, replica};
	return db_run(conn, &call);
}

enum svc_error db_copy_in(struct db_conn *conn, const char *copy_sql, const char *data, size_t len)
{
	conn = db_serving(conn);
	PGresult *r = PQexec(conn->pg, copy_sql);
	if (r == NULL || PQresultStatus(r) != PGRES_COPY_IN) {
		enum svc_error e = r != NULL ? db_result_error(conn, r) : SVC_UNAVAILABLE;
		PQclear(r);
		return e != SVC_OK ? e : SVC_INTERNAL;
	}
	PQclear(r);
	/* libpq takes at most INT_MAX bytes per call; 1 MiB pieces keep its buffer small. */
	const size_t piece = 1u << 20;
	int sent = 1;
	for (size_t off = 0; sent == 1 && off < len; off += piece)
		sent = PQputCopyData(conn->pg, data + off,
		                     (int)(len - off < piece ? len - off : piece));
	int ended = PQputCopyEnd(conn->pg, sent == 1 ? NULL : "zeren: sending the data failed");
	/* the server's verdict (a refused row, a lost connection) comes as a result either way */
	enum svc_error e = SVC_OK;
	while ((r = PQgetResult(conn->pg)) != NULL) {
		/* still copying: the end could not be sent, and asking again would not change that
		 */
		int stuck = PQresultStatus(r) == PGRES_COPY_IN;
		if (e == SVC_OK)
			e = stuck ? SVC_UNAVAILABLE : db_result_error(conn, r);
		PQclear(r);
		if (stuck || PQstatus(conn->pg) != CONNECTION_OK)
			break;
	}
	if (e == SVC_OK && (sent != 1 || ended != 1))
		e = SVC_UNAVAILABLE;
	return e;
}

PGresult *db_exec_simple(struct db_conn *conn, const char *sql)
{
	/* outside a transaction (BEGIN...) it has done nothing yet, so it may run again */
	const struct db_call call = {NULL, sql, 0, NULL, 1, 1};
	return db_run(db_serving(conn), &call);
}

const char *db_sqlstate(const PGresult *res)
{
	const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	return s != NULL ? s : "";
}

static enum svc_error db_result_class(struct db_conn *conn, const PGresult *res);

enum svc_error db_result_error(struct db_conn *conn, const PGresult *res)
{
	conn = db_serving(conn);
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return SVC_OK;
	enum svc_error e = db_result_class(conn, res);
	metrics_observe_db_error(e == SVC_UNAVAILABLE  ? "unavailable"
	                         : e == SVC_CONFLICT   ? "conflict"
	                         : e == SVC_FORBIDDEN  ? "forbidden"
	                         : e == SVC_VALIDATION ? "constraint"
	                                               : "other");
	return e;
}

static enum svc_error db_result_class(struct db_conn *conn, const PGresult *res)
{
	if (PQstatus(conn->pg) != CONNECTION_OK)
		return SVC_UNAVAILABLE;
	const char *state = db_sqlstate(res);
	if (state[0] == '\0' && limits_deadline_left_ms() == 0)
		return SVC_UNAVAILABLE; /* refused by db_exec past the request's deadline */
	if (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0 ||
	    strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return SVC_CONFLICT;
	if (strcmp(state, "42501") == 0)
		return SVC_FORBIDDEN;
	if (strncmp(state, "23", 2) == 0 || strcmp(state, "22P02") == 0 ||
	    strcmp(state, "22003") == 0 || strcmp(state, "22007") == 0 ||
	    strcmp(state, "22008") == 0)
		return SVC_VALIDATION;
	/* 57014 statement timeout, 55P03 lock timeout: the database is too busy now */
	if (strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0 ||
	    strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P03") == 0)
		return SVC_UNAVAILABLE;
	log_msg("error", "db_error", "%s %s", state, PQresultErrorMessage(res));
	return SVC_INTERNAL;
}
