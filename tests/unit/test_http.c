/* test_http.c — the router, ETag matching, content types and JSON depth of the HTTP layer
 * (service/http_route.c, http_reply.c, http_body.c), reached through http_internal.h. Its own
 * program, http_tests. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "routes.h"

/* --- pattern matching --- */

struct match {
	const char *params[HTTP_MAX_PARAMS];
	char scratch[512];
};

static int match(struct match *m, const char *pattern, const char *path)
{
	return http_route_match(pattern, path, m->params, m->scratch, sizeof(m->scratch));
}

START_TEST(route_literal_paths)
{
	struct match m;
	ck_assert_int_eq(match(&m, "/healthz", "/healthz"), 1);
	ck_assert_ptr_null(m.params[0]);
	ck_assert_int_eq(match(&m, "/v1/progress/batch", "/v1/progress/batch"), 1);
	ck_assert_int_eq(match(&m, "/healthz", "/readyz"), 0);
	ck_assert_int_eq(match(&m, "/healthz", "/healthzz"), 0);
	ck_assert_int_eq(match(&m, "/healthz", "/health"), 0);
	ck_assert_int_eq(match(&m, "/v1/progress", "/V1/progress"), 0); /* case-sensitive */
}
END_TEST

START_TEST(route_params_captured_in_order)
{
	struct match m;
	ck_assert_int_eq(match(&m, "/v1/measures/:id/targets", "/v1/measures/12/targets"), 1);
	ck_assert_str_eq(m.params[0], "12");
	ck_assert_ptr_null(m.params[1]);
	ck_assert_int_eq(
	        match(&m, "/v1/measures/:id/assignments/:unit", "/v1/measures/7/assignments/rsj"),
	        1);
	ck_assert_str_eq(m.params[0], "7");
	ck_assert_str_eq(m.params[1], "rsj");
	/* a param takes any non-empty segment: telling ids from words is the handler's job */
	ck_assert_int_eq(match(&m, "/v1/progress/:id", "/v1/progress/batch"), 1);
	ck_assert_str_eq(m.params[0], "batch");
}
END_TEST

START_TEST(route_params_reset_between_calls)
{
	struct match m;
	ck_assert_int_eq(match(&m, "/v1/units/:id", "/v1/units/3"), 1);
	ck_assert_int_eq(match(&m, "/healthz", "/healthz"), 1);
	ck_assert_ptr_null(m.params[0]);
	ck_assert_int_eq(match(&m, "/v1/units/:id", "/v1/plans/3"), 0);
	ck_assert_ptr_null(m.params[0]);
}
END_TEST

START_TEST(route_segment_count_must_agree)
{
	struct match m;
	ck_assert_int_eq(match(&m, "/v1/progress/:id", "/v1/progress"), 0);
	ck_assert_int_eq(match(&m, "/v1/progress/:id", "/v1/progress/1/history"), 0);
	ck_assert_int_eq(match(&m, "/v1/progress/:id/history", "/v1/progress/1"), 0);
	ck_assert_int_eq(match(&m, "/v1/progress", "/v1/progress/1"), 0);
}
END_TEST

START_TEST(route_empty_segments_refused)
{
	struct match m;
	ck_assert_int_eq(match(&m, "/v1/progress", "/v1/progress/"), 0);
	ck_assert_int_eq(match(&m, "/v1/progress/:id", "/v1/progress/"), 0);
	ck_assert_int_eq(match(&m, "/v1/progress/:id", "/v1//progress"), 0);
	ck_assert_int_eq(match(&m, "/v1/progress/:id/history", "/v1/progress//history"), 0);
	ck_assert_int_eq(match(&m, "/healthz", "//healthz"), 0);
}
END_TEST

START_TEST(route_odd_paths_refused)
{
	struct match m;
	ck_assert_int_eq(match(&m, "/healthz", "healthz"), 0); /* not absolute */
	ck_assert_int_eq(match(&m, "/healthz", ""), 0);
	/* more params than HTTP_MAX_PARAMS */
	ck_assert_int_eq(match(&m, "/:a/:b/:c/:d/:e", "/1/2/3/4/5"), 0);
	ck_assert_int_eq(match(&m, "/:a/:b/:c/:d", "/1/2/3/4"), 1);
	ck_assert_str_eq(m.params[3], "4");
	/* more segments than the splitter holds */
	ck_assert_int_eq(match(&m, "/a", "/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a"), 0);
}
END_TEST

START_TEST(route_path_longer_than_scratch)
{
	const char *params[HTTP_MAX_PARAMS];
	char scratch[8];
	ck_assert_int_eq(http_route_match("/healthz", "/healthz", params, scratch, sizeof(scratch)),
	                 0);
	ck_assert_int_eq(http_route_match("/ready", "/ready", params, scratch, sizeof(scratch)), 1);
}
END_TEST

/* --- finding a route in the service's tables: 404, 405 and Allow --- */

static const struct route *find(struct http_ctx *ctx, const char *method, const char *path,
                                int *known, char *allow, size_t allow_len)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->method = method;
	return http_route_find(route_tables, ctx, path, known, allow, allow_len);
}

START_TEST(find_route_and_its_params)
{
	struct http_ctx ctx;
	int known = -1;
	char allow[128];
	const struct route *r =
	        find(&ctx, "PATCH", "/v1/progress/41", &known, allow, sizeof(allow));
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->method, "PATCH");
	ck_assert_str_eq(r->pattern, "/v1/progress/:id");
	ck_assert_str_eq(ctx.params[0], "41");
	/* the params live in the context, not in the finder's scratch */
	ck_assert(ctx.params[0] >= ctx.path_buf &&
	          ctx.params[0] < ctx.path_buf + sizeof(ctx.path_buf));
	ck_assert_ptr_null(ctx.params[1]);
}
END_TEST

START_TEST(find_head_served_by_get)
{
	struct http_ctx ctx;
	int known;
	char allow[128];
	const struct route *r = find(&ctx, "HEAD", "/healthz", &known, allow, sizeof(allow));
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->method, "GET");
	ck_assert_str_eq(r->pattern, "/healthz");
}
END_TEST

START_TEST(find_unknown_path_is_404)
{
	struct http_ctx ctx;
	int known = -1;
	char allow[128];
	ck_assert_ptr_null(find(&ctx, "GET", "/v1/nothing", &known, allow, sizeof(allow)));
	ck_assert_int_eq(known, 0);
	ck_assert_str_eq(allow, "");
	ck_assert_ptr_null(find(&ctx, "GET", "/v1/progress/1/extra", &known, allow, sizeof(allow)));
	ck_assert_int_eq(known, 0);
	ck_assert_ptr_null(find(&ctx, "DELETE", "/v1/progress/", &known, allow, sizeof(allow)));
	ck_assert_int_eq(known, 0);
}
END_TEST

START_TEST(find_known_path_other_method_is_405_with_allow)
{
	struct http_ctx ctx;
	int known = 0;
	char allow[128];
	ck_assert_ptr_null(find(&ctx, "DELETE", "/v1/progress", &known, allow, sizeof(allow)));
	ck_assert_int_eq(known, 1);
	ck_assert_str_eq(allow, "POST, GET");
	ck_assert_ptr_null(find(&ctx, "PUT", "/v1/progress/9", &known, allow, sizeof(allow)));
	ck_assert_int_eq(known, 1);
	ck_assert_str_eq(allow, "GET, PATCH");
	ck_assert_ptr_null(
	        find(&ctx, "POST", "/v1/progress/9/history", &known, allow, sizeof(allow)));
	ck_assert_int_eq(known, 1);
	ck_assert_str_eq(allow, "GET");
	ck_assert_ptr_null(find(&ctx, "POST", "/healthz", &known, allow, sizeof(allow)));
	ck_assert_int_eq(known, 1);
	ck_assert_str_eq(allow, "GET");
}
END_TEST

START_TEST(find_literal_route_does_not_hide_param_route)
{
	/* GET /v1/progress/batch: the batch route is POST only, so GET falls to /:id (whose
	 * handler answers 404 for an id that is not a number) rather than 405 */
	struct http_ctx ctx;
	int known;
	char allow[128];
	const struct route *r =
	        find(&ctx, "GET", "/v1/progress/batch", &known, allow, sizeof(allow));
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->pattern, "/v1/progress/:id");
	ck_assert_str_eq(ctx.params[0], "batch");
}
END_TEST

START_TEST(find_allow_truncated_not_overflowed)
{
	struct http_ctx ctx;
	int known = 0;
	char allow[6];
	ck_assert_ptr_null(find(&ctx, "DELETE", "/v1/progress", &known, allow, sizeof(allow)));
	ck_assert_int_eq(known, 1);
	ck_assert_str_eq(allow, "POST,");
}
END_TEST

/* --- ETags --- */

START_TEST(etag_of_is_quoted_hex)
{
	char a[24], b[24], c[24];
	http_etag_of("{\"id\":1}", 8, a);
	http_etag_of("{\"id\":1}", 8, b);
	http_etag_of("{\"id\":2}", 8, c);
	ck_assert_uint_eq(strlen(a), 18);
	ck_assert_int_eq(a[0], '"');
	ck_assert_int_eq(a[17], '"');
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_int_eq(http_etag_matches(a, a), 1);
}
END_TEST

START_TEST(etag_single_and_absent)
{
	ck_assert_int_eq(http_etag_matches(NULL, "\"abc\""), 0);
	ck_assert_int_eq(http_etag_matches("", "\"abc\""), 0);
	ck_assert_int_eq(http_etag_matches("\"abc\"", "\"abc\""), 1);
	ck_assert_int_eq(http_etag_matches("\"abd\"", "\"abc\""), 0);
	/* a prefix or an extension of the tag is another tag */
	ck_assert_int_eq(http_etag_matches("\"abcd\"", "\"abc\""), 0);
	ck_assert_int_eq(http_etag_matches("\"ab\"", "\"abc\""), 0);
	/* the quotes are part of the tag */
	ck_assert_int_eq(http_etag_matches("abc", "\"abc\""), 0);
}
END_TEST

START_TEST(etag_lists)
{
	const char *e = "\"0123456789abcdef\"";
	ck_assert_int_eq(http_etag_matches("\"x\", \"0123456789abcdef\"", e), 1);
	ck_assert_int_eq(http_etag_matches("\"0123456789abcdef\", \"x\"", e), 1);
	ck_assert_int_eq(http_etag_matches("\"x\",\"0123456789abcdef\",\"y\"", e), 1);
	ck_assert_int_eq(http_etag_matches("\"x\" ,\t\"0123456789abcdef\"", e), 1);
	ck_assert_int_eq(http_etag_matches("\"x\", \"y\", \"z\"", e), 0);
	ck_assert_int_eq(http_etag_matches(",,, ", e), 0);
}
END_TEST

START_TEST(etag_weak_prefix_compared_weakly)
{
	const char *e = "\"abc\"";
	ck_assert_int_eq(http_etag_matches("W/\"abc\"", e), 1);
	ck_assert_int_eq(http_etag_matches("\"x\", W/\"abc\"", e), 1);
	ck_assert_int_eq(http_etag_matches("W/\"abd\"", e), 0);
	/* lower-case w is not the weak marker */
	ck_assert_int_eq(http_etag_matches("w/\"abc\"", e), 0);
}
END_TEST

START_TEST(etag_star_matches_anything)
{
	ck_assert_int_eq(http_etag_matches("*", "\"abc\""), 1);
	ck_assert_int_eq(http_etag_matches(" *", "\"abc\""), 1);
	ck_assert_int_eq(http_etag_matches("\"x\", *", "\"abc\""), 1);
}
END_TEST

/* --- content types --- */

START_TEST(content_type_plain_and_case)
{
	ck_assert_int_eq(http_content_type_is("application/json", "application/json"), 1);
	ck_assert_int_eq(http_content_type_is("Application/JSON", "application/json"), 1);
	ck_assert_int_eq(http_content_type_is("application/json  ", "application/json"), 1);
	ck_assert_int_eq(http_content_type_is("text/csv", "text/csv"), 1);
}
END_TEST

START_TEST(content_type_parameters)
{
	const char *j = "application/json";
	ck_assert_int_eq(http_content_type_is("application/json; charset=utf-8", j), 1);
	ck_assert_int_eq(http_content_type_is("application/json;charset=UTF-8", j), 1);
	ck_assert_int_eq(http_content_type_is("application/json; CHARSET=Utf-8", j), 1);
	ck_assert_int_eq(http_content_type_is("application/json; charset=\"utf-8\"", j), 1);
	ck_assert_int_eq(http_content_type_is("application/json; charset=utf8", j), 1);
	ck_assert_int_eq(http_content_type_is("application/json ; charset=utf-8", j), 1);
	/* a parameter other than charset is no reason to refuse */
	ck_assert_int_eq(http_content_type_is("text/csv; header=present", "text/csv"), 1);
}
END_TEST

START_TEST(content_type_refused)
{
	const char *j = "application/json";
	ck_assert_int_eq(http_content_type_is(NULL, j), 0);
	ck_assert_int_eq(http_content_type_is("", j), 0);
	ck_assert_int_eq(http_content_type_is("text/plain", j), 0);
	ck_assert_int_eq(http_content_type_is("application/jsonx", j), 0);
	ck_assert_int_eq(http_content_type_is("application/json-patch+json", j), 0);
	ck_assert_int_eq(http_content_type_is("application/jso", j), 0);
	ck_assert_int_eq(http_content_type_is("application/json, text/csv", j), 0);
	ck_assert_int_eq(http_content_type_is("application/json; charset=latin1", j), 0);
	ck_assert_int_eq(http_content_type_is("application/json; charset=utf-16", j), 0);
	ck_assert_int_eq(http_content_type_is("application/json; charset=", j), 0);
	ck_assert_int_eq(http_content_type_is("application/problem+json", j), 0);
}
END_TEST

START_TEST(content_type_from_request_header)
{
	struct _u_request req;
	ck_assert_int_eq(ulfius_init_request(&req), U_OK);
	struct http_ctx ctx = {.req = &req};
	ck_assert_int_eq(http_body_content_type(&ctx, "application/json"), 0); /* no header */
	u_map_put(req.map_header, "content-type", "application/json; charset=UTF-8");
	ck_assert_int_eq(http_body_content_type(&ctx, "application/json"), 1);
	ck_assert_int_eq(http_body_content_type(&ctx, "text/csv"), 0);
	ulfius_clean_request(&req);
}
END_TEST

/* --- JSON nesting depth --- */

/* n opening brackets of open, then n of close, in a new string. */
static char *nested(int n, char open, char close)
{
	size_t len = 2 * (size_t)n;
	char *s = malloc(len + 1);
	ck_assert_ptr_nonnull(s);
	memset(s, open, (size_t)n);
	memset(s + n, close, (size_t)n);
	s[len] = '\0';
	return s;
}

START_TEST(json_depth_limit)
{
	char *ok = nested(HTTP_JSON_MAX_DEPTH, '[', ']');
	char *deep = nested(HTTP_JSON_MAX_DEPTH + 1, '[', ']');
	ck_assert_int_eq(http_json_depth_ok(ok, strlen(ok)), 1);
	ck_assert_int_eq(http_json_depth_ok(deep, strlen(deep)), 0);
	/* only what len covers is looked at */
	ck_assert_int_eq(http_json_depth_ok(deep, HTTP_JSON_MAX_DEPTH), 1);
	free(ok);
	free(deep);
}
END_TEST

START_TEST(json_depth_counts_objects_and_arrays_alike)
{
	char text[256] = "";
	for (int i = 0; i < HTTP_JSON_MAX_DEPTH; i++)
		strcat(text, i % 2 ? "[" : "{\"a\":");
	ck_assert_int_eq(http_json_depth_ok(text, strlen(text)), 1);
	strcat(text, "{"); /* one level more */
	ck_assert_int_eq(http_json_depth_ok(text, strlen(text)), 0);
}
END_TEST

START_TEST(json_depth_is_nesting_not_count)
{
	/* many siblings, each shallow */
	char text[4 * (HTTP_JSON_MAX_DEPTH + 8) + 3] = "[";
	for (int i = 0; i < HTTP_JSON_MAX_DEPTH + 8; i++)
		strcat(text, i ? ",[1]" : "[1]");
	strcat(text, "]");
	ck_assert_int_eq(http_json_depth_ok(text, strlen(text)), 1);
}
END_TEST

START_TEST(json_depth_ignores_brackets_in_strings)
{
	char *deep = nested(HTTP_JSON_MAX_DEPTH + 1, '[', '{');
	char text[128];
	snprintf(text, sizeof(text), "{\"k\":\"%s\"}", deep);
	ck_assert_int_eq(http_json_depth_ok(text, strlen(text)), 1);
	/* an escaped quote does not end the string */
	snprintf(text, sizeof(text), "[\"\\\"%s\"]", deep);
	ck_assert_int_eq(http_json_depth_ok(text, strlen(text)), 1);
	/* an escaped backslash does: the brackets after it count */
	snprintf(text, sizeof(text), "[\"\\\\\",%s", deep);
	ck_assert_int_eq(http_json_depth_ok(text, strlen(text)), 0);
	free(deep);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("route_match");
	tcase_add_test(tc, route_literal_paths);
	tcase_add_test(tc, route_params_captured_in_order);
	tcase_add_test(tc, route_params_reset_between_calls);
	tcase_add_test(tc, route_segment_count_must_agree);
	tcase_add_test(tc, route_empty_segments_refused);
	tcase_add_test(tc, route_odd_paths_refused);
	tcase_add_test(tc, route_path_longer_than_scratch);
	suite_add_tcase(s, tc);
	tc = tcase_create("route_find");
	tcase_add_test(tc, find_route_and_its_params);
	tcase_add_test(tc, find_head_served_by_get);
	tcase_add_test(tc, find_unknown_path_is_404);
	tcase_add_test(tc, find_known_path_other_method_is_405_with_allow);
	tcase_add_test(tc, find_literal_route_does_not_hide_param_route);
	tcase_add_test(tc, find_allow_truncated_not_overflowed);
	suite_add_tcase(s, tc);
	tc = tcase_create("etag");
	tcase_add_test(tc, etag_of_is_quoted_hex);
	tcase_add_test(tc, etag_single_and_absent);
	tcase_add_test(tc, etag_lists);
	tcase_add_test(tc, etag_weak_prefix_compared_weakly);
	tcase_add_test(tc, etag_star_matches_anything);
	suite_add_tcase(s, tc);
	tc = tcase_create("content_type");
	tcase_add_test(tc, content_type_plain_and_case);
	tcase_add_test(tc, content_type_parameters);
	tcase_add_test(tc, content_type_refused);
	tcase_add_test(tc, content_type_from_request_header);
	suite_add_tcase(s, tc);
	tc = tcase_create("json_depth");
	tcase_add_test(tc, json_depth_limit);
	tcase_add_test(tc, json_depth_counts_objects_and_arrays_alike);
	tcase_add_test(tc, json_depth_is_nesting_not_count);
	tcase_add_test(tc, json_depth_ignores_brackets_in_strings);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(http_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
