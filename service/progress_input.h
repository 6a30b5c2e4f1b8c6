/* progress_input.h — pure checks of a progress record's body (POST, PATCH, batch rows). */
#ifndef ZEREN_PROGRESS_INPUT_H
#define ZEREN_PROGRESS_INPUT_H

#include <jansson.h>

/* A validated record. Strings borrow from the JSON object checked; values and evidence are
 * new compact JSON texts (owned, freed by progress_input_free). */
struct progress_input {
	long long measure_id;     /* 0 when the body names the measure by code only */
	const char *measure_code; /* NULL when absent; the database resolves it */
	const char *unit;         /* the body's unit, NULL when absent */
	const char *period;
	char period_start[11], period_end[11];
	const char *status;
	const char *summary;
	const char *problems;   /* NULL: absent or null */
	const char *next_steps; /* NULL: absent or null */
	char *values;           /* [{"target_id": n, "target_code": s, "value": x}], each with
	                         * target_id, target_code or both */
	char *evidence;         /* [{"title": s, "url": s}] */
	json_t *value_list;     /* the values as the objects above, owned */
	/* PATCH: which members the body had (a present null clears a text field). */
	int has_status, has_summary, has_problems, has_next_steps, has_values, has_evidence;
};

/* POST /v1/progress and batch rows: every problem is appended to errors (JSON pointers under
 * base, "" for a single body). The measure is named by measure_id, measure_code or both, a
 * value's target by target_id, target_code or both; whether a code exists, and agrees with
 * the id given beside it, only the database can say. Returns 0 when valid. Caller frees in with
 * progress_input_free in every case. */
int progress_input_create(json_t *body, const char *base, struct progress_input *in,
                          json_t *errors);

/* PATCH /v1/progress/{id}: the members that may change; at least one must be given. */
int progress_input_patch(json_t *body, struct progress_input *in, json_t *errors);

void progress_input_free(struct progress_input *in);

/* The review body: {"decision": "approve"|"return", "comment": "..."}. */
int progress_input_review(json_t *body, const char **decision, const char **comment,
                          json_t *errors);

#endif
