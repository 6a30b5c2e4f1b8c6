/* domain.h — the words of zeren's domain, each list written once: cadences, unit kinds,
 * assignment roles, target kinds, comparators, recurrences, aggregations, progress statuses and
 * review states. Every list is NULL-terminated, in the order of its enum, and static data (no
 * one frees anything here). Input checks (validate_choice) and parsers (report_*_parse) read
 * them; the CHECK constraints of db/schema.sql are the database's copy and must agree. */
#ifndef ZEREN_DOMAIN_H
#define ZEREN_DOMAIN_H

#include <stddef.h>

/* How often a plan's progress is reported. */
enum domain_cadence {
	DOMAIN_CADENCE_MONTH,
	DOMAIN_CADENCE_QUARTER,
	DOMAIN_CADENCE_HALF,
	DOMAIN_CADENCE_YEAR,
	DOMAIN_CADENCE_COUNT
};
extern const char *const domain_cadences[];

/* What a unit is; only a group has members. */
enum domain_unit_kind {
	DOMAIN_UNIT_DEPARTMENT,
	DOMAIN_UNIT_COUNTY_GOVERNMENT,
	DOMAIN_UNIT_SCHOOL,
	DOMAIN_UNIT_ORGANISATION,
	DOMAIN_UNIT_GROUP,
	DOMAIN_UNIT_KIND_COUNT
};
extern const char *const domain_unit_kinds[];

/* A unit's part in a measure. */
enum domain_role { DOMAIN_ROLE_LEAD, DOMAIN_ROLE_RELATED, DOMAIN_ROLE_COUNT };
extern const char *const domain_roles[];

/* What a target's value counts. */
enum domain_target_kind {
	DOMAIN_TARGET_QUANTITY,
	DOMAIN_TARGET_PERCENTAGE,
	DOMAIN_TARGET_MILESTONE,
	DOMAIN_TARGET_KIND_COUNT
};
extern const char *const domain_target_kinds[];

/* How the actual value is held against the target's. */
enum domain_comparator {
	DOMAIN_CMP_GTE,
	DOMAIN_CMP_GT,
	DOMAIN_CMP_LTE,
	DOMAIN_CMP_LT,
	DOMAIN_CMP_EQ,
	DOMAIN_COMPARATOR_COUNT
};
extern const char *const domain_comparators[];

/* A recurring target's rhythm (a one-off target has a deadline instead). */
enum domain_recurrence { DOMAIN_RECUR_ANNUAL, DOMAIN_RECUR_BIENNIAL, DOMAIN_RECURRENCE_COUNT };
extern const char *const domain_recurrences[];

/* How reported values of a target combine. */
enum domain_aggregation { DOMAIN_AGG_SUM, DOMAIN_AGG_LATEST, DOMAIN_AGGREGATION_COUNT };
extern const char *const domain_aggregations[];

/* A progress report's own assessment. */
enum domain_status {
	DOMAIN_STATUS_NOT_STARTED,
	DOMAIN_STATUS_ON_TRACK,
	DOMAIN_STATUS_AT_RISK,
	DOMAIN_STATUS_DELAYED,
	DOMAIN_STATUS_COMPLETED,
	DOMAIN_STATUS_COUNT
};
extern const char *const domain_statuses[];

/* Where a progress report stands in review. */
enum domain_review_state {
	DOMAIN_REVIEW_SUBMITTED,
	DOMAIN_REVIEW_APPROVED,
	DOMAIN_REVIEW_RETURNED,
	DOMAIN_REVIEW_STATE_COUNT
};
extern const char *const domain_review_states[];

/* The index of word in words (one of the lists above, or any NULL-terminated list), which is
 * its enum value; -1 when word is NULL or not listed. */
int domain_lookup(const char *const *words, const char *word);

#endif
