/* doc_table.c — table layouts: columns found by their headers, merged and repeated cells. */
#include "document/doc_layout.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum doc_col doc_layout_column(const char *h)
{
	static const struct {
		const char *word;
		enum doc_col col;
	} words[] = {{"序号", DOC_COL_NUMBER},       {"编号", DOC_COL_NUMBER},
	             {"牵头", DOC_COL_LEAD},         {"配合", DOC_COL_RELATED},
	             {"协办", DOC_COL_RELATED},      {"相关责任", DOC_COL_RELATED},
	             {"责任单位", DOC_COL_RELATED},  {"时限", DOC_COL_DEADLINE},
	             {"完成时间", DOC_COL_DEADLINE}, {"内容", DOC_COL_CONTENT},
	             {"措施", DOC_COL_MEASURE},      {"举措", DOC_COL_MEASURE},
	             {"任务", DOC_COL_TASK}};
	if (h == NULL || strlen(h) > 40)
		return DOC_COL_COUNT;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(h, words[i].word) != NULL)
			return words[i].col;
	return DOC_COL_COUNT;
}

/* Where each role's column is (-1 when absent). */
struct columns {
	long at[DOC_COL_COUNT];
	size_t width;
};

static int header_row(const struct doc_row *r, struct columns *c)
{
	for (size_t i = 0; i < DOC_COL_COUNT; i++)
		c->at[i] = -1;
	for (size_t i = 0; i < r->ncells; i++) {
		enum doc_col col = doc_layout_column(r->cells[i]);
		if (col != DOC_COL_COUNT && c->at[col] < 0)
			c->at[col] = (long)i;
	}
	c->width = r->ncells;
	return (c->at[DOC_COL_MEASURE] >= 0 || c->at[DOC_COL_CONTENT] >= 0) &&
	       c->at[DOC_COL_LEAD] >= 0;
}

/* The cell of a role in a row: NULL when the column is absent, the cell merged or empty. */
static const char *cell(const struct doc_row *r, const struct columns *c, enum doc_col col)
{
	long i = c->at[col];
	if (i < 0 || (size_t)i >= r->ncells || r->cells[i] == NULL || r->cells[i][0] == '\0')
		return NULL;
	return r->cells[i];
}

/* Table reading state. */
struct table {
	struct doc_model *m;
	struct columns c;
	size_t task;   /* current task index, or SIZE_MAX before the first */
	char *pending; /* a heading on a row of its own, not yet used */
	size_t last;   /* last measure index, or SIZE_MAX */
};

static size_t skip_space(const char *s)
{
	size_t n = 0;
	while (s[n] == ' ' || s[n] == '\t' || strncmp(s + n, "　", 3) == 0)
		n += s[n] == ' ' || s[n] == '\t' ? 1 : 3;
	return n;
}

/* The task a heading names: an existing one with the same number and title (a page-break
 * repeat), or a new one. */
static enum doc_error use_task(struct table *t, const char *text)
{
	int kind = -1;
	size_t len = 0;
	int n = doc_layout_marker(text, &kind, &len);
	char label[64] = "";
	if (n > 0 && kind <= 1 && len < sizeof(label))
		snprintf(label, sizeof(label), "%.*s", (int)len, text);
	else
		n = (int)t->m->ntasks + 1, len = 0;
	const char *title = text + len + skip_space(text + len);
	for (size_t i = 0; i < t->m->ntasks; i++)
		if (strcmp(t->m->tasks[i].title, title) == 0) {
			t->task = i;
			return DOC_OK;
		}
	return doc_model_task(t->m, n, label[0] ? label : NULL, title, &t->task);
}

/* Items of a content cell: a line opening with （1） starts an item, other lines continue. */
static enum doc_error add_items(struct doc_model *m, size_t mi, const char *text)
{
	enum doc_error e = DOC_OK;
	struct doc_buf item = {0};
	for (const char *p = text; e == DOC_OK && *p;) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p), sp = skip_space(p), ml = 0;
		int kind = -1;
		int num = sp < ll ? doc_layout_marker(p + sp, &kind, &ml) : -1;
		if (num > 0 && kind == 3 && item.len > 0) {
			e = doc_model_item(m, mi, item.s, item.len);
			item.len = 0;
		}
		size_t skip = num > 0 && kind == 3 ? sp + ml : sp;
		skip += skip < ll ? skip_space(p + skip) : 0;
		if (e == DOC_OK && skip < ll && item.len > 0)
			e = doc_buf_add(&item, NULL, "\n", 1);
		if (e == DOC_OK && skip < ll)
			e = doc_buf_add(&item, NULL, p + skip, ll - skip);
		p = nl ? nl + 1 : p + ll;
	}
	if (e == DOC_OK && item.len > 0)
		e = doc_model_item(m, mi, item.s, item.len);
	doc_buf_free(&item);
	return e;
}

/* Unit and deadline cells of a measure; a merged (NULL) unit cell repeats the one above. */
static enum doc_error measure_cells(struct table *t, const struct doc_row *r, size_t mi)
{
	static const enum doc_col cols[] = {DOC_COL_LEAD, DOC_COL_RELATED, DOC_COL_DEADLINE};
	struct doc_measure *x = &t->m->measures[mi];
	char **dst[] = {&x->lead, &x->related, &x->deadline};
	for (size_t k = 0; k < 3; k++) {
		const char *v = cell(r, &t->c, cols[k]);
		long at = t->c.at[cols[k]];
		int merged = at >= 0 && (size_t)at < r->ncells && r->cells[at] == NULL;
		if (v == NULL && merged && mi > 0) {
			struct doc_measure *p = &t->m->measures[mi - 1];
			v = k == 0 ? p->lead : (k == 1 ? p->related : p->deadline);
		}
		if (v != NULL && (*dst[k] = strdup(v)) == NULL)
			return DOC_NOMEM;
	}
	x->closed = 1;
	return DOC_OK;
}

/* The title of a measure cell: after its number; where the same cell holds the content as
 * well, its first sentence. */
static char *measure_title(const char *s, int whole)
{
	s += skip_space(s);
	const char *stop = whole ? NULL : strstr(s, "。");
	const char *nl = strchr(s, '\n');
	size_t len = stop ? (size_t)(stop - s) + 3 : (nl ? (size_t)(nl - s) : strlen(s));
	return strndup(s, len);
}

static enum doc_error measure_row(struct table *t, const struct doc_row *r, size_t ri)
{
	const char *mt = cell(r, &t->c, DOC_COL_MEASURE), *ct = cell(r, &t->c, DOC_COL_CONTENT);
	int content_col = t->c.at[DOC_COL_CONTENT] >= 0;
	if (mt == NULL && ct == NULL)
		return DOC_OK;
	if (mt == NULL && content_col && t->c.at[DOC_COL_MEASURE] >= 0 && t->last != SIZE_MAX)
		return add_items(t->m, t->last, ct); /* a measure continued across a page */
	if (t->task == SIZE_MAX) {
		enum doc_error e =
		        doc_model_task(t->m, 1, NULL, t->m->title ? t->m->title : "", &t->task);
		doc_model_review(t->m, "/tasks/0", "no task column: one task for the whole plan",
		                 NULL);
		if (e != DOC_OK)
			return e;
	}
	const char *src = mt ? mt : ct;
	int kind = -1;
	size_t ml = 0, sp = skip_space(src);
	int num = doc_layout_marker(src + sp, &kind, &ml);
	const char *ncell = cell(r, &t->c, DOC_COL_NUMBER);
	if (num <= 0 || kind == 3)
		num = ncell ? atoi(ncell) : 0, ml = 0;
	if (num <= 0)
		num = (int)t->m->nmeasures + 1;
	char *title = measure_title(src + sp + ml, content_col && mt != NULL);
	size_t mi = 0;
	enum doc_error e = title ? doc_model_measure(t->m, num, t->task, title, &mi) : DOC_NOMEM;
	free(title);
	if (e == DOC_OK)
		e = add_items(t->m, mi, content_col && mt != NULL ? (ct ? ct : "") : src + sp + ml);
	if (e == DOC_OK && t->m->measures[mi].nitems == 0) {
		char ptr[64];
		snprintf(ptr, sizeof(ptr), "/measures/%zu/items", mi);
		doc_model_review(t->m, ptr, "a measure without content: its title is its item",
		                 src);
		e = doc_model_item(t->m, mi, t->m->measures[mi].title,
		                   strlen(t->m->measures[mi].title));
	}
	(void)ri;
	t->last = mi;
	return e == DOC_OK ? measure_cells(t, r, mi) : e;
}

static size_t filled(const struct doc_row *r, size_t *only)
{
	size_t n = 0;
	for (size_t i = 0; i < r->ncells; i++)
		if (r->cells[i] != NULL && r->cells[i][skip_space(r->cells[i])] != '\0')
			n++, *only = i;
	return n;
}

static enum doc_error table_row(struct table *t, const struct doc_row *r, size_t ri)
{
	size_t only = 0;
	struct columns again;
	if (filled(r, &only) == 0 || header_row(r, &again))
		return DOC_OK;
	const char *task = cell(r, &t->c, DOC_COL_TASK);
	long tc = t->c.at[DOC_COL_TASK];
	if (filled(r, &only) == 1 && task == NULL && only == 0 && tc != 0 && tc >= 0)
		task = r->cells[0]; /* a heading row narrower than the table */
	if (filled(r, &only) == 1 && task != NULL) {
		if (t->pending != NULL)
			doc_model_review(t->m, "/tasks",
			                 "a heading row without measures was ignored", t->pending);
		free(t->pending);
		t->pending = strdup(task + skip_space(task));
		return t->pending ? DOC_OK : DOC_NOMEM;
	}
	enum doc_error e = DOC_OK;
	if (task != NULL || t->pending != NULL) {
		if (task != NULL && t->pending != NULL)
			doc_model_review(
			        t->m, "/tasks",
			        "a stray heading was ignored: the next row names its own task",
			        t->pending);
		e = use_task(t, task ? task + skip_space(task) : t->pending);
		free(t->pending);
		t->pending = NULL;
	}
	return e == DOC_OK ? measure_row(t, r, ri) : e;
}

/* The plan's title: the first short paragraph, or a one-cell row before the header, that is
 * not a 附件 / 附表 label. */
static char *table_title(const struct doc_body *b, size_t header)
{
	for (size_t i = 0; i < b->nparas; i++) {
		const char *p = b->paras[i] + skip_space(b->paras[i]);
		if (strncmp(p, "附件", 6) != 0 && strncmp(p, "附表", 6) != 0 && strlen(p) < 300 &&
		    *p != '\0')
			return strdup(p);
	}
	for (size_t i = 0; i < header; i++)
		if (b->rows[i].ncells > 0 && b->rows[i].cells[0] && b->rows[i].cells[0][0])
			return strdup(b->rows[i].cells[0]);
	return NULL;
}

int doc_layout_has_header(const struct doc_body *b)
{
	struct columns c;
	for (size_t h = 0; h < b->nrows; h++)
		if (header_row(&b->rows[h], &c))
			return 1;
	return 0;
}

enum doc_error doc_layout_table(const struct doc_body *b, struct doc_model *m)
{
	struct table t = {.m = m, .task = SIZE_MAX, .last = SIZE_MAX};
	size_t h = 0;
	while (h < b->nrows && !header_row(&b->rows[h], &t.c))
		h++;
	if (h == b->nrows)
		return DOC_NOT_A_LIST;
	m->title = table_title(b, h);
	enum doc_error e = DOC_OK;
	for (size_t i = h + 1; e == DOC_OK && i < b->nrows; i++)
		e = table_row(&t, &b->rows[i], i);
	if (e == DOC_OK && t.pending != NULL)
		doc_model_review(m, "/tasks", "a heading after the last measure was ignored",
		                 t.pending);
	free(t.pending);
	if (e == DOC_OK && m->nmeasures == 0)
		e = DOC_NOT_A_LIST;
	return e;
}
