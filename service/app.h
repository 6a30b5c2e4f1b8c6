/* app.h — what every request handler may reach: settings, pools, verifier, metrics; and the
 * one pair that builds and frees it, for `zeren serve` and the integration tests alike. */
#ifndef ZEREN_APP_H
#define ZEREN_APP_H

#include <stddef.h>

#include "config.h"

struct db_pool;
struct auth_verifier;
struct refcache;

/* Built once at start-up by app_create and read-only afterwards (the pools lock internally).
 * Every pointer is owned by the app and freed by app_destroy. */
struct app {
	struct config cfg;
	struct db_pool *pool;      /* primary: every write */
	struct db_pool *read_pool; /* replica for reads, or the primary (then not a second pool) */
	struct auth_verifier *verifier;
	struct refcache *refcache; /* reference-data cache (see refcache.h) */
	char **cors_origins;       /* parsed ZEREN_CORS_ORIGINS, owned */
	size_t cors_count;
	int cors_any; /* "*" was listed: every origin is allowed */
};

/* How big the reference-data cache may grow (refcache_create's slots and max_bytes). */
struct app_cache_size {
	size_t slots;
	size_t max_bytes;
};

/* The cache `zeren serve` runs with (slots from ZEREN_REFCACHE_ENTRIES, bytes from
 * ZEREN_REFCACHE_BYTES, whose default this is). */
#define APP_CACHE_SERVE ((struct app_cache_size){8192, 64u << 20})

/* Builds the app from cfg, which it takes over: the app frees it and *cfg is left zeroed,
 * whatever the outcome. Creates the JWT verifier, the CORS list (app_cors_parse), the primary
 * pool, the read pool when cfg names a replica (db_pool_set_replica), and a refcache of
 * cache's size listening on ZEREN_DATABASE_LISTEN_URL (default the primary's URL). Returns the app
 * (free with app_destroy), or NULL with the reason in err. */
struct app *app_create(struct config *cfg, struct app_cache_size cache, char *err, size_t errlen)
        __attribute__((warn_unused_result));
/* Frees everything app_create built, in reverse; NULL is a no-op. Stop the HTTP server first. */
void app_destroy(struct app *app);

/* A pool of size connections to url with cfg's statement mode, deadline and lock timeout (the
 * request pools, and the webhook worker's own). NULL on allocation failure. */
struct db_pool *app_pool_create(const struct config *cfg, const char *url, int size);

/* The JWT verifier cfg's settings describe (borrowed; the verifier copies what it keeps), for
 * app_create and `zeren token`. Returns 0 with *out owned by the caller (auth_verifier_destroy),
 * or -1 with "JWT settings: <reason>" in err. */
int app_verifier_create(const struct config *cfg, struct auth_verifier **out, char *err,
                        size_t errlen) __attribute__((warn_unused_result));

/* Splits list (origins separated by commas and/or spaces; NULL is empty) into
 * app->cors_origins / cors_count, with "*" setting cors_any instead. Returns 0, or -1 when out
 * of memory (what was parsed stays in app, for app_destroy). */
int app_cors_parse(struct app *app, const char *list) __attribute__((warn_unused_result));

#endif
