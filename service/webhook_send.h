/* webhook_send.h — POSTs a batch of signed deliveries with libcurl: the batch is made of runs
 * (one subscription's deliveries in feed order), each sent one request after another on one
 * easy handle and stopped at its first failure, the runs in parallel on one multi handle per
 * worker (so connections to a receiver are kept and reused); timeouts, no redirects, http and
 * https only, and a stop flag that abandons the batch. */
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
	long long run; /* consecutive requests with the same run go in order, one at a time */
	int refused;   /* set by the caller with error: not sent, done at once (a failure) */
	/* outcome */
	int done;        /* finished (answered, refused or timed out); 0: not sent */
	long status;     /* the HTTP status; 0 without a response */
	char error[200]; /* why it failed, "" on a 2xx */
	int duration_ms;
};

struct webhook_sender;

/* A sender for batches of at most max runs, each request given timeout_ms in all. NULL when
 * out of memory. Free with webhook_sender_destroy. */
struct webhook_sender *webhook_sender_create(int max, int timeout_ms);
void webhook_sender_destroy(struct webhook_sender *s);

/* Signs (Zeren-Signature over the second each is started in) and sends reqs[0..n), whose runs
 * (at most max) go in parallel, each run's requests in order: the next one once the one before
 * got a 2xx. A run ends at its first failure, or where starting the next request could not
 * finish (timeout_ms) within budget_ms of the call; its later requests stay not done. Returns
 * when every run has ended (0) or when *stop becomes non-zero (-1, also when out of memory),
 * leaving done unset on the unfinished ones. */
int webhook_sender_run(struct webhook_sender *s, struct webhook_send *reqs, int n,
                       long long budget_ms, const atomic_int *stop)
        __attribute__((warn_unused_result));

#endif
