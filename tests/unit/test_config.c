/* test_config.c — service/config.c: defaults, bounds, collected errors, help text, freeing. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * config_load is fed from a small table of fake variables through its lookup hook; the real
 * process environment is never read or changed.
 */

#define SECRET32 "0123456789abcdef0123456789abcdef" /* exactly 32 bytes */
#define VARS_MAX 32
#define ERR_MAX  4096

struct fake_env {
	const char *name[VARS_MAX];
	const char *value[VARS_MAX];
	int n;
	int calls;
};

static const char *fake_lookup(const char *name, void *ctx)
{
	struct fake_env *env = ctx;
	env->calls++;
	for (int i = 0; i < env->n; i++)
		if (strcmp(env->name[i], name) == 0)
			return env->value[i];
	return NULL;
}

/* Sets or replaces one variable; value NULL removes it. */
static void env_set(struct fake_env *env, const char *name, const char *value)
{
	for (int i = 0; i < env->n; i++) {
		if (strcmp(env->name[i], name) == 0) {
			if (value != NULL) {
				env->value[i] = value;
			} else {
				env->n--;
				env->name[i] = env->name[env->n];
				env->value[i] = env->value[env->n];
			}
			return;
		}
	}
	if (value == NULL)
		return;
	ck_assert_int_lt(env->n, VARS_MAX);
	env->name[env->n] = name;
	env->value[env->n] = value;
	env->n++;
}

/* The smallest valid environment: a database and an HS256 secret. */
static void env_minimal(struct fake_env *env)
{
	memset(env, 0, sizeof(*env));
	env_set(env, "ZEREN_DATABASE_URL", "postgresql://localhost/zeren");
	env_set(env, "ZEREN_JWT_HS256_SECRET", SECRET32);
}

static int load(struct fake_env *env, struct config *cfg, char *err)
{
	memset(cfg, 0, sizeof(*cfg));
	return config_load(cfg, fake_lookup, env, err, ERR_MAX);
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* err holds exactly one line and it starts with "<name>:". */
static void assert_one_line_naming(const char *err, const char *name, const char *value)
{
	size_t n = strlen(name);
	ck_assert_msg(count_lines(err) == 1, "%s=\"%s\": expected one error line, got \"%s\"", name,
	              value, err);
	ck_assert_msg(strncmp(err, name, n) == 0 && err[n] == ':',
	              "%s=\"%s\": error line does not name the variable: \"%s\"", name, value, err);
}

/* Every variable the service reads, as documented in DESIGN.md and config.c. */
static const char *const all_vars[] = {
        "ZEREN_DATABASE_URL",        "ZEREN_DATABASE_READ_URL",
        "ZEREN_BIND_ADDRESS",        "ZEREN_PORT",
        "ZEREN_DB_POOL_SIZE",        "ZEREN_HTTP_THREADS",
        "ZEREN_DB_TIMEOUT_MS",       "ZEREN_JWT_HS256_SECRET",
        "ZEREN_JWT_PUBLIC_KEYS",     "ZEREN_JWT_ISSUER",
        "ZEREN_JWT_AUDIENCE",        "ZEREN_JWT_LEEWAY_SECONDS",
        "ZEREN_CORS_ORIGINS",        "ZEREN_MAX_BODY_BYTES",
        "ZEREN_CONNECTION_TIMEOUT",  "ZEREN_MAX_CONNECTIONS",
        "ZEREN_REPORT_TOLERANCE",    "ZEREN_CHANGES_RETENTION_DAYS",
        "ZEREN_DATABASE_LISTEN_URL", "ZEREN_DB_STATEMENTS",
        "ZEREN_REPLICA_MAX_LAG_MS",  "ZEREN_REPLICA_CHECK_MS",
        "ZEREN_METRICS_ADDRESS",     "ZEREN_REFCACHE_ENTRIES",
        "ZEREN_REFCACHE_BYTES",      "ZEREN_JWT_CACHE_ENTRIES",
};

/* The numeric variables with their documented bounds and where they land in the struct. */
struct numeric_var {
	const char *name;
	const char *min, *max;     /* accepted bounds */
	const char *below, *above; /* one past each bound */
	long long min_v, max_v;
};

static const struct numeric_var numeric_vars[] = {
        {"ZEREN_PORT", "0", "65535", "-1", "65536", 0, 65535},
        {"ZEREN_DB_POOL_SIZE", "1", "256", "0", "257", 1, 256},
        {"ZEREN_HTTP_THREADS", "1", "256", "0", "257", 1, 256},
        {"ZEREN_DB_TIMEOUT_MS", "100", "600000", "99", "600001", 100, 600000},
        {"ZEREN_JWT_LEEWAY_SECONDS", "0", "60", "-1", "61", 0, 60},
        {"ZEREN_MAX_BODY_BYTES", "1024", "1073741824", "1023", "1073741825", 1024, 1LL << 30},
        {"ZEREN_CONNECTION_TIMEOUT", "1", "3600", "0", "3601", 1, 3600},
        {"ZEREN_MAX_CONNECTIONS", "1", "100000", "0", "100001", 1, 100000},
        {"ZEREN_REPORT_TOLERANCE", "0", "100", "-1", "101", 0, 100},
        {"ZEREN_CHANGES_RETENTION_DAYS", "1", "3650", "0", "3651", 1, 3650},
        {"ZEREN_REFCACHE_ENTRIES", "0", "1000000", "-1", "1000001", 0, 1000000},
        {"ZEREN_REFCACHE_BYTES", "1048576", "1099511627776", "1048575", "1099511627777", 1LL << 20,
         1LL << 40},
        {"ZEREN_JWT_CACHE_ENTRIES", "0", "1000000", "-1", "1000001", 0, 1000000},
};

#define NUMERIC_VARS (sizeof(numeric_vars) / sizeof(numeric_vars[0]))

static long long numeric_field(const struct config *cfg, const char *name)
{
	if (strcmp(name, "ZEREN_PORT") == 0)
		return cfg->port;
	if (strcmp(name, "ZEREN_DB_POOL_SIZE") == 0)
		return cfg->db_pool_size;
	if (strcmp(name, "ZEREN_HTTP_THREADS") == 0)
		return cfg->http_threads;
	if (strcmp(name, "ZEREN_DB_TIMEOUT_MS") == 0)
		return cfg->db_timeout_ms;
	if (strcmp(name, "ZEREN_JWT_LEEWAY_SECONDS") == 0)
		return cfg->jwt_leeway_seconds;
	if (strcmp(name, "ZEREN_MAX_BODY_BYTES") == 0)
		return cfg->max_body_bytes;
	if (strcmp(name, "ZEREN_CONNECTION_TIMEOUT") == 0)
		return cfg->connection_timeout_s;
	if (strcmp(name, "ZEREN_MAX_CONNECTIONS") == 0)
		return cfg->max_connections;
	if (strcmp(name, "ZEREN_REPORT_TOLERANCE") == 0)
		return cfg->report_tolerance_points;
	if (strcmp(name, "ZEREN_CHANGES_RETENTION_DAYS") == 0)
		return cfg->changes_retention_days;
	if (strcmp(name, "ZEREN_REFCACHE_ENTRIES") == 0)
		return cfg->refcache_entries;
	if (strcmp(name, "ZEREN_REFCACHE_BYTES") == 0)
		return cfg->refcache_bytes;
	if (strcmp(name, "ZEREN_JWT_CACHE_ENTRIES") == 0)
		return cfg->jwt_cache_entries;
	ck_abort_msg("no field for %s", name);
	return 0;
}

START_TEST(test_defaults)
{
	struct fake_env env;
	struct config cfg;
	char err[ERR_MAX];

	env_minimal(&env);
	ck_assert_msg(load(&env, &cfg, err) == 0, "minimal environment refused: %s", err);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(cfg.database_url, "postgresql://localhost/zeren");
	ck_assert_ptr_null(cfg.database_read_url);
	ck_assert_str_eq(cfg.bind_address, "127.0.0.1");
	ck_assert_int_eq(cfg.port, 8080);
	ck_assert_int_eq(cfg.db_pool_size, 8);
	ck_assert_int_eq(cfg.http_threads, 4);
	ck_assert_int_eq(cfg.db_timeout_ms, 5000);
	ck_assert_str_eq(cfg.jwt_hs256_secret, SECRET32);
	ck_assert_ptr_null(cfg.jwt_public_keys);
	ck_assert_str_eq(cfg.jwt_issuer, "zeren-dev");
	ck_assert_str_eq(cfg.jwt_audience, "zeren");
	ck_assert_int_eq(cfg.jwt_leeway_seconds, 30);
	ck_assert_str_eq(cfg.cors_origins, "");
	ck_assert_int_eq(cfg.max_body_bytes, 16777216LL);
	ck_assert_int_eq(cfg.connection_timeout_s, 30);
	ck_assert_int_eq(cfg.max_connections, 1024);
	ck_assert_int_eq(cfg.report_tolerance_points, 10);
	ck_assert_int_eq(cfg.changes_retention_days, 30);
	ck_assert_int_eq(cfg.refcache_entries, 8192);
	ck_assert_int_eq(cfg.refcache_bytes, 64LL << 20);
	ck_assert_int_eq(cfg.jwt_cache_entries, 1024);
	config_free(&cfg);
}
END_TEST

START_TEST(test_lookup_gets_ctx_for_every_variable)
{
	struct fake_env env;
	struct config cfg;
	char err[ERR_MAX];

	env_minimal(&env);
	ck_assert_int_eq(load(&env, &cfg, err), 0);
	/* fake_lookup only counts through the ctx it is handed, so this proves ctx is passed. */
	ck_assert_int_ge(env.calls, (int)(sizeof(all_vars) / sizeof(all_vars[0])));
	config_free(&cfg);
}
END_TEST

START_TEST(test_values_applied)
{
	struct fake_env env;
	struct config cfg;
	char err[ERR_MAX];

	env_minimal(&env);
	env_set(&env, "ZEREN_DATABASE_READ_URL", "host=replica dbname=zeren");
	env_set(&env, "ZEREN_BIND_ADDRESS", "0.0.0.0");
	env_set(&env, "ZEREN_PORT", "9090");
	env_set(&env, "ZEREN_DB_POOL_SIZE", "16");
	env_set(&env, "ZEREN_HTTP_THREADS", "2");
	env_set(&env, "ZEREN_DB_TIMEOUT_MS", "250");
	env_set(&env, "ZEREN_JWT_PUBLIC_KEYS", "/etc/zeren/keys");
	env_set(&env, "ZEREN_JWT_ISSUER", "https://idp.example");
	env_set(&env, "ZEREN_JWT_AUDIENCE", "zeren-api");
	env_set(&env, "ZEREN_JWT_LEEWAY_SECONDS", "5");
	env_set(&env, "ZEREN_CORS_ORIGINS", "https://a.example,https://b.example");
	env_set(&env, "ZEREN_MAX_BODY_BYTES", "1048576");
	env_set(&env, "ZEREN_CONNECTION_TIMEOUT", "60");
	env_set(&env, "ZEREN_MAX_CONNECTIONS", "10");
	env_set(&env, "ZEREN_REPORT_TOLERANCE", "0");
	ck_assert_msg(load(&env, &cfg, err) == 0, "refused: %s", err);
	ck_assert_str_eq(cfg.database_read_url, "host=replica dbname=zeren");
	ck_assert_str_eq(cfg.bind_address, "0.0.0.0");
	ck_assert_int_eq(cfg.port, 9090);
	ck_assert_int_eq(cfg.db_pool_size, 16);
	ck_assert_int_eq(cfg.http_threads, 2);
	ck_assert_int_eq(cfg.db_timeout_ms, 250);
	ck_assert_str_eq(cfg.jwt_public_keys, "/etc/zeren/keys");
	ck_assert_str_eq(cfg.jwt_issuer, "https://idp.example");
	ck_assert_str_eq(cfg.jwt_audience, "zeren-api");
	ck_assert_int_eq(cfg.jwt_leeway_seconds, 5);
	ck_assert_str_eq(cfg.cors_origins, "https://a.example,https://b.example");
	ck_assert_int_eq(cfg.max_body_bytes, 1048576LL);
	ck_assert_int_eq(cfg.connection_timeout_s, 60);
	ck_assert_int_eq(cfg.max_connections, 10);
	ck_assert_int_eq(cfg.report_tolerance_points, 0);
	config_free(&cfg);
}
END_TEST

START_TEST(test_numeric_bounds_accepted)
{
	for (size_t i = 0; i < NUMERIC_VARS; i++) {
		const struct numeric_var *nv = &numeric_vars[i];
		struct fake_env env;
		struct config cfg;
		char err[ERR_MAX];

		env_minimal(&env);
		env_set(&env, nv->name, nv->min);
		ck_assert_msg(load(&env, &cfg, err) == 0, "%s=%s refused: %s", nv->name, nv->min,
		              err);
		ck_assert_int_eq(numeric_field(&cfg, nv->name), nv->min_v);
		config_free(&cfg);

		env_set(&env, nv->name, nv->max);
		ck_assert_msg(load(&env, &cfg, err) == 0, "%s=%s refused: %s", nv->name, nv->max,
		              err);
		ck_assert_int_eq(numeric_field(&cfg, nv->name), nv->max_v);
		config_free(&cfg);
	}
}
END_TEST

START_TEST(test_numeric_refused)
{
	for (size_t i = 0; i < NUMERIC_VARS; i++) {
		const struct numeric_var *nv = &numeric_vars[i];
		char plus[32], junk[32], space[32], trailing_space[32];
		snprintf(plus, sizeof(plus), "+%s", nv->max);
		snprintf(junk, sizeof(junk), "%sx", nv->min);
		snprintf(space, sizeof(space), " %s", nv->max);
		snprintf(trailing_space, sizeof(trailing_space), "%s ", nv->max);
		const char *bad[] = {
		        nv->below,
		        nv->above,
		        "abc",
		        "",
		        plus,
		        junk,
		        space,
		        trailing_space,
		        "0x10",
		        "1e3",
		        "12.0",
		        "-",
		        "99999999999999999999999",
		};
		for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			struct fake_env env;
			struct config cfg;
			char err[ERR_MAX];

			env_minimal(&env);
			env_set(&env, nv->name, bad[j]);
			ck_assert_msg(load(&env, &cfg, err) == -1, "%s=\"%s\" accepted", nv->name,
			              bad[j]);
			assert_one_line_naming(err, nv->name, bad[j]);
			config_free(&cfg);
		}
	}
}
END_TEST

START_TEST(test_all_problems_collected)
{
	struct fake_env env;
	struct config cfg;
	char err[ERR_MAX];

	env_minimal(&env);
	env_set(&env, "ZEREN_PORT", "eighty");
	env_set(&env, "ZEREN_DB_POOL_SIZE", "0");
	ck_assert_int_eq(load(&env, &cfg, err), -1);
	ck_assert_int_eq(count_lines(err), 2);
	ck_assert_ptr_nonnull(strstr(err, "ZEREN_PORT:"));
	ck_assert_ptr_nonnull(strstr(err, "ZEREN_DB_POOL_SIZE:"));
	config_free(&cfg);

	/* Four problems of different kinds, all reported by one call. */
	env_minimal(&env);
	env_set(&env, "ZEREN_DATABASE_URL", "");
	env_set(&env, "ZEREN_JWT_HS256_SECRET", "short");
	env_set(&env, "ZEREN_MAX_BODY_BYTES", "1k");
	env_set(&env, "ZEREN_JWT_ISSUER", "");
	ck_assert_int_eq(load(&env, &cfg, err), -1);
	ck_assert_int_eq(count_lines(err), 4);
	ck_assert_ptr_nonnull(strstr(err, "ZEREN_DATABASE_URL:"));
	ck_assert_ptr_nonnull(strstr(err, "ZEREN_JWT_HS256_SECRET:"));
	ck_assert_ptr_nonnull(strstr(err, "ZEREN_MAX_BODY_BYTES:"));
	ck_assert_ptr_nonnull(strstr(err, "ZEREN_JWT_ISSUER:"));
	config_free(&cfg);
}
END_TEST

/* Unset is fine here (`zeren token` needs no database; main.c checks for the commands that do),
 * but an empty value is a mistake worth reporting. */
START_TEST(test_database_url_optional_not_empty)
{
	struct fake_env env;
	struct config cfg;
	char err[ERR_MAX];

	env_minimal(&env);
	env_set(&env, "ZEREN_DATABASE_URL", NULL);
	ck_assert_msg(load(&env, &cfg, err) == 0, "unset database URL refused: %s", err);
	ck_assert_ptr_null(cfg.database_url);
	config_free(&cfg);

	env_set(&env, "ZEREN_DATABASE_URL", "");
	ck_assert_int_eq(load(&env, &cfg, err), -1);
	assert_one_line_naming(err, "ZEREN_DATABASE_URL", "");
	config_free(&cfg);
}
END_TEST

START_TEST(test_hs256_secret_length)
{
	struct fake_env env;
	struct config cfg;
	char err[ERR_MAX];

	env_minimal(&env);
	env_set(&env, "ZEREN_JWT_HS256_SECRET", "0123456789abcdef0123456789abcde"); /* 31 */
	ck_assert_int_eq(load(&env, &cfg, err), -1);
	assert_one_line_naming(err, "ZEREN_JWT_HS256_SECRET", "31 bytes");
	ck_assert_ptr_null(strstr(err, "0123456789abcdef")); /* the secret is not echoed */
	config_free(&cfg);

	env_set(&env, "ZEREN_JWT_HS256_SECRET", "x");
	ck_assert_int_eq(load(&env, &cfg, err), -1);
	assert_one_line_naming(err, "ZEREN_JWT_HS256_SECRET", "1 byte");
	config_free(&cfg);

	env_set(&env, "ZEREN_JWT_HS256_SECRET", SECRET32);
	ck_assert_msg(load(&env, &cfg, err) == 0, "32-byte secret refused: %s", err);
	config_free(&cfg);
}
END_TEST

START_TEST(test_some_key_required)
{
	struct fake_env env;
	struct config cfg;
	char err[ERR_MAX];

	env_minimal(&env);
	env_set(&env, "ZEREN_JWT_HS256_SECRET", NULL);
	ck_assert_int_eq(load(&env, &cfg, err), -1);
	assert_one_line_naming(err, "ZEREN_JWT_HS256_SECRET", "(unset)");
	ck_assert_ptr_nonnull(strstr(err, "ZEREN_JWT_PUBLIC_KEYS"));
	config_free(&cfg);

	/* Empty strings count as unset. */
	env_set(&env, "ZEREN_JWT_HS256_SECRET", "");
	env_set(&env, "ZEREN_JWT_PUBLIC_KEYS", "");
	ck_assert_int_eq(load(&env, &cfg, err), -1);
	assert_one_line_naming(err, "ZEREN_JWT_HS256_SECRET", "");
	config_free(&cfg);

	/* Public keys alone are enough (the files are checked by auth, not here). */
	env_set(&env, "ZEREN_JWT_HS256_SECRET", NULL);
	env_set(&env, "ZEREN_JWT_PUBLIC_KEYS", "/etc/zeren/keys");
	ck_assert_msg(load(&env, &cfg, err) == 0, "public keys alone refused: %s", err);
	ck_assert_ptr_null(cfg.jwt_hs256_secret);
	ck_assert_str_eq(cfg.jwt_public_keys, "/etc/zeren/keys");
	config_free(&cfg);
}
END_TEST

START_TEST(test_empty_issuer_and_audience)
{
	struct fake_env env;
	struct config cfg;
	char err[ERR_MAX];

	env_minimal(&env);
	env_set(&env, "ZEREN_JWT_ISSUER", "");
	ck_assert_int_eq(load(&env, &cfg, err), -1);
	assert_one_line_naming(err, "ZEREN_JWT_ISSUER", "");
	config_free(&cfg);

	env_minimal(&env);
	env_set(&env, "ZEREN_JWT_AUDIENCE", "");
	ck_assert_int_eq(load(&env, &cfg, err), -1);
	assert_one_line_naming(err, "ZEREN_JWT_AUDIENCE", "");
	config_free(&cfg);
}
END_TEST

START_TEST(test_free_everything)
{
	struct fake_env env;
	struct config cfg;
	char err[ERR_MAX];

	env_minimal(&env);
	env_set(&env, "ZEREN_DATABASE_READ_URL", "host=replica");
	env_set(&env, "ZEREN_JWT_PUBLIC_KEYS", "/keys");
	env_set(&env, "ZEREN_CORS_ORIGINS", "*");
	ck_assert_int_eq(load(&env, &cfg, err), 0);
	config_free(&cfg);
	/* Every string is released and reset; AddressSanitizer reports any leak at exit. */
	ck_assert_ptr_null(cfg.database_url);
	ck_assert_ptr_null(cfg.database_read_url);
	ck_assert_ptr_null(cfg.bind_address);
	ck_assert_ptr_null(cfg.jwt_hs256_secret);
	ck_assert_ptr_null(cfg.jwt_public_keys);
	ck_assert_ptr_null(cfg.jwt_issuer);
	ck_assert_ptr_null(cfg.jwt_audience);
	ck_assert_ptr_null(cfg.cors_origins);
	config_free(&cfg); /* a second free is harmless */

	/* A failed load still owns what it parsed, and config_free releases it. */
	env_set(&env, "ZEREN_PORT", "-5");
	ck_assert_int_eq(load(&env, &cfg, err), -1);
	ck_assert_str_eq(cfg.database_url, "postgresql://localhost/zeren");
	config_free(&cfg);
	ck_assert_ptr_null(cfg.database_url);
}
END_TEST

START_TEST(test_small_error_buffer)
{
	struct fake_env env;
	struct config cfg;
	char err[24];

	env_minimal(&env);
	env_set(&env, "ZEREN_PORT", "x");
	env_set(&env, "ZEREN_DB_POOL_SIZE", "x");
	env_set(&env, "ZEREN_HTTP_THREADS", "x");
	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(config_load(&cfg, fake_lookup, &env, err, sizeof(err)), -1);
	ck_assert_uint_lt(strlen(err), sizeof(err)); /* truncated, still terminated */
	ck_assert_int_eq(strncmp(err, "ZEREN_PORT", 10), 0);
	config_free(&cfg);
}
END_TEST

START_TEST(test_print_help)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	config_print_help(out);
	ck_assert_int_eq(fclose(out), 0);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_gt(len, 0);
	for (size_t i = 0; i < sizeof(all_vars) / sizeof(all_vars[0]); i++) {
		/* Followed by a space, so ZEREN_DATABASE_URL is not satisfied by ..._READ_URL. */
		char needle[64];
		snprintf(needle, sizeof(needle), "%s ", all_vars[i]);
		ck_assert_msg(strstr(text, needle) != NULL, "help does not list %s:\n%s",
		              all_vars[i], text);
	}
	/* Defaults are shown too. */
	ck_assert_ptr_nonnull(strstr(text, "8080"));
	ck_assert_ptr_nonnull(strstr(text, "16777216"));
	free(text);
}
END_TEST

/* A connection string libpq cannot parse stops the start with one line naming the variable,
 * and the line never repeats a quoted piece of it (it may be a password). */
START_TEST(test_malformed_conninfo)
{
	static const char *const vars[] = {"ZEREN_DATABASE_URL", "ZEREN_DATABASE_READ_URL",
	                                   "ZEREN_DATABASE_LISTEN_URL"};
	static const char *const bad[] = {"host=x secretword", "postgresql://u:p@h/db?nosuch=1",
	                                  "host='unterminated"};
	for (size_t v = 0; v < 3; v++) {
		for (size_t b = 0; b < 3; b++) {
			struct fake_env env;
			struct config cfg;
			char err[ERR_MAX];
			env_minimal(&env);
			env_set(&env, vars[v], bad[b]);
			ck_assert_int_eq(load(&env, &cfg, err), -1);
			assert_one_line_naming(err, vars[v], bad[b]);
			ck_assert_ptr_null(strstr(err, "secretword"));
			ck_assert_ptr_null(strstr(err, "nosuch"));
			config_free(&cfg);
		}
	}
	struct fake_env env;
	struct config cfg;
	char err[ERR_MAX];
	env_minimal(&env);
	env_set(&env, "ZEREN_DATABASE_READ_URL", "host=/tmp port=5433 dbname=z");
	env_set(&env, "ZEREN_DATABASE_LISTEN_URL", "postgresql://zeren@127.0.0.1:5432/zeren");
	ck_assert_int_eq(load(&env, &cfg, err), 0);
	config_free(&cfg);
}
END_TEST

START_TEST(test_cors_origins_checked)
{
	static const char *const good[] = {"https://app.example.org", "http://localhost:8080", "*",
	                                   "https://a.org, http://b.org:1", ""};
	static const char *const bad[] = {
	        "app.example.org",     "https://a.org/",          "ftp://a.org",
	        "https://a.org:80x",   "https://a.org, https://", "https://:80",
	        "https://a.org:123456"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct fake_env env;
		struct config cfg;
		char err[ERR_MAX];
		env_minimal(&env);
		env_set(&env, "ZEREN_CORS_ORIGINS", good[i]);
		ck_assert_msg(load(&env, &cfg, err) == 0, "%s: %s", good[i], err);
		config_free(&cfg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fake_env env;
		struct config cfg;
		char err[ERR_MAX];
		env_minimal(&env);
		env_set(&env, "ZEREN_CORS_ORIGINS", bad[i]);
		ck_assert_msg(load(&env, &cfg, err) == -1, "%s accepted", bad[i]);
		assert_one_line_naming(err, "ZEREN_CORS_ORIGINS", bad[i]);
		config_free(&cfg);
	}
}
END_TEST

START_TEST(test_statements_and_metrics_address)
{
	struct fake_env env;
	struct config cfg;
	char err[ERR_MAX];
	env_minimal(&env);
	ck_assert_int_eq(load(&env, &cfg, err), 0);
	ck_assert_str_eq(cfg.db_statements, "prepared");
	ck_assert_ptr_null(cfg.metrics_address);
	ck_assert_int_eq(cfg.replica_max_lag_ms, 5000);
	config_free(&cfg);
	env_set(&env, "ZEREN_DB_STATEMENTS", "unnamed");
	env_set(&env, "ZEREN_METRICS_ADDRESS", "127.0.0.1:9090");
	ck_assert_int_eq(load(&env, &cfg, err), 0);
	ck_assert_str_eq(cfg.db_statements, "unnamed");
	ck_assert_str_eq(cfg.metrics_address, "127.0.0.1:9090");
	config_free(&cfg);
	static const char *const bad_addr[] = {
	        "9090", "localhost:9090", "127.0.0.1:", ":9090", "127.0.0.1:65536", "1.2.3.4.5:1"};
	for (size_t i = 0; i < sizeof(bad_addr) / sizeof(bad_addr[0]); i++) {
		env_set(&env, "ZEREN_METRICS_ADDRESS", bad_addr[i]);
		ck_assert_msg(load(&env, &cfg, err) == -1, "%s accepted", bad_addr[i]);
		assert_one_line_naming(err, "ZEREN_METRICS_ADDRESS", bad_addr[i]);
		config_free(&cfg);
	}
	env_set(&env, "ZEREN_METRICS_ADDRESS", NULL);
	env_set(&env, "ZEREN_DB_STATEMENTS", "Prepared");
	ck_assert_int_eq(load(&env, &cfg, err), -1);
	assert_one_line_naming(err, "ZEREN_DB_STATEMENTS", "Prepared");
	config_free(&cfg);
}
END_TEST

START_TEST(test_unknown_variables_named)
{
	for (size_t i = 0; i < sizeof(all_vars) / sizeof(all_vars[0]); i++)
		ck_assert_msg(config_is_known(all_vars[i]), "%s", all_vars[i]);
	ck_assert(!config_is_known("ZEREN_DATABASE_URI"));
	char *envp[] = {
	        "ZEREN_PORT=1", "ZEREN_DATABSE_URL=x", "PATH=/bin", "ZEREN_X", "ZEREN=1", NULL};
	ck_assert_int_eq(config_warn_unknown(envp), 2); /* ZEREN_DATABSE_URL and ZEREN_X */
	ck_assert_int_eq(config_warn_unknown(NULL), 0);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_lookup_gets_ctx_for_every_variable);
	tcase_add_test(tc, test_values_applied);
	tcase_add_test(tc, test_numeric_bounds_accepted);
	tcase_add_test(tc, test_numeric_refused);
	tcase_add_test(tc, test_all_problems_collected);
	tcase_add_test(tc, test_database_url_optional_not_empty);
	tcase_add_test(tc, test_hs256_secret_length);
	tcase_add_test(tc, test_some_key_required);
	tcase_add_test(tc, test_empty_issuer_and_audience);
	tcase_add_test(tc, test_free_everything);
	tcase_add_test(tc, test_small_error_buffer);
	tcase_add_test(tc, test_print_help);
	tcase_add_test(tc, test_malformed_conninfo);
	tcase_add_test(tc, test_cors_origins_checked);
	tcase_add_test(tc, test_statements_and_metrics_address);
	tcase_add_test(tc, test_unknown_variables_named);
	suite_add_tcase(s, tc);
	return s;
}
