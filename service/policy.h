/* policy.h — the one place that decides who may do what; pure, no database. */
#ifndef ZEREN_POLICY_H
#define ZEREN_POLICY_H

#include "auth.h"

enum policy_action {
	POLICY_READ,       /* any GET under /v1 */
	POLICY_REPORT,     /* create a progress record */
	POLICY_AMEND,      /* change a progress record */
	POLICY_REVIEW,     /* approve or return a progress record */
	POLICY_ADMINISTER, /* reference data, imports */
	POLICY_ACTION_COUNT
};

/* How a role stands to an action in the policy's table: never, always, or as the unit rules
 * decide (a reporter: the measures its unit is assigned to, the records it wrote, the
 * measures it leads). */
enum policy_grant { POLICY_DENIED, POLICY_GRANTED, POLICY_UNIT_SCOPED };

/* The table's entry; POLICY_DENIED for a role or action out of range. */
enum policy_grant policy_grant_of(enum principal_role role, enum policy_action action);

/* An action as the API names it (GET /v1/me): static data, nothing to free. */
struct policy_action_info {
	const char *name;             /* "read", "report", "amend", "review", "administer" */
	const char *unit_scope;       /* what POLICY_UNIT_SCOPED limits it to, or NULL */
	const char *const *endpoints; /* "METHOD /v1/path" it governs, NULL-terminated */
};

/* NULL for an action out of range. */
const struct policy_action_info *policy_action_info(enum policy_action action);

/* What the database says about the principal's unit and the resource. The handler fills it
 * from one query; the decision itself is made here. */
struct policy_scope {
	int assigned;            /* the unit is assigned to the measure, directly or via a group */
	int lead;                /* ... as a lead unit, directly or via a group */
	const char *acting_unit; /* REPORT: the unit the record would be written as */
	const char *record_unit; /* AMEND: the unit that reported the record */
};

/* The unit a progress record is written as: a reporter's own unit unless the body names one
 * (which policy_allows then refuses when it is another); an admin's named unit, or NULL. */
const char *policy_acting_unit(const struct principal *p, const char *named);

/* 1 when allowed; otherwise 0 and *reason (static text) says why, for the 403 detail. */
int policy_allows(const struct principal *p, enum policy_action action,
                  const struct policy_scope *scope, const char **reason);

#endif
