/* app.h — what every request handler may reach: settings, pools, verifier, metrics. */
#ifndef ZEREN_APP_H
#define ZEREN_APP_H

#include <stddef.h>

#include "config.h"

struct db_pool;
struct auth_verifier;
struct refcache;

/* Built once at start-up by main.c and read-only afterwards (the pools lock internally). */
struct app {
	struct config cfg;
	struct db_pool *pool;      /* primary: every write */
	struct db_pool *read_pool; /* replica for reads, or the primary */
	struct auth_verifier *verifier;
	struct refcache *refcache; /* NULL when reads go to a replica (see refcache.h) */
	char **cors_origins;       /* parsed ZEREN_CORS_ORIGINS, owned */
	size_t cors_count;
	int cors_any;
};

#endif
