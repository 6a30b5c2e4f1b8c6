/* doc_model.c — the laid-out plan: tasks, measures and items, and the review list. */
#include "document/doc_layout.h"

#include <stdlib.h>
#include <string.h>

#include "document/doc_target.h"

enum doc_error doc_model_init(struct doc_model *m)
{
	memset(m, 0, sizeof(*m));
	m->review = json_array();
	return m->review == NULL ? DOC_NOMEM : DOC_OK;
}

void doc_model_free(struct doc_model *m)
{
	for (size_t i = 0; i < m->ntasks; i++) {
		free(m->tasks[i].label);
		free(m->tasks[i].title);
	}
	free(m->tasks);
	for (size_t i = 0; i < m->nmeasures; i++) {
		struct doc_measure *x = &m->measures[i];
		for (size_t j = 0; j < x->nitems; j++)
			free(x->items[j]);
		free(x->items);
		free(x->title);
		free(x->lead);
		free(x->related);
		free(x->deadline);
	}
	free(m->measures);
	free(m->title);
	json_decref(m->review);
	memset(m, 0, sizeof(*m));
}

void doc_model_review(struct doc_model *m, const char *pointer, const char *reason,
                      const char *text)
{
	json_array_append_new(m->review, json_pack("{s:s, s:s, s:s?}", "pointer", pointer, "reason",
	                                           reason, "source_text", text));
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 16;
	void *q = realloc(*p, c * size);
	if (q == NULL)
		return -1;
	memset((char *)q + *cap * size, 0, (c - *cap) * size);
	*p = q;
	*cap = c;
	return 0;
}

enum doc_error doc_model_task(struct doc_model *m, int number, const char *label, const char *title,
                              size_t *index)
{
	if (grow((void **)&m->tasks, &m->tasks_cap, m->ntasks, sizeof(*m->tasks)) != 0)
		return DOC_NOMEM;
	struct doc_task *t = &m->tasks[m->ntasks];
	t->number = number;
	t->label = label ? strdup(label) : NULL;
	t->title = strdup(title);
	t->measures = 0;
	*index = m->ntasks++;
	return t->title == NULL || (label && t->label == NULL) ? DOC_NOMEM : DOC_OK;
}

enum doc_error doc_model_measure(struct doc_model *m, int number, size_t task, const char *title,
                                 size_t *index)
{
	if (grow((void **)&m->measures, &m->measures_cap, m->nmeasures, sizeof(*m->measures)) != 0)
		return DOC_NOMEM;
	struct doc_measure *x = &m->measures[m->nmeasures];
	memset(x, 0, sizeof(*x));
	x->number = number;
	x->task = task;
	x->title = strdup(title);
	*index = m->nmeasures++;
	if (task < m->ntasks)
		m->tasks[task].measures++;
	return x->title == NULL ? DOC_NOMEM : DOC_OK;
}

enum doc_error doc_model_item(struct doc_model *m, size_t i, const char *text, size_t len)
{
	struct doc_measure *x = &m->measures[i];
	if (grow((void **)&x->items, &x->items_cap, x->nitems, sizeof(*x->items)) != 0)
		return DOC_NOMEM;
	x->items[x->nitems] = strndup(text, len);
	return x->items[x->nitems++] == NULL ? DOC_NOMEM : DOC_OK;
}

/* 一、 / 十二、: a Chinese numeral and 、. */
static int marker_chapter(const char *s, size_t *len)
{
	size_t n;
	double v = doc_cn_number(s, &n);
	if (v < 1 || strncmp(s + n, "、", 3) != 0)
		return -1;
	*len = n + 3;
	return (int)v;
}

static int marker_paren(const char *s, int *kind, size_t *len)
{
	size_t open = strncmp(s, "（", 3) == 0 ? 3 : (*s == '(' ? 1 : 0), n = 0;
	if (open == 0)
		return -1;
	const char *p = s + open;
	double v = doc_cn_number(p, &n);
	*kind = 1;
	if (v < 0) {
		char *e;
		long a = strtol(p, &e, 10);
		if (e == p || a < 1 || a > 100000)
			return -1;
		v = (double)a, n = (size_t)(e - p), *kind = 3;
	}
	size_t close = strncmp(p + n, "）", 3) == 0 ? 3 : (p[n] == ')' ? 1 : 0);
	if (close == 0 || v < 1)
		return -1;
	*len = open + n + close;
	return (int)v;
}

int doc_layout_marker(const char *s, int *kind, size_t *len)
{
	int v = marker_chapter(s, len);
	if (v > 0)
		return *kind = 0, v;
	v = marker_paren(s, kind, len);
	if (v > 0)
		return v;
	char *e;
	long a = strtol(s, &e, 10);
	if (e == s || *s < '0' || *s > '9' || a < 1 || a > 100000)
		return -1;
	size_t sep = *e == '.' ? 1 : (strncmp(e, "．", 3) == 0 || strncmp(e, "、", 3) == 0 ? 3 : 0);
	if (sep == 0 || (sep == 1 && e[1] >= '0' && e[1] <= '9' && a > 100))
		return -1;
	*kind = 2;
	*len = (size_t)(e - s) + sep;
	return (int)a;
}
