/* test_me.c — GET /v1/me against the policy: for each role, every action it lists as allowed
 * is allowed by each endpoint it names (a real request, in scope), and every other action is
 * refused (403) by each of its endpoints. The requests are a table keyed by the endpoints'
 * names, and every endpoint /v1/me names must have one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress_fixtures.h"
#include "suites.h"

/* The unit of the reporter: it leads measure 2, so its three unit-scoped actions all have
 * something in scope. */
#define ME_UNIT "hrss"
#define MISSING 999999LL

/* The ids a request's path takes. */
enum me_id { ME_NONE, ME_PLAN, ME_TASK, ME_MEASURE, ME_TARGET, ME_UNIT_ID, ME_RECORD, ME_MISSING };

struct me_fixture {
	long long ids[ME_MISSING + 1];
	char etag[32];     /* of ids[ME_RECORD] */
	const char *batch; /* a JSON batch of one row */
	const char *post;  /* a POST /v1/progress body */
};

/* One endpoint: how to call it. ok is the status an allowed request gets (0: any that is not
 * 401 or 403 — admin endpoints called with an empty body or a missing id, which the policy
 * lets through to the checks that follow it). */
struct me_request {
	const char *endpoint;
	const char *path; /* with one %lld for the id, or none */
	enum me_id id;
	const char *body; /* NULL: none; "@post" / "@batch": the fixture's */
	int ok;
};

static const struct me_request me_requests[] = {
        {"GET /v1/me", "/v1/me", ME_NONE, NULL, 200},
        {"GET /v1/plans", "/v1/plans", ME_NONE, NULL, 200},
        {"GET /v1/plans/{id}", "/v1/plans/%lld", ME_PLAN, NULL, 200},
        {"GET /v1/tasks", "/v1/tasks", ME_NONE, NULL, 200},
        {"GET /v1/tasks/{id}", "/v1/tasks/%lld", ME_TASK, NULL, 200},
        {"GET /v1/measures", "/v1/measures", ME_NONE, NULL, 200},
        {"GET /v1/measures/{id}", "/v1/measures/%lld", ME_MEASURE, NULL, 200},
        {"GET /v1/measures/{id}/targets", "/v1/measures/%lld/targets", ME_MEASURE, NULL, 200},
        {"GET /v1/targets/{id}", "/v1/targets/%lld", ME_TARGET, NULL, 200},
        {"GET /v1/units", "/v1/units", ME_NONE, NULL, 200},
        {"GET /v1/units/{id}", "/v1/units/%lld", ME_UNIT_ID, NULL, 200},
        {"GET /v1/units/{id}/measures", "/v1/units/%lld/measures", ME_UNIT_ID, NULL, 200},
        {"GET /v1/progress", "/v1/progress", ME_NONE, NULL, 200},
        {"GET /v1/progress/{id}", "/v1/progress/%lld", ME_RECORD, NULL, 200},
        {"GET /v1/progress/{id}/history", "/v1/progress/%lld/history", ME_RECORD, NULL, 200},
        {"GET /v1/reports/summary", "/v1/reports/summary", ME_NONE, NULL, 200},
        {"GET /v1/reports/overdue", "/v1/reports/overdue", ME_NONE, NULL, 200},
        {"GET /v1/reports/units/{id}", "/v1/reports/units/%lld", ME_UNIT_ID, NULL, 200},
        {"GET /v1/exports/plans/{id}.csv", "/v1/exports/plans/%lld.csv", ME_PLAN, NULL, 200},
        {"GET /v1/exports/plans/{id}.xlsx", "/v1/exports/plans/%lld.xlsx", ME_PLAN, NULL, 200},
        {"GET /v1/changes", "/v1/changes", ME_NONE, NULL, 200},
        {"POST /v1/progress", "/v1/progress", ME_NONE, "@post", 201},
        {"POST /v1/progress/batch", "/v1/progress/batch", ME_NONE, "@batch", 201},
        {"PATCH /v1/progress/{id}", "/v1/progress/%lld", ME_RECORD, "{\"summary\":\"改\"}", 200},
        {"POST /v1/progress/{id}/review", "/v1/progress/%lld/review", ME_RECORD,
         "{\"decision\":\"approve\"}", 200},
        {"POST /v1/plans", "/v1/plans", ME_NONE, "{}", 0},
        {"PATCH /v1/plans/{id}", "/v1/plans/%lld", ME_MISSING, "{}", 0},
        {"DELETE /v1/plans/{id}", "/v1/plans/%lld", ME_MISSING, NULL, 0},
        {"POST /v1/tasks", "/v1/tasks", ME_NONE, "{}", 0},
        {"PATCH /v1/tasks/{id}", "/v1/tasks/%lld", ME_MISSING, "{}", 0},
        {"DELETE /v1/tasks/{id}", "/v1/tasks/%lld", ME_MISSING, NULL, 0},
        {"POST /v1/measures", "/v1/measures", ME_NONE, "{}", 0},
        {"PATCH /v1/measures/{id}", "/v1/measures/%lld", ME_MISSING, "{}", 0},
        {"DELETE /v1/measures/{id}", "/v1/measures/%lld", ME_MISSING, NULL, 0},
        {"POST /v1/measures/{id}/assignments", "/v1/measures/%lld/assignments", ME_MISSING, "{}",
         0},
        {"DELETE /v1/measures/{id}/assignments/{unit_id}", "/v1/measures/%lld/assignments/1",
         ME_MISSING, NULL, 0},
        {"POST /v1/measures/{id}/targets", "/v1/measures/%lld/targets", ME_MISSING, "{}", 0},
        {"PATCH /v1/targets/{id}", "/v1/targets/%lld", ME_MISSING, "{}", 0},
        {"DELETE /v1/targets/{id}", "/v1/targets/%lld", ME_MISSING, NULL, 0},
        {"POST /v1/units", "/v1/units", ME_NONE, "{}", 0},
        {"PATCH /v1/units/{id}", "/v1/units/%lld", ME_MISSING, "{}", 0},
        {"DELETE /v1/units/{id}", "/v1/units/%lld", ME_MISSING, NULL, 0},
        {"POST /v1/imports", "/v1/imports", ME_NONE, "{}", 0},
        {"POST /v1/imports/parse", "/v1/imports/parse", ME_NONE, "{}", 0},
};

static const struct me_request *me_request_for(const char *endpoint)
{
	for (size_t i = 0; i < sizeof(me_requests) / sizeof(me_requests[0]); i++)
		if (strcmp(me_requests[i].endpoint, endpoint) == 0)
			return &me_requests[i];
	return NULL;
}

/* A record of the reporter's unit on measure 2 in period (submitted, so each role can amend
 * and review it once), and the bodies of this role's new records. */
static void me_fixture(struct me_fixture *fx, int role, char post[512], char batch[512])
{
	char period[24];
	memset(fx, 0, sizeof(*fx));
	fx->ids[ME_PLAN] = harness_count("SELECT min(id) FROM plans");
	fx->ids[ME_TASK] = harness_count("SELECT min(id) FROM tasks");
	fx->ids[ME_MEASURE] = measure_id(2);
	fx->ids[ME_TARGET] = target_of(2, 0);
	fx->ids[ME_UNIT_ID] = harness_count("SELECT id FROM units WHERE code = '" ME_UNIT "'");
	fx->ids[ME_MISSING] = MISSING;
	snprintf(period, sizeof(period), "2023-%02d", 3 * role + 1);
	fx->ids[ME_RECORD] = create_record(ME_UNIT, 2, period, fx->etag);
	snprintf(post, 512,
	         "{\"measure_id\":%lld,\"unit\":\"" ME_UNIT "\",\"period\":\"2023-%02d\","
	         "\"status\":\"on_track\",\"summary\":\"报\"}",
	         measure_id(2), 3 * role + 2);
	snprintf(batch, 512,
	         "[{\"measure_id\":%lld,\"unit\":\"" ME_UNIT "\",\"period\":\"2023-%02d\","
	         "\"status\":\"on_track\",\"summary\":\"批\"}]",
	         measure_id(2), 3 * role + 3);
	fx->post = post;
	fx->batch = batch;
}

static struct http_resp *me_call(const struct me_request *rq, const struct me_fixture *fx,
                                 const char *tok)
{
	char path[160], method[8], hdr[64];
	snprintf(method, sizeof(method), "%.*s", (int)strcspn(rq->endpoint, " "), rq->endpoint);
	/* the path with its "%lld" replaced by the id (the table's formats are not literals) */
	const char *hole = strstr(rq->path, "%lld");
	if (hole == NULL)
		snprintf(path, sizeof(path), "%s", rq->path);
	else
		snprintf(path, sizeof(path), "%.*s%lld%s", (int)(hole - rq->path), rq->path,
		         fx->ids[rq->id], hole + 4);
	const char *body = rq->body;
	if (body != NULL && strcmp(body, "@post") == 0)
		body = fx->post;
	else if (body != NULL && strcmp(body, "@batch") == 0)
		body = fx->batch;
	/* PATCH needs If-Match: the record's (as it was made), or any for a missing resource */
	snprintf(hdr, sizeof(hdr), "If-Match: %s", rq->id == ME_RECORD ? fx->etag : "\"x\"");
	const char *const headers[] = {hdr, NULL};
	int patch = strcmp(method, "PATCH") == 0;
	return http_call(method, path, tok, body != NULL ? "application/json" : NULL, body,
	                 body != NULL ? strlen(body) : 0, patch ? headers : NULL);
}

/* Every endpoint of one action, called as tok: allowed, or refused with 403. */
static void me_check_action(json_t *action, const struct me_fixture *fx, const char *tok,
                            const char *role)
{
	int allowed = json_is_true(json_object_get(action, "allowed"));
	const char *name = json_string_value(json_object_get(action, "name"));
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(action, "endpoints"), i, e)
	{
		const char *endpoint = json_string_value(e);
		const struct me_request *rq = me_request_for(endpoint);
		ck_assert_msg(rq != NULL, "no test request for %s", endpoint);
		struct http_resp *r = me_call(rq, fx, tok);
		if (!allowed)
			ck_assert_msg(r->status == 403, "%s: %s not allowed, but %s gave %ld: %s",
			              role, name, endpoint, r->status, r->body);
		else if (rq->ok != 0)
			ck_assert_msg(r->status == rq->ok, "%s: %s allowed, but %s gave %ld: %s",
			              role, name, endpoint, r->status, r->body);
		else
			ck_assert_msg(r->status != 401 && r->status != 403,
			              "%s: %s allowed, but %s gave %ld: %s", role, name, endpoint,
			              r->status, r->body);
		http_resp_free(r);
	}
}

static json_t *me_get(const char *tok)
{
	struct http_resp *r = http_get("/v1/me", tok);
	ck_assert_msg(r->status == 200, "%s", r->body);
	char cc[64];
	ck_assert_str_eq(http_resp_header(r, "Cache-Control", cc, sizeof(cc)), "private, no-store");
	json_t *me = json_incref(r->json);
	http_resp_free(r);
	return me;
}

/* The table the test walks: each role, its token's unit, and what /v1/me must say of it. */
static const struct {
	enum principal_role role;
	const char *unit;
	const char *allowed; /* the actions allowed, as a comma list */
} me_roles[] = {
        {ROLE_READER, NULL, "read"},
        {ROLE_REPORTER, ME_UNIT, "read,report,amend,review"},
        {ROLE_SUPERVISOR, NULL, "read,review"},
        {ROLE_ADMIN, NULL, "read,report,amend,review,administer"},
};

START_TEST(me_agrees_with_every_endpoint)
{
	const int i = _i;
	char post[512], batch[512], allowed[128] = "";
	struct me_fixture fx;
	me_fixture(&fx, i, post, batch);
	const char *role = principal_role_name(me_roles[i].role);
	char *tok = harness_token("me-user", me_roles[i].role, me_roles[i].unit);
	json_t *me = me_get(tok);
	ck_assert_str_eq(json_string_value(json_object_get(me, "sub")), "me-user");
	ck_assert_str_eq(json_string_value(json_object_get(me, "role")), role);
	json_t *unit = json_object_get(me, "unit");
	if (me_roles[i].unit == NULL)
		ck_assert(json_is_null(unit));
	else
		ck_assert_str_eq(json_string_value(json_object_get(unit, "code")),
		                 me_roles[i].unit);
	size_t k;
	json_t *a;
	json_array_foreach(json_object_get(me, "actions"), k, a)
	{
		if (json_is_true(json_object_get(a, "allowed")))
			snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed),
			         "%s%s", allowed[0] ? "," : "",
			         json_string_value(json_object_get(a, "name")));
		/* in the policy's order, amend comes before review: the record is still open */
		me_check_action(a, &fx, tok, role);
	}
	ck_assert_str_eq(allowed, me_roles[i].allowed);
	json_decref(me);
	free(tok);
}
END_TEST

/* The measures a reporter may report on: its unit's list, counted as the policy counts; one
 * outside it is refused. An admin may report on every measure; the others on none. */
START_TEST(me_measures_follow_the_scope)
{
	char *tok = harness_token("me-user", ROLE_REPORTER, ME_UNIT);
	json_t *me = me_get(tok);
	json_t *m = json_object_get(me, "measures");
	long long unit_id = harness_count("SELECT id FROM units WHERE code = '" ME_UNIT "'");
	char href[64];
	snprintf(href, sizeof(href), "/v1/units/%lld/measures", unit_id);
	ck_assert_str_eq(json_string_value(json_object_get(m, "href")), href);
	char path[96];
	snprintf(path, sizeof(path), "%s?limit=500", href);
	struct http_resp *r = http_get(path, tok);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "count")),
	                 (long long)json_array_size(json_object_get(r->json, "items")));
	http_resp_free(r);
	char sql[200];
	snprintf(sql, sizeof(sql),
	         "SELECT min(m.id) FROM measures m WHERE NOT zeren_unit_assigned(%lld, m.id)",
	         unit_id);
	long long outside = harness_count(sql);
	if (outside > 0) {
		char body[256];
		snprintf(body, sizeof(body),
		         "{\"measure_id\":%lld,\"period\":\"2022\",\"status\":\"on_track\","
		         "\"summary\":\"s\"}",
		         outside);
		r = http_post_json("/v1/progress", tok, body);
		assert_problem(r, 403, NULL);
		http_resp_free(r);
	}
	json_decref(me);
	free(tok);
	/* 云浮技师学院 may also report on measure 1, whose target it is accountable for without
	 * being assigned to it: counted, though its list of assignments does not show it */
	tok = harness_token("me-college", ROLE_REPORTER, "yunfu-technician-college");
	me = me_get(tok);
	m = json_object_get(me, "measures");
	snprintf(path, sizeof(path), "%s?limit=500", json_string_value(json_object_get(m, "href")));
	r = http_get(path, tok);
	ck_assert_int_eq(r->status, 200);
	long long only_accountable = harness_count(
	        "SELECT count(*) FROM zeren_unit_measures((SELECT id FROM units WHERE code = "
	        "'yunfu-technician-college')) x(mid) WHERE NOT EXISTS (SELECT 1 FROM assignments a "
	        "WHERE a.measure_id = x.mid AND (a.unit_id = (SELECT id FROM units WHERE code = "
	        "'yunfu-technician-college') OR a.unit_id IN (SELECT group_id FROM "
	        "unit_memberships g JOIN units u ON u.id = g.member_id WHERE u.code = "
	        "'yunfu-technician-college')))");
	ck_assert_int_ge(only_accountable, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "count")),
	                 (long long)json_array_size(json_object_get(r->json, "items")) +
	                         only_accountable);
	http_resp_free(r);
	json_decref(me);
	free(tok);
	tok = harness_token("me-admin", ROLE_ADMIN, NULL);
	me = me_get(tok);
	m = json_object_get(me, "measures");
	ck_assert_int_eq(json_integer_value(json_object_get(m, "count")),
	                 harness_count("SELECT count(*) FROM measures"));
	ck_assert_str_eq(json_string_value(json_object_get(m, "href")), "/v1/measures");
	json_decref(me);
	free(tok);
	tok = harness_token("me-reader", ROLE_READER, "finance");
	me = me_get(tok);
	m = json_object_get(me, "measures");
	ck_assert_int_eq(json_integer_value(json_object_get(m, "count")), 0);
	ck_assert(json_is_null(json_object_get(m, "href")));
	/* a reader may carry a unit claim: it is shown, and changes nothing it may do */
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(me, "unit"), "name")),
	                 "市财政局");
	json_decref(me);
	free(tok);
}
END_TEST

/* A reporter whose unit claim names no unit: unit null, nothing to report on; no token: 401. */
START_TEST(me_unknown_unit_and_no_token)
{
	char *tok = harness_token("me-user", ROLE_REPORTER, "no-such-unit");
	json_t *me = me_get(tok);
	ck_assert(json_is_null(json_object_get(me, "unit")));
	json_t *m = json_object_get(me, "measures");
	ck_assert_int_eq(json_integer_value(json_object_get(m, "count")), 0);
	ck_assert(json_is_null(json_object_get(m, "href")));
	json_decref(me);
	free(tok);
	struct http_resp *r = http_get("/v1/me", NULL);
	assert_problem(r, 401, NULL);
	http_resp_free(r);
	tok = harness_token("me-user", ROLE_READER, NULL);
	r = http_get("/v1/me?x=1", tok);
	assert_problem(r, 400, NULL);
	http_resp_free(r);
	free(tok);
}
END_TEST

Suite *me_suite(void)
{
	Suite *s = suite_create("me");
	TCase *tc = tcase_create("me");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_add_loop_test(tc, me_agrees_with_every_endpoint, 0,
	                    (int)(sizeof(me_roles) / sizeof(me_roles[0])));
	tcase_add_test(tc, me_measures_follow_the_scope);
	tcase_add_test(tc, me_unknown_unit_and_no_token);
	suite_add_tcase(s, tc);
	return s;
}
