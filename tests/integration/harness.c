/* harness.c — per-test database copies, an in-process server, curl requests. */
#include "harness.h"

#include <curl/curl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "import.h"
#include "log.h"
#include "migrate.h"
#include "refcache.h"
#include "routes.h"

#define HARNESS_SECRET   "integration-test-secret-0123456789abcdef"
#define HARNESS_DB       "zeren_test"
#define HARNESS_TEMPLATE "zeren_template"

static struct app *harness_app;
static struct http_server *harness_server;
static int harness_bound_port;
static char harness_owner_ci[512];
static char harness_app_ci[512];

static const char *harness_env(const char *name)
{
	const char *v = getenv(name);
	if (v == NULL) {
		fprintf(stderr, "integration tests need %s (run scripts/test.sh)\n", name);
		exit(2);
	}
	return v;
}

static PGconn *harness_connect(const char *dbname)
{
	char ci[512];
	snprintf(ci, sizeof(ci), "%s dbname=%s", harness_env("ZEREN_TEST_PG"), dbname);
	PGconn *pg = PQconnectdb(ci);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "harness: cannot connect to %s: %s", dbname, PQerrorMessage(pg));
		exit(2);
	}
	return pg;
}

static void harness_sql(PGconn *pg, const char *sql)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fprintf(stderr, "harness: %s: %s", sql, PQresultErrorMessage(r));
		PQclear(r);
		exit(2);
	}
	PQclear(r);
}

void harness_prepare_template(void)
{
	PGconn *pg = harness_connect(HARNESS_TEMPLATE);
	char err[1024];
	int from, to;
	if (migrate_run(pg, &from, &to, err, sizeof(err)) != 0) {
		fprintf(stderr, "harness: migrate: %s\n", err);
		exit(2);
	}
	json_error_t jerr;
	json_t *doc = json_load_file(harness_env("ZEREN_TEST_SEED"), JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		fprintf(stderr, "harness: seed: %s\n", jerr.text);
		exit(2);
	}
	json_t *errors = import_validate(doc);
	if (json_array_size(errors) != 0) {
		char *t = json_dumps(errors, JSON_INDENT(1));
		fprintf(stderr, "harness: seed invalid: %s\n", t);
		exit(2);
	}
	json_decref(errors);
	json_t *report = NULL;
	struct import_actor actor = {"test", "harness", NULL, "seed"};
	if (import_apply(pg, doc, 0, &actor, &report, err, sizeof(err)) != SVC_OK) {
		fprintf(stderr, "harness: seed import: %s\n", err);
		exit(2);
	}
	json_decref(report);
	json_decref(doc);
	PQfinish(pg);
	snprintf(harness_owner_ci, sizeof(harness_owner_ci), "%s dbname=%s",
	         harness_env("ZEREN_TEST_PG"), HARNESS_DB);
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *harness_owner_conninfo(void)
{
	snprintf(harness_owner_ci, sizeof(harness_owner_ci), "%s dbname=%s",
	         harness_env("ZEREN_TEST_PG"), HARNESS_DB);
	return harness_owner_ci;
}

const char *harness_app_conninfo(void)
{
	/* Same server, the non-owner login role, so row-level security applies. */
	const char *base = harness_env("ZEREN_TEST_PG");
	char copy[400];
	snprintf(copy, sizeof(copy), "%s", base);
	char *user = strstr(copy, "user=");
	if (user != NULL)
		*user = '\0';
	snprintf(harness_app_ci, sizeof(harness_app_ci), "%s user=zeren dbname=%s", copy,
	         HARNESS_DB);
	return harness_app_ci;
}

static void harness_db_reset(void)
{
	PGconn *pg = harness_connect("postgres");
	harness_sql(pg, "DROP DATABASE IF EXISTS " HARNESS_DB " WITH (FORCE)");
	harness_sql(pg, "CREATE DATABASE " HARNESS_DB " TEMPLATE " HARNESS_TEMPLATE);
	PQfinish(pg);
}

struct harness_lookup {
	const char *const *settings;
};

static const char *harness_lookup(const char *name, void *ctx)
{
	const struct harness_lookup *l = ctx;
	size_t n = strlen(name);
	for (size_t i = 0; l->settings != NULL && l->settings[i] != NULL; i++)
		if (strncmp(l->settings[i], name, n) == 0 && l->settings[i][n] == '=')
			return l->settings[i] + n + 1;
	if (strcmp(name, "ZEREN_DATABASE_URL") == 0)
		return harness_app_conninfo();
	if (strcmp(name, "ZEREN_JWT_HS256_SECRET") == 0)
		return HARNESS_SECRET;
	if (strcmp(name, "ZEREN_PORT") == 0)
		return "0";
	if (strcmp(name, "ZEREN_DB_POOL_SIZE") == 0)
		return "4";
	if (strcmp(name, "ZEREN_CORS_ORIGINS") == 0)
		return "https://app.example.org";
	if (strcmp(name, "ZEREN_MAX_BODY_BYTES") == 0)
		return "4194304";
	if (strcmp(name, "ZEREN_DB_TIMEOUT_MS") == 0)
		return "3000";
	return NULL;
}

/* Waits (at most 5 s) for the reference cache to hear its notices: until then nothing is
 * kept, and a test that fills the cache right after a start would find it empty later. */
static void harness_cache_wait(void)
{
	struct refcache *cache = harness_app->refcache;
	for (int i = 0; cache != NULL && refcache_generation(cache) == 0 && i < 500; i++)
		usleep(10000);
	ck_assert_msg(cache == NULL || refcache_generation(cache) != 0,
	              "the reference cache's listener did not connect");
}

/* The cache is smaller than `zeren serve`'s: tests hold a few plans. */
#define HARNESS_CACHE ((struct app_cache_size){1024, 8u << 20})

static void harness_server_start(const char *const *settings)
{
	struct harness_lookup l = {settings};
	char err[2048];
	struct config cfg;
	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, harness_lookup, &l, err, sizeof(err)) != 0)
		ck_abort_msg("config: %s", err);
	harness_app = app_create(&cfg, HARNESS_CACHE, err, sizeof(err));
	ck_assert_msg(harness_app != NULL, "app: %s", err);
	harness_server = http_server_start(harness_app, route_tables, &harness_bound_port);
	ck_assert_msg(harness_server != NULL, "server did not start");
	/* a test may point the service at a database that is not there */
	if (strcmp(harness_lookup("ZEREN_DATABASE_URL", &l), harness_app_conninfo()) == 0)
		harness_cache_wait();
}

static void harness_server_stop(void)
{
	http_server_stop(harness_server);
	harness_server = NULL;
	app_destroy(harness_app);
	harness_app = NULL;
}

void harness_setup_with(const char *const *settings)
{
	log_set_quiet(getenv("ZEREN_TEST_VERBOSE") == NULL);
	harness_db_reset();
	harness_server_start(settings);
}

struct app *harness_current_app(void)
{
	return harness_app;
}

void harness_setup(void)
{
	harness_setup_with(NULL);
}

void harness_restart_with(const char *const *settings)
{
	harness_server_stop();
	harness_server_start(settings);
}

void harness_teardown(void)
{
	if (harness_server != NULL)
		harness_server_stop();
}

int harness_port(void)
{
	return harness_bound_port;
}

const char *harness_secret(void)
{
	return HARNESS_SECRET;
}

char *harness_token(const char *sub, enum principal_role role, const char *unit)
{
	char err[256];
	char *t = auth_token_mint(harness_app->verifier, sub, role, unit, 600,
	                          (long long)time(NULL), err, sizeof(err));
	ck_assert_msg(t != NULL, "mint: %s", err);
	return t;
}

/* --- HTTP client --- */

struct harness_buf {
	char *data;
	size_t len;
};

static size_t harness_write(char *ptr, size_t size, size_t n, void *ud)
{
	struct harness_buf *b = ud;
	size_t add = size * n;
	char *grown = realloc(b->data, b->len + add + 1);
	if (grown == NULL)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, ptr, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

/* Appends the exchange to $ZEREN_TEST_CONTRACT_LOG for tests/contract/check.mjs, which
 * validates every body against api/openapi.yaml. */
static void harness_contract_log(const char *method, const char *path, const struct http_resp *r)
{
	const char *file = getenv("ZEREN_TEST_CONTRACT_LOG");
	if (file == NULL)
		return;
	char ct[128] = "";
	http_resp_header(r, "Content-Type", ct, sizeof(ct));
	json_t *line = json_pack("{sssssiss}", "method", method, "path", path, "status",
	                         (int)r->status, "content_type", ct);
	json_t *body = json_stringn_nocheck(r->body, r->len);
	json_object_set_new(line, "body", body);
	char *text = json_dumps(line, JSON_COMPACT);
	json_decref(line);
	/* Tests that call from several threads at once must not interleave their lines: one
	 * writer at a time, each line written whole. */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	FILE *f = fopen(file, "a");
	if (f != NULL && text != NULL) {
		fputs(text, f);
		fputc('\n', f);
	}
	if (f != NULL)
		fclose(f);
	pthread_mutex_unlock(&lock);
	free(text);
}

struct http_resp *http_call(const char *method, const char *path, const char *token,
                            const char *content_type, const char *body, size_t body_len,
                            const char *const *headers)
{
	CURL *c = curl_easy_init();
	char url[2048];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", harness_bound_port, path);
	struct harness_buf b = {NULL, 0}, h = {NULL, 0};
	struct curl_slist *hl = NULL;
	char line[8192];
	if (token != NULL) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
		hl = curl_slist_append(hl, line);
	}
	if (content_type != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", content_type);
		hl = curl_slist_append(hl, line);
	}
	hl = curl_slist_append(hl, "Expect:");
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
		hl = curl_slist_append(hl, headers[i]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, harness_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, harness_write);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	CURLcode rc = curl_easy_perform(c);
	ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
	struct http_resp *r = calloc(1, sizeof(*r));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	r->body = b.data != NULL ? b.data : strdup("");
	r->len = b.len;
	r->headers = h.data != NULL ? h.data : strdup("");
	if (r->len > 0)
		r->json = json_loadb(r->body, r->len, 0, NULL);
	harness_contract_log(method, path, r);
	return r;
}

struct http_resp *http_get(const char *path, const char *token)
{
	return http_call("GET", path, token, NULL, NULL, 0, NULL);
}

struct http_resp *http_post_json(const char *path, const char *token, const char *json)
{
	return http_call("POST", path, token, "application/json", json, strlen(json), NULL);
}

void http_resp_free(struct http_resp *r)
{
	if (r == NULL)
		return;
	json_decref(r->json);
	free(r->body);
	free(r->headers);
	free(r);
}

const char *http_resp_header(const struct http_resp *r, const char *name, char *out, size_t len)
{
	size_t n = strlen(name);
	for (const char *p = r->headers; p != NULL && *p != '\0';) {
		const char *eol = strstr(p, "\r\n");
		size_t l = eol != NULL ? (size_t)(eol - p) : strlen(p);
		if (l > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ')
				v++;
			size_t vl = l - (size_t)(v - p);
			if (vl >= len)
				vl = len - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return out;
		}
		p = eol != NULL ? eol + 2 : NULL;
	}
	return NULL;
}

/* --- SQL --- */

long long harness_count(const char *sql)
{
	PGconn *pg = harness_connect(HARNESS_DB);
	PGresult *r = PQexec(pg, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
	long long v = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(pg);
	return v;
}

void harness_exec(const char *sql)
{
	PGconn *pg = harness_connect(HARNESS_DB);
	harness_sql(pg, sql);
	PQfinish(pg);
}

void assert_problem(const struct http_resp *r, int status, const char *pointer)
{
	char ct[128];
	ck_assert_msg(r->status == status, "status %ld, want %d: %s", r->status, status, r->body);
	ck_assert_ptr_nonnull(http_resp_header(r, "Content-Type", ct, sizeof(ct)));
	ck_assert_str_eq(ct, "application/problem+json");
	ck_assert_ptr_nonnull(r->json);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "status")), status);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "type")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "title")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "detail")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "request_id")));
	if (pointer == NULL)
		return;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(r->json, "errors"), i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "pointer")), pointer) == 0)
			return;
	}
	ck_abort_msg("no error at %s in %s", pointer, r->body);
}
