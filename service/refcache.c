/* refcache.c — direct-mapped slots under striped locks, a generation counter, and a thread
 * that turns PostgreSQL notifications into generation bumps. */
#include "refcache.h"

#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "metrics.h"

#define REFCACHE_LOCKS 64

struct refcache_entry {
	uint64_t hash;
	unsigned long long gen;
	db_lsn floor; /* its source had replayed at least this far */
	char *key, *body, *etag, *link;
	size_t len;
	size_t size; /* bytes counted for it */
};

struct refcache {
	char *conninfo;
	size_t nslots, max_bytes;
	struct refcache_entry *slots;
	pthread_mutex_t locks[REFCACHE_LOCKS];
	atomic_ullong generation;
	/* the primary's WAL position when the current generation began, or later: a response
	 * stored under it must come from a source that has replayed this far */
	atomic_ullong floor;
	atomic_int usable; /* the listener is connected and LISTENing */
	atomic_size_t bytes;
	atomic_int stop;
	pthread_t listener;
};

static uint64_t refcache_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static void refcache_bump(struct refcache *c)
{
	atomic_fetch_add(&c->generation, 1);
}

/* Raises the floor, then bumps: a reader that sees the new generation sees this floor or a
 * later one (both sequentially consistent). */
static void refcache_bump_at(struct refcache *c, db_lsn lsn)
{
	db_lsn seen = atomic_load(&c->floor);
	while (lsn > seen && !atomic_compare_exchange_weak(&c->floor, &seen, lsn))
		;
	refcache_bump(c);
}

/* Where the primary's WAL is now, read on the listener's connection once the notices are in:
 * every change they announce committed before it. 0 when it cannot be read. */
static db_lsn refcache_primary_lsn(PGconn *pg)
{
	PGresult *r = PQexec(pg, SQL_WAL_INSERT_LSN);
	db_lsn lsn = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 ||
	    db_lsn_parse(PQgetvalue(r, 0, SQL_WAL_INSERT_LSN_COL_LSN), &lsn) != 0)
		lsn = 0;
	PQclear(r);
	return lsn;
}

static void *refcache_listen(void *arg)
{
	struct refcache *c = arg;
	while (!atomic_load(&c->stop)) {
		char err[256];
		PGconn *pg = db_connect_once(c->conninfo, err, sizeof(err));
		PGresult *r = NULL;
		if (pg != NULL)
			r = PQexec(pg, "LISTEN zeren_reference");
		if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
			PQclear(r);
			PQfinish(pg);
			for (int i = 0; i < 10 && !atomic_load(&c->stop); i++)
				usleep(100000);
			continue;
		}
		PQclear(r);
		/* anything cached before this point may have missed a notification */
		db_lsn lsn = refcache_primary_lsn(pg);
		if (lsn == 0) {
			log_msg("warn", "refcache_listener_lsn",
			        "cannot read the WAL position on the listen connection (is it the "
			        "primary?); cache off");
			PQfinish(pg);
			for (int i = 0; i < 50 && !atomic_load(&c->stop); i++)
				usleep(100000);
			continue;
		}
		refcache_bump_at(c, lsn);
		atomic_store(&c->usable, 1);
		while (!atomic_load(&c->stop)) {
			struct pollfd p = {.fd = PQsocket(pg), .events = POLLIN};
			if (poll(&p, 1, 200) < 0)
				break;
			if (PQconsumeInput(pg) == 0 || PQstatus(pg) != CONNECTION_OK)
				break;
			PGnotify *n;
			int notified = 0;
			while ((n = PQnotifies(pg)) != NULL) {
				notified = 1;
				PQfreemem(n);
			}
			if (!notified)
				continue;
			/* off at once; back on under the new floor once it is known */
			refcache_bump(c);
			lsn = refcache_primary_lsn(pg);
			if (lsn == 0)
				break;
			refcache_bump_at(c, lsn);
		}
		atomic_store(&c->usable, 0);
		refcache_bump(c);
		PQfinish(pg);
		if (!atomic_load(&c->stop))
			log_msg("warn", "refcache_listener_lost",
			        "reconnecting; cache off meanwhile");
	}
	return NULL;
}

struct refcache *refcache_create(const char *conninfo, size_t slots, size_t max_bytes)
{
	struct refcache *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->conninfo = strdup(conninfo);
	c->slots = calloc(slots, sizeof(*c->slots));
	if (c->conninfo == NULL || c->slots == NULL) {
		free(c->conninfo);
		free(c->slots);
		free(c);
		return NULL;
	}
	c->nslots = slots;
	c->max_bytes = max_bytes;
	atomic_store(&c->generation, 1);
	for (int i = 0; i < REFCACHE_LOCKS; i++)
		pthread_mutex_init(&c->locks[i], NULL);
	if (pthread_create(&c->listener, NULL, refcache_listen, c) != 0) {
		for (int i = 0; i < REFCACHE_LOCKS; i++)
			pthread_mutex_destroy(&c->locks[i]);
		free(c->conninfo);
		free(c->slots);
		free(c);
		return NULL;
	}
	return c;
}

/* What an entry holds, counted against max_bytes. */
static size_t refcache_size(const char *key, size_t len, const char *etag, const char *link)
{
	return strlen(key) + len + (etag ? strlen(etag) : 0) + (link ? strlen(link) : 0) + 4;
}

static void refcache_entry_clear(struct refcache *c, struct refcache_entry *e)
{
	if (e->key != NULL)
		atomic_fetch_sub(&c->bytes, e->size);
	free(e->key);
	free(e->body);
	free(e->etag);
	free(e->link);
	memset(e, 0, sizeof(*e));
}

void refcache_destroy(struct refcache *c)
{
	if (c == NULL)
		return;
	atomic_store(&c->stop, 1);
	pthread_join(c->listener, NULL);
	for (size_t i = 0; i < c->nslots; i++)
		refcache_entry_clear(c, &c->slots[i]);
	for (int i = 0; i < REFCACHE_LOCKS; i++)
		pthread_mutex_destroy(&c->locks[i]);
	free(c->slots);
	free(c->conninfo);
	free(c);
}

unsigned long long refcache_generation(struct refcache *c)
{
	if (c == NULL || !atomic_load(&c->usable))
		return 0;
	return atomic_load(&c->generation);
}

static char *refcache_dup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

db_lsn refcache_floor(struct refcache *c)
{
	return c != NULL ? atomic_load(&c->floor) : 0;
}

int refcache_get(struct refcache *c, const char *key, db_lsn need, struct refcache_hit *hit)
{
	unsigned long long gen = refcache_generation(c);
	if (gen == 0)
		return 0;
	uint64_t h = refcache_hash(key);
	size_t slot = (size_t)(h % c->nslots);
	pthread_mutex_t *lock = &c->locks[slot % REFCACHE_LOCKS];
	int found = 0;
	pthread_mutex_lock(lock);
	struct refcache_entry *e = &c->slots[slot];
	if (e->key != NULL && e->gen != gen)
		refcache_entry_clear(c, e); /* from an older generation: its room is free again */
	if (e->key != NULL && e->hash == h && e->gen == gen && e->floor >= need &&
	    strcmp(e->key, key) == 0) {
		hit->body = malloc(e->len + 1);
		if (hit->body != NULL) {
			memcpy(hit->body, e->body, e->len);
			hit->body[e->len] = '\0';
			hit->len = e->len;
			hit->etag = refcache_dup(e->etag);
			hit->link = refcache_dup(e->link);
			found = 1;
		}
	}
	pthread_mutex_unlock(lock);
	metrics_observe_cache(found);
	return found;
}

void refcache_put(struct refcache *c, const char *key, unsigned long long gen, db_lsn floor,
                  const char *body, size_t len, const char *etag, const char *link)
{
	if (gen == 0 || refcache_generation(c) != gen)
		return;
	uint64_t h = refcache_hash(key);
	size_t slot = (size_t)(h % c->nslots);
	size_t size = refcache_size(key, len, etag, link);
	pthread_mutex_t *lock = &c->locks[slot % REFCACHE_LOCKS];
	pthread_mutex_lock(lock);
	struct refcache_entry *e = &c->slots[slot];
	/* the entry being replaced frees its room first */
	refcache_entry_clear(c, e);
	if (atomic_load(&c->bytes) + size > c->max_bytes) {
		pthread_mutex_unlock(lock);
		return;
	}
	e->key = strdup(key);
	e->body = malloc(len + 1);
	if (e->key != NULL && e->body != NULL) {
		memcpy(e->body, body, len);
		e->body[len] = '\0';
		e->len = len;
		e->etag = refcache_dup(etag);
		e->link = refcache_dup(link);
		e->hash = h;
		e->gen = gen;
		e->floor = floor;
		e->size = size;
		atomic_fetch_add(&c->bytes, size);
	} else {
		free(e->key);
		free(e->body);
		memset(e, 0, sizeof(*e));
	}
	pthread_mutex_unlock(lock);
}

void refcache_invalidate(struct refcache *c)
{
	/* the write this thread just committed is the floor of what may be cached next */
	if (c != NULL)
		refcache_bump_at(c, db_request_commit_lsn());
}

void refcache_hit_free(struct refcache_hit *hit)
{
	free(hit->body);
	free(hit->etag);
	free(hit->link);
	memset(hit, 0, sizeof(*hit));
}
