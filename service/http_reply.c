/* http_reply.c — replies: JSON with and without ETags, problem+json (RFC 9457) bodies, files
 * streamed from disk, and what a reply holds so far. */
#include "http_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etag.h"
#include "metrics.h"

void http_set_header(struct http_ctx *ctx, const char *name, const char *value)
{
	u_map_put(ctx->res->map_header, name, value);
}

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

void http_reply_json_owned(struct http_ctx *ctx, int status, char *text, size_t len)
{
	http_set_header(ctx, "Content-Type", "application/json");
	free(ctx->res->binary_body); /* ulfius's allocator is the C library's (never replaced) */
	ctx->res->binary_body = text;
	ctx->res->binary_body_length = len;
	ctx->res->status = status;
}

void http_reply_json(struct http_ctx *ctx, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	if (text == NULL) {
		http_reply_problem(ctx, SVC_INTERNAL, "response could not be serialized");
		return;
	}
	http_reply_json_owned(ctx, status, text, strlen(text));
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

void http_reply_busy(struct http_ctx *ctx, int retry_after, const char *detail)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", retry_after);
	http_set_header(ctx, "Retry-After", v);
	http_reply_problem(ctx, SVC_TOO_MANY_REQUESTS, detail);
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
