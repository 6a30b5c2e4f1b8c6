/* config.c — one declarative table of settings: variable, type, bounds, default, secrecy. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"

enum config_type { CONFIG_STRING, CONFIG_INT, CONFIG_LONG };

struct config_entry {
	const char *env;
	enum config_type type;
	size_t offset;
	long long min, max;        /* bounds for numbers */
	const char *default_value; /* NULL: unset */
	int secret;                /* never logged */
	int required;
	const char *help;
};

#define FIELD(f) offsetof(struct config, f)

static const struct config_entry config_table[] = {
        {"ZEREN_DATABASE_URL", CONFIG_STRING, FIELD(database_url), 0, 0, NULL, 1, 0,
         "libpq conninfo or URI of the primary database (required by serve, migrate, import)"},
        {"ZEREN_DATABASE_READ_URL", CONFIG_STRING, FIELD(database_read_url), 0, 0, NULL, 1, 0,
         "optional replica for reads; unset reads go to the primary"},
        {"ZEREN_BIND_ADDRESS", CONFIG_STRING, FIELD(bind_address), 0, 0, "127.0.0.1", 0, 0,
         "IPv4 address to listen on (0.0.0.0 for all interfaces)"},
        {"ZEREN_PORT", CONFIG_INT, FIELD(port), 0, 65535, "8080", 0, 0,
         "TCP port to listen on (0 picks a free port)"},
        {"ZEREN_DB_POOL_SIZE", CONFIG_INT, FIELD(db_pool_size), 1, 256, "8", 0, 0,
         "database connections kept open per instance"},
        {"ZEREN_HTTP_THREADS", CONFIG_INT, FIELD(http_threads), 1, 256, "4", 0, 0,
         "HTTP worker threads (epoll thread pool)"},
        {"ZEREN_DB_TIMEOUT_MS", CONFIG_INT, FIELD(db_timeout_ms), 100, 600000, "5000", 0, 0,
         "longest wait for a pooled connection and statement timeout, in milliseconds"},
        {"ZEREN_JWT_HS256_SECRET", CONFIG_STRING, FIELD(jwt_hs256_secret), 0, 0, NULL, 1, 0,
         "HS256 shared secret, at least 32 bytes"},
        {"ZEREN_JWT_PUBLIC_KEYS", CONFIG_STRING, FIELD(jwt_public_keys), 0, 0, NULL, 0, 0,
         "PEM file or directory of RS256/ES256 public keys; kid = file name without extension"},
        {"ZEREN_JWT_ISSUER", CONFIG_STRING, FIELD(jwt_issuer), 0, 0, "zeren-dev", 0, 0,
         "required iss claim"},
        {"ZEREN_JWT_AUDIENCE", CONFIG_STRING, FIELD(jwt_audience), 0, 0, "zeren", 0, 0,
         "required aud claim"},
        {"ZEREN_JWT_LEEWAY_SECONDS", CONFIG_INT, FIELD(jwt_leeway_seconds), 0, 60, "30", 0, 0,
         "clock skew allowed on exp and nbf"},
        {"ZEREN_CORS_ORIGINS", CONFIG_STRING, FIELD(cors_origins), 0, 0, "", 0, 0,
         "comma-separated origins allowed by CORS (empty: none; * for any)"},
        {"ZEREN_MAX_BODY_BYTES", CONFIG_LONG, FIELD(max_body_bytes), 1024, 1LL << 30, "16777216", 0,
         0, "largest request body accepted; larger ones get 413"},
        {"ZEREN_CONNECTION_TIMEOUT", CONFIG_INT, FIELD(connection_timeout_s), 1, 3600, "30", 0, 0,
         "seconds an idle HTTP connection is kept"},
        {"ZEREN_MAX_CONNECTIONS", CONFIG_INT, FIELD(max_connections), 1, 100000, "1024", 0, 0,
         "concurrent HTTP connections accepted"},
        {"ZEREN_REPORT_TOLERANCE", CONFIG_INT, FIELD(report_tolerance_points), 0, 100, "10", 0, 0,
         "percentage points below expected progress that are still yellow, not red"},
        {"ZEREN_CHANGES_RETENTION_DAYS", CONFIG_INT, FIELD(changes_retention_days), 1, 3650, "30",
         0, 0, "days GET /v1/changes keeps a change; an older cursor gets 410 Gone"},
        {"ZEREN_REFCACHE_ENTRIES", CONFIG_INT, FIELD(refcache_entries), 0, 1000000, "8192", 0, 0,
         "responses the reference cache keeps (0: no cache, every read goes to the database)"},
};

#define CONFIG_ENTRIES (sizeof(config_table) / sizeof(config_table[0]))

static const char *config_env_lookup(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

static void config_append(char *err, size_t errlen, size_t *used, const char *env, const char *msg)
{
	if (*used >= errlen)
		return;
	int n = snprintf(err + *used, errlen - *used, "%s: %s\n", env, msg);
	if (n > 0)
		*used += (size_t)n;
}

static int config_parse_number(const char *text, long long min, long long max, long long *out)
{
	char *end = NULL;
	errno = 0;
	if (text[0] == '\0' || text[0] == ' ' || text[0] == '+')
		return -1;
	long long v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int config_load(struct config *cfg, config_lookup_fn lookup, void *ctx, char *err, size_t errlen)
{
	size_t used = 0;
	int bad = 0;
	if (lookup == NULL)
		lookup = config_env_lookup;
	if (errlen > 0)
		err[0] = '\0';
	for (size_t i = 0; i < CONFIG_ENTRIES; i++) {
		const struct config_entry *e = &config_table[i];
		const char *value = lookup(e->env, ctx);
		if (value == NULL)
			value = e->default_value;
		char *base = (char *)cfg + e->offset;
		if (value == NULL) {
			if (e->required) {
				config_append(err, errlen, &used, e->env, "is required");
				bad = 1;
			}
			continue;
		}
		if (e->type == CONFIG_STRING) {
			char **slot = (char **)(void *)base;
			free(*slot);
			*slot = strdup(value);
			if (*slot == NULL) {
				config_append(err, errlen, &used, e->env, "out of memory");
				bad = 1;
			}
			continue;
		}
		long long v = 0;
		if (config_parse_number(value, e->min, e->max, &v) != 0) {
			char msg[160];
			snprintf(msg, sizeof(msg),
			         "must be an integer from %lld to %lld, got \"%.40s\"", e->min,
			         e->max, value);
			config_append(err, errlen, &used, e->env, msg);
			bad = 1;
			continue;
		}
		if (e->type == CONFIG_INT)
			*(int *)(void *)base = (int)v;
		else
			*(long long *)(void *)base = v;
	}
	/* Cross-field rules the table cannot express. */
	if (cfg->database_url != NULL && cfg->database_url[0] == '\0') {
		config_append(err, errlen, &used, "ZEREN_DATABASE_URL", "must not be empty");
		bad = 1;
	}
	if (cfg->jwt_hs256_secret != NULL && cfg->jwt_hs256_secret[0] != '\0' &&
	    strlen(cfg->jwt_hs256_secret) < 32) {
		config_append(err, errlen, &used, "ZEREN_JWT_HS256_SECRET",
		              "must be at least 32 bytes");
		bad = 1;
	}
	int has_secret = cfg->jwt_hs256_secret != NULL && cfg->jwt_hs256_secret[0] != '\0';
	int has_keys = cfg->jwt_public_keys != NULL && cfg->jwt_public_keys[0] != '\0';
	if (!has_secret && !has_keys) {
		config_append(err, errlen, &used, "ZEREN_JWT_HS256_SECRET",
		              "or ZEREN_JWT_PUBLIC_KEYS must be set");
		bad = 1;
	}
	if (cfg->jwt_issuer == NULL || cfg->jwt_issuer[0] == '\0') {
		config_append(err, errlen, &used, "ZEREN_JWT_ISSUER", "must not be empty");
		bad = 1;
	}
	if (cfg->jwt_audience == NULL || cfg->jwt_audience[0] == '\0') {
		config_append(err, errlen, &used, "ZEREN_JWT_AUDIENCE", "must not be empty");
		bad = 1;
	}
	return bad ? -1 : 0;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < CONFIG_ENTRIES; i++) {
		if (config_table[i].type != CONFIG_STRING)
			continue;
		char **slot = (char **)(void *)((char *)cfg + config_table[i].offset);
		free(*slot);
		*slot = NULL;
	}
}

void config_print_help(FILE *out)
{
	fprintf(out, "Environment variables:\n");
	for (size_t i = 0; i < CONFIG_ENTRIES; i++) {
		const struct config_entry *e = &config_table[i];
		fprintf(out, "  %-26s %s", e->env, e->help);
		if (e->required)
			fprintf(out, " [required]");
		else if (e->default_value != NULL)
			fprintf(out, " [default: \"%s\"]", e->default_value);
		fprintf(out, "\n");
	}
}

void config_log(const struct config *cfg)
{
	json_t *o = json_object();
	for (size_t i = 0; i < CONFIG_ENTRIES; i++) {
		const struct config_entry *e = &config_table[i];
		const char *base = (const char *)cfg + e->offset;
		json_t *v;
		if (e->type == CONFIG_STRING) {
			const char *s = *(char *const *)(const void *)base;
			if (s == NULL)
				v = json_null();
			else if (e->secret)
				v = json_string("***");
			else
				v = json_string(s);
		} else if (e->type == CONFIG_INT) {
			v = json_integer(*(const int *)(const void *)base);
		} else {
			v = json_integer(*(const long long *)(const void *)base);
		}
		json_object_set_new(o, e->env, v);
	}
	log_json("info", "config", o);
}
