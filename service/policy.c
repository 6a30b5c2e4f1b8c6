/* policy.c — roles × actions as a table, then the unit rules for reporters. */
#include "policy.h"

#include <string.h>

/* Short names for the table. UNIT_SCOPED: allowed when the unit rules below say so. */
#define DENY        POLICY_DENIED
#define ALLOW       POLICY_GRANTED
#define UNIT_SCOPED POLICY_UNIT_SCOPED

static const enum policy_grant policy_table[4][POLICY_ACTION_COUNT] = {
        /*                 READ   REPORT       AMEND        REVIEW       ADMINISTER */
        [ROLE_READER] = {ALLOW, DENY, DENY, DENY, DENY},
        [ROLE_REPORTER] = {ALLOW, UNIT_SCOPED, UNIT_SCOPED, UNIT_SCOPED, DENY},
        [ROLE_SUPERVISOR] = {ALLOW, DENY, DENY, ALLOW, DENY},
        [ROLE_ADMIN] = {ALLOW, ALLOW, ALLOW, ALLOW, ALLOW},
};

/* The endpoints each action governs, as GET /v1/me names them (paths as in the OpenAPI
 * document). Which roles may use them is the table above, not this list. */
static const char *const policy_read_endpoints[] = {
        "GET /v1/me",
        "GET /v1/plans",
        "GET /v1/plans/{id}",
        "GET /v1/tasks",
        "GET /v1/tasks/{id}",
        "GET /v1/measures",
        "GET /v1/measures/{id}",
        "GET /v1/measures/{id}/targets",
        "GET /v1/targets/{id}",
        "GET /v1/units",
        "GET /v1/units/{id}",
        "GET /v1/units/{id}/measures",
        "GET /v1/progress",
        "GET /v1/progress/{id}",
        "GET /v1/progress/{id}/history",
        "GET /v1/reports/summary",
        "GET /v1/reports/overdue",
        "GET /v1/reports/units/{id}",
        "GET /v1/exports/plans/{id}.csv",
        "GET /v1/exports/plans/{id}.xlsx",
        "GET /v1/changes",
        NULL,
};
static const char *const policy_report_endpoints[] = {"POST /v1/progress",
                                                      "POST /v1/progress/batch", NULL};
static const char *const policy_amend_endpoints[] = {"PATCH /v1/progress/{id}", NULL};
static const char *const policy_review_endpoints[] = {"POST /v1/progress/{id}/review", NULL};
static const char *const policy_administer_endpoints[] = {
        "POST /v1/plans",
        "PATCH /v1/plans/{id}",
        "DELETE /v1/plans/{id}",
        "POST /v1/tasks",
        "PATCH /v1/tasks/{id}",
        "DELETE /v1/tasks/{id}",
        "POST /v1/measures",
        "PATCH /v1/measures/{id}",
        "DELETE /v1/measures/{id}",
        "POST /v1/measures/{id}/assignments",
        "DELETE /v1/measures/{id}/assignments/{unit_id}",
        "POST /v1/measures/{id}/targets",
        "PATCH /v1/targets/{id}",
        "DELETE /v1/targets/{id}",
        "POST /v1/units",
        "PATCH /v1/units/{id}",
        "DELETE /v1/units/{id}",
        "POST /v1/imports",
        "POST /v1/imports/parse",
        NULL,
};

static const struct policy_action_info policy_actions[POLICY_ACTION_COUNT] = {
        [POLICY_READ] = {"read", NULL, policy_read_endpoints},
        [POLICY_REPORT] = {"report", "assigned_measures", policy_report_endpoints},
        [POLICY_AMEND] = {"amend", "own_records", policy_amend_endpoints},
        [POLICY_REVIEW] = {"review", "led_measures", policy_review_endpoints},
        [POLICY_ADMINISTER] = {"administer", NULL, policy_administer_endpoints},
};

static int policy_in_range(enum principal_role role, enum policy_action action)
{
	return (int)role >= 0 && role <= ROLE_ADMIN && (int)action >= 0 &&
	       action < POLICY_ACTION_COUNT;
}

enum policy_grant policy_grant_of(enum principal_role role, enum policy_action action)
{
	return policy_in_range(role, action) ? policy_table[role][action] : POLICY_DENIED;
}

const struct policy_action_info *policy_action_info(enum policy_action action)
{
	return (int)action >= 0 && action < POLICY_ACTION_COUNT ? &policy_actions[action] : NULL;
}

static int policy_same_unit(const char *a, const char *b)
{
	return a != NULL && b != NULL && a[0] != '\0' && strcmp(a, b) == 0;
}

static int policy_unit_rule(const struct principal *p, enum policy_action action,
                            const struct policy_scope *s, const char **reason)
{
	switch (action) {
	case POLICY_REPORT:
		if (s->acting_unit != NULL && !policy_same_unit(s->acting_unit, p->unit)) {
			*reason = "a reporter reports only as its own unit";
			return 0;
		}
		if (!s->assigned) {
			*reason = "the token's unit is not assigned to this measure";
			return 0;
		}
		return 1;
	case POLICY_AMEND:
		if (!policy_same_unit(s->record_unit, p->unit)) {
			*reason = "only the unit that reported a record may amend it";
			return 0;
		}
		if (!s->assigned) {
			*reason = "the token's unit is not assigned to this measure";
			return 0;
		}
		return 1;
	case POLICY_REVIEW:
		if (!s->lead) {
			*reason = "only a supervisor or the measure's lead unit may review";
			return 0;
		}
		return 1;
	default:
		*reason = "not permitted for this role";
		return 0;
	}
}

const char *policy_acting_unit(const struct principal *p, const char *named)
{
	if (p->role == ROLE_ADMIN || named != NULL)
		return named;
	return p->unit;
}

int policy_allows(const struct principal *p, enum policy_action action,
                  const struct policy_scope *scope, const char **reason)
{
	static const struct policy_scope none = {0, 0, NULL, NULL};
	const char *why = "not permitted for this role";
	if (scope == NULL)
		scope = &none;
	if (!policy_in_range(p->role, action)) {
		if (reason != NULL)
			*reason = why;
		return 0;
	}
	enum policy_grant rule = policy_table[p->role][action];
	int ok = rule == ALLOW || (rule == UNIT_SCOPED && policy_unit_rule(p, action, scope, &why));
	if (!ok && reason != NULL)
		*reason = why;
	return ok;
}
