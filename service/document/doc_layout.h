/* doc_layout.h — finding tasks, measures, items and unit lists in a doc_body. */
#ifndef ZEREN_DOC_LAYOUT_H
#define ZEREN_DOC_LAYOUT_H

#include <jansson.h>
#include <stddef.h>

#include "document/doc.h"

/* A task (工作任务) as written. Strings owned by the model. */
struct doc_task {
	int number;
	char *label; /* （一）, 一、 or NULL */
	char *title;
	size_t measures; /* how many measures it has */
};

/* A measure (工作措施) as written. Strings owned by the model. */
struct doc_measure {
	int number;
	size_t task; /* index into the model's tasks */
	char *title;
	char **items;
	size_t nitems, items_cap;
	char *lead, *related; /* unit lists as written, NULL when none */
	int first_leads;      /* lead holds every unit; the first listed leads, the rest relate */
	char *deadline;       /* the deadline column's text, NULL when there is none */
	int closed;           /* its units were read: later unnumbered text is not its own */
};

/* A plan as laid out in the document, before units and targets are resolved. */
struct doc_model {
	char *title; /* owned, NULL when none was found */
	struct doc_task *tasks;
	size_t ntasks, tasks_cap;
	struct doc_measure *measures;
	size_t nmeasures, measures_cap;
	json_t *review; /* owned array of {pointer, reason, source_text} */
};

/* Initialises m (review a new empty array); free with doc_model_free. */
enum doc_error doc_model_init(struct doc_model *m) __attribute__((warn_unused_result));
void doc_model_free(struct doc_model *m);

/* Appends a review entry; text may be NULL. */
void doc_model_review(struct doc_model *m, const char *pointer, const char *reason,
                      const char *text);

/* Adds a task / a measure (copying the strings); the new one's index in *index. */
enum doc_error doc_model_task(struct doc_model *m, int number, const char *label, const char *title,
                              size_t *index) __attribute__((warn_unused_result));
enum doc_error doc_model_measure(struct doc_model *m, int number, size_t task, const char *title,
                                 size_t *index) __attribute__((warn_unused_result));
/* Appends a copy of len bytes at text as the next item of measure i. */
enum doc_error doc_model_item(struct doc_model *m, size_t i, const char *text, size_t len)
        __attribute__((warn_unused_result));

/* Column roles a table header can name. */
enum doc_col {
	DOC_COL_NUMBER,
	DOC_COL_TASK,
	DOC_COL_MEASURE,
	DOC_COL_CONTENT,
	DOC_COL_LEAD,
	DOC_COL_RELATED,
	DOC_COL_DEADLINE,
	DOC_COL_COUNT
};

/* The role of a header cell's text, or DOC_COL_COUNT when it names none. */
enum doc_col doc_layout_column(const char *header);

/* Non-zero when a row of b is a table header doc_layout_table would read (one naming a
 * measure or content column and a lead column). */
int doc_layout_has_header(const struct doc_body *b);

/* Reads tables: the first row naming a measure (or content) column and a lead column is the
 * header, columns are found by their header text; DOC_NOT_A_LIST when there is none. */
enum doc_error doc_layout_table(const struct doc_body *b, struct doc_model *m)
        __attribute__((warn_unused_result));

/* Reads a paragraph list: the numbering kind (一、, （一）, 1.) whose paragraphs carry unit
 * brackets is the measure; kinds above it are tasks. DOC_NOT_A_LIST when none has units. */
enum doc_error doc_layout_paras(const struct doc_body *b, struct doc_model *m)
        __attribute__((warn_unused_result));

/* The number of a marker at s: 一、 （一） (1) 1. 1． 1、, its kind in *kind (0 一、, 1 （一）,
 * 2 1., 3 （1）) and the bytes it takes in *len; -1 when s does not start with one. */
int doc_layout_marker(const char *s, int *kind, size_t *len);

#endif
