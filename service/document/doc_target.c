/* doc_target.c — numbers with measure words, comparators, deadlines and recurrences. */
#include "document/doc_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int at(const char *s, const char *end, const char *w)
{
	size_t n = strlen(w);
	return (size_t)(end - s) >= n && memcmp(s, w, n) == 0;
}

static int before(const char *start, const char *s, const char *w)
{
	size_t n = strlen(w);
	return (size_t)(s - start) >= n && memcmp(s - n, w, n) == 0;
}

static const char *find(const char *s, const char *end, const char *w)
{
	for (; s < end; s++)
		if (at(s, end, w))
			return s;
	return NULL;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *const cn_digits[] = {"零", "一", "二", "三", "四", "五",
                                        "六", "七", "八", "九", "两", NULL};

double doc_cn_number(const char *s, size_t *len)
{
	double total = 0, section = 0, digit = 0;
	const char *p = s;
	int any = 0;
	for (;;) {
		int d = -1;
		for (int i = 0; cn_digits[i] != NULL; i++)
			if (strncmp(p, cn_digits[i], 3) == 0)
				d = i == 10 ? 2 : i;
		if (d >= 0) {
			digit = d;
		} else if (strncmp(p, "十", 3) == 0) {
			section += (digit > 0 || any ? digit : 1) * 10, digit = 0;
		} else if (strncmp(p, "百", 3) == 0 && any) {
			section += digit * 100, digit = 0;
		} else if (strncmp(p, "千", 3) == 0 && any) {
			section += digit * 1000, digit = 0;
		} else if (strncmp(p, "万", 3) == 0 && any) {
			total += (section + digit) * 10000, section = digit = 0;
		} else {
			break;
		}
		any = 1;
		p += 3;
	}
	*len = (size_t)(p - s);
	return any ? total + section + digit : -1;
}

static int year_at(const char *p, const char *end, int *year)
{
	if (end - p < 7 || !is_digit(p[0]) || !is_digit(p[1]) || !is_digit(p[2]) ||
	    !is_digit(p[3]) || !at(p + 4, end, "年"))
		return 0;
	*year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
	return *year >= 1990 && *year <= 2100;
}

static int month_end(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

/* At p a year; after it an optional month, then 底前 / 前 / 年底 (or 到 before it). */
static int deadline_at(const char *start, const char *p, const char *end, char out[11])
{
	int year, month = 12;
	if (!year_at(p, end, &year) || (p > start && is_digit(p[-1])))
		return 0;
	const char *q = p + 4 + strlen("年");
	if (is_digit(*q)) {
		int m = *q++ - '0';
		if (is_digit(*q))
			m = m * 10 + (*q++ - '0');
		if (m < 1 || m > 12 || !at(q, end, "月"))
			return 0;
		month = m;
		q += strlen("月");
	}
	int to = before(start, p, "到") || before(start, p, "至") || before(start, p, "截至");
	int by = at(q, end, "年底") || at(q, end, "底") || at(q, end, "前") || at(q, end, "末");
	if (at(q, end, "起") || at(q, end, "开始") || is_digit(*q) || !(to || by))
		return 0;
	snprintf(out, 11, "%04d-%02d-%02d", year, month, month_end(year, month));
	return 1;
}

int doc_deadline_parse(const char *s, size_t len, char out[11])
{
	const char *end = s + len;
	for (const char *p = s; p < end; p++)
		if (is_digit(*p) && deadline_at(s, p, end, out))
			return 1;
	return 0;
}

enum doc_recur doc_recurrence_parse(const char *s, size_t len)
{
	if (find(s, s + len, "每两年") || find(s, s + len, "每2年"))
		return DOC_RECUR_BIENNIAL;
	return find(s, s + len, "每年") ? DOC_RECUR_ANNUAL : DOC_RECUR_NONE;
}

static const char *const measure_words[] = {"人次", "%",  "％", "人", "所", "家", "个",
                                            "名",   "项", "场", "次", "亩", "元", "台",
                                            "套",   "座", "支", "条", NULL};

/* The measure word at p, or NULL; 一次性 and the like are not counts. */
static const char *measure_word(const char *p, const char *end)
{
	for (size_t i = 0; measure_words[i] != NULL; i++)
		if (at(p, end, measure_words[i]))
			return at(p + strlen(measure_words[i]), end, "性") ? NULL
			                                                   : measure_words[i];
	return NULL;
}

/* A comparator written before the number (since the clause's last number) or after it. */
static enum doc_cmp comparator(const char *from, const char *num, const char *after,
                               const char *end, int *written)
{
	static const struct {
		const char *w;
		enum doc_cmp c;
	} pre[] = {{"不少于", DOC_CMP_GTE}, {"不低于", DOC_CMP_GTE}, {"不超过", DOC_CMP_LTE},
	           {"超过", DOC_CMP_GT},    {"高于", DOC_CMP_GT},    {"达到", DOC_CMP_GTE},
	           {"低于", DOC_CMP_LT},    {"达", DOC_CMP_GTE},     {"控制在", DOC_CMP_LTE}};
	*written = 1;
	if (at(after, end, "以上") || at(after, end, "及以上"))
		return DOC_CMP_GTE;
	if (at(after, end, "以内") || at(after, end, "以下"))
		return DOC_CMP_LTE;
	for (const char *p = num; p > from; p--)
		for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
			if (before(from, p, pre[i].w))
				return pre[i].c;
	*written = 0;
	return DOC_CMP_GTE;
}

/* Words that make a number a policy parameter (a grant, a rate, a ceiling), not a target. */
static const char *const policy_words[] = {"给予", "每人", "补助", "补贴", "资助",
                                           "奖励", "奖补", "费率", "贷款", "贴息",
                                           "返还", "减免", "最高", "额度", NULL};

/* Verbs before a Chinese numeral that make it a count (新建一所, 建设两个). */
static const char *const cn_verbs[] = {"建", "设", "成", "育", "选", "定", "养",   "造", "展",
                                       "拔", "立", "达", "到", "于", "过", "引进", NULL};

static int any_word(const char *s, const char *end, const char *const *words)
{
	for (size_t i = 0; words[i] != NULL; i++)
		if (find(s, end, words[i]))
			return 1;
	return 0;
}

/* What a sentence has said so far. */
struct scan {
	const char *text, *sentence, *segment, *clause, *clause_end;
	char deadline[11];
	enum doc_recur recur;
	const char *fallback_deadline;
	enum doc_recur fallback_recur;
	struct doc_target *out;
	size_t n, max;
};

static struct doc_target *add(struct scan *s, const char *phrase, const char *phrase_end)
{
	if (s->n == s->max)
		return NULL;
	struct doc_target *t = &s->out[s->n++];
	memset(t, 0, sizeof(*t));
	t->phrase = (size_t)(phrase - s->text);
	t->phrase_len = (size_t)(phrase_end - phrase);
	t->segment = (size_t)(s->segment - s->text);
	const char *d = s->deadline[0] ? s->deadline : s->fallback_deadline;
	t->recur = s->recur != DOC_RECUR_NONE ? s->recur : s->fallback_recur;
	if (t->recur == DOC_RECUR_NONE && d != NULL)
		snprintf(t->deadline, sizeof(t->deadline), "%s", d);
	return t;
}

/* The number at p: Arabic (with 万 / 亿) or Chinese; its end in *num_end; -1 when none. */
static double number_at(struct scan *s, const char *p, const char **num_end)
{
	const char *end = s->clause_end;
	double v = -1;
	if (is_digit(*p)) {
		if (p > s->clause && (is_digit(p[-1]) || p[-1] == '.' || p[-1] == '+'))
			return -1;
		char *e;
		v = strtod(p, &e);
		if (*e == '+' || before(s->clause, p, "第"))
			return -1;
		*num_end = e;
	} else {
		size_t len;
		int verb = 0;
		for (size_t i = 0; cn_verbs[i] != NULL; i++)
			verb |= before(s->clause, p, cn_verbs[i]);
		if (!verb || (v = doc_cn_number(p, &len)) < 0)
			return -1;
		*num_end = p + len;
	}
	if (at(*num_end, end, "万"))
		v *= 10000, *num_end += strlen("万");
	else if (at(*num_end, end, "亿"))
		v *= 100000000, *num_end += strlen("亿");
	return v;
}

static void number_target(struct scan *s, const char *p, double v, const char *num_end,
                          const char *mw, const char **last)
{
	const char *after = num_end + strlen(mw);
	struct doc_target *t = add(s, s->clause, s->clause_end);
	if (t == NULL)
		return;
	t->value = v;
	snprintf(t->uom, sizeof(t->uom), "%s", mw);
	t->cmp = comparator(*last, p, after, s->clause_end, &t->cmp_written);
	t->policy = any_word(s->clause, s->clause_end, policy_words);
	int people = strcmp(mw, "人") == 0 || strcmp(mw, "名") == 0;
	static const char *const done[] = {"培训", "带动", "评选", "评定", "选拔", "培养", NULL};
	t->sum = strcmp(mw, "人次") == 0 || (people && any_word(s->clause, s->clause_end, done));
	*last = after;
}

/* Numbers of the clause with a measure word; returns how many were found. */
static size_t clause_numbers(struct scan *s)
{
	size_t found = 0;
	const char *last = s->clause;
	for (const char *p = s->clause; p < s->clause_end;) {
		const char *num_end = NULL;
		double v = number_at(s, p, &num_end);
		const char *mw = v >= 0 ? measure_word(num_end, s->clause_end) : NULL;
		if (mw == NULL) {
			p += num_end != NULL && num_end > p ? (size_t)(num_end - p) : 1;
			continue;
		}
		number_target(s, p, v, num_end, mw, &last);
		found++;
		p = last;
	}
	return found;
}

/* 建成A、B和C by a date: one milestone per thing named. */
static void clause_milestones(struct scan *s)
{
	static const char *const verbs[] = {"建成", "纳入", "完成", "实现", "出台", NULL};
	const char *v = NULL, *p = NULL;
	for (size_t i = 0; verbs[i] != NULL && v == NULL; i++)
		if ((v = find(s->clause, s->clause_end, verbs[i])) != NULL)
			p = v + strlen(verbs[i]);
	if (v == NULL || (!s->deadline[0] && s->recur == DOC_RECUR_NONE))
		return;
	const char *start = s->clause;
	while (p <= s->clause_end) {
		int sep = p == s->clause_end || at(p, s->clause_end, "、") ||
		          (at(p, s->clause_end, "和") && strncmp(v, "建成", 6) == 0);
		if (!sep) {
			p++;
			continue;
		}
		struct doc_target *t = add(s, start, p);
		if (t == NULL)
			return;
		t->value = 1;
		t->milestone = 1;
		if (p == s->clause_end)
			break;
		p += 3;
		start = p;
	}
}

static int is_clause_end(const char *p, const char *end)
{
	return at(p, end, "，") || at(p, end, "；") || at(p, end, "：") || *p == ',' || *p == ';';
}

static int is_sentence_end(const char *p, const char *end)
{
	return at(p, end, "。") || at(p, end, "！") || at(p, end, "？") || *p == '\n';
}

static void clause(struct scan *s)
{
	while (s->clause < s->clause_end && (*s->clause == ' ' || *s->clause == '\t'))
		s->clause++;
	if (s->clause == s->clause_end)
		return;
	size_t len = (size_t)(s->clause_end - s->clause);
	doc_deadline_parse(s->clause, len, s->deadline);
	enum doc_recur r = doc_recurrence_parse(s->clause, len);
	if (r != DOC_RECUR_NONE)
		s->recur = r;
	if (clause_numbers(s) == 0)
		clause_milestones(s);
}

size_t doc_targets_find(const char *text, const char *deadline, enum doc_recur recur,
                        struct doc_target *out, size_t max)
{
	struct scan s = {.text = text,
	                 .sentence = text,
	                 .segment = text,
	                 .clause = text,
	                 .fallback_deadline = deadline && deadline[0] ? deadline : NULL,
	                 .fallback_recur = recur,
	                 .out = out,
	                 .max = max};
	const char *end = text + strlen(text);
	for (const char *p = text; p <= end;) {
		int sentence = p == end || is_sentence_end(p, end);
		if (!sentence && !is_clause_end(p, end)) {
			p++;
			continue;
		}
		s.clause_end = p;
		clause(&s);
		size_t step = p == end ? 1 : (*p == '\n' || *p == ',' || *p == ';' ? 1 : 3);
		if (sentence) {
			s.deadline[0] = '\0';
			s.recur = DOC_RECUR_NONE;
		}
		if (sentence || at(p, end, "；") || *p == ';')
			s.segment = p + step;
		p += step;
		s.clause = p;
	}
	return s.n;
}
