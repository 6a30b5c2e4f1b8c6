/* idempotency.h — Idempotency-Key on POSTs: the first response is stored and replayed. */
#ifndef ZEREN_IDEMPOTENCY_H
#define ZEREN_IDEMPOTENCY_H

#include "http.h"

/* Lives on the handler's stack between idem_begin and idem_finish. */
/* A key whose first request never answered is taken over after this long (the README says
 * so too); a retry meanwhile gets 409 with Retry-After up to then. */
#define IDEM_TAKEOVER_SECONDS 60

struct idem {
	int active; /* this request owns a key and must finish it */
	char key[201];
	char hash[65]; /* SHA-256 of method, target, content type and body, hex */
	const char *endpoint;
};

enum idem_outcome {
	IDEM_PROCEED, /* no key, or the key is now ours: do the work, then idem_finish */
	IDEM_DONE,    /* a reply was sent (a replay, 409 in flight, 422 other body, 4xx/503) */
};

/* Reads the Idempotency-Key header; keys are scoped to the token's iss and sub. */
enum idem_outcome idem_begin(struct http_ctx *ctx, const char *endpoint, struct idem *idem)
        __attribute__((warn_unused_result));

/* Stores the reply the handler made for replays, or releases the key after a 5xx so that a
 * retry can run. A no-op when idem is not active. */
void idem_finish(struct http_ctx *ctx, struct idem *idem);

#endif
