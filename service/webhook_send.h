/* webhook_send.h — POSTs a batch of signed deliveries at once with libcurl (one multi handle
 * per worker, so connections to a receiver are kept and reused), with timeouts, no redirects,
 * http and https only, and a stop flag that abandons the batch. */
#ifndef ZEREN_WEBHOOK_SEND_H
#define ZEREN_WEBHOOK_SEND_H

#include <stdatomic.h>
#include <stddef.h>

#include "webhook_sign.h"

/* One request and its outcome. The caller fills the request fields (borrowed until
 * webhook_sender_run returns); the sender fills the outcome. */
struct webhook_send {
	const char *url, *event, *secret, *body;
	size_t len;
	long long delivery_id;
	int refused; /* set by the caller with error: not sent, done at once */
	/* outcome */
	int done;        /* finished (answered, refused or timed out) */
	long status;     /* the HTTP status; 0 without a response */
	char error[200]; /* why it failed, "" on a 2xx */
	int duration_ms;
};

struct webhook_sender;

/* A sender for batches of at most max requests, each given timeout_ms in all. NULL when out
 * of memory. Free with webhook_sender_destroy. */
struct webhook_sender *webhook_sender_create(int max, int timeout_ms);
void webhook_sender_destroy(struct webhook_sender *s);

/* Signs (Zeren-Signature over the current second) and sends reqs[0..n) (n <= max) in parallel
 * until each is done or *stop becomes non-zero. 0 when all are done; -1 when stopped (or out
 * of memory) first, leaving done unset on the unfinished ones. */
int webhook_sender_run(struct webhook_sender *s, struct webhook_send *reqs, int n,
                       const atomic_int *stop) __attribute__((warn_unused_result));

#endif
