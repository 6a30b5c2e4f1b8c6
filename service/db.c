/* db.c — connection pool: mutex + condition variable, reconnect on loss, prepare on connect;
 * reads routed to a replica that has replayed far enough. */
#include "db.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "embedded.h"
#include "log.h"
#include "metrics.h"
#include "request_limits.h"

enum db_replica_health { DB_REPLICA_OK, DB_REPLICA_LAGGING, DB_REPLICA_DOWN };

/* A replica that failed a read is not looked at again for this long (or check_ms when that is
 * longer): the reads meanwhile go to the primary without trying it. */
#define DB_REPLICA_BACKOFF_MS 1000

struct db_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	char *conninfo;
	int size;
	int timeout_ms;
	enum db_statements statements;
	int lock_timeout_ms;
	struct db_conn *conns;
	/* set once a connection has shown that every statement returns the columns its .sql
	 * file declares; connections open concurrently, hence atomic */
	atomic_int columns_checked;
	/* for metrics: threads in pthread_cond_timedwait now, waits so far and their total */
	int waiting;
	unsigned long long acquired, waits;
	unsigned long long wait_ns;
	/* a primary that has a replica notes each commit's LSN (db_commit) */
	atomic_int capture_lsn;
	/* a read pool (db_pool_set_replica): where reads go when the replica cannot serve them,
	 * and what the replica was when last looked at, shared by every thread */
	struct db_pool *fallback;
	int max_lag_ms, check_ms;
	atomic_llong next_check_ms; /* monotonic ms; the thread that moves it looks */
	atomic_int health;          /* enum db_replica_health */
	atomic_ullong replayed;     /* highest replay LSN seen */
};

/* The request running on this thread (see db_request_begin). */
static _Thread_local db_lsn db_tls_required;
static _Thread_local db_lsn db_tls_committed;

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
	pthread_cond_init(&pool->freed, NULL);
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

static long long db_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One statement's trip to the server: a prepared statement by name, a text with parameters
 * (PQexecParams), or simple-protocol text that may hold several statements (PQexec). */
struct db_call {
	const char *name; /* a prepared statement's name; NULL: sql is sent */
	const char *sql;
	int nparams;
	const char *const *params;
	int simple;
	int retry; /* may run again after the connection was lost outside a transaction */
};

static PGresult *db_call_exec(PGconn *pg, const struct db_call *c)
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
static PGresult *db_call_within(PGconn *pg, const struct db_call *c, long long ms)
{
	if (ms < 0)
		return db_call_exec(pg, c);
	if (ms == 0)
		return NULL;
	if (db_call_send(pg, c) != 1)
		return PQmakeEmptyPGresult(pg, PGRES_FATAL_ERROR);
	long long until = db_now_ms() + ms;
	PGresult *last = NULL;
	for (;;) {
		while (PQisBusy(pg)) {
			long long left = until - db_now_ms();
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

/* How long a replica may take to answer one round trip: half of what is left of the request's
 * deadline (of the pool timeout outside a request), so that the primary has the other half
 * when the replica does not answer. 0 when no time is left. */
static long long db_replica_bound(const struct db_pool *rp)
{
	long long left = limits_deadline_left_ms();
	return left >= 0 ? (left + 1) / 2 : rp->timeout_ms / 2;
}

/* The longest a round trip on a connection of pool may wait: bounded on a replica (a pooler in
 * front of one that is down queues what it is sent instead of refusing it), else -1. */
static long long db_wait_bound(const struct db_pool *pool)
{
	return pool->fallback != NULL ? db_replica_bound(pool) : -1;
}

PGconn *db_connect_once(const char *conninfo, char *err, size_t errlen)
{
	/* Defaults for what the conninfo leaves unsaid, so an unreachable or silently vanished
	 * server costs seconds, not the kernel's minutes: requests then get 503 instead of
	 * hanging, and the cache listener notices a dead connection. The user's settings win. */
	static const char *const keys[] = {
	        "connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval",
	        "keepalives_count", "tcp_user_timeout", "dbname",          NULL};
	const char *values[] = {"3", "1", "20", "5", "3", "30000", conninfo, NULL};
	PGconn *pg = PQconnectdbParams(keys, values, 1);
	if (pg == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		snprintf(err, errlen, "%s", PQerrorMessage(pg));
		size_t n = strlen(err);
		while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
			err[--n] = '\0';
		PQfinish(pg);
		return NULL;
	}
	PQsetClientEncoding(pg, "UTF8");
	return pg;
}

/* 0 when every prepared statement that declares its result columns (-- columns: in its .sql
 * file) returns that many, so STMT_X_COL_... name the columns they say; else logs the first
 * that does not. */
static int db_check_columns(PGconn *pg, enum db_statements statements)
{
	/* Unnamed: each statement is prepared as the unnamed one and described, inside a
	 * transaction so that a transaction pooler keeps both on one server connection. */
	int unnamed = statements == DB_STATEMENTS_UNNAMED;
	if (unnamed)
		PQclear(PQexec(pg, "BEGIN"));
	int rc = 0;
	for (int i = 0; rc == 0 && i < DB_STMT_COUNT; i++) {
		if (db_stmt_table[i].ncols < 0)
			continue;
		const char *name = unnamed ? "" : db_stmt_table[i].name;
		if (unnamed)
			PQclear(PQprepare(pg, "", db_stmt_table[i].sql, 0, NULL));
		PGresult *r = PQdescribePrepared(pg, name);
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
	if (unnamed)
		PQclear(PQexec(pg, "ROLLBACK"));
	return rc;
}

/* Sets the session's statement and lock timeouts (SQL_SESSION_SETUP), waiting at most bound ms
 * (db_call_within); 0 when done. On -1 pg may still be busy with it: close it. */
static int db_session_timeouts(PGconn *pg, int statement_ms, int lock_ms, long long bound)
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

/* Connects and prepares every statement; on any failure the connection is dropped. */
static int db_conn_open(struct db_pool *pool, struct db_conn *conn)
{
	char err[512];
	PGconn *pg = db_connect_once(pool->conninfo, err, sizeof(err));
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
	r = ok ? PQexec(pg, SQL_SCHEMA_VERSION) : NULL;
	int col = SQL_SCHEMA_VERSION_COL_VERSION;
	if (ok && (PQresultStatus(r) != PGRES_TUPLES_OK ||
	           atoi(PQgetvalue(r, 0, col)) != embedded_schema_version)) {
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
		r = PQprepare(pg, db_stmt_table[i].name, db_stmt_table[i].sql, 0, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			log_msg("error", "db_prepare_failed", "%s: %s", db_stmt_table[i].name,
			        PQresultErrorMessage(r));
			ok = 0;
		}
		PQclear(r);
	}
	if (ok && !atomic_load(&pool->columns_checked)) {
		ok = db_check_columns(pg, pool->statements) == 0;
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

static void db_deadline(struct timespec *ts, int timeout_ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static unsigned long long db_elapsed_ns(const struct timespec *from)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ns = (long long)(now.tv_sec - from->tv_sec) * 1000000000LL +
	               (now.tv_nsec - from->tv_nsec);
	return ns > 0 ? (unsigned long long)ns : 0;
}

/* Borrows from this very pool (no routing). */
static enum svc_error db_acquire_here(struct db_pool *pool, struct db_conn **out)
{
	struct timespec deadline, wait_start = {0, 0};
	struct db_conn *conn = NULL;
	/* no longer than what is left of the request's own deadline (limits.h) */
	long long left = limits_deadline_left_ms();
	if (left == 0)
		return SVC_UNAVAILABLE;
	db_deadline(&deadline, left > 0 && left < pool->timeout_ms ? (int)left : pool->timeout_ms);
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
			log_msg("warn", "db_pool_timeout", "no free connection within %d ms",
			        pool->timeout_ms);
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
	/* a request that has used up part of its deadline gets only the rest for its
	 * statements and lock waits; db_release restores the pool's timeouts */
	left = limits_deadline_left_ms();
	if (left > 0 && left < pool->timeout_ms) {
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

static const char *const db_health_names[] = {"ok", "lagging", "down"};

static void db_replica_note(struct db_pool *rp, enum db_replica_health h)
{
	int old = atomic_exchange(&rp->health, (int)h);
	if (old != (int)h)
		log_msg(h == DB_REPLICA_OK ? "info" : "warn", "db_replica_state",
		        "the replica is %s%s", db_health_names[h],
		        h == DB_REPLICA_OK ? "; reads go to it again"
		                           : "; reads go to the primary meanwhile");
}

/* The replica failed a read (lost, refused, starting up, or silent past db_replica_bound):
 * down, and not looked at again before the backoff, so the reads meanwhile go straight to the
 * primary. */
static void db_replica_failed(struct db_pool *rp)
{
	long long backoff =
	        rp->check_ms > DB_REPLICA_BACKOFF_MS ? rp->check_ms : DB_REPLICA_BACKOFF_MS;
	atomic_store(&rp->next_check_ms, db_now_ms() + backoff);
	db_replica_note(rp, DB_REPLICA_DOWN);
}

static PGresult *db_run_on_replica(struct db_conn *conn, const struct db_call *call);

/* Asks the replica behind c how far it has replayed and how far behind it is; updates rp's
 * shared view. 0 when it answered. */
static int db_replica_look(struct db_pool *rp, struct db_conn *c)
{
	/* not moved to the primary: the question is for the replica */
	const struct db_call call = {c->pool->statements == DB_STATEMENTS_PREPARED
	                                     ? db_stmt_table[STMT_REPLICA_STATUS].name
	                                     : NULL,
	                             db_stmt_table[STMT_REPLICA_STATUS].sql,
	                             0,
	                             NULL,
	                             0,
	                             0};
	PGresult *r = db_run_on_replica(c, &call);
	int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	db_lsn lsn = 0;
	long long lag = 0;
	if (ok) {
		ok = !PQgetisnull(r, 0, STMT_REPLICA_STATUS_COL_REPLAY_LSN) &&
		     db_lsn_parse(PQgetvalue(r, 0, STMT_REPLICA_STATUS_COL_REPLAY_LSN), &lsn) == 0;
		lag = atoll(PQgetvalue(r, 0, STMT_REPLICA_STATUS_COL_LAG_MS));
	}
	PQclear(r);
	if (!ok) {
		/* not answering, or not a standby (promoted): it cannot be trusted for reads */
		db_replica_note(rp, DB_REPLICA_DOWN);
		return -1;
	}
	db_lsn seen = atomic_load(&rp->replayed);
	while (lsn > seen && !atomic_compare_exchange_weak(&rp->replayed, &seen, lsn))
		;
	db_replica_note(rp, lag > rp->max_lag_ms ? DB_REPLICA_LAGGING : DB_REPLICA_OK);
	return 0;
}

/* A read pool's acquire: the replica when it may serve this thread's read, else the primary.
 * Between looks the shared view decides without a round trip; a read whose requirement is
 * beyond what was last seen asks the replica once. */
static enum svc_error db_acquire_read(struct db_pool *rp, struct db_conn **out)
{
	long long now = db_now_ms();
	long long next = atomic_load(&rp->next_check_ms);
	int due = now >= next &&
	          atomic_compare_exchange_strong(&rp->next_check_ms, &next, now + rp->check_ms);
	int health = atomic_load(&rp->health);
	if (!due && health != DB_REPLICA_OK)
		return db_acquire_here(rp->fallback, out);
	if (!due && db_tls_required <= atomic_load(&rp->replayed)) {
		if (db_acquire_here(rp, out) == SVC_OK)
			return SVC_OK;
		db_replica_failed(rp);
		return db_acquire_here(rp->fallback, out);
	}
	struct db_conn *c = NULL;
	if (db_acquire_here(rp, &c) != SVC_OK) {
		db_replica_failed(rp);
		return db_acquire_here(rp->fallback, out);
	}
	if (db_replica_look(rp, c) == 0 && atomic_load(&rp->health) == DB_REPLICA_OK &&
	    db_tls_required <= atomic_load(&rp->replayed)) {
		*out = c;
		return SVC_OK;
	}
	db_release(rp, c);
	return db_acquire_here(rp->fallback, out);
}

enum svc_error db_acquire(struct db_pool *pool, struct db_conn **out)
{
	if (pool->fallback != NULL)
		return db_acquire_read(pool, out);
	return db_acquire_here(pool, out);
}

void db_pool_set_replica(struct db_pool *replica, struct db_pool *primary, int max_lag_ms,
                         int check_ms)
{
	replica->fallback = primary;
	replica->max_lag_ms = max_lag_ms;
	replica->check_ms = check_ms;
	atomic_store(&replica->next_check_ms, 0);
	/* down until first seen: the first read looks */
	atomic_store(&replica->health, DB_REPLICA_DOWN);
	atomic_store(&primary->capture_lsn, 1);
}

const char *db_replica_state(struct db_pool *pool)
{
	if (pool == NULL || pool->fallback == NULL)
		return "none";
	return db_health_names[atomic_load(&pool->health)];
}

void db_request_begin(db_lsn required)
{
	db_tls_required = required;
	db_tls_committed = 0;
}

void db_request_require(db_lsn required)
{
	if (required > db_tls_required)
		db_tls_required = required;
}

db_lsn db_request_required(void)
{
	return db_tls_required;
}

db_lsn db_request_commit_lsn(void)
{
	return db_tls_committed;
}

/* 1 to 8 hex digits up to stop; the position after them, or NULL. */
static const char *db_hex32(const char *p, char stop, unsigned long long *out)
{
	int digits = 0;
	*out = 0;
	for (; *p != stop; p++, digits++) {
		int c = (unsigned char)*p;
		if (!isxdigit(c) || digits == 8)
			return NULL;
		*out = *out * 16 + (unsigned)(isdigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return digits > 0 ? p : NULL;
}

int db_lsn_parse(const char *text, db_lsn *out)
{
	unsigned long long hi = 0, lo = 0;
	const char *p = db_hex32(text, '/', &hi);
	if (p == NULL || db_hex32(p + 1, '\0', &lo) == NULL)
		return -1;
	*out = hi << 32 | lo;
	return 0;
}

void db_lsn_format(db_lsn lsn, char out[24])
{
	snprintf(out, 24, "%X/%X", (unsigned)(lsn >> 32), (unsigned)(lsn & 0xffffffffu));
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

/* The connection that serves conn's request: its stand-in once the replica has failed it. */
static struct db_conn *db_serving(struct db_conn *conn)
{
	return conn->standin != NULL ? conn->standin : conn;
}

static int db_result_ok(const PGresult *r)
{
	ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* The connection is gone or the server is going, or cannot take connections now (57P03, also
 * what a pooler passes on): the failure says nothing of the statement. */
static int db_conn_lost(PGconn *pg, const PGresult *r)
{
	if (pg == NULL || PQstatus(pg) != CONNECTION_OK)
		return 1;
	const char *s = r != NULL ? db_sqlstate(r) : "";
	return strncmp(s, "08", 2) == 0 || strncmp(s, "57P0", 4) == 0;
}

/* Runs call on conn, a connection of any pool or none (the command line's, run as it is); on
 * a primary, a retry-safe call outside a transaction that lost its connection runs once more
 * on a new one. Never NULL. */
static PGresult *db_run(struct db_conn *conn, const struct db_call *call)
{
	struct db_pool *pool = conn->pool;
	int idle = conn->pg == NULL || PQtransactionStatus(conn->pg) == PQTRANS_IDLE;
	if (pool != NULL && pool->fallback != NULL && idle)
		return db_run_on_replica(conn, call);
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

/* A replica connection outside a transaction: the call waits at most db_replica_bound. When the
 * replica fails it — the connection lost or refused (a restart, a pooler that lost its server),
 * the server starting up or shutting down, or no answer in time — the connection is closed, the
 * replica marked down (db_replica_failed), and a call that may run again runs on the primary,
 * through a primary connection that stands in for this one until it is released: the
 * connection had done nothing for the request yet, so nothing is lost by moving it. A
 * reconnection to the replica is not tried: one that had just gone away is likely still away,
 * and a pooler in front of it accepts the connection and queues the statement until it is
 * back, past the request's deadline. Never NULL. */
static PGresult *db_run_on_replica(struct db_conn *conn, const struct db_call *call)
{
	PGresult *r = NULL;
	if (conn->pg != NULL) {
		long long bound = db_replica_bound(conn->pool);
		if (bound == 0) /* out of time: 503 (db_result_error) */
			return PQmakeEmptyPGresult(conn->pg, PGRES_FATAL_ERROR);
		r = db_call_within(conn->pg, call, bound);
		if (r == NULL)
			log_msg("warn", "db_replica_timeout",
			        "the replica did not answer within %lld ms", bound);
	}
	if (db_result_ok(r) || (r != NULL && !db_conn_lost(conn->pg, r)))
		return r;
	PQfinish(conn->pg);
	conn->pg = NULL;
	db_replica_failed(conn->pool);
	if (!call->retry || db_acquire_here(conn->pool->fallback, &conn->standin) != SVC_OK) {
		conn->standin = NULL;
		return r != NULL ? r : PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
	}
	PQclear(r);
	return db_run(conn->standin, call);
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

enum svc_error db_command(struct db_conn *conn, const char *sql)
{
	if (strcmp(sql, "COMMIT") == 0)
		return db_commit(conn);
	PGresult *r = db_exec_simple(conn, sql);
	enum svc_error e = db_result_error(conn, r);
	PQclear(r);
	return e;
}

enum svc_error db_begin_custom_plans(struct db_conn *conn)
{
	return db_command(conn, "BEGIN READ ONLY; SET LOCAL plan_cache_mode = "
	                        "force_custom_plan");
}

enum svc_error db_begin(struct db_conn *conn)
{
	return db_command(conn, "BEGIN");
}

/* COMMIT, then the insert LSN, sent as one query; each answer is read on its own so that a
 * failed COMMIT is told from a failed LSN read (which loses only the token). */
static enum svc_error db_commit_noting_lsn(struct db_conn *conn)
{
	if (PQsendQuery(conn->pg, SQL_COMMIT_LSN) != 1) {
		PGresult *r = PQmakeEmptyPGresult(conn->pg, PGRES_FATAL_ERROR);
		enum svc_error e = db_result_error(conn, r);
		PQclear(r);
		return e;
	}
	enum svc_error e = SVC_INTERNAL;
	int n = 0;
	PGresult *r;
	while ((r = PQgetResult(conn->pg)) != NULL) {
		if (n == 0)
			e = db_result_error(conn, r);
		else if (n == 1 && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
			db_lsn lsn = 0;
			if (db_lsn_parse(PQgetvalue(r, 0, 0), &lsn) == 0 && lsn > db_tls_committed)
				db_tls_committed = lsn;
		}
		n++;
		PQclear(r);
	}
	return e;
}

enum svc_error db_commit(struct db_conn *conn)
{
	conn = db_serving(conn);
	if (conn->pg != NULL && atomic_load(&conn->pool->capture_lsn))
		return db_commit_noting_lsn(conn);
	PGresult *r = db_exec_simple(conn, "COMMIT");
	enum svc_error e = db_result_error(conn, r);
	PQclear(r);
	return e;
}

void db_rollback(struct db_conn *conn)
{
	conn = db_serving(conn);
	if (conn->pg == NULL)
		return;
	PGresult *r = PQexec(conn->pg, "ROLLBACK");
	PQclear(r);
}
