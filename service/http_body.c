/* http_body.c — request bodies: the Content-Type (UTF-8 only), the JSON depth, and the body
 * parsed whole or streamed one array element at a time. */
#include "http_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int http_content_type_is(const char *ct, const char *want)
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
int http_json_depth_ok(const char *text, size_t len)
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
