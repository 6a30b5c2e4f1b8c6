/* config.h — the service's settings, read once from ZEREN_* environment variables. */
#ifndef ZEREN_CONFIG_H
#define ZEREN_CONFIG_H

#include <stddef.h>
#include <stdio.h>

/* Every string field is owned by the struct and freed by config_free(); NULL means unset. */
struct config {
	char *database_url;
	char *database_read_url;
	char *bind_address;
	int port;
	int db_pool_size;
	int http_threads;
	int db_timeout_ms;
	char *jwt_hs256_secret;
	char *jwt_public_keys;
	char *jwt_issuer;
	char *jwt_audience;
	int jwt_leeway_seconds;
	char *cors_origins;
	long long max_body_bytes;
	int connection_timeout_s;
	int max_connections;
	int report_tolerance_points;
	int changes_retention_days;
	/* webhooks and reminders (README, "Webhooks") */
	char *webhook_allowed_hosts;
	int webhook_worker;
	int webhook_poll_ms;
	int webhook_batch;
	int webhook_timeout_ms;
	int webhook_lease_s;
	int webhook_retry_base_ms;
	int webhook_retry_max_ms;
	int webhook_retry_window_s;
	int webhook_max_attempts;
	int webhook_deactivate_s;
	int reminder_interval_s;
	int reminder_lookback_days;
	/* running at scale (README "Running at scale") */
	char *database_listen_url; /* the reference cache's LISTEN session; NULL: database_url */
	char *db_statements;       /* "prepared" or "unnamed" (db.h enum db_statements) */
	int replica_max_lag_ms;
	int replica_check_ms;
	char *metrics_address; /* "HOST:PORT" for a separate /metrics listener; NULL or "": none */
	/* limits (README "Limits") */
	int max_connections_per_client;
	int header_timeout_s;
	int body_timeout_s;
	long long body_min_rate;
	long long body_budget_bytes;
	int shutdown_seconds;
	int expensive_concurrency;
	int expensive_queue_ms;
	int rate_per_second;
	int rate_burst;
	int db_workers;
	int db_lock_timeout_ms;
	char *cursor_secret;
};

/* Looks one variable up; the default reads the process environment. */
typedef const char *(*config_lookup_fn)(const char *name, void *ctx);

/* Fills cfg from defaults and lookup. Collects every problem, one line each, into err (may be
 * truncated); returns 0 when all values are valid, -1 otherwise. cfg must be zeroed or freed
 * before the call; on failure it still holds whatever was parsed and must be freed. */
int config_load(struct config *cfg, config_lookup_fn lookup, void *ctx, char *err, size_t errlen)
        __attribute__((warn_unused_result));
void config_free(struct config *cfg);

/* 1 when name is a setting in the table. */
int config_is_known(const char *name);
/* Logs a warning naming each ZEREN_* variable of envp (NULL-terminated "NAME=value") that is
 * not a setting; returns how many. */
int config_warn_unknown(char *const *envp);

/* 1 when origin may be listed in ZEREN_CORS_ORIGINS: "*" or scheme://host[:port] with an
 * http or https scheme and nothing after the host and port. */
int config_cors_origin_valid(const char *origin, size_t len);

/* Prints every variable with its default and meaning, for `zeren serve --help`. */
void config_print_help(FILE *out);

/* Logs the effective settings as one JSON line, secrets masked. */
void config_log(const struct config *cfg);

#endif
