/* http.c — the ulfius instance, routing, CORS, request ids, authentication, logs, replies. */
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "encoding.h"
#include "etag.h"
#include "http_guard.h"
#include "log.h"
#include "metrics.h"
#include "refcache.h"
#include "request_limits.h"
#include "tx.h"
#include "validate.h"

#define HTTP_JSON_MAX_DEPTH   32
#define HTTP_NO_BODY_MAX      1024 /* body bytes accepted by a method that takes none */
#define HTTP_MAX_TARGET       8192 /* bytes of path and query in one request */
#define HTTP_MAX_QUERY_PARAMS 256  /* query parameters in one request */
/* An expensive request's database deadline, in ZEREN_DB_TIMEOUT_MS: a batch of 100,000 rows
 * needs more than a lookup, and the concurrency cap already bounds how many take it. */
#define HTTP_EXPENSIVE_DEADLINE 10
#define HTTP_MARK_EXPENSIVE     1u /* http_guard_call.marks: the request holds an expensive slot */

struct http_server {
	struct http_guard *guard; /* owned: the sockets */
	struct sockaddr_in addr;
	struct app *app;                   /* borrowed; outlives the server */
	const struct route *const *tables; /* borrowed; matched in order */
	struct limits_cap *expensive;      /* owned: reports, exports, batches, imports */
	struct limits_rate *rate;          /* owned: per-token buckets; NULL when off */
};

/* --- small helpers --- */

static double http_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *http_header(const struct http_ctx *ctx, const char *name)
{
	return u_map_get_case(ctx->req->map_header, name);
}

const char *http_query(const struct http_ctx *ctx, const char *name)
{
	return u_map_get(ctx->req->map_url, name);
}

void http_set_header(struct http_ctx *ctx, const char *name, const char *value)
{
	u_map_put(ctx->res->map_header, name, value);
}

/* A client's X-Request-Id is echoed only if it is short and plain; otherwise we make one. */
static int http_request_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_' &&
		    id[i] != '.' && id[i] != ':')
			return 0;
	return 1;
}

static void http_request_id_new(char *out, size_t len)
{
	unsigned char raw[16];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		/* Fall back to time and address entropy; uniqueness matters, secrecy does not. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t a = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uintptr_t)out;
		memcpy(raw, &a, sizeof(a));
		memcpy(raw + 8, &a, sizeof(a));
	}
	encoding_hex(raw, sizeof(raw), out, len);
}

/* --- replies --- */

void http_reply_body(struct http_ctx *ctx, int status, const char *content_type, const char *body,
                     size_t len)
{
	if (content_type != NULL)
		http_set_header(ctx, "Content-Type", content_type);
	ulfius_set_binary_body_response(ctx->res, (unsigned int)status, body, len);
}

void http_reply_json_text(struct http_ctx *ctx, int status, const char *text, size_t len)
{
	http_reply_body(ctx, status, "application/json", text, len);
}

void http_reply_json(struct http_ctx *ctx, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	if (text == NULL) {
		http_reply_problem(ctx, SVC_INTERNAL, "response could not be serialized");
		return;
	}
	http_reply_json_text(ctx, status, text, strlen(text));
	free(text);
}

void http_etag_of(const char *text, size_t len, char out[24])
{
	etag_of(text, len, out);
}

int http_etag_matches(const char *header, const char *etag)
{
	return etag_matches(header, etag);
}

void http_reply_json_etag(struct http_ctx *ctx, const char *text, size_t len)
{
	char etag[24];
	http_etag_of(text, len, etag);
	http_set_header(ctx, "ETag", etag);
	http_set_header(ctx, "Cache-Control", "no-cache");
	if (http_etag_matches(http_header(ctx, "If-None-Match"), etag)) {
		ctx->res->status = 304;
		return;
	}
	http_reply_json_text(ctx, 200, text, len);
}

void http_reply_json_written(struct http_ctx *ctx, int status, const char *text, size_t len)
{
	char etag[24];
	http_etag_of(text, len, etag);
	http_set_header(ctx, "ETag", etag);
	http_reply_json_text(ctx, status, text, len);
}

void http_reply_problem_json(struct http_ctx *ctx, json_t *problem)
{
	int status = (int)json_integer_value(json_object_get(problem, "status"));
	char *text = json_dumps(problem, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(problem);
	if (text == NULL) {
		char fallback[256];
		int n = snprintf(fallback, sizeof(fallback),
		                 "{\"type\":\"urn:zeren:problem:internal\",\"title\":\"Internal "
		                 "error\",\"status\":500,\"detail\":\"Internal error\","
		                 "\"request_id\":\"%s\"}",
		                 ctx->request_id);
		http_reply_body(ctx, 500, "application/problem+json", fallback, (size_t)n);
		return;
	}
	if (status == 503)
		metrics_observe_db_unavailable();
	http_reply_body(ctx, status, "application/problem+json", text, strlen(text));
	free(text);
}

void http_reply_problem(struct http_ctx *ctx, enum svc_error err, const char *detail)
{
	if (err == SVC_UNAUTHORIZED)
		http_set_header(ctx, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
	if (err == SVC_UNAVAILABLE)
		http_set_header(ctx, "Retry-After", "1");
	http_reply_problem_json(ctx, problem_new(err, detail, ctx->request_id));
}

void http_reply_invalid(struct http_ctx *ctx, enum svc_error err, const char *pointer,
                        const char *message)
{
	json_t *p = problem_new(err, message, ctx->request_id);
	problem_add_error(p, pointer, message);
	http_reply_problem_json(ctx, p);
}

void http_reply_errors(struct http_ctx *ctx, enum svc_error err, const char *detail, json_t *errors)
{
	json_t *p = problem_new(err, detail, ctx->request_id);
	json_object_set(p, "errors", errors);
	http_reply_problem_json(ctx, p);
}

/* --- query and path parameters --- */

int http_query_allow(struct http_ctx *ctx, const char *const *allowed)
{
	const char **keys = u_map_enum_keys(ctx->req->map_url);
	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
		int known = 0;
		for (size_t j = 0; allowed != NULL && allowed[j] != NULL && !known; j++)
			known = strcmp(keys[i], allowed[j]) == 0;
		if (!known) {
			char msg[160];
			snprintf(msg, sizeof(msg), "unknown query parameter \"%.64s\"", keys[i]);
			char ptr[80];
			snprintf(ptr, sizeof(ptr), "?%.64s", keys[i]);
			http_reply_invalid(ctx, SVC_BAD_REQUEST, ptr, msg);
			return -1;
		}
	}
	return 0;
}

/* Strict positive decimal: no sign, no spaces, no leading zeros, fits in int64. */
static int http_parse_id(const char *s, long long *out)
{
	if (s == NULL || *s < '1' || *s > '9')
		return -1;
	long long v = 0;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return 0;
}

int http_query_id(struct http_ctx *ctx, const char *name, long long *out)
{
	const char *v = http_query(ctx, name);
	if (v == NULL)
		return 0;
	if (http_parse_id(v, out) != 0) {
		char ptr[80], msg[120];
		snprintf(ptr, sizeof(ptr), "?%s", name);
		snprintf(msg, sizeof(msg), "%s must be a positive integer", name);
		http_reply_invalid(ctx, SVC_BAD_REQUEST, ptr, msg);
		return -1;
	}
	return 1;
}

int http_query_limit(struct http_ctx *ctx, int *limit)
{
	const char *v = http_query(ctx, "limit");
	long long n = 50;
	if (v != NULL && (http_parse_id(v, &n) != 0 || n > 500)) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "?limit",
		                   "limit must be an integer from 1 to 500");
		return -1;
	}
	*limit = (int)n;
	return 0;
}

int http_param_id(struct http_ctx *ctx, int i, long long *out)
{
	if (http_parse_id(ctx->params[i], out) != 0) {
		http_reply_invalid(ctx, SVC_NOT_FOUND, "/id",
		                   "no such resource: id must be a "
		                   "positive integer");
		return -1;
	}
	return 0;
}

int http_query_enum(struct http_ctx *ctx, const char *name, const char *const *choices,
                    const char **out)
{
	const char *v = http_query(ctx, name);
	if (v == NULL)
		return 0;
	for (size_t i = 0; choices[i] != NULL; i++) {
		if (strcmp(v, choices[i]) == 0) {
			*out = choices[i];
			return 1;
		}
	}
	char ptr[80], msg[256];
	int n = snprintf(msg, sizeof(msg), "%s must be one of", name);
	for (size_t i = 0; choices[i] != NULL && n > 0 && (size_t)n < sizeof(msg); i++)
		n += snprintf(msg + n, sizeof(msg) - (size_t)n, "%s %s", i ? "," : "", choices[i]);
	snprintf(ptr, sizeof(ptr), "?%s", name);
	http_reply_invalid(ctx, SVC_BAD_REQUEST, ptr, msg);
	return -1;
}

int http_query_text(struct http_ctx *ctx, const char *name, size_t max_chars, const char **out)
{
	const char *v = http_query(ctx, name);
	if (v == NULL)
		return 0;
	size_t chars = 0, len = strlen(v);
	for (size_t i = 0; i < len; i++)
		chars += ((unsigned char)v[i] & 0xC0) != 0x80; /* count lead bytes only */
	if (len == 0 || chars > max_chars || !validate_utf8_text(v, len)) {
		char ptr[80], msg[120];
		snprintf(ptr, sizeof(ptr), "?%s", name);
		snprintf(msg, sizeof(msg), "%s must be 1 to %zu characters of UTF-8 text", name,
		         max_chars);
		http_reply_invalid(ctx, SVC_BAD_REQUEST, ptr, msg);
		return -1;
	}
	*out = v;
	return 1;
}

int http_query_bool(struct http_ctx *ctx, const char *name, int *out)
{
	static const char *const choices[] = {"true", "false", NULL};
	const char *v = NULL;
	int rc = http_query_enum(ctx, name, choices, &v);
	if (rc == 1)
		*out = strcmp(v, "true") == 0;
	return rc;
}

int http_query_code(struct http_ctx *ctx, const char *name, const char **out)
{
	const char *v = http_query(ctx, name);
	if (v == NULL)
		return 0;
	if (!validate_code(v)) {
		char ptr[80], msg[160];
		snprintf(ptr, sizeof(ptr), "?%s", name);
		snprintf(
		        msg, sizeof(msg),
		        "%s must be a code: 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a "
		        "letter or digit",
		        name);
		http_reply_invalid(ctx, SVC_BAD_REQUEST, ptr, msg);
		return -1;
	}
	*out = v;
	return 1;
}

int http_authorize(struct http_ctx *ctx, enum policy_action action,
                   const struct policy_scope *scope)
{
	const char *reason = NULL;
	if (policy_allows(&ctx->principal, action, scope, &reason))
		return 0;
	http_reply_problem(ctx, SVC_FORBIDDEN, reason);
	return -1;
}

/* --- request bodies --- */

static int http_content_type_is(const char *ct, const char *want)
{
	if (ct == NULL)
		return 0;
	size_t n = strlen(want);
	if (strncasecmp(ct, want, n) != 0)
		return 0;
	const char *rest = ct + n;
	while (*rest == ' ')
		rest++;
	if (*rest == '\0')
		return 1;
	if (*rest != ';')
		return 0;
	/* Only UTF-8 is accepted as a charset, spelled exactly (quoted or not); any other
	 * parameter is ignored. */
	const char *cs = strcasestr(rest, "charset=");
	if (cs == NULL)
		return 1;
	cs += 8;
	int quoted = *cs == '"';
	cs += quoted;
	size_t n_cs = strncasecmp(cs, "utf-8", 5) == 0  ? 5
	              : strncasecmp(cs, "utf8", 4) == 0 ? 4
	                                                : 0;
	if (n_cs == 0)
		return 0;
	cs += n_cs;
	if (quoted && *cs++ != '"')
		return 0;
	while (*cs == ' ' || *cs == '\t')
		cs++;
	return *cs == '\0' || *cs == ';';
}

/* Nesting depth outside strings; jansson's own limit is far above what we accept. */
static int http_json_depth_ok(const char *text, size_t len)
{
	int depth = 0, in_string = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == '"')
			in_string = 1;
		else if (c == '{' || c == '[') {
			if (++depth > HTTP_JSON_MAX_DEPTH)
				return 0;
		} else if (c == '}' || c == ']')
			depth--;
	}
	return 1;
}

int http_body_content_type(struct http_ctx *ctx, const char *want)
{
	return http_content_type_is(http_header(ctx, "Content-Type"), want);
}

/* What every JSON body must pass before it is parsed; -1 after replying. */
static int http_json_precheck(struct http_ctx *ctx, const char **body, size_t *len)
{
	if (!http_body_content_type(ctx, "application/json")) {
		http_reply_problem(ctx, SVC_UNSUPPORTED_MEDIA,
		                   "the body must be application/json in UTF-8");
		return -1;
	}
	*body = ctx->req->binary_body;
	*len = ctx->req->binary_body_length;
	if (*body == NULL || *len == 0) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "", "the request body is empty");
		return -1;
	}
	if (!http_json_depth_ok(*body, *len)) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "", "JSON nested too deeply");
		return -1;
	}
	return 0;
}

/* The whole document, or NULL after replying 400 with where it is malformed. */
static json_t *http_json_parse(struct http_ctx *ctx, const char *body, size_t len)
{
	json_error_t jerr;
	json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		char msg[256];
		snprintf(msg, sizeof(msg), "malformed JSON at line %d column %d: %s", jerr.line,
		         jerr.column, jerr.text);
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "", msg);
	}
	return doc;
}

json_t *http_json_body(struct http_ctx *ctx)
{
	const char *body;
	size_t len;
	if (http_json_precheck(ctx, &body, &len) != 0)
		return NULL;
	return http_json_parse(ctx, body, len);
}

int http_json_array_each(struct http_ctx *ctx, json_element_fn fn, void *arg)
{
	const char *body;
	size_t len, done = 0;
	if (http_json_precheck(ctx, &body, &len) != 0)
		return -1;
	if (json_stream_array(body, len, JSON_REJECT_DUPLICATES, fn, arg, &done) == 0)
		return 0;
	/* not a plain array of objects from some element on: the whole document decides, and
	 * fn gets the elements it has not had */
	json_t *doc = http_json_parse(ctx, body, len);
	if (doc == NULL)
		return -1;
	int rc = json_is_array(doc) ? 0 : -2;
	for (size_t i = done; rc == 0 && i < json_array_size(doc); i++)
		if (fn(json_array_get(doc, i), i, arg) != 0)
			break;
	json_decref(doc);
	return rc;
}

/* --- CORS --- */

static int http_origin_allowed(const struct app *app, const char *origin)
{
	if (origin == NULL)
		return 0;
	if (app->cors_any)
		return 1;
	for (size_t i = 0; i < app->cors_count; i++)
		if (strcmp(app->cors_origins[i], origin) == 0)
			return 1;
	return 0;
}

/* Returns 1 when the request was a preflight and has been answered. */
static int http_cors(struct http_ctx *ctx)
{
	const char *origin = http_header(ctx, "Origin");
	int allowed = http_origin_allowed(ctx->app, origin);
	if (allowed) {
		http_set_header(ctx, "Access-Control-Allow-Origin", origin);
		http_set_header(ctx, "Vary", "Origin");
		http_set_header(
		        ctx, "Access-Control-Expose-Headers",
		        "ETag, Link, Location, X-Request-Id, Retry-After, Idempotent-Replayed, "
		        "Zeren-Consistency, Content-Disposition, Allow, WWW-Authenticate, "
		        "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset");
	}
	if (strcmp(ctx->method, "OPTIONS") != 0 ||
	    http_header(ctx, "Access-Control-Request-Method") == NULL)
		return 0;
	if (allowed) {
		http_set_header(ctx, "Access-Control-Allow-Methods",
		                "GET, POST, PATCH, DELETE, OPTIONS");
		http_set_header(ctx, "Access-Control-Allow-Headers",
		                "Authorization, Content-Type, If-Match, If-None-Match, "
		                "Idempotency-Key, X-Request-Id, Zeren-Consistency");
		http_set_header(ctx, "Access-Control-Max-Age", "600");
	}
	ctx->route = "preflight";
	ctx->res->status = 204;
	return 1;
}

/* --- routing --- */

/* Splits a copy of path into segments in scratch and matches them against pattern's; a ":x"
 * pattern segment captures the path segment into params. Returns 1 on a match. */
static int http_route_match(const char *pattern, const char *path, const char **params,
                            char *scratch, size_t scratch_len)
{
	size_t plen = strlen(path);
	for (int i = 0; i < HTTP_MAX_PARAMS; i++)
		params[i] = NULL;
	if (plen + 1 > scratch_len || path[0] != '/')
		return 0;
	memcpy(scratch, path, plen + 1);
	char *segs[16];
	int nsegs = 0;
	for (char *p = scratch + 1;; p++) {
		if (nsegs == 16)
			return 0;
		segs[nsegs++] = p;
		p = strchr(p, '/');
		if (p == NULL)
			break;
		*p = '\0';
	}
	int n = 0, i = 0;
	const char *pp = pattern + 1;
	for (; i < nsegs; i++) {
		const char *pend = strchr(pp, '/');
		size_t pseg = pend != NULL ? (size_t)(pend - pp) : strlen(pp);
		if (segs[i][0] == '\0')
			return 0; /* empty segment: "//" or a trailing slash */
		if (pp[0] == ':') {
			if (n == HTTP_MAX_PARAMS)
				return 0;
			params[n++] = segs[i];
		} else if (strlen(segs[i]) != pseg || strncmp(pp, segs[i], pseg) != 0) {
			return 0;
		}
		pp += pseg;
		if (*pp == '/')
			pp++;
		else if (i + 1 < nsegs)
			return 0;
	}
	return *pp == '\0';
}

/* Finds the route for method and path. Returns it, or NULL with *path_known set when some
 * route has the path (405) and allow filled with its methods. */
static const struct route *http_route_find(const struct route *const *tables, struct http_ctx *ctx,
                                           const char *path, int *path_known, char *allow,
                                           size_t allow_len)
{
	const char *params[HTTP_MAX_PARAMS];
	char scratch[sizeof(ctx->path_buf)];
	*path_known = 0;
	allow[0] = '\0';
	for (size_t t = 0; tables[t] != NULL; t++) {
		for (const struct route *r = tables[t]; r->method != NULL; r++) {
			if (!http_route_match(r->pattern, path, params, scratch, sizeof(scratch)))
				continue;
			if (strcmp(r->method, ctx->method) == 0 ||
			    (strcmp(ctx->method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
				memcpy(ctx->path_buf, scratch, sizeof(scratch));
				for (int i = 0; i < HTTP_MAX_PARAMS; i++)
					ctx->params[i] =
					        params[i] == NULL
					                ? NULL
					                : ctx->path_buf + (params[i] - scratch);
				return r;
			}
			*path_known = 1;
			size_t used = strlen(allow);
			snprintf(allow + used, allow_len - used, "%s%s", used ? ", " : "",
			         r->method);
		}
	}
	return NULL;
}

static int http_method_has_body(const char *method)
{
	return strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0 ||
	       strcmp(method, "PUT") == 0;
}

/* 413 from Content-Length before the handler looks at the body; ulfius keeps at most one
 * byte more than the limit, so a body without a length is caught by its size. */
static int http_body_too_large(struct http_ctx *ctx)
{
	long long max = ctx->app->cfg.max_body_bytes;
	const char *cl = http_header(ctx, "Content-Length");
	if (cl != NULL) {
		char *end = NULL;
		long long n = strtoll(cl, &end, 10);
		if (end == cl || *end != '\0' || n < 0 || n > max)
			return 1;
	}
	return (long long)ctx->req->binary_body_length > max;
}

static int http_authenticate(struct http_ctx *ctx)
{
	const char *header = http_header(ctx, "Authorization");
	const char *token = NULL;
	size_t len = 0;
	const char *reason = "missing bearer token";
	if (header != NULL && auth_bearer_token(header, &token, &len) == 0 &&
	    auth_verify(ctx->app->verifier, token, len, (long long)time(NULL), &ctx->principal,
	                &reason) == AUTH_OK) {
		ctx->authenticated = 1;
		return 0;
	}
	log_json("warn", "auth_rejected",
	         json_pack("{ssss}", "request_id", ctx->request_id, "reason", reason));
	char detail[160];
	snprintf(detail, sizeof(detail), "bearer token rejected: %s", reason);
	http_reply_problem(ctx, SVC_UNAUTHORIZED, detail);
	return -1;
}

static void http_log_request(const struct http_ctx *ctx, int status, double seconds)
{
	json_t *f =
	        json_pack("{sssssisfss}", "method", ctx->method, "path",
	                  ctx->req->url_path != NULL ? ctx->req->url_path : "", "status", status,
	                  "duration_ms", log_duration_ms(seconds), "request_id", ctx->request_id);
	if (f == NULL)
		return;
	if (ctx->route != NULL)
		json_object_set_new(f, "route", json_string(ctx->route));
	if (ctx->authenticated) {
		json_object_set_new(f, "sub", json_string(ctx->principal.sub));
		json_object_set_new(f, "role",
		                    json_string(principal_role_name(ctx->principal.role)));
		if (ctx->principal.unit[0] != '\0')
			json_object_set_new(f, "unit", json_string(ctx->principal.unit));
	}
	log_json("info", "request", f);
}

static void http_run_gated(struct http_ctx *ctx, const struct route *r);

/* Serves a reference GET from the cache, or runs it and keeps a 200 answer. The key is the
 * whole request target; every role may read reference data, so the token only has to be
 * valid (checked before this) and allowed to read. */
static void http_run_cached(struct http_ctx *ctx, const struct route *r)
{
	struct refcache *cache = ctx->app->refcache;
	const char *key = ctx->req->http_url;
	struct refcache_hit hit;
	if (http_authorize(ctx, POLICY_READ, NULL) != 0)
		return;
	if (refcache_get(cache, key, db_request_required(), &hit)) {
		http_set_header(ctx, "Cache-Control", "no-cache");
		if (hit.link != NULL)
			http_set_header(ctx, "Link", hit.link);
		if (hit.etag != NULL) {
			http_set_header(ctx, "ETag", hit.etag);
			if (http_etag_matches(http_header(ctx, "If-None-Match"), hit.etag)) {
				ctx->res->status = 304;
				refcache_hit_free(&hit);
				return;
			}
		}
		http_reply_json_text(ctx, 200, hit.body, hit.len);
		refcache_hit_free(&hit);
		return;
	}
	unsigned long long gen = refcache_generation(cache);
	/* what is kept under gen must be at least as new as the change that began it */
	db_request_require(refcache_floor(cache));
	http_run_gated(ctx, r);
	if (ctx->defer || ctx->uncacheable || gen == 0 || ctx->res->status != 200)
		return;
	refcache_put(cache, key, gen, db_request_required(), ctx->res->binary_body,
	             ctx->res->binary_body_length, u_map_get_case(ctx->res->map_header, "ETag"),
	             u_map_get_case(ctx->res->map_header, "Link"));
}

/* Reports, exports, batches and imports: the work the concurrency cap is for. */
static int http_route_expensive(const struct route *r)
{
	static const char *const prefixes[] = {"/v1/reports/", "/v1/exports/", "/v1/progress/batch",
	                                       "/v1/imports", NULL};
	for (size_t i = 0; prefixes[i] != NULL; i++)
		if (strncmp(r->pattern, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

static void http_reply_busy(struct http_ctx *ctx, int retry_after, const char *detail)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", retry_after);
	http_set_header(ctx, "Retry-After", v);
	http_reply_problem(ctx, SVC_TOO_MANY_REQUESTS, detail);
}

/* Takes a slot of cap without blocking the worker: 0 when taken; 1 when the request should
 * wait (queued without a thread, see HTTP_GUARD_WAIT) because it has waited less than
 * queue_ms; -1 when it has waited long enough. */
static int http_turn(struct http_ctx *ctx, struct limits_cap *cap, long long queue_ms)
{
	if (limits_cap_take(cap, 0) == 0)
		return 0;
	if (ctx->call->waited_ms >= 0 && ctx->call->waited_ms < queue_ms) {
		ctx->defer = HTTP_GUARD_WAIT;
		return 1;
	}
	return -1;
}

static void http_turn_end(struct http_ctx *ctx, struct limits_cap *cap)
{
	limits_cap_give(cap);
	http_guard_wake(ctx->server->guard);
}

/* Runs a handler that may wait on the database on one of the guard's workers (ZEREN_DB_WORKERS),
 * never on an I/O thread, so that health checks and cache hits are answered while every
 * worker waits. A request that queued for a worker past its deadline gets 503. */
static void http_run_gated(struct http_ctx *ctx, const struct route *r)
{
	if (!ctx->call->on_worker) {
		ctx->defer = HTTP_GUARD_OFFLOAD;
		return;
	}
	long long waited = ctx->call->waited_ms;
	if (waited < 0 || waited >= ctx->app->cfg.db_timeout_ms) {
		http_reply_problem(ctx, SVC_UNAVAILABLE,
		                   waited < 0 ? "shutting down"
		                              : "every database worker is busy; retry shortly");
		return;
	}
	r->handler(ctx);
}

/* The concurrency cap for expensive routes (a short queue, then 429), then the gate. */
static void http_run_limited(struct http_ctx *ctx, const struct route *r)
{
	if (!http_route_expensive(r)) {
		http_run_gated(ctx, r);
		return;
	}
	struct limits_cap *cap = ctx->server->expensive;
	if (!(ctx->call->marks & HTTP_MARK_EXPENSIVE)) {
		int turn = http_turn(ctx, cap, ctx->app->cfg.expensive_queue_ms);
		if (turn > 0)
			return;
		if (turn < 0) {
			http_reply_busy(
			        ctx, 1,
			        "too many reports, exports, batches or imports are running; "
			        "retry shortly");
			return;
		}
		ctx->call->marks |= HTTP_MARK_EXPENSIVE; /* held until the handler has run */
	}
	long long waited = ctx->call->waited_ms > 0 ? ctx->call->waited_ms : 0;
	limits_deadline_set(
	        (int)((long long)ctx->app->cfg.db_timeout_ms * HTTP_EXPENSIVE_DEADLINE - waited));
	http_run_gated(ctx, r);
	if (ctx->defer == 0) {
		ctx->call->marks &= ~HTTP_MARK_EXPENSIVE;
		http_turn_end(ctx, cap);
	}
}

/* Takes one request from the token's bucket and sets the RateLimit-* headers; -1 after
 * replying 429. */
static int http_rate_take(struct http_ctx *ctx)
{
	struct limits_rate *rate = ctx->server->rate;
	const char *header = http_header(ctx, "Authorization");
	if (rate == NULL || header == NULL)
		return 0;
	struct limits_rate_verdict v;
	limits_rate_take(rate, header, strlen(header), http_now(), &v);
	char n[24];
	snprintf(n, sizeof(n), "%d", v.limit);
	http_set_header(ctx, "RateLimit-Limit", n);
	snprintf(n, sizeof(n), "%d", v.remaining);
	http_set_header(ctx, "RateLimit-Remaining", n);
	snprintf(n, sizeof(n), "%d", v.reset_s);
	http_set_header(ctx, "RateLimit-Reset", n);
	if (v.allowed)
		return 0;
	http_reply_busy(ctx, v.retry_after_s, "this token's request rate is exceeded");
	return -1;
}

static void http_route_and_run(const struct route *const *tables, struct http_ctx *ctx)
{
	const char *path = ctx->req->url_path != NULL ? ctx->req->url_path : "/";
	if (http_cors(ctx))
		return;
	int path_known = 0;
	char allow[128];
	const struct route *r =
	        http_route_find(tables, ctx, path, &path_known, allow, sizeof(allow));
	if (r == NULL) {
		if (path_known) {
			http_set_header(ctx, "Allow", allow);
			http_reply_problem(ctx, SVC_METHOD_NOT_ALLOWED, "method not allowed here");
		} else {
			http_reply_problem(ctx, SVC_NOT_FOUND, "no such resource");
		}
		return;
	}
	ctx->route = r->pattern;
	if (http_guard_draining(ctx->server->guard) && strcmp(r->pattern, "/readyz") == 0) {
		http_reply_problem(ctx, SVC_UNAVAILABLE, "shutting down");
		return;
	}
	if (http_method_has_body(ctx->method) && http_body_too_large(ctx)) {
		http_reply_problem(ctx, SVC_TOO_LARGE, "the request body exceeds the size limit");
		return;
	}
	if (!(r->flags & ROUTE_PUBLIC) && http_authenticate(ctx) != 0)
		return;
	if ((r->flags & ROUTE_CACHED) && strcmp(ctx->method, "GET") == 0 &&
	    ctx->app->refcache != NULL) {
		http_run_cached(ctx, r);
		return;
	}
	if (r->flags & ROUTE_PUBLIC)
		r->handler(ctx);
	else
		http_run_limited(ctx, r);
}

static void http_ctx_init(struct http_ctx *ctx, const struct http_server *server,
                          const struct _u_request *req, struct _u_response *res)
{
	static _Thread_local struct http_guard_call head_call; /* for admit and refuse */
	memset(ctx, 0, sizeof(*ctx));
	memset(&head_call, 0, sizeof(head_call));
	ctx->call = &head_call;
	ctx->app = server->app;
	ctx->server = server;
	ctx->req = req;
	ctx->res = res;
	ctx->method = req->http_verb != NULL ? req->http_verb : "";
	const char *rid = u_map_get_case(req->map_header, "X-Request-Id");
	if (rid != NULL && http_request_id_valid(rid))
		snprintf(ctx->request_id, sizeof(ctx->request_id), "%s", rid);
	else
		http_request_id_new(ctx->request_id, sizeof(ctx->request_id));
	http_set_header(ctx, "X-Request-Id", ctx->request_id);
}

static void http_finish(struct http_ctx *ctx, double started)
{
	if (ctx->res->status == 0)
		ctx->res->status = 200;
	double took = http_now() - started;
	metrics_observe_request(ctx->method, ctx->route, (int)ctx->res->status, took);
	http_log_request(ctx, (int)ctx->res->status, took);
}

/* The one request callback: everything goes through here. */
static int http_dispatch(void *cls, const struct _u_request *req, struct _u_response *res,
                         struct http_guard_call *call)
{
	double started = http_now();
	const struct http_server *server = cls;
	struct http_ctx ctx;
	http_ctx_init(&ctx, server, req, res);
	ctx.call = call;
	/* one database deadline for the whole request, the time it queued included */
	long long waited = call->waited_ms > 0 ? call->waited_ms : 0;
	long long budget = server->app->cfg.db_timeout_ms - waited;
	limits_deadline_set(budget > 1 ? (int)budget : 1);
	/* Read your writes: a read presenting a write's token is served by a replica only once
	 * it has replayed that far; a write's reply carries the token (db.h). Begun again on
	 * the worker thread when the request is handed to one. */
	db_lsn seen = 0;
	const char *token = u_map_get_case(req->map_header, "Zeren-Consistency");
	if (token == NULL || db_lsn_parse(token, &seen) != 0)
		seen = 0;
	db_request_begin(seen);
	http_route_and_run(server->tables, &ctx);
	limits_deadline_clear();
	if (ctx.defer != 0)
		return ctx.defer;
	if (db_request_commit_lsn() != 0) {
		char lsn[24];
		db_lsn_format(db_request_commit_lsn(), lsn);
		http_set_header(&ctx, "Zeren-Consistency", lsn);
	}
	http_finish(&ctx, started);
	return HTTP_GUARD_DONE;
}

/* From the head alone: a protected route's token and rate, so that a body nobody may send is
 * never read. Preflights, public routes and unknown paths go on to http_dispatch. */
static int http_admit(void *cls, const struct _u_request *req, struct _u_response *res,
                      size_t *body_limit)
{
	double started = http_now();
	const struct http_server *server = cls;
	struct http_ctx ctx;
	http_ctx_init(&ctx, server, req, res);
	*body_limit = http_method_has_body(ctx.method) ? (size_t)server->app->cfg.max_body_bytes
	                                               : HTTP_NO_BODY_MAX;
	if (strcmp(ctx.method, "OPTIONS") == 0)
		return 0;
	int path_known = 0;
	char allow[128];
	const char *path = req->url_path != NULL ? req->url_path : "/";
	const struct route *r =
	        http_route_find(server->tables, &ctx, path, &path_known, allow, sizeof(allow));
	if (r == NULL) {
		/* 404 or 405 needs no body: answered now, so none is read for nothing */
		http_route_and_run(server->tables, &ctx);
		http_finish(&ctx, started);
		return 1;
	}
	if (r->flags & ROUTE_PUBLIC)
		return 0;
	ctx.route = r->pattern;
	if (http_authenticate(&ctx) == 0 && http_rate_take(&ctx) == 0)
		return 0;
	(void)http_cors(&ctx); /* a browser must be able to read a refusal made from the head */
	http_finish(&ctx, started);
	return 1;
}

static void http_refuse(void *cls, const struct _u_request *req, struct _u_response *res,
                        enum http_guard_refusal why)
{
	double started = http_now();
	struct http_ctx ctx;
	http_ctx_init(&ctx, cls, req, res);
	if (why == HTTP_GUARD_FRAMING)
		http_reply_problem(&ctx, SVC_BAD_REQUEST,
		                   "Content-Length with Transfer-Encoding, or two Content-Length "
		                   "headers: the message framing is ambiguous");
	else if (why == HTTP_GUARD_URI)
		http_reply_problem(&ctx, SVC_URI_TOO_LONG,
		                   "the request target is too long or has too many query "
		                   "parameters");
	else if (why == HTTP_GUARD_TOO_LARGE)
		http_reply_problem(&ctx, SVC_TOO_LARGE, "the request body exceeds the size limit");
	else
		http_reply_problem(&ctx, SVC_UNAVAILABLE,
		                   "too many request bodies are being received; retry shortly");
	http_finish(&ctx, started);
}

static void http_server_free(struct http_server *s)
{
	limits_cap_destroy(s->expensive);
	limits_rate_destroy(s->rate);
	free(s);
}

struct http_server *http_server_start(struct app *app, const struct route *const *tables, int *port)
{
	const struct config *cfg = &app->cfg;
	struct http_server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->app = app;
	s->tables = tables;
	s->addr.sin_family = AF_INET;
	s->addr.sin_port = htons((uint16_t)cfg->port);
	if (inet_pton(AF_INET, cfg->bind_address, &s->addr.sin_addr) != 1) {
		log_msg("error", "http_start_failed",
		        "ZEREN_BIND_ADDRESS %s is not an IPv4 address", cfg->bind_address);
		free(s);
		return NULL;
	}
	/* one pooled connection stays for /readyz, which runs on the I/O threads */
	int workers = cfg->db_workers > 0 ? cfg->db_workers : cfg->db_pool_size - 1;
	s->expensive = limits_cap_create(cfg->expensive_concurrency);
	if (cfg->rate_per_second > 0)
		s->rate = limits_rate_create(cfg->rate_per_second, cfg->rate_burst, 8192);
	if (s->expensive == NULL || (cfg->rate_per_second > 0 && s->rate == NULL)) {
		http_server_free(s);
		return NULL;
	}
	struct http_guard_limits limits = {
	        .threads = (unsigned)cfg->http_threads,
	        .max_connections = (unsigned)cfg->max_connections,
	        .max_per_client = (unsigned)cfg->max_connections_per_client,
	        .idle_timeout_s = (unsigned)cfg->connection_timeout_s,
	        .head_timeout_s = (unsigned)cfg->header_timeout_s,
	        .body_grace_s = (unsigned)cfg->body_timeout_s,
	        .body_min_rate = cfg->body_min_rate,
	        /* one body of the largest size must always fit */
	        .body_budget = cfg->body_budget_bytes > cfg->max_body_bytes ? cfg->body_budget_bytes
	                                                                    : cfg->max_body_bytes,
	        .max_body = (size_t)cfg->max_body_bytes,
	        .max_target = HTTP_MAX_TARGET,
	        .max_params = HTTP_MAX_QUERY_PARAMS,
	        .workers = (unsigned)(workers > 0 ? workers : 1),
	};
	struct http_guard_handlers handlers = {http_admit, http_refuse, http_dispatch, s};
	if (http_guard_start(&s->guard, (const struct sockaddr *)&s->addr, &limits, &handlers,
	                     port) != 0) {
		log_msg("error", "http_start_failed", "cannot listen on %s:%d", cfg->bind_address,
		        cfg->port);
		http_server_free(s);
		return NULL;
	}
	return s;
}

int http_server_drain(struct http_server *server, int seconds)
{
	return server != NULL ? http_guard_drain(server->guard, seconds) : 0;
}

void http_server_stop(struct http_server *server)
{
	if (server == NULL)
		return;
	http_guard_stop(server->guard);
	http_server_free(server);
}

/* --- helpers for the data side and for files that must not include ulfius (appended) --- */

void http_tx_env(const struct http_ctx *ctx, struct tx_env *env)
{
	memset(env, 0, sizeof(*env));
	env->pool = ctx->app->pool;
	env->refcache = ctx->app->refcache;
	env->actor.iss = ctx->principal.iss;
	env->actor.sub = ctx->principal.sub;
	env->actor.unit = principal_unit(&ctx->principal);
	env->actor.role = principal_role_name(ctx->principal.role);
	env->actor.request_id = ctx->request_id;
}

const char *http_body(const struct http_ctx *ctx, size_t *len)
{
	*len = ctx->req->binary_body != NULL ? ctx->req->binary_body_length : 0;
	return ctx->req->binary_body != NULL ? ctx->req->binary_body : "";
}

const char *http_target(const struct http_ctx *ctx)
{
	return ctx->req->http_url;
}

const char *http_path(const struct http_ctx *ctx)
{
	return ctx->req->url_path;
}

void http_query_each(const struct http_ctx *ctx, http_query_fn fn, void *arg)
{
	const char **keys = u_map_enum_keys(ctx->req->map_url);
	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
		fn(keys[i], u_map_get(ctx->req->map_url, keys[i]), arg);
}

const char *http_reply_header(const struct http_ctx *ctx, const char *name)
{
	return u_map_get_case(ctx->res->map_header, name);
}

long http_reply_status(const struct http_ctx *ctx)
{
	return ctx->res->status;
}

const char *http_reply_body_get(const struct http_ctx *ctx, size_t *len)
{
	*len = ctx->res->binary_body != NULL ? ctx->res->binary_body_length : 0;
	return ctx->res->binary_body;
}

/* A file being streamed as a reply. */
struct http_file {
	int fd;
};

static ssize_t http_file_read(void *data, uint64_t offset, char *out, size_t max)
{
	const struct http_file *f = data;
	ssize_t n = pread(f->fd, out, max, (off_t)offset);
	if (n == 0)
		return U_STREAM_END;
	return n < 0 ? U_STREAM_ERROR : n;
}

static void http_file_free(void *data)
{
	struct http_file *f = data;
	close(f->fd);
	free(f);
}

int http_reply_file(struct http_ctx *ctx, int status, const char *content_type, int fd, size_t size)
{
	struct http_file *f = malloc(sizeof(*f));
	if (f == NULL) {
		close(fd);
		return -1;
	}
	f->fd = fd;
	http_set_header(ctx, "Content-Type", content_type);
	if (ulfius_set_stream_response(ctx->res, (unsigned int)status, http_file_read,
	                               http_file_free, (uint64_t)size, 64 * 1024, f) != U_OK) {
		http_file_free(f);
		return -1;
	}
	return 0;
}

void http_reply_empty(struct http_ctx *ctx, int status)
{
	ctx->res->status = (long)status;
}
