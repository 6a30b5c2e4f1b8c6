/* refcache.h — an in-process cache of reference-data responses (plans, tasks, measures,
 * targets, units), emptied whenever PostgreSQL announces a change to reference data.
 *
 * Safety across instances: triggers on every reference table NOTIFY channel
 * zeren_reference at commit; each instance LISTENs on its own connection and bumps its
 * generation on every notification, on every (re)connection and whenever its own writes
 * commit. An entry is served only if stored under the current generation, and a response is
 * stored only if the generation did not move while it was being computed. While the listener
 * is disconnected nothing is cached or served from the cache.
 *
 * With a replica: after each batch of notices the listener (on the primary) reads the primary's
 * WAL position and makes it the floor of the new generation; a response computed for the cache
 * must come from a source that has replayed the floor (the caller makes that the read's
 * requirement, db_request_require), and each entry remembers the floor it was filled under, so
 * a client presenting a newer consistency token is not served an older entry. Own writes raise
 * the floor to their commit LSN. Without a replica every floor is met by the primary. */
#ifndef ZEREN_REFCACHE_H
#define ZEREN_REFCACHE_H

#include <stddef.h>

#include "db.h"

struct refcache;

/* Starts the listener thread on conninfo (the primary, not through a transaction pooler:
 * LISTEN needs a session that stays on one server connection). slots bounds the entry count,
 * max_bytes the memory held by bodies. Returns NULL on allocation failure. */
struct refcache *refcache_create(const char *conninfo, size_t slots, size_t max_bytes);
void refcache_destroy(struct refcache *cache);

/* The current generation, or 0 when the cache must not be used right now. */
unsigned long long refcache_generation(struct refcache *cache);

/* A cached response: copies owned by the caller (free each), NULL header when none. */
struct refcache_hit {
	char *body;
	size_t len;
	char *etag;
	char *link;
};

/* The floor of the current generation (read it after refcache_generation). */
db_lsn refcache_floor(struct refcache *cache);

/* 1 and *hit filled when key holds a response stored under the current generation from a
 * source at least as new as need (a client's consistency token, or 0). */
int refcache_get(struct refcache *cache, const char *key, db_lsn need, struct refcache_hit *hit);

/* Stores a response computed while the generation was gen from a source that had replayed
 * floor (a no-op if the generation has moved). */
void refcache_put(struct refcache *cache, const char *key, unsigned long long gen, db_lsn floor,
                  const char *body, size_t len, const char *etag, const char *link);

/* Drops every entry now (this instance just committed a reference-data write). */
void refcache_invalidate(struct refcache *cache);

void refcache_hit_free(struct refcache_hit *hit);

#endif
