/* harness.h — integration fixtures: a fresh seeded database and an in-process server per
 * test, a small HTTP client, tokens and SQL counters. */
#ifndef ZEREN_TEST_HARNESS_H
#define ZEREN_TEST_HARNESS_H

#include <check.h>
#include <jansson.h>
#include <stddef.h>

#include "auth.h"

/* One HTTP exchange; free with http_resp_free. */
struct http_resp {
	long status;
	char *body;
	size_t len;
	char *headers; /* raw response header block */
	json_t *json;  /* parsed body when it is JSON, else NULL */
};

/* Called once by main(): migrates and seeds the template database every test copies. */
void harness_prepare_template(void);

/* Fixtures: a fresh database copied from the template, and the service on a free port. */
void harness_setup(void);
void harness_teardown(void);
/* Same, with extra ZEREN_* settings ("NAME=value" strings, NULL-terminated). */
void harness_setup_with(const char *const *settings);
/* Restarts the service with the given settings on the same database. */
void harness_restart_with(const char *const *settings);

int harness_port(void);
/* The running service's app (borrowed; valid until the next restart or teardown), for tests
 * that start its background workers themselves. */
struct app *harness_current_app(void);

/* Requests. body may be NULL; headers is a NULL-terminated list of "Name: value". */
struct http_resp *http_call(const char *method, const char *path, const char *token,
                            const char *content_type, const char *body, size_t body_len,
                            const char *const *headers);
struct http_resp *http_get(const char *path, const char *token);
struct http_resp *http_post_json(const char *path, const char *token, const char *json);
void http_resp_free(struct http_resp *r);
/* A response header's value (first match, case-insensitive) copied into out; NULL if absent. */
const char *http_resp_header(const struct http_resp *r, const char *name, char *out, size_t len);

/* A token signed with the test secret; caller frees. unit may be NULL. */
char *harness_token(const char *sub, enum principal_role role, const char *unit);
const char *harness_secret(void);

/* Runs SQL as the database owner on the test database. */
long long harness_count(const char *sql);
void harness_exec(const char *sql);
/* Connection string of the test database as owner ("...dbname=zeren_test"). */
const char *harness_owner_conninfo(void);
const char *harness_app_conninfo(void);

/* Asserts a problem+json body with the given status and, if pointer is not NULL, an
 * errors[] entry with that pointer. */
void assert_problem(const struct http_resp *r, int status, const char *pointer);

#endif
