/* reference_input.h — the rules of reference data (plans, units, assignments, tasks, measures,
 * targets): pure checks used by the admin API and, for plans, items, codes, unit lists and
 * target fields, by the plan document importer (import.c). Every failure is collected as
 * {pointer, message} into the caller's errors array; bodies are borrowed, nothing is kept. */
#ifndef ZEREN_REFERENCE_INPUT_H
#define ZEREN_REFERENCE_INPUT_H

#include <jansson.h>

#include "validate.h"

/* What a body check is looking at (the mode argument of the checks below). */
enum reference_body {
	REFERENCE_WHOLE = 0,   /* a whole body: a create, or a merged body for units */
	REFERENCE_PARTIAL = 1, /* units: a PATCH body alone, every member optional */
	REFERENCE_MERGED = 1,  /* measures, tasks: a PATCH body laid over the current row */
};

/* A code member of obj (pointer base + "/code"): a string matching
 * ^[a-z0-9][a-z0-9._-]{0,63}$, required or not. Returns it (borrowed from obj) when valid,
 * NULL when absent or after recording the error. */
const char *reference_input_code(json_t *obj, const char *base, enum validate_presence required,
                                 json_t *errors);

/* Checks a unit body: code, name, kind, in_source, note, members, aliases. With partial set (PATCH)
 * every member is optional but those present must be valid (and at least one is sent); otherwise
 * code, name and kind are required, and only a group has (non-empty, distinct) members. Member
 * codes are checked for shape here; existence and kind are the database's to say. Returns 0 when
 * valid, -1 after appending errors. Borrows body. */
int reference_input_unit(json_t *body, enum reference_body partial, json_t *errors)
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

/* Most aliases a unit keeps. */
#define REFERENCE_ALIASES_MAX 32

/* A unit's aliases (pointer ptr): an array of at most REFERENCE_ALIASES_MAX non-empty names,
 * none twice, none the unit's own name (name may be NULL: not known here). That no other unit
 * has the name is the database's to check (units_names_unique). */
void reference_input_aliases(json_t *aliases, const char *name, const char *ptr, json_t *errors);

/* A group's members (pointer ptr): a non-empty array of unit codes, none twice. known maps the
 * codes that exist to their kind (a plan document's units), and then a member must be one
 * that is not a group; NULL checks only their form (existence and kind are the database's to
 * say). */
void reference_input_members(json_t *members, const char *ptr, json_t *known, json_t *errors);

/* A measure's lead or related list (m's member key, pointers under base): unit codes, none
 * twice in the measure (in_measure collects them). known holds the codes that exist (a plan
 * document's units); NULL checks only their form. */
void reference_input_unit_list(json_t *m, const char *key, const char *base,
                               enum validate_presence required, json_t *known, json_t *in_measure,
                               json_t *errors);

/* A measure's items (list, pointers under base + "/items"): a non-empty array of {number,
 * text} numbered 1..n in order, with non-empty text. When texts is not NULL, each item with a
 * valid number and text is added to it as number (as text) -> text, for target checks. */
void reference_input_items(json_t *list, const char *base, json_t *texts, json_t *errors);

/* Checks a measure body: code, number, task (a task code), title, items (numbered 1..n in
 * order, non-empty text), lead (non-empty) and related (unit codes, none twice). With
 * merged set (a PATCH body laid over the current measure) lead and related are refused:
 * assignments change through their own endpoints. Returns 0 or -1 after appending errors. */
int reference_input_measure(json_t *body, enum reference_body merged, json_t *errors)
        __attribute__((warn_unused_result));

/* A PATCH body for a measure: an object of known members, no lead or related. */
int reference_input_measure_patch(json_t *body, json_t *errors) __attribute__((warn_unused_result));

/* Checks a whole task body: code, number (positive), label (optional), title; and plan (a
 * plan code) unless merged (a PATCH over the current task, which keeps its plan). */
int reference_input_task(json_t *body, enum reference_body merged, json_t *errors)
        __attribute__((warn_unused_result));

/* The fields of a plan object (pointers under base): known members only, code, title,
 * start_date, cadence, report_due_days (0..366) and optional assumptions [{field, note}]. */
void reference_input_plan_fields(json_t *plan, const char *base, json_t *errors);

/* A whole plan body for the admin API: a JSON object with the fields above, at the root.
 * Returns 0 or -1 after appending errors. */
int reference_input_plan(json_t *body, json_t *errors) __attribute__((warn_unused_result));

/* A PATCH body for a task or a plan: an object of known members, code valid when
 * present; the merged whole is checked by the functions above. */
int reference_input_task_patch(json_t *body, json_t *errors) __attribute__((warn_unused_result));
int reference_input_plan_patch(json_t *body, json_t *errors) __attribute__((warn_unused_result));

#endif
