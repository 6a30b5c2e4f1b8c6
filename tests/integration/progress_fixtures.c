/* progress_fixtures.c — helpers the test_progress_*.c suites share (see progress_fixtures.h). */
#include "progress_fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long long measure_id(int number)
{
	char sql[96];
	snprintf(sql, sizeof(sql), "SELECT id FROM measures WHERE number = %d", number);
	return harness_count(sql);
}

/* A percentage target of measure 3 that is not a share of another target (at most 100). */
long long percentage_target_of_3(void)
{
	return harness_count("SELECT t.id FROM targets t JOIN measures m ON m.id = t.measure_id "
	                     "WHERE m.number = 3 AND t.kind = 'percentage' AND t.share_of_id IS "
	                     "NULL ORDER BY t.id LIMIT 1");
}

long long target_of(int measure, int nth)
{
	char sql[192];
	snprintf(sql, sizeof(sql),
	         "SELECT t.id FROM targets t JOIN measures m ON m.id = t.measure_id WHERE "
	         "m.number = %d ORDER BY t.position OFFSET %d LIMIT 1",
	         measure, nth);
	return harness_count(sql);
}

/* A minimal valid body for measure number m and period p. */
char *body_for(int m, const char *period)
{
	char *b = malloc(512);
	snprintf(b, 512,
	         "{\"measure_id\":%lld,\"period\":\"%s\",\"status\":\"on_track\","
	         "\"summary\":\"已组织培训\"}",
	         measure_id(m), period);
	return b;
}

/* Creates a record as unit on measure m, returning its id and ETag. */
long long create_record(const char *unit, int m, const char *period, char *etag)
{
	char *tok = harness_token(unit, ROLE_REPORTER, unit);
	char *b = body_for(m, period);
	struct http_resp *r = http_post_json("/v1/progress", tok, b);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	long long id = json_integer_value(json_object_get(r->json, "id"));
	if (etag != NULL)
		ck_assert_ptr_nonnull(http_resp_header(r, "ETag", etag, 32));
	http_resp_free(r);
	free(b);
	free(tok);
	return id;
}

struct http_resp *patch(const char *tok, long long id, const char *etag, const char *body)
{
	char path[64], hdr[96];
	snprintf(path, sizeof(path), "/v1/progress/%lld", id);
	snprintf(hdr, sizeof(hdr), "If-Match: %s", etag != NULL ? etag : "");
	const char *const headers[] = {hdr, NULL};
	return http_call("PATCH", path, tok, "application/json", body, strlen(body),
	                 etag != NULL ? headers : NULL);
}

struct http_resp *review(const char *tok, long long id, const char *body)
{
	char path[64];
	snprintf(path, sizeof(path), "/v1/progress/%lld/review", id);
	return http_post_json(path, tok, body);
}
