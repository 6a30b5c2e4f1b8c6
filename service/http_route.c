/* http_route.c — the router: a path matched against the route tables' patterns, with its :params.
 */
#include "http_internal.h"

#include <stdio.h>
#include <string.h>

/* Splits a copy of path into segments in scratch and matches them against pattern's; a ":x"
 * pattern segment captures the path segment into params. Returns 1 on a match. */
int http_route_match(const char *pattern, const char *path, const char **params, char *scratch,
                     size_t scratch_len)
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
const struct route *http_route_find(const struct route *const *tables, struct http_ctx *ctx,
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

int http_method_has_body(const char *method)
{
	return strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0 ||
	       strcmp(method, "PUT") == 0;
}
