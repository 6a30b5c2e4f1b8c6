/* db_internal.h — what the db_*.c files share: the pool, one call's trip to the server, and
 * the steps each file lends the others. Not for use outside service/db_*.c. */
#ifndef ZEREN_DB_INTERNAL_H
#define ZEREN_DB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "clock.h"
#include "db.h"

enum db_replica_health { DB_REPLICA_OK, DB_REPLICA_LAGGING, DB_REPLICA_DOWN };

/* The replica's next state word (struct db_pool's state) from old when health h is seen: down
 * always, counted; ok or lagging only when it was not seen down since `since`, the word read
 * before the round trip that answered. 0 when h must not be set. Pure, for tests. */
int db_replica_health_next(unsigned old, enum db_replica_health h, unsigned since, unsigned *next);

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
	/* enum db_replica_health in the low two bits, above them how many times the replica was
	 * seen down: an answer to a look begun before a failure was seen must not undo it */
	atomic_uint state;
	atomic_ullong replayed; /* highest replay LSN seen */
};

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

/* The request running on this thread (see db_request_begin): the LSN its reads must see, and
 * the newest LSN its commits reached (db_tx.c). */
extern _Thread_local db_lsn db_tls_required;
extern _Thread_local db_lsn db_tls_committed;

/* db_call.c */
PGresult *db_call_exec(PGconn *pg, const struct db_call *c);
/* db_call_exec (the last result, as PQexec gives it) waiting at most ms for the answer (ms < 0:
 * as long as it takes). NULL when the time ran out: what was sent may still be queued (in a
 * pooler waiting for a server that is down), so the caller must close pg. */
PGresult *db_call_within(PGconn *pg, const struct db_call *c, long long ms);
/* The last result of what was just sent on pg (PQsend*), waiting at most ms (ms < 0: as long
 * as it takes); NULL when the time ran out, as db_call_within. */
PGresult *db_result_within(PGconn *pg, long long ms);
/* The connection that serves conn's request: its stand-in once the replica has failed it. */
struct db_conn *db_serving(struct db_conn *conn);
/* 1 for a command or rows; 0 for any failure, or no result at all. */
int db_result_ok(const PGresult *r);
/* The connection is gone or the server is going, or cannot take connections now (57P03, also
 * what a pooler passes on): the failure says nothing of the statement. */
int db_conn_lost(PGconn *pg, const PGresult *r);
/* Runs call on conn, a connection of any pool or none (the command line's, run as it is); on
 * a primary, a retry-safe call outside a transaction that lost its connection runs once more
 * on a new one. Never NULL. */
PGresult *db_run(struct db_conn *conn, const struct db_call *call);

/* db_tx.c */
/* Notes the LSN a commit's SQL_WAL_INSERT_LSN read returned (when it did) for the thread. */
void db_note_commit_lsn(const PGresult *r);

/* db_pool.c */
/* Sets the session's statement and lock timeouts (SQL_SESSION_SETUP), waiting at most bound ms
 * (db_call_within); 0 when done. On -1 pg may still be busy with it: close it. */
int db_session_timeouts(PGconn *pg, int statement_ms, int lock_ms, long long bound);
/* Connects and prepares every statement; on any failure the connection is dropped. */
int db_conn_open(struct db_pool *pool, struct db_conn *conn);
/* Borrows from this very pool (no routing). */
enum svc_error db_acquire_here(struct db_pool *pool, struct db_conn **out);
/* db_acquire_here, telling why it failed: *busy set when no connection came free in time (the
 * server may be fine), else the connection could not be opened or set up. */
enum svc_error db_acquire_telling(struct db_pool *pool, struct db_conn **out, int *busy);

/* db_replica.c */
/* How long a replica may still take: what is left of this thread's attempt on it, which
 * db_acquire_read fixes at half of what the request had left (of the pool timeout outside a
 * request) and which covers the connect, set-up, look and the read's first statement, so that
 * the primary has the other half when the replica does not answer; outside an attempt half of
 * what is left. 0 when no time is left. */
long long db_replica_bound(const struct db_pool *rp);
/* Ends this thread's attempt on the replica: it answered the read's first statement (db_run),
 * or its connection is released. */
void db_replica_attempt_end(void);
/* The longest a round trip on a connection of pool may wait: bounded on a replica (a pooler in
 * front of one that is down queues what it is sent instead of refusing it), else -1. */
long long db_wait_bound(const struct db_pool *pool);
/* A read pool's acquire: the replica when it may serve this thread's read, else the primary.
 * Between looks the shared view decides without a round trip; a read whose requirement is
 * beyond what was last seen asks the replica once. */
enum svc_error db_acquire_read(struct db_pool *rp, struct db_conn **out);
/* The replica failed a read (lost, refused, starting up, or silent past db_replica_bound):
 * down, and not looked at again before the backoff, so the reads meanwhile go straight to the
 * primary. */
void db_replica_failed(struct db_pool *rp);
/* A replica connection outside a transaction: the call waits at most db_replica_bound. When the
 * replica fails it — the connection lost or refused (a restart, a pooler that lost its server),
 * the server starting up or shutting down, or no answer in time — the connection is closed, the
 * replica marked down (db_replica_failed), and a call that may run again runs on the primary,
 * through a primary connection that stands in for this one until it is released: the
 * connection had done nothing for the request yet, so nothing is lost by moving it. A
 * reconnection to the replica is not tried: one that had just gone away is likely still away,
 * and a pooler in front of it accepts the connection and queues the statement until it is
 * back, past the request's deadline. Never NULL. */
PGresult *db_run_on_replica(struct db_conn *conn, const struct db_call *call);

#endif
