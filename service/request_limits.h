/* request_limits.h — limits on work inside one instance: a concurrency cap with a short queue, a
 * per-token request rate (token buckets), and each request's database deadline. */
#ifndef ZEREN_REQUEST_LIMITS_H
#define ZEREN_REQUEST_LIMITS_H

#include <stddef.h>

/* A counting semaphore whose waiters give up after a while. Thread-safe. */
struct limits_cap;

/* A cap of slots (>= 1). NULL when out of memory. Free with limits_cap_destroy. */
struct limits_cap *limits_cap_create(int slots);
void limits_cap_destroy(struct limits_cap *cap);
/* Takes a slot, waiting at most wait_ms for one. 0 when taken (give it back with
 * limits_cap_give), -1 when none came free. */
int limits_cap_take(struct limits_cap *cap, int wait_ms) __attribute__((warn_unused_result));
void limits_cap_give(struct limits_cap *cap);

/* Token buckets keyed by a client's credential: each holds up to burst tokens and refills
 * at per_second; a request takes one. A fixed table: when it is full the oldest-used bucket
 * is reused, so memory does not grow with the number of tokens seen. Thread-safe. */
struct limits_rate;

struct limits_rate *limits_rate_create(double per_second, int burst, size_t slots);
void limits_rate_destroy(struct limits_rate *rate);

/* What one request's take found, for 429 and the RateLimit-* headers. */
struct limits_rate_verdict {
	int allowed;       /* 1: a token was taken */
	int limit;         /* the burst */
	int remaining;     /* whole tokens left after this request */
	int reset_s;       /* seconds until the bucket is full again */
	int retry_after_s; /* when refused: seconds until a token is there */
};

/* Takes a token from key's bucket (len bytes; the key is hashed, not kept) at now_s
 * (seconds on a monotonic clock). */
void limits_rate_take(struct limits_rate *rate, const void *key, size_t len, double now_s,
                      struct limits_rate_verdict *out);

/* The calling thread's database deadline: set when a request starts, cleared when it ends;
 * db.c waits for a connection no longer than it and runs no statement after it. */
void limits_deadline_set(int ms_from_now);
void limits_deadline_clear(void);
/* Milliseconds left (0 when passed), or -1 when no deadline is set. */
long long limits_deadline_left_ms(void);

#endif
