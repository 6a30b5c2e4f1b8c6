/* doc_target.h — measurable commitments found in a measure item's text. */
#ifndef ZEREN_DOC_TARGET_H
#define ZEREN_DOC_TARGET_H

#include <stddef.h>

enum doc_cmp { DOC_CMP_GTE, DOC_CMP_GT, DOC_CMP_LTE, DOC_CMP_LT, DOC_CMP_EQ };
enum doc_recur { DOC_RECUR_NONE, DOC_RECUR_ANNUAL, DOC_RECUR_BIENNIAL };

/* One target as read; positions are byte offsets into the text it was found in. */
struct doc_target {
	double value;
	char uom[16]; /* measure word as written (人次, 所, %), "" for a milestone */
	enum doc_cmp cmp; /* 以上 不少于 不低于 达到 达 → gte, 超过 → gt, 以内 不超过 → lte */
	int cmp_written;   /* the comparator is in the text, not the default gte */
	char deadline[11]; /* YYYY-MM-DD, "" when the text gives none */
	enum doc_recur recur;
	int milestone; /* a thing to be done by a date, value 1, no measure word */
	int sum;       /* what is done in a period adds up (人次, 培训, 带动); else a level */
	int policy;    /* a policy parameter (a grant, a rate): reported, not a target */
	size_t phrase, phrase_len; /* source phrase: the clause it stands in */
	size_t segment; /* start of its ；-part, where an accountable unit would be named */
};

/* Finds the targets in text (NUL-terminated), at most max into out; returns how many. A
 * deadline or recurrence in a clause holds for the rest of its sentence; where a sentence
 * gives none, deadline / recur (a table's deadline column; may be "" and NONE) are used. */
size_t doc_targets_find(const char *text, const char *deadline, enum doc_recur recur,
                        struct doc_target *out, size_t max);

/* The first deadline phrase in s[0..len) (到2022年, 2022年年底前, 2023年6月底前) as YYYY-MM-DD
 * into out; returns 1 when one was found. 2019年1月1日至… and 2012年起 are not deadlines. */
int doc_deadline_parse(const char *s, size_t len, char out[11]);

/* 每年 → annual, 每两年 → biennial, in s[0..len). */
enum doc_recur doc_recurrence_parse(const char *s, size_t len);

/* The value of the Chinese numeral at s (一, 两, 十五, 一百二十, 三千), its length in *len;
 * -1 when s does not start with one. */
double doc_cn_number(const char *s, size_t *len);

#endif
