/* doc_plan.h — a laid-out plan to a zeren.plan/v1 document, its review list and stats. */
#ifndef ZEREN_DOC_PLAN_H
#define ZEREN_DOC_PLAN_H

#include <jansson.h>

#include "document/doc.h"
#include "document/doc_layout.h"
#include "document/doc_units.h"

/* What the caller knows: all borrowed, all optional. */
struct doc_options {
	const char *code;  /* plan code, prefix of every task, measure and target code ("plan") */
	const char *title; /* overrides the title read from the document */
	const struct doc_known_unit *units; /* units names are matched against */
	size_t nunits;
	enum doc_declared declared; /* what the bytes were said to be (0: any) */
};

/* Builds the document from m, appending what a person must check to m->review. *document and
 * *stats are new objects the caller owns ({tasks, measures, items, units_matched, units_new,
 * targets, targets_assumed}). */
enum doc_error doc_plan_build(struct doc_model *m, const struct doc_options *o, json_t **document,
                              json_t **stats) __attribute__((warn_unused_result));

/* The unit registry the builder fills (internal to doc_plan*.c). */
struct doc_registry {
	const struct doc_options *o;
	struct doc_model *m;
	json_t *units;   /* the document's units array (owned) */
	json_t *by_name; /* name as written → code (owned) */
	json_t *index;   /* code → position in units (owned) */
	json_t *names; /* every unit name the list writes, so 市商务 finds 市商务局 (owned) */
	long matched, created;
};

enum doc_error doc_registry_init(struct doc_registry *r, const struct doc_options *o,
                                 struct doc_model *m) __attribute__((warn_unused_result));
void doc_registry_free(struct doc_registry *r);

/* The code for a unit named name in the source (a known unit, or a new one registered with
 * a review entry at pointer); borrowed from the registry; NULL on no memory, or when name is
 * too long to be a unit's (DOC_UNIT_NAME_MAX; a review entry at pointer then). */
const char *doc_registry_unit(struct doc_registry *r, const char *name, const char *pointer);

/* The code of a non-group unit whose name (or alias) text begins with, or NULL. */
const char *doc_registry_prefix(struct doc_registry *r, const char *text);

#endif
