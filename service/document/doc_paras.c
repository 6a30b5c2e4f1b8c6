/* doc_paras.c — paragraph lists: 一、 chapters, （一） or 1. measures, unit brackets. */
#include "document/doc_layout.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A unit bracket inside a paragraph: the byte range of its content and of the whole. */
struct bracket {
	size_t open, start, end, close;
};

/* Unit brackets of p at bracket depth 0 (content naming 负责 or 牵头单位), at most max. */
static size_t unit_brackets(const char *p, struct bracket *out, size_t max)
{
	size_t n = 0, open = 0;
	int depth = 0;
	for (size_t i = 0; p[i] != '\0';) {
		if (strncmp(p + i, "（", 3) == 0) {
			if (depth++ == 0)
				open = i;
			i += 3;
			continue;
		}
		if (strncmp(p + i, "）", 3) == 0 && depth > 0 && --depth == 0 && n < max) {
			char *c = strndup(p + open + 3, i - open - 3);
			if (c != NULL && (strstr(c, "负责") || strncmp(c, "牵头单位", 12) == 0))
				out[n++] = (struct bracket){open, open + 3, i, i + 3};
			free(c);
		}
		i++;
	}
	return n;
}

static enum doc_error append(char **dst, const char *s, size_t len)
{
	size_t old = *dst ? strlen(*dst) : 0;
	char *n = realloc(*dst, old + len + 4);
	if (n == NULL)
		return DOC_NOMEM;
	if (old > 0)
		memcpy(n + old, "，", 3), old += 3;
	memcpy(n + old, s, len);
	n[old + len] = '\0';
	*dst = n;
	return DOC_OK;
}

/* 牵头单位：X，配合单位：Y gives lead and related; A、B等负责 gives a list led by A. */
static enum doc_error bracket_units(struct doc_measure *x, const char *c, size_t len)
{
	static const char lead[] = "牵头单位", co[] = "配合单位";
	char *s = strndup(c, len);
	if (s == NULL)
		return DOC_NOMEM;
	enum doc_error e = DOC_OK;
	if (strncmp(s, lead, strlen(lead)) == 0) {
		char *l = s + strlen(lead), *r = strstr(s, co);
		l += strncmp(l, "：", 3) == 0 ? 3 : (*l == ':');
		size_t ll = r ? (size_t)(r - l) : strlen(l);
		while (ll >= 3 &&
		       (strncmp(l + ll - 3, "，", 3) == 0 || strncmp(l + ll - 3, "；", 3) == 0))
			ll -= 3;
		e = append(&x->lead, l, ll);
		if (e == DOC_OK && r != NULL) {
			r += strlen(co);
			r += strncmp(r, "：", 3) == 0 ? 3 : (*r == ':');
			e = append(&x->related, r, strlen(r));
		}
	} else {
		char *end = strstr(s, "负责");
		e = append(&x->lead, s, (size_t)(end - s));
		x->first_leads = 1;
	}
	free(s);
	return e;
}

/* The paragraph's text without its last unit bracket (and a 。 after it) when it ends it. */
static size_t body_len(const char *p, const struct bracket *b, size_t nb)
{
	size_t len = strlen(p);
	if (nb == 0)
		return len;
	size_t tail = b[nb - 1].close;
	if (tail == len || (len - tail == 3 && strcmp(p + tail, "。") == 0))
		return b[nb - 1].open;
	return len;
}

/* Reading state. */
struct plist {
	struct doc_model *m;
	int measure_kind;
	size_t task, measure; /* SIZE_MAX before the first */
};

static enum doc_error para_units(struct plist *s, const char *p, size_t *body)
{
	struct bracket b[16];
	size_t nb = unit_brackets(p, b, 16);
	*body = body_len(p, b, nb);
	if (s->measure == SIZE_MAX || nb == 0)
		return DOC_OK;
	struct doc_measure *x = &s->m->measures[s->measure];
	enum doc_error e = DOC_OK;
	for (size_t i = 0; e == DOC_OK && i < nb; i++)
		e = bracket_units(x, p + b[i].start, b[i].end - b[i].start);
	x->closed = 1;
	return e;
}

static size_t lead_space(const char *p)
{
	size_t n = 0;
	while (p[n] == ' ' || p[n] == '\t' || strncmp(p + n, "　", 3) == 0)
		n += p[n] == ' ' || p[n] == '\t' ? 1 : 3;
	return n;
}

/* The numbering kind that carries unit brackets most often (ties go to the deeper kind). */
static int measure_kind(const struct doc_body *b)
{
	size_t count[4] = {0};
	int kind = -1;
	for (size_t i = 0; i < b->nparas; i++) {
		const char *p = b->paras[i] + lead_space(b->paras[i]);
		int k;
		size_t len;
		if (doc_layout_marker(p, &k, &len) <= 0)
			k = kind;
		else
			kind = k;
		struct bracket br[1];
		if (k >= 0 && k < 3 && unit_brackets(p, br, 1) > 0)
			count[k]++;
	}
	int best = -1;
	for (int k = 0; k < 3; k++)
		if (count[k] > 0 && (best < 0 || count[k] >= count[best]))
			best = k;
	return best;
}

/* Title and rest of a numbered paragraph: the title runs to the first 。 (kept). */
static size_t title_len(const char *s, size_t body)
{
	const char *stop = strstr(s, "。");
	if (stop == NULL || (size_t)(stop - s) + 3 > body)
		return body;
	return (size_t)(stop - s) + 3;
}

static enum doc_error add_task(struct plist *s, const char *p, int num, size_t mlen)
{
	size_t rest = lead_space(p + mlen), tl;
	char label[64];
	snprintf(label, sizeof(label), "%.*s", (int)mlen, p);
	tl = title_len(p + mlen + rest, strlen(p + mlen + rest));
	char *title = strndup(p + mlen + rest, tl);
	if (title == NULL)
		return DOC_NOMEM;
	enum doc_error e = doc_model_task(s->m, num, label, title, &s->task);
	free(title);
	s->measure = SIZE_MAX;
	return e;
}

static enum doc_error add_measure(struct plist *s, const char *p, int num, size_t mlen)
{
	if (s->task == SIZE_MAX) {
		enum doc_error e =
		        doc_model_task(s->m, 1, NULL, s->m->title ? s->m->title : "", &s->task);
		doc_model_review(s->m, "/tasks/0",
		                 "no headings above the measures: one task for the whole plan",
		                 NULL);
		if (e != DOC_OK)
			return e;
	}
	const char *t = p + mlen + lead_space(p + mlen);
	size_t body;
	s->measure = SIZE_MAX;
	struct bracket b[16];
	body = body_len(t, b, unit_brackets(t, b, 16));
	size_t tl = title_len(t, body);
	char *title = strndup(t, tl);
	if (title == NULL)
		return DOC_NOMEM;
	size_t mi;
	enum doc_error e = doc_model_measure(s->m, num, s->task, title, &mi);
	free(title);
	s->measure = mi;
	if (e == DOC_OK)
		e = para_units(s, t, &body);
	size_t skip = tl + lead_space(t + tl);
	if (e == DOC_OK && body > skip)
		e = doc_model_item(s->m, mi, t + skip, body - skip);
	return e;
}

/* A paragraph without a marker of the measure's kind or above: the open measure's next item. */
static enum doc_error add_text(struct plist *s, const char *p, size_t index)
{
	if (s->measure == SIZE_MAX)
		return DOC_OK;
	struct doc_measure *x = &s->m->measures[s->measure];
	if (x->closed) {
		char ptr[64];
		snprintf(ptr, sizeof(ptr), "/measures/%zu", s->measure);
		doc_model_review(s->m, ptr,
		                 "text after a measure's units was not read as part of it", p);
		return DOC_OK;
	}
	size_t body;
	enum doc_error e = para_units(s, p, &body);
	(void)index;
	return e == DOC_OK && body > 0 ? doc_model_item(s->m, s->measure, p, body) : e;
}

/* The title: leading short paragraphs up to a document number (国发〔2018〕42号). */
static char *paras_title(const struct doc_body *b)
{
	struct doc_buf t = {0};
	for (size_t i = 0; i < b->nparas && i < 3; i++) {
		const char *p = b->paras[i] + lead_space(b->paras[i]);
		int k;
		size_t ml;
		if (strstr(p, "〔") || strstr(p, "，") || doc_layout_marker(p, &k, &ml) > 0 ||
		    (i > 0 && strlen(p) > 90) || doc_buf_add(&t, NULL, p, strlen(p)) != DOC_OK)
			break;
	}
	return t.len ? doc_buf_take(&t) : (doc_buf_free(&t), NULL);
}

enum doc_error doc_layout_paras(const struct doc_body *b, struct doc_model *m)
{
	struct plist s = {
	        .m = m, .measure_kind = measure_kind(b), .task = SIZE_MAX, .measure = SIZE_MAX};
	if (s.measure_kind < 0)
		return DOC_NOT_A_LIST;
	m->title = paras_title(b);
	enum doc_error e = DOC_OK;
	for (size_t i = 0; e == DOC_OK && i < b->nparas; i++) {
		const char *p = b->paras[i] + lead_space(b->paras[i]);
		int kind = -1;
		size_t ml = 0;
		int num = doc_layout_marker(p, &kind, &ml);
		if (num > 0 && kind == s.measure_kind)
			e = add_measure(&s, p, num, ml);
		else if (num > 0 && kind < s.measure_kind)
			e = add_task(&s, p, num, ml);
		else
			e = add_text(&s, p, i);
	}
	for (size_t i = 0; e == DOC_OK && i < m->nmeasures; i++)
		if (m->measures[i].nitems == 0)
			e = doc_model_item(m, i, m->measures[i].title,
			                   strlen(m->measures[i].title));
	if (e == DOC_OK && m->nmeasures == 0)
		e = DOC_NOT_A_LIST;
	return e;
}
