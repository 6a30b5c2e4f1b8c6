/* request_limits.c — concurrency caps, per-token token buckets and the per-thread database
 * deadline. */
#include "request_limits.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

/* --- concurrency caps --- */

struct limits_cap {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	int free_slots;
};

struct limits_cap *limits_cap_create(int slots)
{
	struct limits_cap *cap = calloc(1, sizeof(*cap));
	if (cap == NULL)
		return NULL;
	pthread_mutex_init(&cap->lock, NULL);
	clock_cond_init(&cap->freed);
	cap->free_slots = slots > 0 ? slots : 1;
	return cap;
}

void limits_cap_destroy(struct limits_cap *cap)
{
	if (cap == NULL)
		return;
	pthread_mutex_destroy(&cap->lock);
	pthread_cond_destroy(&cap->freed);
	free(cap);
}

int limits_cap_take(struct limits_cap *cap, int wait_ms)
{
	struct timespec until = clock_after_ms(wait_ms);
	pthread_mutex_lock(&cap->lock);
	int rc = 0;
	while (cap->free_slots == 0 && rc != ETIMEDOUT)
		rc = wait_ms > 0 ? pthread_cond_timedwait(&cap->freed, &cap->lock, &until)
		                 : ETIMEDOUT;
	int taken = cap->free_slots > 0;
	if (taken)
		cap->free_slots--;
	pthread_mutex_unlock(&cap->lock);
	return taken ? 0 : -1;
}

void limits_cap_give(struct limits_cap *cap)
{
	pthread_mutex_lock(&cap->lock);
	cap->free_slots++;
	pthread_cond_signal(&cap->freed);
	pthread_mutex_unlock(&cap->lock);
}

/* --- token buckets --- */

struct limits_bucket {
	uint64_t key; /* 0: unused */
	double tokens;
	double updated; /* when tokens was last brought up to date */
};

#define LIMITS_PROBE 8 /* buckets looked at per key: its home and the next ones */

struct limits_rate {
	pthread_mutex_t lock;
	double per_second;
	double burst;
	size_t slots;
	struct limits_bucket *buckets;
};

struct limits_rate *limits_rate_create(double per_second, int burst, size_t slots)
{
	struct limits_rate *rate = calloc(1, sizeof(*rate));
	if (rate == NULL)
		return NULL;
	rate->slots = slots > LIMITS_PROBE ? slots : LIMITS_PROBE;
	rate->buckets = calloc(rate->slots, sizeof(*rate->buckets));
	if (rate->buckets == NULL) {
		free(rate);
		return NULL;
	}
	pthread_mutex_init(&rate->lock, NULL);
	rate->per_second = per_second > 0 ? per_second : 1;
	rate->burst = burst > 0 ? burst : 1;
	return rate;
}

void limits_rate_destroy(struct limits_rate *rate)
{
	if (rate == NULL)
		return;
	pthread_mutex_destroy(&rate->lock);
	free(rate->buckets);
	free(rate);
}

/* FNV-1a 64; a collision only shares a bucket between two tokens. */
static uint64_t limits_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h != 0 ? h : 1;
}

/* The key's bucket, or the least recently used of its probe window, refilled to now. */
static struct limits_bucket *limits_bucket_of(struct limits_rate *rate, uint64_t key, double now)
{
	size_t home = (size_t)(key % rate->slots);
	struct limits_bucket *oldest = NULL;
	for (size_t i = 0; i < LIMITS_PROBE; i++) {
		struct limits_bucket *b = &rate->buckets[(home + i) % rate->slots];
		if (b->key == key) {
			b->tokens = fmin(rate->burst,
			                 b->tokens + (now - b->updated) * rate->per_second);
			b->updated = now;
			return b;
		}
		if (oldest == NULL || b->key == 0 ||
		    (oldest->key != 0 && b->updated < oldest->updated))
			oldest = b;
	}
	oldest->key = key;
	oldest->tokens = rate->burst;
	oldest->updated = now;
	return oldest;
}

void limits_rate_take(struct limits_rate *rate, const void *key, size_t len, double now_s,
                      struct limits_rate_verdict *out)
{
	uint64_t k = limits_hash(key, len);
	pthread_mutex_lock(&rate->lock);
	struct limits_bucket *b = limits_bucket_of(rate, k, now_s);
	out->allowed = b->tokens >= 1.0;
	if (out->allowed)
		b->tokens -= 1.0;
	double tokens = b->tokens;
	pthread_mutex_unlock(&rate->lock);
	out->limit = (int)rate->burst;
	out->remaining = (int)floor(tokens);
	out->reset_s = (int)ceil((rate->burst - tokens) / rate->per_second);
	out->retry_after_s = out->allowed ? 0 : (int)ceil((1.0 - tokens) / rate->per_second);
	if (!out->allowed && out->retry_after_s < 1)
		out->retry_after_s = 1;
}

/* --- the request's database deadline --- */

static _Thread_local long long limits_deadline_ms; /* monotonic ms; 0: none */

void limits_deadline_set(int ms_from_now)
{
	limits_deadline_ms = clock_now_ms() + ms_from_now;
}

void limits_deadline_clear(void)
{
	limits_deadline_ms = 0;
}

long long limits_deadline_left_ms(void)
{
	if (limits_deadline_ms == 0)
		return -1;
	long long left = limits_deadline_ms - clock_now_ms();
	return left > 0 ? left : 0;
}
