/* db.h — a fixed pool of PostgreSQL connections with every statement prepared on connect (or
 * sent unnamed, for PgBouncer's transaction pooling), and the routing of reads to a replica. */
#ifndef ZEREN_DB_H
#define ZEREN_DB_H

#include <libpq-fe.h>

#include "db_stmts.h"
#include "problem.h"

struct db_pool;

/* One pooled connection; borrowed between db_acquire and db_release. */
struct db_conn {
	PGconn *pg; /* NULL while disconnected */
	int in_use;
	int shortened;        /* timeouts cut to what was left of a request's deadline */
	struct db_pool *pool; /* owner, for reconnecting */
	/* a replica connection that the replica failed before it had done anything for the
	 * request: the primary connection serving the request in its place, released with it */
	struct db_conn *standin;
};

/* How statements reach the server. PREPARED: each is prepared once per connection and run by
 * name (one Bind/Execute per call). UNNAMED: each call sends its text with the parameters
 * (PQexecParams: Parse/Bind/Execute of the unnamed statement in one round trip), which is
 * what a pooler that hands each transaction another server connection can carry — PgBouncer
 * 1.18 in pool_mode=transaction does not keep protocol-level prepared statements. */
enum db_statements { DB_STATEMENTS_PREPARED, DB_STATEMENTS_UNNAMED };

/* Parses "prepared" or "unnamed"; 0, or -1 for anything else. */
int db_statements_parse(const char *text, enum db_statements *out)
        __attribute__((warn_unused_result));

/* Creates a pool of size connections to conninfo. Connections open lazily, so a pool can be
 * created while the database is down. Returns NULL on allocation failure. */
struct db_pool *db_pool_create(const char *conninfo, int size, int timeout_ms,
                               enum db_statements statements);
void db_pool_destroy(struct db_pool *pool);
/* The longest wait for a lock (lock_timeout) of connections opened from now on; by default
 * the pool timeout. Call before the pool is shared. */
void db_pool_set_lock_timeout(struct db_pool *pool, int ms);

/* Borrows a connected connection, (re)connecting and preparing statements if needed. Waits
 * at most the pool timeout for a free one. SVC_UNAVAILABLE when the database cannot be
 * reached or the wait times out. */
enum svc_error db_acquire(struct db_pool *pool, struct db_conn **out)
        __attribute__((warn_unused_result));
/* Returns a connection (to the pool it came from, which for a read pool may be the primary:
 * pass the pool it was acquired from); a connection left inside a transaction is rolled back
 * first, one that has failed is closed so the next borrower reconnects. */
void db_release(struct db_pool *pool, struct db_conn *conn);

/* Runs a prepared statement with text parameters (NULL = SQL NULL). Caller PQclears the
 * result, which is never NULL. A statement outside a transaction that fails because the
 * connection was lost is retried once on a fresh connection. */
PGresult *db_exec(struct db_conn *conn, enum db_stmt stmt, int nparams, const char *const *params);
/* Runs a fixed SQL text with text parameters, unprepared: for statements on a
 * transaction's own temporary tables, planned for their contents each time. Never retried.
 * Caller PQclears. */
PGresult *db_exec_text(struct db_conn *conn, const char *sql, int nparams,
                       const char *const *params);
/* COPY ... FROM STDIN with len bytes of COPY text-format data. SVC_OK or the mapped error
 * (a row the table refuses maps as db_result_error does). */
enum svc_error db_copy_in(struct db_conn *conn, const char *copy_sql, const char *data, size_t len)
        __attribute__((warn_unused_result));
/* Runs a fixed SQL text with no parameters (BEGIN, COMMIT...). Caller PQclears. */
PGresult *db_exec_simple(struct db_conn *conn, const char *sql);

/* One step of a pipeline: statement stmt with n text parameters p, or, when sql is not NULL,
 * that fixed SQL with no parameters and a single statement ("BEGIN", "COMMIT"). */
struct db_step {
	enum db_stmt stmt;
	const char *sql;
	int n;
	const char *const *p;
};
/* Sends the n steps at once in libpq's pipeline mode and reads every answer: one round trip
 * for what db_exec would take n. results[i] gets step i's result (never NULL; caller PQclears
 * each); after a step fails the rest are not run and get a failed result (the first failure
 * is the one to map). A "COMMIT" step on a replica-backed primary also reads the WAL insert
 * position, as db_commit does. Steps sent on an idle connection that was lost are sent once
 * more on a fresh connection when none of them writes (a BEGIN and read-only statements). */
void db_pipeline(struct db_conn *conn, const struct db_step *steps, int n, PGresult **results);

/* SVC_OK when res succeeded; otherwise the error class: unique or exclusion violation and
 * serialization failure → SVC_CONFLICT, row-level security or privilege → SVC_FORBIDDEN,
 * check/foreign-key/not-null → SVC_VALIDATION, connection loss → SVC_UNAVAILABLE. Logs
 * unexpected errors once. */
enum svc_error db_result_error(struct db_conn *conn, const PGresult *res);

/* Runs fixed SQL (one or more statements, no parameters) for its effect: the mapped error. */
enum svc_error db_command(struct db_conn *conn, const char *sql)
        __attribute__((warn_unused_result));
/* BEGIN / COMMIT / ROLLBACK helpers returning the mapped error. */
enum svc_error db_begin(struct db_conn *conn) __attribute__((warn_unused_result));
/* db_commit (and db_command(conn, "COMMIT")) on a replica-backed primary also reads the WAL
 * insert position in the same round trip and notes it for the thread. */
enum svc_error db_commit(struct db_conn *conn) __attribute__((warn_unused_result));
void db_rollback(struct db_conn *conn);
/* A read-only transaction whose statements are always planned for their parameters: a
 * generic plan cannot see how long an array parameter is or which "$n IS NULL OR ..."
 * filters apply, and for the report statements it is off by orders of magnitude. The
 * transaction ends when the connection is released. */
enum svc_error db_begin_custom_plans(struct db_conn *conn) __attribute__((warn_unused_result));

/* --- reads from a replica, and a client seeing its own writes ---
 *
 * A WAL position (LSN) as a number: PostgreSQL's "X/Y" text is X * 2^32 + Y. 0 means none. */
typedef unsigned long long db_lsn;

/* Parses "16/B374D848" (hex, as pg_lsn prints it); 0, or -1 when text is not one. */
int db_lsn_parse(const char *text, db_lsn *out) __attribute__((warn_unused_result));
/* Formats lsn as pg_lsn text into out. */
void db_lsn_format(db_lsn lsn, char out[24]);

/* Makes replica a read pool: db_acquire(replica) then hands out a replica connection when the
 * replica is up, no more than max_lag_ms behind (looked at no more often than every check_ms,
 * the answer shared by all threads) and has replayed the calling thread's requirement
 * (db_request_require); otherwise a connection of primary. From then on every commit on
 * primary notes its LSN for the thread (db_request_commit_lsn). Both pools borrowed; call
 * before serving. */
void db_pool_set_replica(struct db_pool *replica, struct db_pool *primary, int max_lag_ms,
                         int check_ms);

/* The state of a read pool's replica as last seen: "none" (not a read pool), "ok",
 * "lagging" or "down". Static text. */
const char *db_replica_state(struct db_pool *pool);

/* Per-thread request scope (a request runs on one thread): db_request_begin clears both LSNs
 * and sets the requirement a read must meet (0: none); db_request_require raises it;
 * db_request_commit_lsn is the highest LSN committed on a replica-backed primary by this
 * thread since db_request_begin (0: none). */
void db_request_begin(db_lsn required);
void db_request_require(db_lsn required);
db_lsn db_request_required(void);
db_lsn db_request_commit_lsn(void);

/* --- numbers for /metrics --- */
struct db_pool_stats {
	int size, in_use, idle, waiting; /* idle: open and free */
	unsigned long long acquired;     /* connections lent so far */
	unsigned long long waits;        /* acquisitions that had to wait */
	double wait_seconds;             /* total time spent waiting */
};
void db_pool_stats(struct db_pool *pool, struct db_pool_stats *out);

/* Opens a standalone connection (for migrate/import), NULL with a message on failure. */
PGconn *db_connect_once(const char *conninfo, char *err, size_t errlen);
/* db_connect_once waiting at most ms for the connection (< 0: libpq's connect_timeout alone,
 * 0: none, so it fails), and never longer than the conninfo's connect_timeout. */
PGconn *db_connect_within(const char *conninfo, long long ms, char *err, size_t errlen);

/* SQLSTATE of a failed result, "" if none. */
const char *db_sqlstate(const PGresult *res);

#endif
