/* http_request.c — reading a request: headers, query and path parameters checked one by one,
 * the target, the raw body, and the write environment of the principal who sent it. */
#include "http_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tx.h"
#include "validate.h"

const char *http_header(const struct http_ctx *ctx, const char *name)
{
	return u_map_get_case(ctx->req->map_header, name);
}

const char *http_query(const struct http_ctx *ctx, const char *name)
{
	return u_map_get(ctx->req->map_url, name);
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
