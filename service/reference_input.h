/* reference_input.h — pure checks of admin writes to reference data (units, assignments),
 * with the same rules as the plan document importer; every failure collected as a pointer. */
#ifndef ZEREN_REFERENCE_INPUT_H
#define ZEREN_REFERENCE_INPUT_H

#include <jansson.h>

/* Unit kinds, as the importer accepts them (NULL-terminated). */
extern const char *const reference_unit_kinds[];

/* Checks a unit body: code, name, kind, in_source, note, members. With partial set (PATCH)
 * every member is optional but those present must be valid (and at least one is sent); otherwise
 * code, name and kind are required, and only a group has (non-empty, distinct) members. Member
 * codes are checked for shape here; existence and kind are the database's to say. Returns 0 when
 * valid, -1 after appending errors. Borrows body. */
int reference_input_unit(json_t *body, int partial, json_t *errors)
        __attribute__((warn_unused_result));

/* Checks an assignment body {"unit": code, "role": "lead"|"related"}; on success *unit and
 * *role borrow from body. Returns 0 or -1 after appending errors. */
int reference_input_assignment(json_t *body, const char **unit, const char **role, json_t *errors)
        __attribute__((warn_unused_result));

/* The field rules of a target, as the plan document has them (everything but its code and
 * what its codes refer to): known members, metric, kind, comparator, value (0..100 for a
 * percentage), unit_of_measure, deadline xor recurrence (with recurrence_start), aggregation,
 * accountable_unit and share_of as strings, and item one of items (number as text -> item
 * text) with source_phrase found verbatim in it. Pointers start at base. */
void reference_input_target_fields(json_t *t, const char *base, json_t *items, json_t *errors);

/* A whole target for the admin API: the fields above plus a valid code, at the root.
 * Returns 0 or -1 after appending errors. */
int reference_input_target(json_t *t, json_t *items, json_t *errors)
        __attribute__((warn_unused_result));

/* A PATCH body for a target: an object of known members only, code valid when present.
 * The merged result is checked with reference_input_target. */
int reference_input_target_patch(json_t *t, json_t *errors) __attribute__((warn_unused_result));

/* A measure's lead or related list (m's member key, pointers under base): unit codes, none
 * twice in the measure (in_measure collects them). known holds the codes that exist (a plan
 * document's units); NULL checks only their form. */
void reference_input_unit_list(json_t *m, const char *key, const char *base, int required,
                               json_t *known, json_t *in_measure, json_t *errors);

/* Checks a measure body: code, number, task (a task code), title, items (numbered 1..n in
 * order, non-empty text), lead (non-empty) and related (unit codes, none twice). With
 * merged set (a PATCH body laid over the current measure) lead and related are refused:
 * assignments change through their own endpoints. Returns 0 or -1 after appending errors. */
int reference_input_measure(json_t *body, int merged, json_t *errors)
        __attribute__((warn_unused_result));

/* A PATCH body for a measure: an object of known members, no lead or related. */
int reference_input_measure_patch(json_t *body, json_t *errors) __attribute__((warn_unused_result));

/* Checks a whole task body: code, number (positive), label (optional), title; and plan (a
 * plan code) unless merged (a PATCH over the current task, which keeps its plan). */
int reference_input_task(json_t *body, int merged, json_t *errors)
        __attribute__((warn_unused_result));

/* Checks a whole plan body: code, title, start_date, cadence, report_due_days (0..366) and
 * optional assumptions [{field, note}]. */
int reference_input_plan(json_t *body, json_t *errors) __attribute__((warn_unused_result));

/* A PATCH body for a task (merged 1) or a plan: an object of known members, code valid when
 * present; the merged whole is checked by the functions above. */
int reference_input_task_patch(json_t *body, json_t *errors) __attribute__((warn_unused_result));
int reference_input_plan_patch(json_t *body, json_t *errors) __attribute__((warn_unused_result));

#endif
