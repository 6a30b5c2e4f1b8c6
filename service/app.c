/* app.c — builds and frees struct app: verifier, CORS origins, pools and the refcache. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "cursor.h"
#include "db.h"
#include "metrics.h"
#include "refcache.h"

int app_cors_parse(struct app *app, const char *list)
{
	if (list == NULL)
		list = "";
	char *copy = strdup(list);
	if (copy == NULL)
		return -1;
	size_t cap = 1;
	for (const char *p = list; *p; p++)
		cap += *p == ',' || *p == ' ';
	int rc = -1;
	app->cors_origins = calloc(cap, sizeof(char *));
	if (app->cors_origins == NULL)
		goto cleanup;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ", ", &save); tok != NULL;
	     tok = strtok_r(NULL, ", ", &save)) {
		if (strcmp(tok, "*") == 0) {
			app->cors_any = 1;
			continue;
		}
		app->cors_origins[app->cors_count] = strdup(tok);
		if (app->cors_origins[app->cors_count] == NULL)
			goto cleanup;
		app->cors_count++;
	}
	rc = 0;
cleanup:
	free(copy);
	return rc;
}

int app_verifier_create(const struct config *cfg, struct auth_verifier **out, char *err,
                        size_t errlen)
{
	char why[512];
	struct auth_settings s = {
	        .hs256_secret = cfg->jwt_hs256_secret,
	        .public_keys_path = cfg->jwt_public_keys,
	        .issuer = cfg->jwt_issuer,
	        .audience = cfg->jwt_audience,
	        .leeway_seconds = cfg->jwt_leeway_seconds,
	        .cache_entries = (size_t)cfg->jwt_cache_entries,
	};
	if (auth_verifier_create(&s, out, why, sizeof(why)) == 0)
		return 0;
	snprintf(err, errlen, "JWT settings: %s", why);
	return -1;
}

struct db_pool *app_pool_create(const struct config *cfg, const char *url, int size)
{
	enum db_statements mode = DB_STATEMENTS_PREPARED;
	if (db_statements_parse(cfg->db_statements, &mode) != 0)
		mode = DB_STATEMENTS_PREPARED; /* config_load has refused anything else */
	struct db_pool *pool = db_pool_create(url, size, cfg->db_timeout_ms, mode);
	if (pool != NULL)
		db_pool_set_lock_timeout(pool, cfg->db_lock_timeout_ms > 0 ? cfg->db_lock_timeout_ms
		                                                           : cfg->db_timeout_ms);
	return pool;
}

static int app_pools(struct app *app, struct app_cache_size cache)
{
	const struct config *cfg = &app->cfg;
	app->pool = app_pool_create(cfg, cfg->database_url, cfg->db_pool_size);
	if (app->pool == NULL)
		return -1;
	app->read_pool = app->pool;
	if (cfg->database_read_url != NULL && cfg->database_read_url[0] != '\0') {
		app->read_pool = app_pool_create(cfg, cfg->database_read_url, cfg->db_pool_size);
		if (app->read_pool == NULL)
			return -1;
		db_pool_set_replica(app->read_pool, app->pool, cfg->replica_max_lag_ms,
		                    cfg->replica_check_ms);
		(void)metrics_register_pool("replica", app->read_pool);
	}
	(void)metrics_register_pool("primary", app->pool);
	/* LISTEN holds a session: through a transaction pooler it would land on a server
	 * connection others use next and hear nothing, hence a URL of its own. With a replica,
	 * refills are held to the floor the primary's notices set (refcache.h). No cache when
	 * asked for no entries (ZEREN_REFCACHE_ENTRIES=0). */
	if (cache.slots == 0)
		return 0;
	const char *listen = cfg->database_listen_url != NULL && cfg->database_listen_url[0]
	                             ? cfg->database_listen_url
	                             : cfg->database_url;
	app->refcache = refcache_create(listen, cache.slots, cache.max_bytes);
	return 0;
}

struct app *app_create(struct config *cfg, struct app_cache_size cache, char *err, size_t errlen)
{
	struct app *app = calloc(1, sizeof(*app));
	if (app == NULL) {
		config_free(cfg);
		memset(cfg, 0, sizeof(*cfg));
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	app->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	/* the cursor key: its own secret, else one derived from the JWT secret, else random */
	cursor_key_derive(app->cfg.cursor_secret != NULL && app->cfg.cursor_secret[0] != '\0'
	                          ? app->cfg.cursor_secret
	                          : app->cfg.jwt_hs256_secret);
	if (app_verifier_create(&app->cfg, &app->verifier, err, errlen) != 0)
		goto fail;
	if (app_cors_parse(app, app->cfg.cors_origins) != 0 || app_pools(app, cache) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return app;
fail:
	app_destroy(app);
	return NULL;
}

void app_destroy(struct app *app)
{
	if (app == NULL)
		return;
	for (size_t i = 0; i < app->cors_count; i++)
		free(app->cors_origins[i]);
	free(app->cors_origins);
	refcache_destroy(app->refcache);
	metrics_unregister_pool(app->pool);
	if (app->read_pool != app->pool) {
		metrics_unregister_pool(app->read_pool);
		db_pool_destroy(app->read_pool);
	}
	db_pool_destroy(app->pool);
	auth_verifier_destroy(app->verifier);
	config_free(&app->cfg);
	free(app);
}
