/* db_replica.c — reads routed to a replica that has replayed far enough, its health as every
 * thread last saw it, and a read moved to the primary when the replica fails it. */
#include "db_internal.h"

#include <stdlib.h>

#include "log.h"
#include "request_limits.h"

/* The end of this thread's attempt on the replica (monotonic ms; 0: none). Fixed when a read
 * asks for the replica, so its connect, set-up, look and first statement together take at
 * most half of what the request had left then, however many round trips they are. */
static _Thread_local long long db_replica_until;

/* Half of what is left of the request's deadline (of the pool timeout outside a request). */
static long long db_replica_half(const struct db_pool *rp)
{
	long long left = limits_deadline_left_ms();
	return left >= 0 ? (left + 1) / 2 : rp->timeout_ms / 2;
}

/* How long a replica may still take: what is left of this thread's attempt, so that the
 * primary has the other half when the replica does not answer; outside one (a replica that has
 * answered, a connection being released) half of what is left. 0 when no time is left. */
long long db_replica_bound(const struct db_pool *rp)
{
	if (db_replica_until == 0)
		return db_replica_half(rp);
	long long left = db_replica_until - clock_now_ms();
	return left > 0 ? left : 0;
}

void db_replica_attempt_end(void)
{
	db_replica_until = 0;
}

/* The longest a round trip on a connection of pool may wait: bounded on a replica (a pooler in
 * front of one that is down queues what it is sent instead of refusing it), else -1. */
long long db_wait_bound(const struct db_pool *pool)
{
	return pool->fallback != NULL ? db_replica_bound(pool) : -1;
}

/* indexed by the state's two health bits (3 is never stored) */
static const char *const db_health_names[] = {"ok", "lagging", "down", "down"};

#define DB_HEALTH_MASK 3u

static enum db_replica_health db_health(unsigned state)
{
	return (enum db_replica_health)(state & DB_HEALTH_MASK);
}

int db_replica_health_next(unsigned old, enum db_replica_health h, unsigned since, unsigned *next)
{
	unsigned downs = old & ~DB_HEALTH_MASK;
	if (h == DB_REPLICA_DOWN) {
		*next = (downs + DB_HEALTH_MASK + 1) | (unsigned)h;
		return 1;
	}
	if (downs != (since & ~DB_HEALTH_MASK))
		return 0;
	*next = downs | (unsigned)h;
	return 1;
}

/* Sets the replica's health as db_replica_health_next allows: a thread whose look was answered
 * just before the replica stopped must not mark it ok after another thread saw it fail. 1 when
 * set. */
static int db_replica_note(struct db_pool *rp, enum db_replica_health h, unsigned since)
{
	unsigned old = atomic_load(&rp->state), next;
	do {
		if (!db_replica_health_next(old, h, since, &next))
			return 0;
	} while (!atomic_compare_exchange_weak(&rp->state, &old, next));
	if (db_health(old) != h)
		log_msg(h == DB_REPLICA_OK ? "info" : "warn", "db_replica_state",
		        "the replica is %s%s", db_health_names[h],
		        h == DB_REPLICA_OK ? "; reads go to it again"
		                           : "; reads go to the primary meanwhile");
	return 1;
}

/* The replica failed a read (lost, refused, starting up, or silent past db_replica_bound):
 * down, and not looked at again before the backoff, so the reads meanwhile go straight to the
 * primary. */
void db_replica_failed(struct db_pool *rp)
{
	long long backoff =
	        rp->check_ms > DB_REPLICA_BACKOFF_MS ? rp->check_ms : DB_REPLICA_BACKOFF_MS;
	atomic_store(&rp->next_check_ms, clock_now_ms() + backoff);
	db_replica_note(rp, DB_REPLICA_DOWN, 0);
}

/* Asks the replica behind c how far it has replayed and how far behind it is; updates rp's
 * shared view. 0 when it answered and the answer was taken (not when another thread saw the
 * replica fail meanwhile). */
static int db_replica_look(struct db_pool *rp, struct db_conn *c)
{
	/* a request out of time would record a healthy replica as down */
	if (db_replica_bound(rp) == 0)
		return -1;
	unsigned since = atomic_load(&rp->state);
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
		db_replica_note(rp, DB_REPLICA_DOWN, 0);
		return -1;
	}
	db_lsn seen = atomic_load(&rp->replayed);
	while (lsn > seen && !atomic_compare_exchange_weak(&rp->replayed, &seen, lsn))
		;
	/* seen down meanwhile: that is newer than this answer */
	if (!db_replica_note(rp, lag > rp->max_lag_ms ? DB_REPLICA_LAGGING : DB_REPLICA_OK, since))
		return -1;
	return 0;
}

/* db_acquire_read's choice, within the attempt it started */
static enum svc_error db_acquire_routed(struct db_pool *rp, struct db_conn **out)
{
	long long now = clock_now_ms();
	long long next = atomic_load(&rp->next_check_ms);
	int due = now >= next &&
	          atomic_compare_exchange_strong(&rp->next_check_ms, &next, now + rp->check_ms);
	enum db_replica_health health = db_health(atomic_load(&rp->state));
	if (!due && health != DB_REPLICA_OK)
		return db_acquire_here(rp->fallback, out);
	/* a replica pool with no free connection says nothing of the replica: this read goes to
	 * the primary, and the replica keeps its health */
	int busy;
	if (!due && db_tls_required <= atomic_load(&rp->replayed)) {
		if (db_acquire_telling(rp, out, &busy) == SVC_OK)
			return SVC_OK;
		if (!busy)
			db_replica_failed(rp);
		return db_acquire_here(rp->fallback, out);
	}
	struct db_conn *c = NULL;
	if (db_acquire_telling(rp, &c, &busy) != SVC_OK) {
		if (!busy)
			db_replica_failed(rp);
		return db_acquire_here(rp->fallback, out);
	}
	if (db_replica_look(rp, c) == 0 && db_health(atomic_load(&rp->state)) == DB_REPLICA_OK &&
	    db_tls_required <= atomic_load(&rp->replayed)) {
		*out = c;
		return SVC_OK;
	}
	db_release(rp, c);
	return db_acquire_here(rp->fallback, out);
}

/* A read pool's acquire: the replica when it may serve this thread's read, else the primary.
 * Between looks the shared view decides without a round trip; a read whose requirement is
 * beyond what was last seen asks the replica once. */
enum svc_error db_acquire_read(struct db_pool *rp, struct db_conn **out)
{
	long long half = db_replica_half(rp);
	db_replica_until = clock_now_ms() + half;
	enum svc_error e = db_acquire_routed(rp, out);
	/* the attempt lasts until the replica answers the read's first statement (db_run) or
	 * the connection is released */
	if (e != SVC_OK || (*out)->pool != rp)
		db_replica_attempt_end();
	return e;
}

void db_pool_set_replica(struct db_pool *replica, struct db_pool *primary, int max_lag_ms,
                         int check_ms)
{
	replica->fallback = primary;
	replica->max_lag_ms = max_lag_ms;
	replica->check_ms = check_ms;
	atomic_store(&replica->next_check_ms, 0);
	/* down until first seen: the first read looks */
	atomic_store(&replica->state, (unsigned)DB_REPLICA_DOWN);
	atomic_store(&primary->capture_lsn, 1);
}

const char *db_replica_state(struct db_pool *pool)
{
	if (pool == NULL || pool->fallback == NULL)
		return "none";
	return db_health_names[db_health(atomic_load(&pool->state))];
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
PGresult *db_run_on_replica(struct db_conn *conn, const struct db_call *call)
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
