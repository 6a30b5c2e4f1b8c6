/* progress_repo.c — the statements behind progress writes, in the order they must run. */
#include "progress_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db.h"
#include "../domain.h"
#include "../policy.h"
#include "../tx.h"
#include "../validate.h"

/* Whether a write needs If-Match: PATCH does, a review takes it when it is sent. */
enum progress_if_match { PROGRESS_IF_MATCH_OPTIONAL, PROGRESS_IF_MATCH_REQUIRED };

/* Every progress write's wording of the database's refusals. */
static struct tx_options progress_options(json_t *errors)
{
	return (struct tx_options){
	        .errors = errors,
	        .conflict = "a concurrent change conflicted; retry",
	        .forbidden = "the database refused a write outside the unit's scope",
	};
}

static int progress_begin(struct tx *tx, const struct tx_env *env, json_t *errors)
{
	const struct tx_options opt = progress_options(errors);
	return tx_begin(tx, env, &opt);
}

/* Whether progress_problems reports the problems of an id and a code naming two things
 * (400) or the others (unknown, out of the measure, over 100: 422). */
enum progress_problem_kind { PROGRESS_MISFITS, PROGRESS_DISAGREEMENTS };

/* Adds the problems of one kind in STMT_PROGRESS_SCOPE's column col ([{i?, field, problem,
 * disagree}]) to errors, each at /values/<i>/<field> or /<field>; returns how many. */
static int progress_problems(PGresult *scope, int col, enum progress_problem_kind kind,
                             json_t *errors)
{
	json_t *a = json_loads(PQgetvalue(scope, 0, col), 0, NULL);
	int n = 0;
	size_t i;
	json_t *pr;
	json_array_foreach(a, i, pr)
	{
		if (json_is_true(json_object_get(pr, "disagree")) !=
		    (kind == PROGRESS_DISAGREEMENTS))
			continue;
		const char *field = json_string_value(json_object_get(pr, "field"));
		json_t *at = json_object_get(pr, "i");
		char p[96];
		if (at != NULL)
			snprintf(p, sizeof(p), "/values/%lld/%s", json_integer_value(at), field);
		else
			snprintf(p, sizeof(p), "/%s", field);
		verr_add(errors, p, "%s", json_string_value(json_object_get(pr, "problem")));
		n++;
	}
	json_decref(a);
	return n;
}

/* 400 when an id and a code given together name two things: of the measure or of a value. */
static int progress_disagreements(struct tx *tx, PGresult *scope, int with_measure)
{
	json_t *errors = tx->opt.errors;
	int n = progress_problems(scope, STMT_PROGRESS_SCOPE_COL_VALUE_PROBLEMS,
	                          PROGRESS_DISAGREEMENTS, errors);
	if (with_measure)
		n += progress_problems(scope, STMT_PROGRESS_SCOPE_COL_MEASURE_PROBLEMS,
		                       PROGRESS_DISAGREEMENTS, errors);
	return n > 0 ? tx_fail(tx, SVC_VALIDATION,
	                       "an id and a code given together name different things")
	             : 0;
}

/* 422 for values whose targets are not the measure's, or percentages over 100. */
static int progress_value_misfits(struct tx *tx, PGresult *scope)
{
	return progress_problems(scope, STMT_PROGRESS_SCOPE_COL_VALUE_PROBLEMS, PROGRESS_MISFITS,
	                         tx->opt.errors) > 0
	               ? tx_fail(tx, SVC_UNPROCESSABLE,
	                         "some values do not fit the measure's targets")
	               : 0;
}

/* The end of a write that got this far: its audit row (which returns the record's JSON) and
 * commit; out gets the JSON and id, or tx the error. */
static void progress_done(struct tx *tx, const char *id, const char *action, const char *before,
                          struct tx_result *out)
{
	const struct tx_actor *a = &tx->env->actor;
	const char *p[] = {id, a->sub, a->iss, a->unit, a->request_id, action, before};
	PGresult *r = tx_exec(tx, STMT_PROGRESS_SNAPSHOT, 7, p, NULL);
	if (r == NULL)
		return;
	out->json = PQntuples(r) == 1 ? strdup(PQgetvalue(r, 0, STMT_PROGRESS_SNAPSHOT_COL_JSON))
	                              : NULL;
	PQclear(r);
	if (out->json == NULL) {
		tx_fail(tx, SVC_INTERNAL, NULL);
		return;
	}
	out->id = atoll(id);
	if (tx_commit(tx) != 0)
		return; /* the failure is in tx */
}

static int progress_insert_values(struct tx *tx, const char *id, const char *values)
{
	if (strcmp(values, "[]") == 0)
		return 0; /* nothing to insert: spare the round trip */
	const char *p[] = {id, values};
	return tx_run(tx, STMT_PROGRESS_VALUES_INSERT, 2, p, NULL);
}

/* Checks the policy for REPORT once the database has said how the unit is assigned. */
static int progress_create_checks(struct tx *tx, const struct principal *who, PGresult *scope,
                                  const char *acting_unit)
{
	json_t *errors = tx->opt.errors;
	if (progress_disagreements(tx, scope, 1) != 0)
		return -1;
	if (PQgetisnull(scope, 0, STMT_PROGRESS_SCOPE_COL_UNIT_ID)) {
		/* a reporter's unit claim must name a unit: the token is not valid here */
		if (who->role == ROLE_REPORTER)
			return tx_fail(tx, SVC_UNAUTHORIZED,
			               "the token's unit claim names no known unit");
		verr_add(errors, "/unit", "unknown unit");
		return tx_fail(tx, SVC_UNPROCESSABLE, "unknown unit");
	}
	if (progress_problems(scope, STMT_PROGRESS_SCOPE_COL_MEASURE_PROBLEMS, PROGRESS_MISFITS,
	                      errors) > 0)
		return tx_fail(tx, SVC_UNPROCESSABLE, "unknown measure");
	struct policy_scope s = {
	        .assigned =
	                strcmp(PQgetvalue(scope, 0, STMT_PROGRESS_SCOPE_COL_ASSIGNED), "t") == 0,
	        .acting_unit = acting_unit};
	const char *reason = NULL;
	if (!policy_allows(who, POLICY_REPORT, &s, &reason))
		return tx_fail(tx, SVC_FORBIDDEN, reason);
	if (!s.assigned) /* an admin writing for a unit the measure does not name */
		return tx_fail(tx, SVC_UNPROCESSABLE, "the unit is not assigned to this measure");
	return progress_value_misfits(tx, scope);
}

/* BEGIN and the scope in one round trip: sets the scope, resolves the measure's and targets'
 * codes and runs the checks; 0 with the acting unit's id in unit_id and the measure's in mid. */
static int progress_create_scope(struct tx *tx, const struct tx_env *env, json_t *errors,
                                 const struct principal *who, const struct progress_input *in,
                                 const char *acting_unit, char mid[TX_ID_SIZE],
                                 char unit_id[TX_ID_SIZE])
{
	const struct tx_actor *a = &env->actor;
	char given[TX_ID_SIZE];
	snprintf(given, sizeof(given), "%lld", in->measure_id);
	const char *sp[] = {acting_unit, a->role, in->measure_id != 0 ? given : NULL,
	                    in->values,  a->unit, in->measure_code};
	const struct tx_options opt = progress_options(errors);
	PGresult *r = tx_begin_exec(tx, env, &opt, STMT_PROGRESS_SCOPE, 6, sp);
	if (r == NULL)
		return -1;
	int refused = progress_create_checks(tx, who, r, acting_unit);
	snprintf(unit_id, TX_ID_SIZE, "%s", PQgetvalue(r, 0, STMT_PROGRESS_SCOPE_COL_UNIT_ID));
	snprintf(mid, TX_ID_SIZE, "%s", PQgetvalue(r, 0, STMT_PROGRESS_SCOPE_COL_MEASURE_ID));
	PQclear(r);
	return refused;
}

/* The write once the checks passed, in one round trip: the record, its values (taking the
 * record's id from the insert, see progress_record_id in progress.sql), its JSON and audit
 * row, and COMMIT. The insert failing (a record already there: 409; row-level security: 403)
 * stops the rest, so nothing commits and the reply carries no consistency token. */
static void progress_create_write(struct tx *tx, const struct progress_input *in, const char *mid,
                                  const char *unit_id, struct tx_result *out)
{
	const struct tx_actor *a = &tx->env->actor;
	const char *ip[] = {mid,        unit_id,     in->period,   in->period_start, in->period_end,
	                    in->status, in->summary, in->problems, in->next_steps,   in->evidence,
	                    a->sub,     a->iss};
	const char *vp[] = {NULL, in->values};
	const char *sp[] = {NULL, a->sub, a->iss, a->unit, a->request_id, "progress.create", NULL};
	struct tx_step steps[3] = {{STMT_PROGRESS_INSERT, 12, ip,
	                            "this unit already reported on this measure for this period; "
	                            "amend that record with PATCH"}};
	int n = 1;
	if (strcmp(in->values, "[]") != 0) /* nothing to insert: spare the statement */
		steps[n++] = (struct tx_step){STMT_PROGRESS_VALUES_INSERT, 2, vp, NULL};
	int snapshot = n;
	steps[n++] = (struct tx_step){STMT_PROGRESS_SNAPSHOT, 7, sp, NULL};
	PGresult *r[3];
	if (tx_exec_commit(tx, steps, n, r) != 0)
		return;
	if (PQntuples(r[0]) != 1 || PQntuples(r[snapshot]) != 1)
		tx_fail(tx, SVC_INTERNAL, NULL);
	else {
		out->id = atoll(PQgetvalue(r[0], 0, STMT_PROGRESS_INSERT_COL_ID));
		out->json = strdup(PQgetvalue(r[snapshot], 0, STMT_PROGRESS_SNAPSHOT_COL_JSON));
		if (out->json == NULL)
			tx_fail(tx, SVC_INTERNAL, NULL);
	}
	for (int i = 0; i < n; i++)
		PQclear(r[i]);
}

void progress_repo_create(const struct tx_env *env, const struct principal *who,
                          const struct progress_input *in, const char *acting_unit, json_t *errors,
                          struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char mid[TX_ID_SIZE], unit_id[TX_ID_SIZE];
	if (progress_create_scope(&tx, env, errors, who, in, acting_unit, mid, unit_id) == 0)
		progress_create_write(&tx, in, mid, unit_id, out);
	tx_end(&tx, out);
}

/* Locks the record; fills the lock row into *lock (caller PQclears). */
static int progress_lock(struct tx *tx, const char *id, const char *if_match,
                         enum progress_if_match if_match_rule, PGresult **lock)
{
	const struct tx_actor *a = &tx->env->actor;
	const char *lp[] = {id, a->role, a->unit};
	PGresult *r = tx_exec(tx, STMT_PROGRESS_LOCK, 3, lp, NULL);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return tx_fail(tx, SVC_NOT_FOUND, "no such progress record");
	}
	if ((if_match != NULL || if_match_rule == PROGRESS_IF_MATCH_REQUIRED) &&
	    tx_precondition(tx, if_match, PQgetvalue(r, 0, STMT_PROGRESS_LOCK_COL_JSON),
	                    (size_t)PQgetlength(r, 0, STMT_PROGRESS_LOCK_COL_JSON),
	                    "the record changed since it was read; GET it again") != 0) {
		PQclear(r);
		return -1;
	}
	*lock = r;
	return 0;
}

/* Begins a write on record rid and locks it: id gets rid as text, *lock the locked row (caller
 * PQclears; left NULL on failure). */
static int progress_open(struct tx *tx, const struct tx_env *env, json_t *errors, long long rid,
                         const char *if_match, enum progress_if_match rule, char id[TX_ID_SIZE],
                         PGresult **lock)
{
	snprintf(id, TX_ID_SIZE, "%lld", rid);
	if (progress_begin(tx, env, errors) != 0)
		return -1;
	return progress_lock(tx, id, if_match, rule, lock);
}

/* Field of a JSON object as text, or NULL. */
static const char *progress_current(json_t *cur, const char *key)
{
	return json_string_value(json_object_get(cur, key));
}

/* The amend's policy and state checks on the locked row. */
static int progress_amend_allowed(struct tx *tx, const struct principal *who, PGresult *lock)
{
	const char *assigned = PQgetvalue(lock, 0, STMT_PROGRESS_LOCK_COL_ASSIGNED);
	const char *state = PQgetvalue(lock, 0, STMT_PROGRESS_LOCK_COL_REVIEW_STATE);
	struct policy_scope s = {.assigned = strcmp(assigned, "t") == 0,
	                         .record_unit =
	                                 PQgetvalue(lock, 0, STMT_PROGRESS_LOCK_COL_UNIT_CODE)};
	const char *reason = NULL;
	if (!policy_allows(who, POLICY_AMEND, &s, &reason))
		return tx_fail(tx, SVC_FORBIDDEN, reason);
	if (strcmp(state, domain_review_states[DOMAIN_REVIEW_APPROVED]) == 0)
		return tx_fail(tx, SVC_CONFLICT, "an approved record cannot be changed");
	return 0;
}

/* New values: checked against the measure's targets with the record's unit in scope. */
static int progress_amend_values_check(struct tx *tx, PGresult *lock,
                                       const struct progress_input *in)
{
	const struct tx_actor *a = &tx->env->actor;
	const char *sp[] = {PQgetvalue(lock, 0, STMT_PROGRESS_LOCK_COL_UNIT_CODE),
	                    a->role,
	                    PQgetvalue(lock, 0, STMT_PROGRESS_LOCK_COL_MEASURE_ID),
	                    in->values,
	                    a->unit,
	                    NULL};
	PGresult *r = tx_exec(tx, STMT_PROGRESS_SCOPE, 6, sp, NULL);
	if (r == NULL)
		return -1;
	int bad = progress_disagreements(tx, r, 0) != 0 || progress_value_misfits(tx, r) != 0;
	PQclear(r);
	return bad ? -1 : 0;
}

/* The update itself: members not in the body keep their current value. */
static int progress_amend_write(struct tx *tx, const char *id, const char *before,
                                const struct progress_input *in)
{
	json_t *cur = json_loads(before, 0, NULL);
	char *evidence = in->has_evidence
	                         ? NULL
	                         : json_dumps(json_object_get(cur, "evidence"), JSON_COMPACT);
	const char *up[] = {
	        id,
	        in->has_status ? in->status : progress_current(cur, "status"),
	        in->has_summary ? in->summary : progress_current(cur, "summary"),
	        in->has_problems ? in->problems : progress_current(cur, "problems"),
	        in->has_next_steps ? in->next_steps : progress_current(cur, "next_steps"),
	        in->has_evidence ? in->evidence : evidence,
	        before,
	        tx->env->actor.sub,
	};
	int rc = tx_run(tx, STMT_PROGRESS_UPDATE, 8, up, NULL);
	json_decref(cur);
	free(evidence);
	if (rc != 0 || !in->has_values)
		return rc;
	const char *dp[] = {id};
	if (tx_run(tx, STMT_PROGRESS_VALUES_DELETE, 1, dp, NULL) != 0)
		return -1;
	return progress_insert_values(tx, id, in->values);
}

void progress_repo_amend(const struct tx_env *env, const struct principal *who, long long rid,
                         const char *if_match, const struct progress_input *in, json_t *errors,
                         struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char id[TX_ID_SIZE];
	PGresult *lock = NULL;
	int opened = progress_open(&tx, env, errors, rid, if_match, PROGRESS_IF_MATCH_REQUIRED, id,
	                           &lock);
	if (opened != 0)
		goto cleanup;
	/* the record as locked, borrowed from lock */
	const char *before = PQgetvalue(lock, 0, STMT_PROGRESS_LOCK_COL_JSON);
	if (progress_amend_allowed(&tx, who, lock) != 0 ||
	    (in->has_values && progress_amend_values_check(&tx, lock, in) != 0) ||
	    progress_amend_write(&tx, id, before, in) != 0)
		goto cleanup;
	progress_done(&tx, id, "progress.amend", before, out);
cleanup:
	tx_end(&tx, out);
	PQclear(lock);
}

void progress_repo_review(const struct tx_env *env, const struct principal *who, long long rid,
                          const char *if_match, const char *decision, const char *comment,
                          struct tx_result *out)
{
	memset(out, 0, sizeof(*out));
	struct tx tx;
	char id[TX_ID_SIZE];
	PGresult *lock = NULL;
	if (progress_open(&tx, env, NULL, rid, if_match, PROGRESS_IF_MATCH_OPTIONAL, id, &lock) !=
	    0)
		goto cleanup;
	/* the record as locked, borrowed from lock */
	const char *before = PQgetvalue(lock, 0, STMT_PROGRESS_LOCK_COL_JSON);
	const char *leads = PQgetvalue(lock, 0, STMT_PROGRESS_LOCK_COL_LEADS);
	const char *state = PQgetvalue(lock, 0, STMT_PROGRESS_LOCK_COL_REVIEW_STATE);
	struct policy_scope s = {.lead = strcmp(leads, "t") == 0};
	const char *reason = NULL;
	if (!policy_allows(who, POLICY_REVIEW, &s, &reason)) {
		tx_fail(&tx, SVC_FORBIDDEN, reason);
		goto cleanup;
	}
	if (strcmp(state, domain_review_states[DOMAIN_REVIEW_SUBMITTED]) != 0) {
		tx_fail(&tx, SVC_CONFLICT,
		        "only a submitted record can be reviewed; this one is already reviewed");
		goto cleanup;
	}
	const char *rp[] = {id,
	                    decision,
	                    comment,
	                    env->actor.sub,
	                    env->actor.unit,
	                    PQgetvalue(lock, 0, STMT_PROGRESS_LOCK_COL_VERSION)};
	if (tx_run(&tx, STMT_PROGRESS_REVIEW, 6, rp, NULL) == 0)
		progress_done(&tx, id,
		              strcmp(decision, "approve") == 0 ? "progress.approve"
		                                               : "progress.return",
		              before, out);
cleanup:
	tx_end(&tx, out);
	PQclear(lock);
}
