/* idempotency.c — claim the key before the work, store the reply after it. A retry with the
 * same body gets the stored reply; another body with the same key is 422; a retry while the
 * first is still running is 409. Keys live 48 hours. */
#include "idempotency.h"

#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "encoding.h"

/* Expired keys are deleted IDEM_PURGE_BATCH at a time by one claim in IDEM_PURGE_SECONDS (per
 * process), and by the next claim again while a batch comes back full (a backlog): a bounded
 * cost on one request in thousands, whatever the table's size. */
#define IDEM_PURGE_BATCH   500
#define IDEM_PURGE_SECONDS 10

/* CLOCK_MONOTONIC second from which the next claim purges; 0: the next claim does. */
static _Atomic long long idem_next_purge;

/* 1 for the one claim that should purge now. */
static int idem_purge_due(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long due = atomic_load(&idem_next_purge);
	if ((long long)now.tv_sec < due)
		return 0;
	return atomic_compare_exchange_strong(&idem_next_purge, &due,
	                                      (long long)now.tv_sec + IDEM_PURGE_SECONDS);
}

static void idem_purge(struct db_conn *conn)
{
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", IDEM_PURGE_BATCH);
	const char *p[] = {limit};
	PGresult *r = db_exec(conn, STMT_IDEMPOTENCY_PURGE, 1, p);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
	    atoi(PQgetvalue(r, 0, STMT_IDEMPOTENCY_PURGE_COL_PURGED)) >= IDEM_PURGE_BATCH)
		atomic_store(&idem_next_purge, 0);
	PQclear(r);
}

static void idem_subject(const struct http_ctx *ctx, char *out, size_t len)
{
	snprintf(out, len, "%s|%s", ctx->principal.iss, ctx->principal.sub);
}

static int idem_key_valid(const char *key)
{
	size_t n = strlen(key);
	if (n == 0 || n > 200)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return 0;
	return 1;
}

static void idem_hash(const struct http_ctx *ctx, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	const char *ct = http_header(ctx, "Content-Type");
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, ctx->method, strlen(ctx->method) + 1);
	/* the whole target, query included: ?dry_run=true is another request */
	const char *target = http_target(ctx);
	EVP_DigestUpdate(c, target, strlen(target) + 1);
	EVP_DigestUpdate(c, ct != NULL ? ct : "", ct != NULL ? strlen(ct) + 1 : 1);
	size_t len = 0;
	const char *body = http_body(ctx, &len);
	if (len > 0)
		EVP_DigestUpdate(c, body, len);
	EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	encoding_hex(md, mdlen < 32 ? mdlen : 32, out, 65);
}

/* Replays a stored reply. */
static void idem_replay(struct http_ctx *ctx, PGresult *r)
{
	int status = atoi(PQgetvalue(r, 0, STMT_IDEMPOTENCY_GET_COL_STATUS));
	json_t *headers =
	        json_loads(PQgetvalue(r, 0, STMT_IDEMPOTENCY_GET_COL_RESPONSE_HEADERS), 0, NULL);
	const char *key;
	json_t *value;
	const char *ct = "application/json";
	json_object_foreach(headers, key, value)
	{
		if (strcmp(key, "Content-Type") == 0)
			ct = json_string_value(value);
		else
			http_set_header(ctx, key, json_string_value(value));
	}
	http_set_header(ctx, "Idempotent-Replayed", "true");
	int body = STMT_IDEMPOTENCY_GET_COL_RESPONSE_BODY;
	http_reply_body(ctx, status, ct, PQgetvalue(r, 0, body), (size_t)PQgetlength(r, 0, body));
	json_decref(headers);
}

enum idem_outcome idem_begin(struct http_ctx *ctx, const char *endpoint, struct idem *idem)
{
	memset(idem, 0, sizeof(*idem));
	const char *key = http_header(ctx, "Idempotency-Key");
	if (key == NULL)
		return IDEM_PROCEED;
	if (!idem_key_valid(key)) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "Idempotency-Key",
		                   "Idempotency-Key must be 1 to 200 visible ASCII characters");
		return IDEM_DONE;
	}
	snprintf(idem->key, sizeof(idem->key), "%s", key);
	idem->endpoint = endpoint;
	idem_hash(ctx, idem->hash);
	char subject[2 * AUTH_CLAIM_MAX + 2];
	idem_subject(ctx, subject, sizeof(subject));

	struct db_conn *conn = NULL;
	enum svc_error err = db_acquire(ctx->app->pool, &conn);
	if (err != SVC_OK) {
		http_reply_problem(ctx, err, "the database is not available; retry shortly");
		return IDEM_DONE;
	}
	char takeover[16];
	snprintf(takeover, sizeof(takeover), "%d", IDEM_TAKEOVER_SECONDS);
	const char *claim[] = {subject, idem->key, endpoint, idem->hash, takeover};
	PGresult *r = db_exec(conn, STMT_IDEMPOTENCY_CLAIM, 5, claim);
	err = db_result_error(conn, r);
	int owned = err == SVC_OK && PQntuples(r) == 1;
	PQclear(r);
	if (err == SVC_OK && owned) {
		if (idem_purge_due())
			idem_purge(conn);
		db_release(ctx->app->pool, conn);
		idem->active = 1;
		return IDEM_PROCEED;
	}
	if (err == SVC_OK) {
		const char *get[] = {subject, idem->key, takeover};
		r = db_exec(conn, STMT_IDEMPOTENCY_GET, 3, get);
		err = db_result_error(conn, r);
		if (err == SVC_OK && PQntuples(r) == 1) {
			if (PQgetisnull(r, 0, STMT_IDEMPOTENCY_GET_COL_STATUS)) {
				/* when to retry: then it has answered, or may be taken over */
				http_set_header(
				        ctx, "Retry-After",
				        PQgetvalue(r, 0, STMT_IDEMPOTENCY_GET_COL_TAKEOVER_IN));
				http_reply_problem(ctx, SVC_CONFLICT,
				                   "the first request with this Idempotency-Key is "
				                   "still running; retry later");
			} else if (strcmp(PQgetvalue(r, 0, STMT_IDEMPOTENCY_GET_COL_ENDPOINT),
			                  endpoint) != 0 ||
			           strcmp(PQgetvalue(r, 0, STMT_IDEMPOTENCY_GET_COL_REQUEST_HASH),
			                  idem->hash) != 0)
				http_reply_problem(ctx, SVC_UNPROCESSABLE,
				                   "this Idempotency-Key was used with another "
				                   "request; use a new key for a new request");
			else
				idem_replay(ctx, r);
		} else if (err == SVC_OK) {
			/* the key vanished between claim and read: a retry will claim it */
			http_reply_problem(ctx, SVC_CONFLICT, "retry the request");
		}
		PQclear(r);
	}
	db_release(ctx->app->pool, conn);
	if (err != SVC_OK)
		http_reply_problem(ctx, err, NULL);
	return IDEM_DONE;
}

void idem_finish(struct http_ctx *ctx, struct idem *idem)
{
	if (!idem->active)
		return;
	char subject[2 * AUTH_CLAIM_MAX + 2];
	idem_subject(ctx, subject, sizeof(subject));
	struct db_conn *conn = NULL;
	if (db_acquire(ctx->app->pool, &conn) != SVC_OK)
		return; /* the key stays in flight and is taken over (IDEM_TAKEOVER_SECONDS) */
	long status = http_reply_status(ctx);
	PGresult *r;
	if (status >= 500) {
		const char *p[] = {subject, idem->key};
		r = db_exec(conn, STMT_IDEMPOTENCY_RELEASE, 2, p);
	} else {
		json_t *h = json_object();
		const char *names[] = {"Content-Type", "Location", "ETag"};
		for (size_t i = 0; i < 3; i++) {
			const char *v = http_reply_header(ctx, names[i]);
			if (v != NULL)
				json_object_set_new(h, names[i], json_string(v));
		}
		char *htext = json_dumps(h, JSON_COMPACT);
		json_decref(h);
		char st[24];
		snprintf(st, sizeof(st), "%ld", status);
		/* response bodies are JSON text we produced: valid UTF-8, no NUL */
		size_t len = 0;
		const char *sent = http_reply_body_get(ctx, &len);
		char *body = strndup(sent != NULL ? sent : "", len);
		const char *p[] = {subject, idem->key, st, htext, body};
		r = db_exec(conn, STMT_IDEMPOTENCY_FINISH, 5, p);
		free(htext);
		free(body);
	}
	PQclear(r);
	db_release(ctx->app->pool, conn);
	idem->active = 0;
}
