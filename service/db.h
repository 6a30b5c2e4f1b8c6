/* db.h — a fixed pool of PostgreSQL connections with every statement prepared on connect. */
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
};

/* Creates a pool of size connections to conninfo. Connections open lazily, so a pool can be
 * created while the database is down. Returns NULL on allocation failure. */
struct db_pool *db_pool_create(const char *conninfo, int size, int timeout_ms);
void db_pool_destroy(struct db_pool *pool);
/* The longest wait for a lock (lock_timeout) of connections opened from now on; by default
 * the pool timeout. Call before the pool is shared. */
void db_pool_set_lock_timeout(struct db_pool *pool, int ms);

/* Borrows a connected connection, (re)connecting and preparing statements if needed. Waits
 * at most the pool timeout for a free one. SVC_UNAVAILABLE when the database cannot be
 * reached or the wait times out. */
enum svc_error db_acquire(struct db_pool *pool, struct db_conn **out)
        __attribute__((warn_unused_result));
/* Returns a connection; a connection left inside a transaction is rolled back first, one
 * that has failed is closed so the next borrower reconnects. */
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
enum svc_error db_commit(struct db_conn *conn) __attribute__((warn_unused_result));
void db_rollback(struct db_conn *conn);
/* A read-only transaction whose statements are always planned for their parameters: a
 * generic plan cannot see how long an array parameter is or which "$n IS NULL OR ..."
 * filters apply, and for the report statements it is off by orders of magnitude. The
 * transaction ends when the connection is released. */
enum svc_error db_begin_custom_plans(struct db_conn *conn) __attribute__((warn_unused_result));

/* Opens a standalone connection (for migrate/import), NULL with a message on failure. */
PGconn *db_connect_once(const char *conninfo, char *err, size_t errlen);

/* SQLSTATE of a failed result, "" if none. */
const char *db_sqlstate(const PGresult *res);

#endif
