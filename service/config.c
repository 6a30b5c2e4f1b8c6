/* config.c — one declarative table of settings: variable, type, bounds, default, secrecy. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <libpq-fe.h>

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
        {"ZEREN_WEBHOOK_ALLOWED_HOSTS", CONFIG_STRING, FIELD(webhook_allowed_hosts), 0, 0, "", 0, 0,
         "hosts subscriptions may name: host or host:port (https), http://host:port or "
         "http://host:* (plain http allowed); empty: no webhooks"},
        {"ZEREN_WEBHOOK_WORKER", CONFIG_INT, FIELD(webhook_worker), 0, 1, "1", 0, 0,
         "1: serve runs the delivery and reminder worker thread; 0: it does not"},
        {"ZEREN_WEBHOOK_POLL_MS", CONFIG_INT, FIELD(webhook_poll_ms), 10, 600000, "1000", 0, 0,
         "how often an idle worker looks for changes and due deliveries, in milliseconds"},
        {"ZEREN_WEBHOOK_BATCH", CONFIG_INT, FIELD(webhook_batch), 1, 1000, "32", 0, 0,
         "deliveries a worker claims at a time"},
        {"ZEREN_WEBHOOK_TIMEOUT_MS", CONFIG_INT, FIELD(webhook_timeout_ms), 100, 300000, "10000", 0,
         0, "longest wait for a receiver's answer (connect and transfer), in milliseconds"},
        {"ZEREN_WEBHOOK_LEASE_S", CONFIG_INT, FIELD(webhook_lease_s), 1, 3600, "60", 0, 0,
         "seconds a claimed delivery stays with its sender; longer than the timeout"},
        {"ZEREN_WEBHOOK_RETRY_BASE_MS", CONFIG_INT, FIELD(webhook_retry_base_ms), 1, 86400000,
         "30000", 0, 0, "first retry delay; each retry doubles it (with jitter)"},
        {"ZEREN_WEBHOOK_RETRY_MAX_MS", CONFIG_INT, FIELD(webhook_retry_max_ms), 1, 86400000,
         "3600000", 0, 0, "longest delay between two attempts"},
        {"ZEREN_WEBHOOK_RETRY_WINDOW_S", CONFIG_INT, FIELD(webhook_retry_window_s), 0, 2592000,
         "86400", 0, 0, "seconds a delivery is retried before it is parked as failed"},
        {"ZEREN_WEBHOOK_MAX_ATTEMPTS", CONFIG_INT, FIELD(webhook_max_attempts), 1, 10000, "100", 0,
         0, "attempts after which a delivery is parked as failed"},
        {"ZEREN_WEBHOOK_DEACTIVATE_S", CONFIG_INT, FIELD(webhook_deactivate_s), 1, 31536000,
         "259200", 0, 0, "seconds of failures without a success that deactivate a subscription"},
        {"ZEREN_REMINDER_INTERVAL_S", CONFIG_INT, FIELD(reminder_interval_s), 0, 86400, "600", 0, 0,
         "how often the worker checks for reports due or overdue (0: never)"},
        {"ZEREN_REMINDER_LOOKBACK_DAYS", CONFIG_INT, FIELD(reminder_lookback_days), 0, 3660, "45",
         0, 0, "reports whose due date passed longer ago than this get no reminder"},
        {"ZEREN_DATABASE_LISTEN_URL", CONFIG_STRING, FIELD(database_listen_url), 0, 0, NULL, 1, 0,
         "conninfo of the primary for the cache's LISTEN session; never through a "
         "transaction pooler (unset: ZEREN_DATABASE_URL)"},
        {"ZEREN_DB_STATEMENTS", CONFIG_STRING, FIELD(db_statements), 0, 0, "prepared", 0, 0,
         "prepared (once per connection) or unnamed (for PgBouncer pool_mode=transaction)"},
        {"ZEREN_REPLICA_MAX_LAG_MS", CONFIG_INT, FIELD(replica_max_lag_ms), 0, 3600000, "5000", 0,
         0, "replica lag beyond which reads go to the primary"},
        {"ZEREN_REPLICA_CHECK_MS", CONFIG_INT, FIELD(replica_check_ms), 10, 60000, "250", 0, 0,
         "how often the replica's state is looked at, in milliseconds"},
        {"ZEREN_METRICS_ADDRESS", CONFIG_STRING, FIELD(metrics_address), 0, 0, NULL, 0, 0,
         "IPv4 HOST:PORT serving /metrics apart from the API (then the API port has none)"},
        {"ZEREN_MAX_CONNECTIONS_PER_CLIENT", CONFIG_INT, FIELD(max_connections_per_client), 0,
         100000, "128", 0, 0,
         "concurrent connections from one IP address; more are refused (0: no cap; behind a "
         "balancer, its address is the client)"},
        {"ZEREN_HEADER_TIMEOUT", CONFIG_INT, FIELD(header_timeout_s), 1, 3600, "10", 0, 0,
         "seconds for a whole request head (line and headers), however it trickles"},
        {"ZEREN_BODY_TIMEOUT", CONFIG_INT, FIELD(body_timeout_s), 1, 3600, "10", 0, 0,
         "seconds a request body may take before ZEREN_BODY_MIN_RATE applies"},
        {"ZEREN_BODY_MIN_RATE", CONFIG_LONG, FIELD(body_min_rate), 1, 1LL << 30, "16384", 0, 0,
         "bytes per second a request body must average after ZEREN_BODY_TIMEOUT"},
        {"ZEREN_BODY_BUDGET_BYTES", CONFIG_LONG, FIELD(body_budget_bytes), 1024, 1LL << 40,
         "134217728", 0, 0,
         "request body bytes held in memory by all requests together, past it 503 (at least "
         "ZEREN_MAX_BODY_BYTES is used)"},
        {"ZEREN_SHUTDOWN_SECONDS", CONFIG_INT, FIELD(shutdown_seconds), 0, 3600, "30", 0, 0,
         "on SIGTERM, how long requests in flight may take to finish and be answered"},
        {"ZEREN_EXPENSIVE_CONCURRENCY", CONFIG_INT, FIELD(expensive_concurrency), 1, 256, "2", 0, 0,
         "reports, exports, batches and imports running at once; more queue, then 429"},
        {"ZEREN_EXPENSIVE_QUEUE_MS", CONFIG_INT, FIELD(expensive_queue_ms), 0, 60000, "250", 0, 0,
         "how long one expensive request may wait for a turn before 429"},
        {"ZEREN_RATE_PER_SECOND", CONFIG_INT, FIELD(rate_per_second), 0, 1000000, "100", 0, 0,
         "requests per second per token, refilled continuously (0: no rate limit)"},
        {"ZEREN_RATE_BURST", CONFIG_INT, FIELD(rate_burst), 1, 1000000, "200", 0, 0,
         "requests one token may make at once before ZEREN_RATE_PER_SECOND applies"},
        {"ZEREN_DB_WORKERS", CONFIG_INT, FIELD(db_workers), 0, 256, "0", 0, 0,
         "worker threads that run requests needing the database, apart from the HTTP threads "
         "so that health checks and cache hits never wait behind them (0: ZEREN_DB_POOL_SIZE "
         "- 1)"},
        {"ZEREN_DB_LOCK_TIMEOUT_MS", CONFIG_INT, FIELD(db_lock_timeout_ms), 0, 600000, "0", 0, 0,
         "longest wait for a row or table lock, in milliseconds, past it 503 (0: "
         "ZEREN_DB_TIMEOUT_MS)"},
        {"ZEREN_CURSOR_SECRET", CONFIG_STRING, FIELD(cursor_secret), 0, 0, NULL, 1, 0,
         "key for the MAC of pagination cursors (unset: derived from ZEREN_JWT_HS256_SECRET, "
         "else random per process)"},
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

int config_is_known(const char *name)
{
	for (size_t i = 0; i < CONFIG_ENTRIES; i++)
		if (strcmp(config_table[i].env, name) == 0)
			return 1;
	return 0;
}

int config_warn_unknown(char *const *envp)
{
	int n = 0;
	for (size_t i = 0; envp != NULL && envp[i] != NULL; i++) {
		const char *eq = strchr(envp[i], '=');
		size_t len = eq != NULL ? (size_t)(eq - envp[i]) : strlen(envp[i]);
		char name[128];
		if (strncmp(envp[i], "ZEREN_", 6) != 0 || len >= sizeof(name))
			continue;
		memcpy(name, envp[i], len);
		name[len] = '\0';
		if (config_is_known(name))
			continue;
		log_json("warn", "config_unknown",
		         json_pack("{ssss}", "variable", name, "message",
		                   "not a zeren setting; ignored (see zeren serve --help)"));
		n++;
	}
	return n;
}

int config_cors_origin_valid(const char *o, size_t len)
{
	if (len == 1 && o[0] == '*')
		return 1;
	size_t skip = len > 8 && strncmp(o, "https://", 8) == 0  ? 8
	              : len > 7 && strncmp(o, "http://", 7) == 0 ? 7
	                                                         : 0;
	if (skip == 0)
		return 0;
	size_t i = skip, colon = 0;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)o[i];
		if (c == ':' && colon == 0 && i > skip)
			colon = i;
		else if (colon != 0 && !isdigit(c))
			return 0;
		else if (colon == 0 && !isalnum(c) && c != '-' && c != '.')
			return 0;
	}
	/* a port needs 1 to 5 digits */
	return colon == 0 || (len - colon - 1 >= 1 && len - colon - 1 <= 5);
}

/* Each origin of the list (commas and/or spaces between) must be valid. */
static int config_check_cors(const char *list, char *err, size_t errlen, size_t *used)
{
	int bad = 0;
	for (const char *p = list; p != NULL && *p != '\0';) {
		size_t n = strcspn(p, ", ");
		if (n > 0 && !config_cors_origin_valid(p, n)) {
			char msg[160];
			snprintf(msg, sizeof(msg),
			         "\"%.*s\" is not an origin (scheme://host[:port], http or https, "
			         "or *)",
			         (int)(n < 60 ? n : 60), p);
			config_append(err, errlen, used, "ZEREN_CORS_ORIGINS", msg);
			bad = 1;
		}
		p += n;
		p += strspn(p, ", ");
	}
	return bad;
}

/* 1 when the quoted text of libpq's reason may be repeated: "=" and such, or a keyword. */
static int config_conninfo_quotable(const char *q, size_t n)
{
	if (n <= 2)
		return 1;
	PQconninfoOption *all = PQconndefaults();
	int known = 0;
	for (PQconninfoOption *o = all; o != NULL && o->keyword != NULL && !known; o++)
		known = strlen(o->keyword) == n && strncmp(o->keyword, q, n) == 0;
	PQconninfoFree(all);
	return known;
}

/* libpq's reason with every quoted part that is not a keyword blanked: it may quote a piece
 * of a password. */
static void config_conninfo_reason(const char *why, char *out, size_t len)
{
	size_t o = 0;
	for (const char *p = why; *p != '\0' && *p != '\n' && o + 8 < len; p++) {
		const char *end = *p == '"' ? strchr(p + 1, '"') : NULL;
		if (end == NULL) {
			out[o++] = *p;
			continue;
		}
		size_t n = (size_t)(end - p - 1);
		int keep = config_conninfo_quotable(p + 1, n) && o + n + 8 < len;
		int w = snprintf(out + o, len - o, "\"%.*s\"", keep ? (int)n : 3,
		                 keep ? p + 1 : "...");
		o += w > 0 ? (size_t)w : 0;
		p = end;
	}
	out[o] = '\0';
}

/* A connection string PQconninfoParse refuses stops the start, not the first connection. */
static int config_check_conninfo(const char *env, const char *value, char *err, size_t errlen,
                                 size_t *used)
{
	if (value == NULL || value[0] == '\0')
		return 0;
	char *why = NULL;
	PQconninfoOption *opts = PQconninfoParse(value, &why);
	if (opts != NULL) {
		PQconninfoFree(opts);
		return 0;
	}
	char reason[200], msg[260];
	config_conninfo_reason(why != NULL ? why : "out of memory", reason, sizeof(reason));
	PQfreemem(why);
	snprintf(msg, sizeof(msg), "is not a libpq connection string or URI: %s", reason);
	config_append(err, errlen, used, env, msg);
	return 1;
}

/* "A.B.C.D:PORT" with a port from 0 (any free one) to 65535. */
static int config_address_valid(const char *a)
{
	const char *colon = strrchr(a, ':');
	if (colon == NULL || colon == a || (size_t)(colon - a) >= 16)
		return 0;
	char host[16];
	memcpy(host, a, (size_t)(colon - a));
	host[colon - a] = '\0';
	struct in_addr addr;
	long long port = 0;
	return inet_pton(AF_INET, host, &addr) == 1 &&
	       config_parse_number(colon + 1, 0, 65535, &port) == 0;
}

/* A delivery's lease must outlast its request, or a slow receiver would get it twice. */
static int config_check_webhooks(const struct config *cfg, char *err, size_t errlen, size_t *used)
{
	if ((long long)cfg->webhook_lease_s * 1000 > cfg->webhook_timeout_ms)
		return 0;
	config_append(err, errlen, used, "ZEREN_WEBHOOK_LEASE_S",
	              "must be longer than ZEREN_WEBHOOK_TIMEOUT_MS");
	return 1;
}

/* Stores one setting's value (NULL: unset) in its field; 1 when the value is refused. */
static int config_set_entry(struct config *cfg, const struct config_entry *e, const char *value,
                            char *err, size_t errlen, size_t *used)
{
	char *base = (char *)cfg + e->offset;
	if (value == NULL) {
		if (!e->required)
			return 0;
		config_append(err, errlen, used, e->env, "is required");
		return 1;
	}
	if (e->type == CONFIG_STRING) {
		char **slot = (char **)(void *)base;
		free(*slot);
		if ((*slot = strdup(value)) != NULL)
			return 0;
		config_append(err, errlen, used, e->env, "out of memory");
		return 1;
	}
	long long v = 0;
	if (config_parse_number(value, e->min, e->max, &v) != 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "must be an integer from %lld to %lld, got \"%.40s\"",
		         e->min, e->max, value);
		config_append(err, errlen, used, e->env, msg);
		return 1;
	}
	if (e->type == CONFIG_INT)
		*(int *)(void *)base = (int)v;
	else
		*(long long *)(void *)base = v;
	return 0;
}

/* 1 (and the reason appended) when a string setting that must be given is NULL or empty. */
static int config_require_text(const char *env, const char *value, const char *why, char *err,
                               size_t errlen, size_t *used)
{
	if (value != NULL && value[0] != '\0')
		return 0;
	config_append(err, errlen, used, env, why);
	return 1;
}

/* The token settings: a secret of at least 32 bytes or public keys, an issuer, an audience. */
static int config_check_jwt(const struct config *cfg, char *err, size_t errlen, size_t *used)
{
	int bad = 0;
	int has_secret = cfg->jwt_hs256_secret != NULL && cfg->jwt_hs256_secret[0] != '\0';
	int has_keys = cfg->jwt_public_keys != NULL && cfg->jwt_public_keys[0] != '\0';
	if (has_secret && strlen(cfg->jwt_hs256_secret) < 32) {
		config_append(err, errlen, used, "ZEREN_JWT_HS256_SECRET",
		              "must be at least 32 bytes");
		bad = 1;
	}
	if (!has_secret && !has_keys) {
		config_append(err, errlen, used, "ZEREN_JWT_HS256_SECRET",
		              "or ZEREN_JWT_PUBLIC_KEYS must be set");
		bad = 1;
	}
	bad |= config_require_text("ZEREN_JWT_ISSUER", cfg->jwt_issuer, "must not be empty", err,
	                           errlen, used);
	bad |= config_require_text("ZEREN_JWT_AUDIENCE", cfg->jwt_audience, "must not be empty",
	                           err, errlen, used);
	return bad;
}

/* The connection strings, the statement mode and the metrics address. */
static int config_check_database(const struct config *cfg, char *err, size_t errlen, size_t *used)
{
	int bad = 0;
	if (cfg->database_url != NULL && cfg->database_url[0] == '\0') {
		config_append(err, errlen, used, "ZEREN_DATABASE_URL", "must not be empty");
		bad = 1;
	}
	bad |= config_check_conninfo("ZEREN_DATABASE_URL", cfg->database_url, err, errlen, used);
	bad |= config_check_conninfo("ZEREN_DATABASE_READ_URL", cfg->database_read_url, err, errlen,
	                             used);
	bad |= config_check_conninfo("ZEREN_DATABASE_LISTEN_URL", cfg->database_listen_url, err,
	                             errlen, used);
	if (cfg->db_statements == NULL || (strcmp(cfg->db_statements, "prepared") != 0 &&
	                                   strcmp(cfg->db_statements, "unnamed") != 0)) {
		config_append(err, errlen, used, "ZEREN_DB_STATEMENTS",
		              "must be prepared or unnamed");
		bad = 1;
	}
	return bad;
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
		bad |= config_set_entry(cfg, e, value != NULL ? value : e->default_value, err,
		                        errlen, &used);
	}
	/* Cross-field rules the table cannot express, in the order they are reported. */
	bad |= config_check_database(cfg, err, errlen, &used);
	bad |= config_check_jwt(cfg, err, errlen, &used);
	bad |= config_check_webhooks(cfg, err, errlen, &used);
	bad |= config_check_cors(cfg->cors_origins, err, errlen, &used);
	if (cfg->metrics_address != NULL && cfg->metrics_address[0] != '\0' &&
	    !config_address_valid(cfg->metrics_address)) {
		config_append(err, errlen, &used, "ZEREN_METRICS_ADDRESS",
		              "must be an IPv4 address and port, such as 127.0.0.1:9090");
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
		fprintf(out, "  %-32s %s", e->env, e->help);
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
