/* webhook_worker.c — the worker thread: fan-out, claim, send, record, reminders, retention. */
#include "webhook_worker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "clock.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "reminders.h"
#include "webhook_send.h"
#include "webhook_url.h"

/* Changes one fan-out turns into deliveries per subscription. */
#define WEBHOOK_FANOUT_LIMIT 500

struct webhook_worker {
	struct app *app; /* borrowed */
	const struct config *cfg;
	/* its own connection, apart from the request pool: reminders wait on locks that
	 * requests' writers hold, and so would take the one connection /readyz counts on */
	struct db_pool *pool;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	atomic_int stop;
	struct webhook_sender *sender;
	struct webhook_send *reqs; /* cfg->webhook_batch runs of cfg->webhook_run */
	char claim_prefix[96];     /* host, process and worker: whose claim a delivery is under */
	unsigned long long claims;
	unsigned int seed; /* jitter */
	time_t next_housekeeping;
	long long next_fanout_ms; /* monotonic: while busy, fan out once a poll interval */
};

static pthread_once_t webhook_curl_once = PTHREAD_ONCE_INIT;

static void webhook_curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

long long webhook_backoff_ms(int attempt, int base_ms, int max_ms, double r)
{
	long long d = base_ms;
	for (int i = 1; i < attempt && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	return d / 2 + (long long)((double)(d - d / 2) * r);
}

/* Turns committed changes into deliveries; the number made, or -1 on a database error. */
static long long webhook_fanout(struct webhook_worker *w, struct db_conn *c)
{
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", WEBHOOK_FANOUT_LIMIT);
	const char *p[] = {limit};
	PGresult *r = db_exec(c, STMT_WEBHOOK_FANOUT, 1, p);
	long long made = -1;
	if (db_result_error(c, r) == SVC_OK && PQntuples(r) == 1)
		made = atoll(PQgetvalue(r, 0, STMT_WEBHOOK_FANOUT_COL_DELIVERIES));
	PQclear(r);
	(void)w;
	return made;
}

/* Claims runs of due deliveries (up to a batch of subscriptions, a run of each) under a new
 * claim token (written into claim); the result (caller PQclears) or NULL on a database error. */
static PGresult *webhook_claim(struct webhook_worker *w, struct db_conn *c, char claim[128])
{
	snprintf(claim, 128, "%s-%llu", w->claim_prefix, ++w->claims);
	char batch[16], lease[16], run[16];
	snprintf(batch, sizeof(batch), "%d", w->cfg->webhook_batch);
	snprintf(lease, sizeof(lease), "%d", w->cfg->webhook_lease_s);
	snprintf(run, sizeof(run), "%d", w->cfg->webhook_run);
	const char *p[] = {batch, claim, lease, run};
	PGresult *r = db_exec(c, STMT_WEBHOOK_CLAIM, 4, p);
	if (db_result_error(c, r) != SVC_OK) {
		PQclear(r);
		return NULL;
	}
	return r;
}

/* The outcome of request i (row i of claimed) as a STMT_WEBHOOK_OUTCOMES element; NULL when
 * out of memory. A failure is retried after a backoff, or parked once its attempts or its
 * round's window are spent. */
static json_t *webhook_outcome(struct webhook_worker *w, const PGresult *claimed, int i)
{
	const struct webhook_send *q = &w->reqs[i];
	const struct config *cfg = w->cfg;
	json_t *o = json_pack("{sI}", "id", (json_int_t)q->delivery_id);
	if (o == NULL)
		return NULL;
	if (!q->done) {
		json_object_set_new(o, "outcome", json_string("unsent"));
		return o;
	}
	json_object_set_new(o, "status", q->status > 0 ? json_integer(q->status) : json_null());
	json_object_set_new(o, "ms", json_integer(q->duration_ms));
	if (q->error[0] == '\0') {
		json_object_set_new(o, "outcome", json_string("delivered"));
		return o;
	}
	int attempt = atoi(PQgetvalue(claimed, i, STMT_WEBHOOK_CLAIM_COL_ATTEMPT));
	long long age_s = atoll(PQgetvalue(claimed, i, STMT_WEBHOOK_CLAIM_COL_ROUND_AGE_S));
	double r = (double)rand_r(&w->seed) / ((double)RAND_MAX + 1.0);
	long long next = webhook_backoff_ms(attempt, cfg->webhook_retry_base_ms,
	                                    cfg->webhook_retry_max_ms, r);
	int park = attempt >= cfg->webhook_max_attempts ||
	           age_s + next / 1000 > cfg->webhook_retry_window_s;
	json_object_set_new(o, "outcome", json_string("failed"));
	json_object_set_new(o, "error", json_string(q->error));
	json_object_set_new(o, "delay_ms", park ? json_null() : json_integer(next));
	return o;
}

/* Records the outcomes of the n claimed requests under claim in one statement. */
static void webhook_record(struct webhook_worker *w, struct db_conn *c, const PGresult *claimed,
                           int n, const char *claim)
{
	json_t *all = json_array();
	for (int i = 0; all != NULL && i < n; i++)
		if (json_array_append_new(all, webhook_outcome(w, claimed, i)) != 0) {
			json_decref(all);
			all = NULL;
		}
	char *outcomes = all != NULL ? json_dumps(all, JSON_COMPACT) : NULL;
	json_decref(all);
	if (outcomes == NULL) {
		/* the leases run out and the deliveries are sent again */
		log_msg("error", "webhook_outcomes", "out of memory recording %d outcomes", n);
		return;
	}
	char deactivate[16];
	snprintf(deactivate, sizeof(deactivate), "%d", w->cfg->webhook_deactivate_s);
	const char *p[] = {claim, outcomes, deactivate};
	PGresult *res = db_exec(c, STMT_WEBHOOK_OUTCOMES, 3, p);
	if (db_result_error(c, res) == SVC_OK)
		for (int i = 0; i < PQntuples(res); i++)
			log_msg("warn", "webhook_deactivated",
			        "subscription %s failed for %d s: deactivated",
			        PQgetvalue(res, i, STMT_WEBHOOK_OUTCOMES_COL_SUBSCRIPTION_ID),
			        w->cfg->webhook_deactivate_s);
	PQclear(res);
	free(outcomes);
}

/* Fills the requests from the claimed rows (a run per subscription, in feed order). */
static int webhook_requests(struct webhook_worker *w, const PGresult *r)
{
	int n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		struct webhook_send *q = &w->reqs[i];
		memset(q, 0, sizeof(*q));
		q->delivery_id = atoll(PQgetvalue(r, i, STMT_WEBHOOK_CLAIM_COL_ID));
		q->run = atoll(PQgetvalue(r, i, STMT_WEBHOOK_CLAIM_COL_SUBSCRIPTION_ID));
		q->url = PQgetvalue(r, i, STMT_WEBHOOK_CLAIM_COL_URL);
		q->secret = PQgetvalue(r, i, STMT_WEBHOOK_CLAIM_COL_SECRET);
		q->event = PQgetvalue(r, i, STMT_WEBHOOK_CLAIM_COL_EVENT);
		q->body = PQgetvalue(r, i, STMT_WEBHOOK_CLAIM_COL_BODY);
		q->len = (size_t)PQgetlength(r, i, STMT_WEBHOOK_CLAIM_COL_BODY);
		/* the allowed hosts may have changed since the subscription was made */
		const char *why = NULL;
		if (webhook_url_check(w->cfg->webhook_allowed_hosts, q->url, &why) != 0) {
			q->refused = 1;
			snprintf(q->error, sizeof(q->error), "not sent: the URL %s", why);
		}
	}
	return n;
}

/* One round: fan out, claim, send (without holding a connection), record. Returns how much
 * was done (0: idle), or -1 when the database could not be reached. */
static long long webhook_round(struct webhook_worker *w)
{
	struct db_pool *pool = w->pool;
	struct db_conn *c = NULL;
	if (db_acquire(pool, &c) != SVC_OK)
		return -1;
	char claim[128];
	long long made = 0;
	if (clock_now_ms() >= w->next_fanout_ms) {
		made = webhook_fanout(w, c);
		/* more may be waiting when it made a full page; else look again a poll later */
		if (made < WEBHOOK_FANOUT_LIMIT)
			w->next_fanout_ms = clock_now_ms() + w->cfg->webhook_poll_ms;
	}
	PGresult *claimed = made >= 0 ? webhook_claim(w, c, claim) : NULL;
	db_release(pool, c);
	if (claimed == NULL)
		return -1;
	int n = webhook_requests(w, claimed);
	if (n > 0) {
		/* requests start only while they can finish, with a tenth of the lease to spare for
		 * the outcome, before the lease runs out */
		long long lease_ms = (long long)w->cfg->webhook_lease_s * 1000;
		int rc = webhook_sender_run(w->sender, w->reqs, n, lease_ms - lease_ms / 10,
		                            &w->stop);
		/* stopped: abandon the batch as a dead instance would (the leases run out) */
		int stopped = rc != 0 && atomic_load(&w->stop);
		if (!stopped && db_acquire(pool, &c) == SVC_OK) {
			webhook_record(w, c, claimed, n, claim);
			db_release(pool, c);
		}
	}
	PQclear(claimed);
	return made + n;
}

/* Reminders and retention, every ZEREN_REMINDER_INTERVAL_S. */
static void webhook_housekeeping(struct webhook_worker *w)
{
	time_t now = time(NULL);
	if (w->cfg->reminder_interval_s == 0 || now < w->next_housekeeping)
		return;
	w->next_housekeeping = now + w->cfg->reminder_interval_s;
	long long emitted = 0;
	if (reminders_run(w->pool, reminders_today(), w->cfg->reminder_lookback_days, &emitted) ==
	            SVC_OK &&
	    emitted > 0)
		log_msg("info", "reminders", "%lld reminders emitted", emitted);
	struct db_conn *c = NULL;
	if (db_acquire(w->pool, &c) != SVC_OK)
		return;
	char days[16];
	snprintf(days, sizeof(days), "%d", w->cfg->changes_retention_days);
	const char *p[] = {days};
	PQclear(db_exec(c, STMT_WEBHOOK_PURGE, 1, p));
	db_release(w->pool, c);
}

/* Sleeps ms or until stopped. */
static void webhook_sleep(struct webhook_worker *w, int ms)
{
	struct timespec until = clock_after_ms(ms);
	pthread_mutex_lock(&w->mu);
	while (!atomic_load(&w->stop) && pthread_cond_timedwait(&w->wake, &w->mu, &until) == 0)
		;
	pthread_mutex_unlock(&w->mu);
}

static void *webhook_run(void *arg)
{
	struct webhook_worker *w = arg;
	while (!atomic_load(&w->stop)) {
		webhook_housekeeping(w);
		long long done = webhook_round(w);
		if (done <= 0) /* idle, or the database is away: wait before the next look */
			webhook_sleep(w, w->cfg->webhook_poll_ms);
	}
	return NULL;
}

static void webhook_worker_free(struct webhook_worker *w)
{
	if (w->pool != NULL) {
		metrics_unregister_pool(w->pool);
		db_pool_destroy(w->pool);
	}
	webhook_sender_destroy(w->sender);
	free(w->reqs);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

struct webhook_worker *webhook_worker_start(struct app *app, char *err, size_t errlen)
{
	pthread_once(&webhook_curl_once, webhook_curl_init);
	struct webhook_worker *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		snprintf(err, errlen, "webhook worker: out of memory");
		return NULL;
	}
	w->app = app;
	w->cfg = &app->cfg;
	pthread_mutex_init(&w->mu, NULL);
	clock_cond_init(&w->wake);
	atomic_init(&w->stop, 0);
	char host[64] = "host";
	gethostname(host, sizeof(host) - 1);
	snprintf(w->claim_prefix, sizeof(w->claim_prefix), "%.60s-%ld-%p", host, (long)getpid(),
	         (void *)w);
	w->seed = (unsigned int)time(NULL) ^ (unsigned int)getpid() ^ (unsigned int)(size_t)w;
	w->pool = app_pool_create(w->cfg, w->cfg->database_url, 1);
	if (w->pool != NULL)
		(void)metrics_register_pool("background", w->pool);
	w->sender = webhook_sender_create(w->cfg->webhook_batch, w->cfg->webhook_timeout_ms);
	w->reqs = calloc((size_t)w->cfg->webhook_batch * (size_t)w->cfg->webhook_run,
	                 sizeof(*w->reqs));
	if (w->pool == NULL || w->sender == NULL || w->reqs == NULL ||
	    pthread_create(&w->thread, NULL, webhook_run, w) != 0) {
		snprintf(err, errlen, "webhook worker: could not start");
		webhook_worker_free(w);
		return NULL;
	}
	return w;
}

void webhook_worker_stop(struct webhook_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	atomic_store(&w->stop, 1);
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	webhook_worker_free(w);
}
