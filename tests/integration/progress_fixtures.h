/* progress_fixtures.h — what the test_progress_*.c suites share: the seed's ids by number, a
 * minimal body, a record made over HTTP, the PATCH and review calls, and the row counters. */
#ifndef ZEREN_IT_PROGRESS_FIXTURES_H
#define ZEREN_IT_PROGRESS_FIXTURES_H

#include "harness.h"

#define COUNT_RECORDS "SELECT count(*) FROM progress_records"
#define COUNT_AUDIT   "SELECT count(*) FROM audit_log WHERE entity = 'progress'"

/* The id of the seed's measure number n. */
long long measure_id(int number);
/* A percentage target of measure 3 that is not a share of another target (at most 100). */
long long percentage_target_of_3(void);
/* The id of the nth target (from 0, by position) of measure number measure. */
long long target_of(int measure, int nth);
/* A minimal valid body for measure number m and period p; caller frees. */
char *body_for(int m, const char *period);
/* Creates a record as unit on measure m, returning its id and, when etag is not NULL, its ETag
 * (32 bytes of room). */
long long create_record(const char *unit, int m, const char *period, char *etag);
/* PATCH /v1/progress/{id} with If-Match: etag (no If-Match when etag is NULL). */
struct http_resp *patch(const char *tok, long long id, const char *etag, const char *body);
/* POST /v1/progress/{id}/review. */
struct http_resp *review(const char *tok, long long id, const char *body);

#endif
