/* policy.c — roles × actions as a table, then the unit rules for reporters. */
#include "policy.h"

#include <string.h>

enum policy_rule {
	DENY,
	ALLOW,
	UNIT_SCOPED, /* allowed when the unit rules below say so */
};

static const enum policy_rule policy_table[4][POLICY_ACTION_COUNT] = {
        /*                 READ   REPORT       AMEND        REVIEW       ADMINISTER */
        [ROLE_READER] = {ALLOW, DENY, DENY, DENY, DENY},
        [ROLE_REPORTER] = {ALLOW, UNIT_SCOPED, UNIT_SCOPED, UNIT_SCOPED, DENY},
        [ROLE_SUPERVISOR] = {ALLOW, DENY, DENY, ALLOW, DENY},
        [ROLE_ADMIN] = {ALLOW, ALLOW, ALLOW, ALLOW, ALLOW},
};

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
	if ((int)p->role < 0 || p->role > ROLE_ADMIN || (int)action < 0 ||
	    action >= POLICY_ACTION_COUNT) {
		if (reason != NULL)
			*reason = why;
		return 0;
	}
	enum policy_rule rule = policy_table[p->role][action];
	int ok = rule == ALLOW || (rule == UNIT_SCOPED && policy_unit_rule(p, action, scope, &why));
	if (!ok && reason != NULL)
		*reason = why;
	return ok;
}
