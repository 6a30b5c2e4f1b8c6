/* doc_units.c — splitting unit lists, expanding shared endings, matching known units. */
#include "document/doc_units.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

static int starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static int ends(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* Endings that make a name a unit rather than a place or a fragment. */
static const char *const unit_endings[] = {"局", "委", "部", "办", "府", "院",   "校", "会", "社",
                                           "联", "处", "署", "行", "厅", "室",   "位", "团", "中心",
                                           "组", "所", "站", "馆", "队", "总局", NULL};

static int has_unit_ending(const char *s, size_t len)
{
	for (size_t i = 0; unit_endings[i] != NULL; i++)
		if (ends(s, len, unit_endings[i]))
			return 1;
	return 0;
}

/* Separator at s: its byte length, 0 when none; *enum_sep is set for 、 (a list of peers). */
static size_t separator(const char *s, int *enum_sep)
{
	static const char *const list[] = {"、", NULL};
	static const char *const other[] = {"，", "；", ",",  ";",    " ", "\n",
	                                    "\r", "\t", "　", "会同", NULL};
	for (size_t i = 0; list[i] != NULL; i++)
		if (starts(s, list[i]))
			return *enum_sep = 1, strlen(list[i]);
	for (size_t i = 0; other[i] != NULL; i++)
		if (starts(s, other[i]))
			return *enum_sep = 0, strlen(other[i]);
	if (starts(s, "等有关")) /* 人力资源社会保障部等有关部门和单位 */
		return *enum_sep = 0, strlen("等");
	return 0;
}

/* A name with its trailing 负责 / 按职责分工 / 牵头 / 等 removed. */
static size_t trim_tail(const char *s, size_t len)
{
	static const char *const tails[] = {"负责", "按职责分工", "分别", "牵头", "等", "。", NULL};
	for (int again = 1; again;) {
		again = 0;
		for (size_t i = 0; tails[i] != NULL; i++)
			if (ends(s, len, tails[i])) {
				len -= strlen(tails[i]);
				again = 1;
			}
	}
	return len;
}

/* The parts, each with whether a 、 came before it. */
struct parts {
	char *name[256];
	int after_enum[256];
	size_t n;
};

static int push(struct parts *p, const char *s, size_t len, int after_enum)
{
	len = trim_tail(s, len);
	if (len == 0 || p->n == 256)
		return 0;
	char *prev = p->n ? p->name[p->n - 1] : NULL;
	/* 各区、县级市: a 各 name without a unit ending takes the next part in. */
	if (after_enum && prev != NULL && starts(prev, "各") &&
	    !has_unit_ending(prev, strlen(prev))) {
		size_t pl = strlen(prev);
		char *j = realloc(prev, pl + strlen("、") + len + 1);
		if (j == NULL)
			return -1;
		snprintf(j + pl, strlen("、") + len + 1, "、%.*s", (int)len, s);
		p->name[p->n - 1] = j;
		return 0;
	}
	p->name[p->n] = strndup(s, len);
	if (p->name[p->n] == NULL)
		return -1;
	p->after_enum[p->n++] = after_enum;
	return 0;
}

/* 云城区、罗定市、郁南县人民政府: bare place names before a …人民政府 share its ending. */
static int expand_suffix(struct parts *p)
{
	static const char *const places[] = {"区", "市", "县", "镇", NULL};
	const char *suffix = "人民政府";
	for (size_t i = 0; i < p->n; i++) {
		size_t last = i;
		while (last + 1 < p->n && p->after_enum[last + 1])
			last++;
		const char *l = p->name[last];
		for (size_t k = i; last > i && ends(l, strlen(l), suffix) && k < last; k++) {
			size_t len = strlen(p->name[k]);
			int place = 0;
			for (size_t m = 0; places[m] != NULL; m++)
				place |= ends(p->name[k], len, places[m]);
			if (!place || starts(p->name[k], "各"))
				continue;
			char *x = realloc(p->name[k], len + strlen(suffix) + 1);
			if (x == NULL)
				return -1;
			strcpy(x + len, suffix);
			p->name[k] = x;
		}
		i = last;
	}
	return 0;
}

size_t doc_units_split(const char *text, char ***out)
{
	struct parts p = {.n = 0};
	const char *s = text, *start = text;
	int depth = 0, after = 0, failed = 0, e = 0;
	while (!failed) {
		size_t sl = 0;
		if (starts(s, "（") || *s == '(')
			depth++;
		else if ((starts(s, "）") || *s == ')') && depth > 0)
			depth--;
		if (*s == '\0' || (depth == 0 && (sl = separator(s, &e)) > 0)) {
			failed = push(&p, start, (size_t)(s - start), after) != 0;
			if (*s == '\0')
				break;
			after = e;
			s += sl;
			start = s;
			continue;
		}
		s++;
	}
	if (!failed)
		failed = expand_suffix(&p) != 0;
	*out = failed ? NULL : malloc((p.n ? p.n : 1) * sizeof(char *));
	if (*out == NULL) {
		doc_units_free(NULL, 0);
		for (size_t i = 0; i < p.n; i++)
			free(p.name[i]);
		return 0;
	}
	memcpy(*out, p.name, p.n * sizeof(char *));
	return p.n;
}

void doc_units_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

long doc_units_match(const struct doc_known_unit *known, size_t nknown, const char *name,
                     enum doc_unit_match *how)
{
	long prefix = -1;
	size_t nprefix = 0, nl = strlen(name);
	*how = DOC_UNIT_NONE;
	for (size_t i = 0; i < nknown; i++) {
		if (strcmp(known[i].name, name) == 0)
			return *how = DOC_UNIT_EXACT, (long)i;
		for (size_t a = 0; known[i].aliases != NULL && known[i].aliases[a] != NULL; a++)
			if (strcmp(known[i].aliases[a], name) == 0)
				return *how = DOC_UNIT_ALIAS, (long)i;
		if (nl >= 6 && strncmp(known[i].name, name, nl) == 0)
			prefix = (long)i, nprefix++;
	}
	if (nprefix == 1)
		*how = DOC_UNIT_TRUNCATED;
	return nprefix == 1 ? prefix : -1;
}

const char *doc_units_kind(const char *name)
{
	size_t len = strlen(name);
	if (starts(name, "各") || starts(name, "有关"))
		return domain_unit_kinds[DOMAIN_UNIT_GROUP];
	if (ends(name, len, "政府"))
		return domain_unit_kinds[DOMAIN_UNIT_COUNTY_GOVERNMENT];
	if (ends(name, len, "学院") || ends(name, len, "学校") || ends(name, len, "大学"))
		return domain_unit_kinds[DOMAIN_UNIT_SCHOOL];
	static const char *const orgs[] = {"会", "社", "联", "团委", "团市委", NULL};
	for (size_t i = 0; orgs[i] != NULL; i++)
		if (ends(name, len, orgs[i]))
			return domain_unit_kinds[DOMAIN_UNIT_ORGANISATION];
	return domain_unit_kinds[DOMAIN_UNIT_DEPARTMENT];
}

void doc_units_code(const char *name, char *buf, size_t len)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	snprintf(buf, len, "u-%08x", (unsigned)h);
}
