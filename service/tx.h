/* tx.h — one write transaction, the only way a write is written: borrow a primary connection,
 * BEGIN, run the statements (a write's first statement sets the row-level-security scope from
 * the actor where one applies), insert the audit row, COMMIT or ROLL BACK, and map the first
 * error once with db_result_error, worded once. */
#ifndef ZEREN_TX_H
#define ZEREN_TX_H

#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "db.h"
#include "problem.h"

/* Room for an id as text ("9223372036854775807" and a NUL). */
#define TX_ID_SIZE 24

struct refcache;

/* Who writes, as plain values (from the token, or the command line); all borrowed. */
struct tx_actor {
	const char *iss, *sub;  /* the token's issuer and subject */
	const char *unit;       /* the token's unit claim; NULL when it names none */
	const char *role;       /* "admin", "reporter", ...: the scope row-level security sees */
	const char *request_id; /* for the audit row */
};

/* Where a write runs and for whom; borrowed for the whole write. */
struct tx_env {
	struct db_pool *pool;      /* the primary; NULL for tx_begin_on */
	struct refcache *refcache; /* dropped after a TX_REFERENCE_DATA commit; may be NULL */
	struct tx_actor actor;
};

/* What a write came to: on success json (owned: the resource as a GET returns it, or NULL)
 * and id; otherwise err and a static detail (NULL: the problem's default). */
struct tx_result {
	enum svc_error err;
	const char *detail;
	char *json;
	long long id;
};

enum tx_flags {
	TX_REFERENCE_DATA = 1u << 0, /* drops this instance's reference cache on commit, so its
	                              * readers see the change before the notice arrives */
	TX_RESTRICT_IS_CONFLICT = 1u << 1,   /* a foreign-key violation (a row still referenced,
	                                      * a code taken) is a 409, not a 400 */
	TX_CONSTRAINT_IS_CONFLICT = 1u << 2, /* every integrity violation (SQLSTATE class 23) is a
	                                      * 409: the input was checked whole beforehand */
};

/* How a write words the database's refusals; copied by tx_begin. */
struct tx_options {
	unsigned flags;        /* enum tx_flags */
	json_t *errors;        /* field errors collect here (borrowed); NULL when there are none */
	const char *conflict;  /* a 409's detail when the statement names none; NULL: default */
	const char *forbidden; /* a 403's detail (row-level security); NULL: default */
	char *message;         /* when not NULL, the database's message of the first failure */
	size_t message_size;
};

/* One write in progress, on the caller's stack between tx_begin and tx_end. */
struct tx {
	const struct tx_env *env;
	struct tx_options opt;
	struct db_conn *conn; /* NULL when none could be borrowed */
	int borrowed;         /* conn goes back to env->pool at tx_end */
	int committed;
	enum svc_error err; /* why the write stopped; SVC_OK while it runs */
	const char *detail; /* static text or NULL */
};

/* Borrows a primary connection from env->pool and begins; -1 with tx->err set on failure
 * (tx_end is still due). */
int tx_begin(struct tx *tx, const struct tx_env *env, const struct tx_options *opt)
        __attribute__((warn_unused_result));
/* Begins on a connection the caller owns and keeps (the command line's); as tx_begin. */
int tx_begin_on(struct tx *tx, struct db_conn *conn, const struct tx_env *env,
                const struct tx_options *opt) __attribute__((warn_unused_result));
/* Records err and detail (static) and returns -1. */
int tx_fail(struct tx *tx, enum svc_error err, const char *detail);

/* tx_begin with the write's first statement sent in the same round trip as BEGIN: its result
 * (caller PQclears), or NULL with tx->err set (tx_end is still due). */
PGresult *tx_begin_exec(struct tx *tx, const struct tx_env *env, const struct tx_options *opt,
                        enum db_stmt stmt, int n, const char *const *p);

/* A statement of tx_exec_commit: as tx_exec's arguments. */
struct tx_step {
	enum db_stmt stmt;
	int n;
	const char *const *p;
	const char *conflict;
};
/* Runs the n statements and COMMIT in one round trip (statements that must not commit unless
 * the earlier ones' results allow it belong in the SQL, not here): 0 with results[i] each
 * statement's result (caller PQclears), or -1 with tx->err set by the first failure and
 * every results[i] NULL. */
int tx_exec_commit(struct tx *tx, const struct tx_step *steps, int n, PGresult **results)
        __attribute__((warn_unused_result));

/* Runs a prepared statement; NULL with tx->err set on a database error, which is worded as
 * the options say (conflict overrides their 409 detail when not NULL). Caller PQclears. */
PGresult *tx_exec(struct tx *tx, enum db_stmt stmt, int n, const char *const *p,
                  const char *conflict);
/* The same for fixed SQL run unprepared (a transaction's temporary tables, a connection
 * without prepared statements). */
PGresult *tx_exec_text(struct tx *tx, const char *sql, int n, const char *const *p);
/* Fixed SQL (no parameters, maybe several statements) for its effect; 0 or -1. */
int tx_command(struct tx *tx, const char *sql) __attribute__((warn_unused_result));
/* COPY ... FROM STDIN of len bytes of COPY text; 0 or -1. */
int tx_copy_in(struct tx *tx, const char *copy_sql, const char *data, size_t len)
        __attribute__((warn_unused_result));

/* tx_exec for the statement's effect only; 0 or -1. */
int tx_run(struct tx *tx, enum db_stmt stmt, int n, const char *const *p, const char *conflict)
        __attribute__((warn_unused_result));
/* 1 when the statement returns a row, 0 when not, -1 on a database error. */
int tx_exists(struct tx *tx, enum db_stmt stmt, int n, const char *const *p)
        __attribute__((warn_unused_result));
/* 1 with the first column of the statement's single row in value, 0 without a single row,
 * -1 on a database error. */
int tx_single(struct tx *tx, enum db_stmt stmt, int n, const char *const *p, const char *conflict,
              char value[TX_ID_SIZE]) __attribute__((warn_unused_result));
/* The first column, JSON text, of stmt($1 = id)'s single row (owned), or NULL with tx->err
 * set (SVC_NOT_FOUND when there is no row). */
char *tx_json(struct tx *tx, enum db_stmt stmt, const char *id);
/* Locks a row with lock_stmt($1 = id), which returns its JSON, and compares that JSON's ETag
 * with if_match unless if_match is NULL: the JSON (owned), or NULL with a 404 (not_found)
 * or 412. */
char *tx_lock(struct tx *tx, enum db_stmt lock_stmt, const char *id, const char *if_match,
              const char *not_found);
/* 0 when if_match names the ETag of len bytes of text, else -1 with a 412 (detail static). */
int tx_precondition(struct tx *tx, const char *if_match, const char *text, size_t len,
                    const char *detail) __attribute__((warn_unused_result));

/* The audit row of a reference write, naming the actor; before/after may be NULL. */
int tx_audit(struct tx *tx, const char *action, const char *entity, const char *id,
             const char *before, const char *after) __attribute__((warn_unused_result));
/* Commits (then drops the reference cache for TX_REFERENCE_DATA); 0 or -1. */
int tx_commit(struct tx *tx) __attribute__((warn_unused_result));
/* Every write's last step, on every path: rolls back unless committed, returns a borrowed
 * connection, and copies the outcome into out (when not NULL), freeing out->json on
 * failure. */
void tx_end(struct tx *tx, struct tx_result *out);

#endif
