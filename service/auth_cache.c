/* auth_cache.c — tokens verified once and reused until their times run out: a fixed table of
 * verifications keyed by the SHA-256 of the whole token, one slot per digest, striped locks. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth_internal.h"

#define AUTH_CACHE_DIGEST  32
#define AUTH_CACHE_STRIPES 16 /* locks; slot i is under lock i % AUTH_CACHE_STRIPES */

struct auth_cache_entry {
	unsigned char
	        digest[AUTH_CACHE_DIGEST]; /* SHA-256 of the token: equal digests, equal tokens */
	int used;
	struct auth_times times;
	struct principal principal;
};

/* Owns slots and sha256. A token's slot is fixed by its digest; a newer token for the same slot
 * replaces the older one, so the table never grows past its size. */
struct auth_cache {
	EVP_MD *sha256; /* fetched once */
	size_t mask;    /* slots - 1 (a power of two) */
	struct auth_cache_entry *slots;
	pthread_mutex_t locks[AUTH_CACHE_STRIPES];
};

struct auth_cache *auth_cache_create(size_t entries)
{
	struct auth_cache *c;
	size_t n = 1;

	if (entries == 0)
		return NULL;
	while (n <= entries / 2)
		n *= 2;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	c->slots = calloc(n, sizeof(*c->slots));
	if (!c->sha256 || !c->slots) {
		EVP_MD_free(c->sha256);
		free(c->slots);
		free(c);
		return NULL;
	}
	c->mask = n - 1;
	for (size_t i = 0; i < AUTH_CACHE_STRIPES; i++)
		pthread_mutex_init(&c->locks[i], NULL);
	return c;
}

void auth_cache_destroy(struct auth_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < AUTH_CACHE_STRIPES; i++)
		pthread_mutex_destroy(&c->locks[i]);
	/* principals are claims, not secrets, but nothing of a token outlives the verifier */
	OPENSSL_cleanse(c->slots, (c->mask + 1) * sizeof(*c->slots));
	free(c->slots);
	EVP_MD_free(c->sha256);
	free(c);
}

/* The token's digest and its slot; -1 when hashing failed (the token is then not cached). */
static int cache_slot(struct auth_cache *c, const char *token, size_t len,
                      unsigned char digest[AUTH_CACHE_DIGEST], size_t *slot)
{
	unsigned int n = 0;
	uint64_t h = 0;

	if (EVP_Digest(token, len, digest, &n, c->sha256, NULL) != 1 || n != AUTH_CACHE_DIGEST)
		return -1;
	memcpy(&h, digest, sizeof(h));
	*slot = (size_t)h & c->mask;
	return 0;
}

int auth_cache_get(struct auth_cache *c, const struct auth_verifier *v, const char *token,
                   size_t len, long long now, struct principal *out, const char **reason)
{
	unsigned char digest[AUTH_CACHE_DIGEST];
	size_t slot;
	int rc = 0;

	if (!c || cache_slot(c, token, len, digest, &slot) != 0)
		return 0;
	pthread_mutex_t *lock = &c->locks[slot % AUTH_CACHE_STRIPES];
	struct auth_cache_entry *e = &c->slots[slot];
	pthread_mutex_lock(lock);
	if (e->used && CRYPTO_memcmp(e->digest, digest, sizeof(digest)) == 0) {
		const char *why = auth_times_check(v, &e->times, now);
		if (why) {
			e->used = 0; /* expired (or the clock moved back): verify it in full next
			                time */
			*reason = why;
			rc = -1;
		} else {
			*out = e->principal;
			rc = 1;
		}
	}
	pthread_mutex_unlock(lock);
	return rc;
}

void auth_cache_put(struct auth_cache *c, const char *token, size_t len, const struct principal *p,
                    const struct auth_times *t)
{
	unsigned char digest[AUTH_CACHE_DIGEST];
	size_t slot;

	if (!c || cache_slot(c, token, len, digest, &slot) != 0)
		return;
	pthread_mutex_t *lock = &c->locks[slot % AUTH_CACHE_STRIPES];
	struct auth_cache_entry *e = &c->slots[slot];
	pthread_mutex_lock(lock);
	memcpy(e->digest, digest, sizeof(digest));
	e->times = *t;
	e->principal = *p;
	e->used = 1;
	pthread_mutex_unlock(lock);
}

size_t auth_cache_count(struct auth_cache *c)
{
	size_t n = 0;

	if (!c)
		return 0;
	for (size_t i = 0; i <= c->mask; i++) {
		pthread_mutex_t *lock = &c->locks[i % AUTH_CACHE_STRIPES];
		pthread_mutex_lock(lock);
		n += c->slots[i].used != 0;
		pthread_mutex_unlock(lock);
	}
	return n;
}
