/* imports_parse.c — POST /v1/imports/parse: a responsibility list (text, .docx or .xlsx) in
 * the body, the plan document read from it with its review list out; writes nothing. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../document/doc_parse.h"
#include "../http.h"
#include "../validate.h"
#include "imports_parse_repo.h"

#define PARSE_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define PARSE_XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* The charset parameter of a Content-Type (its value copied to out, lowercase, "" when the
 * type has none); -1 when it is too long. */
static int parse_charset(const char *ct, char *out, size_t size)
{
	out[0] = '\0';
	const char *cs = strcasestr(ct, "charset=");
	if (cs == NULL)
		return 0;
	cs += strlen("charset=");
	if (*cs == '"')
		cs++;
	size_t n = strcspn(cs, "\"; \t");
	if (n >= size)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(cs[i] >= 'A' && cs[i] <= 'Z' ? cs[i] + 32 : cs[i]);
	out[n] = '\0';
	return 0;
}

/* What the Content-Type declares the body to be; -1 after replying 415. */
static int parse_declared(struct http_ctx *ctx, enum doc_declared *d)
{
	static const char wrong[] =
	        "the body must be text/plain (charset utf-8 or gb18030), a .docx "
	        "(" PARSE_DOCX ") or an .xlsx (" PARSE_XLSX ")";
	const char *ct = http_header(ctx, "Content-Type");
	char cs[32];
	size_t n = ct != NULL ? strcspn(ct, "; \t") : 0;
	if (ct == NULL || parse_charset(ct, cs, sizeof(cs)) != 0)
		goto refuse;
	if (n == strlen(PARSE_DOCX) && strncasecmp(ct, PARSE_DOCX, n) == 0)
		return *d = DOC_DECLARED_DOCX, 0;
	if (n == strlen(PARSE_XLSX) && strncasecmp(ct, PARSE_XLSX, n) == 0)
		return *d = DOC_DECLARED_XLSX, 0;
	if (n != strlen("text/plain") || strncasecmp(ct, "text/plain", n) != 0)
		goto refuse;
	if (cs[0] == '\0')
		return *d = DOC_DECLARED_TEXT, 0;
	if (strcmp(cs, "utf-8") == 0 || strcmp(cs, "utf8") == 0)
		return *d = DOC_DECLARED_UTF8, 0;
	/* GBK and GB2312 are subsets of GB18030 */
	if (strcmp(cs, "gb18030") == 0 || strcmp(cs, "gbk") == 0 || strcmp(cs, "gb2312") == 0)
		return *d = DOC_DECLARED_GB18030, 0;
refuse:
	http_reply_problem(ctx, SVC_UNSUPPORTED_MEDIA, wrong);
	return -1;
}

/* ?code= (a plan code, the prefix of every code) and ?title=; -1 after replying 400. */
static int parse_query(struct http_ctx *ctx, struct doc_options *o)
{
	static const char *const allowed[] = {"code", "title", NULL};
	if (http_query_allow(ctx, allowed) != 0 ||
	    http_query_text(ctx, "title", 500, &o->title) < 0)
		return -1;
	o->code = http_query(ctx, "code");
	/* room for the generated codes: "-m17-t05" after the prefix within 64 characters */
	if (o->code != NULL && (!validate_code(o->code) || strlen(o->code) > 48)) {
		http_reply_invalid(ctx, SVC_BAD_REQUEST, "/code",
		                   "code must match ^[a-z0-9][a-z0-9._-]{0,47}$");
		return -1;
	}
	return 0;
}

/* A file the parser refused, as a problem: 415 when it is not a document of the declared type,
 * 422 when it is one that holds no list it can read. */
static void parse_refused(struct http_ctx *ctx, enum doc_error e)
{
	enum svc_error err = e == DOC_FORMAT || e == DOC_WRONG_TYPE ? SVC_UNSUPPORTED_MEDIA
	                     : e == DOC_NOMEM                       ? SVC_UNAVAILABLE
	                                                            : SVC_UNPROCESSABLE;
	http_reply_problem(ctx, err, doc_error_message(e));
}

static void imports_parse(struct http_ctx *ctx)
{
	struct doc_options o = {0};
	if (http_authorize(ctx, POLICY_ADMINISTER, NULL) != 0 || parse_query(ctx, &o) != 0 ||
	    parse_declared(ctx, &o.declared) != 0)
		return;
	struct imports_parse_units known;
	enum svc_error err = imports_parse_units_read(ctx->app->read_pool, &known);
	if (err != SVC_OK) {
		imports_parse_units_free(&known);
		http_reply_problem(ctx, err, NULL);
		return;
	}
	o.units = known.units;
	o.nunits = known.n;
	size_t len;
	const char *body = http_body(ctx, &len);
	struct doc_result r;
	enum doc_error e = doc_parse(body, len, &o, &r);
	imports_parse_units_free(&known);
	if (e != DOC_OK) {
		parse_refused(ctx, e);
		return;
	}
	ctx->uncacheable = 1;
	http_reply_json(ctx, 200,
	                json_pack("{s:o, s:o, s:o}", "document", r.document, "review", r.review,
	                          "stats", r.stats));
}

const struct route imports_parse_routes[] = {
        {"POST", "/v1/imports/parse", imports_parse, 0},
        {NULL, NULL, NULL, 0},
};
