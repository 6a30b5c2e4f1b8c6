/* db_pool.c — the connection pool: a fixed set of connections shared under a mutex and
 * condition variable, opened lazily with the session set up and every statement prepared. */
#include "db_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "embedded.h"
#include "log.h"
#include "request_limits.h"

int db_statements_parse(const char *text, enum db_statements *out)
{
	if (text != NULL && strcmp(text, "prepared") == 0)
		*out = DB_STATEMENTS_PREPARED;
	else if (text != NULL && strcmp(text, "unnamed") == 0)
		*out = DB_STATEMENTS_UNNAMED;
	else
		return -1;
	return 0;
}

struct db_pool *db_pool_create(const char *conninfo, int size, int timeout_ms,
                               enum db_statements statements)
{
	struct db_pool *pool = calloc(1, sizeof(*pool));
	if (pool == NULL)
		return NULL;
	pool->conninfo = strdup(conninfo);
	pool->conns = calloc((size_t)size, sizeof(*pool->conns));
	if (pool->conninfo == NULL || pool->conns == NULL) {
		free(pool->conninfo);
		free(pool->conns);
		free(pool);
		return NULL;
	}
	pool->size = size;
	pool->timeout_ms = timeout_ms;
	pool->statements = statements;
	pool->lock_timeout_ms = timeout_ms;
	for (int i = 0; i < size; i++)
		pool->conns[i].pool = pool;
	atomic_init(&pool->columns_checked, 0);
	pthread_mutex_init(&pool->lock, NULL);
	clock_cond_init(&pool->freed);
	return pool;
}

void db_pool_set_lock_timeout(struct db_pool *pool, int ms)
{
	pool->lock_timeout_ms = ms;
}

void db_pool_destroy(struct db_pool *pool)
{
	if (pool == NULL)
		return;
	for (int i = 0; i < pool->size; i++)
		if (pool->conns[i].pg != NULL)
			PQfinish(pool->conns[i].pg);
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->freed);
	free(pool->conns);
	free(pool->conninfo);
	free(pool);
}

/* PQprepare or PQdescribePrepared (name, with sql: prepare it) waiting at most bound ms, as
 * db_call_within: NULL when the time ran out (close pg). */
static PGresult *db_prepare_within(PGconn *pg, const char *name, const char *sql, long long bound)
{
	if (bound == 0)
		return NULL;
	int sent = sql != NULL ? PQsendPrepare(pg, name, sql, 0, NULL)
	                       : PQsendDescribePrepared(pg, name);
	if (sent != 1)
		return PQmakeEmptyPGresult(pg, PGRES_FATAL_ERROR);
	return db_result_within(pg, bound);
}

/* 0 when every prepared statement that declares its result columns (-- columns: in its .sql
 * file) returns that many, so STMT_X_COL_... name the columns they say; else logs the first
 * that does not. Each round trip waits at most what db_wait_bound gives (a replica's). */
static int db_check_columns(PGconn *pg, const struct db_pool *pool)
{
	/* Unnamed: each statement is prepared as the unnamed one and described, inside a
	 * transaction so that a transaction pooler keeps both on one server connection. */
	int unnamed = pool->statements == DB_STATEMENTS_UNNAMED;
	const struct db_call begin = {NULL, "BEGIN", 0, NULL, 1, 0};
	if (unnamed) {
		PGresult *r = db_call_within(pg, &begin, db_wait_bound(pool));
		int ok = db_result_ok(r);
		PQclear(r);
		if (!ok)
			return -1;
	}
	int rc = 0;
	for (int i = 0; rc == 0 && i < DB_STMT_COUNT; i++) {
		if (db_stmt_table[i].ncols < 0)
			continue;
		const char *name = unnamed ? "" : db_stmt_table[i].name;
		int answered = 1;
		if (unnamed) {
			PGresult *p = db_prepare_within(pg, "", db_stmt_table[i].sql,
			                                db_wait_bound(pool));
			answered = p != NULL;
			PQclear(p);
		}
		PGresult *r =
		        answered ? db_prepare_within(pg, name, NULL, db_wait_bound(pool)) : NULL;
		if (r == NULL) {
			log_msg("warn", "db_connect_failed",
			        "the server did not answer the check of the statements' columns in "
			        "time");
			rc = -1;
			break;
		}
		int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		int n = ok ? PQnfields(r) : -1;
		PQclear(r);
		if (n != db_stmt_table[i].ncols) {
			log_msg("error", "db_columns_mismatch",
			        "%s returns %d columns; its .sql file declares %d",
			        db_stmt_table[i].name, n, db_stmt_table[i].ncols);
			rc = -1;
		}
	}
	if (rc != 0)
		return rc; /* the caller closes the connection: nothing to roll back */
	if (unnamed) {
		const struct db_call rollback = {NULL, "ROLLBACK", 0, NULL, 1, 0};
		PGresult *r = db_call_within(pg, &rollback, db_wait_bound(pool));
		rc = db_result_ok(r) ? 0 : -1;
		PQclear(r);
	}
	return rc;
}

/* Sets the session's statement and lock timeouts (SQL_SESSION_SETUP), waiting at most bound ms
 * (db_call_within); 0 when done. On -1 pg may still be busy with it: close it. */
int db_session_timeouts(PGconn *pg, int statement_ms, int lock_ms, long long bound)
{
	char timeout[16], lock[16];
	snprintf(timeout, sizeof(timeout), "%d", statement_ms);
	snprintf(lock, sizeof(lock), "%d", lock_ms);
	const char *const setup[] = {timeout, lock};
	const struct db_call call = {NULL, SQL_SESSION_SETUP, 2, setup, 0, 0};
	PGresult *r = db_call_within(pg, &call, bound);
	int ok = r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	return ok ? 0 : -1;
}

/* How long opening a connection of pool may take: on a replica what one round trip may
 * (db_replica_bound), so the primary keeps the rest; on the primary what is left of the
 * request's deadline (-1 outside a request: the connect_timeout alone). */
static long long db_connect_bound(const struct db_pool *pool)
{
	return pool->fallback != NULL ? db_replica_bound(pool) : limits_deadline_left_ms();
}

/* Connects and prepares every statement; on any failure the connection is dropped. */
int db_conn_open(struct db_pool *pool, struct db_conn *conn)
{
	char err[512];
	PGconn *pg = db_connect_within(pool->conninfo, db_connect_bound(pool), err, sizeof(err));
	if (pg == NULL) {
		log_msg("warn", "db_connect_failed", "%s", err);
		return -1;
	}
	/* the statement and lock timeouts, and no JIT (why: SQL_SESSION_SETUP in sql/schema.sql) */
	int ok = db_session_timeouts(pg, pool->timeout_ms, pool->lock_timeout_ms,
	                             db_wait_bound(pool)) == 0;
	PGresult *r;
	/* Statements written for another schema would fail to prepare, or worse, prepare and
	 * mean something else: serve only the schema this binary was built with. */
	const struct db_call version = {NULL, SQL_SCHEMA_VERSION, 0, NULL, 1, 0};
	r = ok ? db_call_within(pg, &version, db_wait_bound(pool)) : NULL;
	int col = SQL_SCHEMA_VERSION_COL_VERSION;
	if (!ok || r == NULL) {
		/* not answered in time (a pooler holding it for a server that is down), or failed
		 */
		log_msg("warn", "db_connect_failed",
		        "the server did not answer the session set-up in time, or refused it");
		ok = 0;
	} else if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 ||
	           atoi(PQgetvalue(r, 0, col)) != embedded_schema_version) {
		log_msg("error", "db_schema_version",
		        "the database schema is version %s; this binary serves version %d (an "
		        "older database: run `zeren migrate`; a newer one: run a newer binary)",
		        PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, col) : "unknown",
		        embedded_schema_version);
		ok = 0;
	}
	PQclear(r);
	/* Unnamed statements are parsed with each call; nothing to keep on the connection. */
	int prepare = pool->statements == DB_STATEMENTS_PREPARED;
	for (int i = 0; ok && prepare && i < DB_STMT_COUNT; i++) {
		r = db_prepare_within(pg, db_stmt_table[i].name, db_stmt_table[i].sql,
		                      db_wait_bound(pool));
		if (r == NULL) {
			log_msg("warn", "db_connect_failed",
			        "the server did not answer preparing the statements in time");
			ok = 0;
		} else if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			log_msg("error", "db_prepare_failed", "%s: %s", db_stmt_table[i].name,
			        PQresultErrorMessage(r));
			ok = 0;
		}
		PQclear(r);
	}
	if (ok && !atomic_load(&pool->columns_checked)) {
		ok = db_check_columns(pg, pool) == 0;
		if (ok)
			atomic_store(&pool->columns_checked, 1);
	}
	if (!ok) {
		PQfinish(pg);
		return -1;
	}
	conn->pg = pg;
	return 0;
}

static unsigned long long db_elapsed_ns(const struct timespec *from)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ns = (long long)(now.tv_sec - from->tv_sec) * 1000000000LL +
	               (now.tv_nsec - from->tv_nsec);
	return ns > 0 ? (unsigned long long)ns : 0;
}

/* A request keeps the pool's statement and lock timeouts while more than all but this
 * fraction (1/DB_SHORTEN_SLACK) of its deadline is left. */
#define DB_SHORTEN_SLACK 10

/* db_acquire_here, telling why it failed: *busy set when no connection came free in time (the
 * server may be fine), else the connection could not be opened or set up. */
enum svc_error db_acquire_telling(struct db_pool *pool, struct db_conn **out, int *busy)
{
	*busy = 0;
	struct timespec wait_start = {0, 0};
	struct db_conn *conn = NULL;
	/* no longer than what is left of the request's own deadline (limits.h) */
	long long left = limits_deadline_left_ms();
	/* on a replica, no longer than one of its round trips: the primary has the rest */
	if (left != 0 && pool->fallback != NULL)
		left = db_replica_bound(pool);
	if (left == 0) {
		*busy = 1;
		return SVC_UNAVAILABLE;
	}
	long long wait_ms = left > 0 && left < pool->timeout_ms ? left : pool->timeout_ms;
	struct timespec deadline = clock_after_ms(wait_ms);
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		/* Prefer a connection that is already open. */
		for (int i = 0; i < pool->size && conn == NULL; i++)
			if (!pool->conns[i].in_use && pool->conns[i].pg != NULL)
				conn = &pool->conns[i];
		for (int i = 0; i < pool->size && conn == NULL; i++)
			if (!pool->conns[i].in_use)
				conn = &pool->conns[i];
		if (conn != NULL)
			break;
		if (wait_start.tv_sec == 0 && wait_start.tv_nsec == 0) {
			clock_gettime(CLOCK_MONOTONIC, &wait_start);
			pool->waits++;
		}
		pool->waiting++;
		int rc = pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline);
		pool->waiting--;
		if (rc == ETIMEDOUT) {
			pool->wait_ns += db_elapsed_ns(&wait_start);
			pthread_mutex_unlock(&pool->lock);
			log_msg("warn", "db_pool_timeout", "no free connection within %lld ms",
			        wait_ms);
			*busy = 1;
			return SVC_UNAVAILABLE;
		}
	}
	conn->in_use = 1;
	pool->acquired++;
	if (wait_start.tv_sec != 0 || wait_start.tv_nsec != 0)
		pool->wait_ns += db_elapsed_ns(&wait_start);
	pthread_mutex_unlock(&pool->lock);

	/* Connect outside the lock; a server that went away and came back needs a fresh
	 * connection with its statements prepared again. */
	/* PQconsumeInput notices a server that closed the socket (restart, terminated
	 * backend) without a round trip; libpq sockets never block here. */
	if (conn->pg != NULL &&
	    (PQconsumeInput(conn->pg) == 0 || PQstatus(conn->pg) != CONNECTION_OK)) {
		PQfinish(conn->pg);
		conn->pg = NULL;
	}
	if (conn->pg == NULL && db_conn_open(pool, conn) != 0) {
		db_release(pool, conn);
		return SVC_UNAVAILABLE;
	}
	/* A request that has used up part of its deadline gets only the rest for its
	 * statements and lock waits; db_release restores the pool's timeouts. Setting and
	 * restoring them are two round trips, so a request still within DB_SHORTEN_SLACK of its
	 * whole deadline keeps the pool's: it may end that much past its deadline. */
	left = limits_deadline_left_ms();
	long long slack = pool->timeout_ms / DB_SHORTEN_SLACK;
	if (left > 0 && left < pool->timeout_ms - slack) {
		int lock = pool->lock_timeout_ms < left ? pool->lock_timeout_ms : (int)left;
		conn->shortened = 1;
		if (db_session_timeouts(conn->pg, (int)left, lock, db_wait_bound(pool)) != 0) {
			db_release(pool, conn);
			return SVC_UNAVAILABLE;
		}
	}
	*out = conn;
	return SVC_OK;
}

enum svc_error db_acquire_here(struct db_pool *pool, struct db_conn **out)
{
	int busy;
	return db_acquire_telling(pool, out, &busy);
}

enum svc_error db_acquire(struct db_pool *pool, struct db_conn **out)
{
	if (pool->fallback != NULL)
		return db_acquire_read(pool, out);
	return db_acquire_here(pool, out);
}

void db_pool_stats(struct db_pool *pool, struct db_pool_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&pool->lock);
	out->size = pool->size;
	for (int i = 0; i < pool->size; i++) {
		if (pool->conns[i].in_use)
			out->in_use++;
		else if (pool->conns[i].pg != NULL)
			out->idle++;
	}
	out->waiting = pool->waiting;
	out->acquired = pool->acquired;
	out->waits = pool->waits;
	out->wait_seconds = (double)pool->wait_ns / 1e9;
	pthread_mutex_unlock(&pool->lock);
}

void db_release(struct db_pool *pool, struct db_conn *conn)
{
	/* a read pool may have lent one of its primary's connections, or a replica connection
	 * may hold one standing in for it */
	pool = conn->pool;
	/* restoring a replica connection's timeouts is not part of the read's attempt */
	if (pool->fallback != NULL)
		db_replica_attempt_end();
	if (conn->standin != NULL) {
		db_release(conn->standin->pool, conn->standin);
		conn->standin = NULL;
	}
	if (conn->pg != NULL) {
		PGTransactionStatusType ts = PQtransactionStatus(conn->pg);
		if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
			PGresult *r = PQexec(conn->pg, "ROLLBACK");
			PQclear(r);
		}
		if (conn->shortened && PQstatus(conn->pg) == CONNECTION_OK &&
		    db_session_timeouts(conn->pg, pool->timeout_ms, pool->lock_timeout_ms,
		                        db_wait_bound(pool)) != 0) {
			PQfinish(conn->pg); /* a fresh connection gets the right timeouts */
			conn->pg = NULL;
		}
		conn->shortened = 0;
		if (PQstatus(conn->pg) != CONNECTION_OK ||
		    PQtransactionStatus(conn->pg) != PQTRANS_IDLE) {
			PQfinish(conn->pg);
			conn->pg = NULL;
		}
	}
	pthread_mutex_lock(&pool->lock);
	conn->in_use = 0;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->lock);
}
