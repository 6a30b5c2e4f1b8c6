/* doc_plan.c — builds the zeren.plan/v1 document: plan, tasks, measures, assignments, targets. */
#include "document/doc_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "document/doc_target.h"
#include "domain.h"

/* PLAN_NUMBER_MAX: the importer's highest measure number; PLAN_TASK_NUMBER_MAX its highest
 * task number. */
enum { PLAN_MAX_TARGETS = 64, PLAN_NUMBER_MAX = 1000000, PLAN_TASK_NUMBER_MAX = 100000 };

/* Build state beyond the unit registry. */
struct build {
	struct doc_registry reg;
	const char *prefix;
	int first_year, last_year; /* of every deadline in the text; 0 when none */
	char start[11];
	long items, targets, assumed;
	json_t *assumptions; /* the plan's (borrowed from the plan object) */
};

/* Nothing but white space. */
static int blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/* A deadline column: its phrase as a deadline (到 implied), or its recurrence. */
static void column_deadline(const char *text, char out[11], enum doc_recur *recur)
{
	out[0] = '\0';
	*recur = DOC_RECUR_NONE;
	if (text == NULL)
		return;
	char buf[256];
	snprintf(buf, sizeof(buf), "到%s", text);
	if (!doc_deadline_parse(buf, strlen(buf), out))
		*recur = doc_recurrence_parse(text, strlen(text));
}

/* The first and last deadline years, for the plan's start and its horizon. */
static void years(struct build *b)
{
	struct doc_target t[PLAN_MAX_TARGETS];
	for (size_t i = 0; i < b->reg.m->nmeasures; i++) {
		struct doc_measure *x = &b->reg.m->measures[i];
		char d[11];
		enum doc_recur r;
		column_deadline(x->deadline, d, &r);
		for (size_t j = 0; j < x->nitems; j++) {
			size_t n = doc_targets_find(x->items[j], d, r, t, PLAN_MAX_TARGETS);
			for (size_t k = 0; k < n; k++) {
				int y = t[k].deadline[0] ? atoi(t[k].deadline) : 0;
				if (y > 0 && (b->first_year == 0 || y < b->first_year))
					b->first_year = y;
				if (y > b->last_year)
					b->last_year = y;
			}
		}
	}
}

/* Every unit name the list writes, for matching its own shortened names. */
static void list_names(struct build *b)
{
	for (size_t i = 0; i < b->reg.m->nmeasures; i++) {
		const char *lists[] = {b->reg.m->measures[i].lead, b->reg.m->measures[i].related};
		for (size_t k = 0; k < 2; k++) {
			char **names;
			size_t n = lists[k] ? doc_units_split(lists[k], &names) : 0;
			for (size_t j = 0; j < n; j++)
				json_object_set_new(b->reg.names, names[j], json_true());
			if (lists[k] != NULL)
				doc_units_free(names, n);
		}
	}
}

static json_t *plan_object(struct build *b, const struct doc_options *o)
{
	struct doc_model *m = b->reg.m;
	const char *title = o->title ? o->title : m->title;
	if (title == NULL || blank(title)) {
		title = "（无标题）";
		doc_model_review(m, "/plan/title", "no title found in the document", NULL);
	}
	int y = b->first_year ? b->first_year - 1 : 0;
	if (y == 0) {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		y = tm.tm_year + 1900;
	}
	snprintf(b->start, sizeof(b->start), "%04d-01-01", y);
	json_t *as = json_pack(
	        "[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]", "field", "start_date", "note",
	        "Assumed because the source document is silent; the year before its first "
	        "deadline.",
	        "field", "cadence", "note",
	        "Assumed because the source document is silent; quarterly reporting chosen.",
	        "field", "report_due_days", "note",
	        "Assumed because the source document is silent; reports due 15 days after a "
	        "period.");
	doc_model_review(m, "/plan/start_date", "assumed: the document gives no start date", NULL);
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:o}", "code", b->prefix, "title", title,
	                 "start_date", b->start, "cadence", domain_cadences[DOMAIN_CADENCE_QUARTER],
	                 "report_due_days", 15, "assumptions", as);
}

/* Tasks that have measures; numbered by their labels when those rise (（一）（三）…) within
 * the importer's range, else 1..n; codes[i] for model task i ("" when dropped). A task
 * without a title (the one task of a list that has neither task column nor title) gets the
 * plan's title, with a review entry. */
static json_t *tasks_array(struct build *b, char (*codes)[80], const char *plan_title)
{
	json_t *a = json_array();
	int n = 0, last = 0, rising = 1;
	for (size_t i = 0; i < b->reg.m->ntasks; i++) {
		struct doc_task *t = &b->reg.m->tasks[i];
		if (t->measures > 0 &&
		    (t->label == NULL || t->number <= last || t->number > PLAN_TASK_NUMBER_MAX))
			rising = 0;
		last = t->measures > 0 ? t->number : last;
	}
	for (size_t i = 0; i < b->reg.m->ntasks; i++) {
		struct doc_task *t = &b->reg.m->tasks[i];
		codes[i][0] = '\0';
		if (t->measures == 0)
			continue;
		char *title = blank(t->title) ? strdup(plan_title) : NULL;
		if (title != NULL) {
			char p[64];
			snprintf(p, sizeof(p), "/tasks/%zu/title", json_array_size(a));
			doc_model_review(b->reg.m, p,
			                 "a task without a title: the plan's title taken", NULL);
			free(t->title);
			t->title = title;
		}
		n = rising ? t->number : n + 1;
		snprintf(codes[i], 80, "%s-t%d", b->prefix, n);
		json_array_append_new(a,
		                      json_pack("{s:s, s:i, s:s?, s:s}", "code", codes[i], "number",
		                                n, "label", t->label, "title", t->title));
	}
	return a;
}

static int has_code(json_t *a, const char *code)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) if (strcmp(json_string_value(v), code) == 0) return 1;
	return 0;
}

/* How a unit list is assigned. */
enum assign_as { AS_LEAD, AS_FIRST_LEADS, AS_RELATED };

/* Adds the units of a list to lead or related, each unit once per measure. */
static void assign(struct build *b, size_t mi, const char *text, enum assign_as as, json_t *lead,
                   json_t *related)
{
	char **names, p[64];
	size_t n = doc_units_split(text, &names);
	for (size_t i = 0; i < n; i++) {
		int to_lead = as == AS_LEAD || (as == AS_FIRST_LEADS && i == 0);
		snprintf(p, sizeof(p), "/measures/%zu/%s", mi, to_lead ? "lead" : "related");
		const char *code = doc_registry_unit(&b->reg, names[i], p);
		if (code != NULL && !has_code(lead, code) && !has_code(related, code))
			json_array_append_new(to_lead ? lead : related, json_string(code));
	}
	doc_units_free(names, n);
}

static void assignments(struct build *b, size_t mi, json_t *measure)
{
	struct doc_measure *x = &b->reg.m->measures[mi];
	json_t *lead = json_array(), *related = json_array();
	if (x->lead != NULL)
		assign(b, mi, x->lead, x->first_leads ? AS_FIRST_LEADS : AS_LEAD, lead, related);
	if (x->related != NULL)
		assign(b, mi, x->related, AS_RELATED, lead, related);
	if (json_array_size(lead) == 0) {
		char p[64];
		snprintf(p, sizeof(p), "/measures/%zu/lead", mi);
		doc_model_review(b->reg.m, p, "no lead unit found for this measure", x->title);
	}
	json_object_set_new(measure, "lead", lead);
	json_object_set_new(measure, "related", related);
}

/* The unit a target's part of the sentence opens with (云浮技师学院在校学生…), or NULL. */
static const char *accountable(struct build *b, const char *item, const struct doc_target *t)
{
	static const char *const lead_in[] = {"推动", "支持", "争取", "其中", "到", NULL};
	const char *found = NULL;
	for (const char *p = item + t->segment; p <= item + t->phrase;) {
		const char *q = p;
		for (size_t i = 0; lead_in[i] != NULL; i++)
			if (strncmp(q, lead_in[i], strlen(lead_in[i])) == 0)
				q += strlen(lead_in[i]);
		const char *c = doc_registry_prefix(&b->reg, q);
		if (c != NULL)
			found = c;
		const char *comma = strstr(p, "，");
		if (comma == NULL)
			break;
		p = comma + 3;
	}
	return found;
}

/* The domain's words for what doc_target read (its enums follow domain.h's order). */
_Static_assert(DOC_CMP_GTE == (int)DOMAIN_CMP_GTE && DOC_CMP_GT == (int)DOMAIN_CMP_GT &&
                       DOC_CMP_LTE == (int)DOMAIN_CMP_LTE && DOC_CMP_LT == (int)DOMAIN_CMP_LT &&
                       DOC_CMP_EQ == (int)DOMAIN_CMP_EQ,
               "doc_cmp follows domain_comparator");
_Static_assert(DOC_RECUR_ANNUAL - 1 == (int)DOMAIN_RECUR_ANNUAL &&
                       DOC_RECUR_BIENNIAL - 1 == (int)DOMAIN_RECUR_BIENNIAL,
               "doc_recur follows domain_recurrence after NONE");
static const char *comparator_name(enum doc_cmp c)
{
	return domain_comparators[c];
}

static const char *recurrence_name(enum doc_recur r)
{
	return r == DOC_RECUR_NONE ? NULL : domain_recurrences[r - 1];
}

static json_t *target_object(struct build *b, size_t mi, size_t item, const struct doc_target *t,
                             const char *code)
{
	const char *text = b->reg.m->measures[mi].items[item];
	int pct = strcmp(t->uom, "%") == 0 || strcmp(t->uom, "％") == 0;
	const char *kind = domain_target_kinds[t->milestone ? DOMAIN_TARGET_MILESTONE
	                                       : pct        ? DOMAIN_TARGET_PERCENTAGE
	                                                    : DOMAIN_TARGET_QUANTITY];
	json_t *o = json_pack("{s:s, s:i, s:s%, s:s, s:s, s:f}", "code", code, "item",
	                      (int)item + 1, "metric", text + t->phrase, t->phrase_len, "kind",
	                      kind, "comparator", comparator_name(t->cmp), "value", t->value);
	json_object_set_new(o, "unit_of_measure",
	                    t->milestone ? json_null() : json_string(pct ? "%" : t->uom));
	json_object_set_new(o, "deadline", t->deadline[0] ? json_string(t->deadline) : json_null());
	const char *recur = recurrence_name(t->recur);
	json_object_set_new(o, "recurrence", recur ? json_string(recur) : json_null());
	json_object_set_new(o, "recurrence_start",
	                    t->recur != DOC_RECUR_NONE ? json_string(b->start) : json_null());
	const char *acc = accountable(b, text, t);
	json_object_set_new(o, "accountable_unit", acc ? json_string(acc) : json_null());
	json_object_set_new(
	        o, "aggregation",
	        json_string(domain_aggregations[t->sum ? DOMAIN_AGG_SUM : DOMAIN_AGG_LATEST]));
	json_object_set_new(o, "share_of", json_null());
	json_object_set_new(o, "source_phrase", json_stringn(text + t->phrase, t->phrase_len));
	return o;
}

/* Review entries for a target: a milestone read from wording, a date assumed. */
static void target_review(struct build *b, const char *p, struct doc_target *t, const char *text,
                          const char *code)
{
	char phrase[1024];
	snprintf(phrase, sizeof(phrase), "%.*s", (int)t->phrase_len, text + t->phrase);
	if (t->milestone)
		doc_model_review(b->reg.m, p, "a milestone read from the wording (value 1)",
		                 phrase);
	if (!t->deadline[0] && t->recur == DOC_RECUR_NONE) {
		char reason[128];
		int y = b->last_year ? b->last_year : atoi(b->start);
		snprintf(t->deadline, sizeof(t->deadline), "%04d-12-31", y);
		snprintf(reason, sizeof(reason),
		         "no date in the text: the plan's horizon %s assumed", t->deadline);
		doc_model_review(b->reg.m, p, reason, phrase);
		b->assumed++;
		/* kept with the plan's other assumptions, as db/seed keeps them */
		char field[160];
		snprintf(field, sizeof(field), "targets/%s/deadline", code);
		json_array_append_new(b->assumptions,
		                      json_pack("{s:s, s:s}", "field", field, "note",
		                                "Assumed because the source document gives no "
		                                "date for this commitment; the plan's horizon "
		                                "(its latest deadline) taken."));
	}
}

static json_t *targets_array(struct build *b, size_t mi)
{
	struct doc_measure *x = &b->reg.m->measures[mi];
	struct doc_target t[PLAN_MAX_TARGETS];
	json_t *a = json_array();
	char d[11], p[96], code[128];
	enum doc_recur r;
	column_deadline(x->deadline, d, &r);
	for (size_t j = 0; j < x->nitems; j++) {
		size_t n = doc_targets_find(x->items[j], d, r, t, PLAN_MAX_TARGETS);
		for (size_t k = 0; k < n; k++) {
			snprintf(p, sizeof(p), "/measures/%zu/items/%zu", mi, j);
			if (t[k].policy) {
				doc_model_review(
				        b->reg.m, p,
				        "a number read as a policy parameter, not a target",
				        x->items[j]);
				continue;
			}
			snprintf(p, sizeof(p), "/measures/%zu/targets/%zu", mi, json_array_size(a));
			snprintf(code, sizeof(code), "%s-m%02d-t%02zu", b->prefix, x->number,
			         json_array_size(a) + 1);
			target_review(b, p, &t[k], x->items[j], code);
			json_array_append_new(a, target_object(b, mi, j, &t[k], code));
		}
	}
	b->targets += (long)json_array_size(a);
	return a;
}

/* The measure's number: as written, unless an earlier measure has it or it is out of the
 * importer's range; then the first from its position up that no measure is written with and
 * none has been given (numbers: given so far; written: every number the list writes), so
 * its code and its targets' codes are its own. */
static void measure_number(struct build *b, size_t mi, json_t *numbers, json_t *written)
{
	struct doc_measure *x = &b->reg.m->measures[mi];
	char key[24];
	snprintf(key, sizeof(key), "%d", x->number);
	int out = x->number < 1 || x->number > PLAN_NUMBER_MAX;
	if (out || json_object_get(numbers, key) != NULL) {
		int n = (int)mi + 1;
		for (;; n++) {
			snprintf(key, sizeof(key), "%d", n);
			if (json_object_get(numbers, key) == NULL &&
			    json_object_get(written, key) == NULL)
				break;
		}
		char p[64], reason[128];
		snprintf(p, sizeof(p), "/measures/%zu/number", mi);
		snprintf(reason, sizeof(reason), "a measure number %s: renumbered %d",
		         out ? "out of range" : "used twice", n);
		doc_model_review(b->reg.m, p, reason, x->title);
		x->number = n;
	}
	json_object_set_new(numbers, key, json_true());
}

/* A measure's title, kept when it has one; else its first item's first sentence (or line),
 * else a placeholder, with a review entry: the importer needs a title. An item without text
 * (a measure read from a number alone) takes the title. */
static enum doc_error measure_texts(struct build *b, size_t mi)
{
	struct doc_measure *x = &b->reg.m->measures[mi];
	char p[64];
	if (blank(x->title)) {
		const char *from = NULL;
		for (size_t j = 0; j < x->nitems && from == NULL; j++)
			from = blank(x->items[j]) ? NULL : x->items[j];
		snprintf(p, sizeof(p), "/measures/%zu/title", mi);
		doc_model_review(
		        b->reg.m, p,
		        from ? "a measure without a title: its first item's first sentence "
		               "taken as its title"
		             : "a measure without a title or content: a placeholder title "
		               "written; fill it in or delete the measure",
		        from);
		if (from == NULL)
			from = "（无标题措施）";
		from += strspn(from, " \t\r\n");
		const char *stop = strstr(from, "。"), *nl = strchr(from, '\n');
		size_t len = stop && (nl == NULL || stop < nl)
		                     ? (size_t)(stop - from) + strlen("。")
		             : nl ? (size_t)(nl - from)
		                  : strlen(from);
		char *t = strndup(from, len);
		if (t == NULL)
			return DOC_NOMEM;
		free(x->title);
		x->title = t;
	}
	for (size_t j = 0; j < x->nitems; j++) {
		if (!blank(x->items[j]))
			continue;
		char *t = strdup(x->title);
		if (t == NULL)
			return DOC_NOMEM;
		snprintf(p, sizeof(p), "/measures/%zu/items/%zu", mi, j);
		doc_model_review(b->reg.m, p, "an item without text: the measure's title taken",
		                 x->title);
		free(x->items[j]);
		x->items[j] = t;
	}
	return DOC_OK;
}

static json_t *measure_object(struct build *b, size_t mi, const char *task, json_t *numbers,
                              json_t *written)
{
	struct doc_measure *x = &b->reg.m->measures[mi];
	char code[128];
	if (measure_texts(b, mi) != DOC_OK)
		return NULL;
	measure_number(b, mi, numbers, written);
	snprintf(code, sizeof(code), "%s-m%02d", b->prefix, x->number);
	json_t *items = json_array();
	for (size_t j = 0; j < x->nitems; j++)
		json_array_append_new(
		        items, json_pack("{s:i, s:s}", "number", (int)j + 1, "text", x->items[j]));
	b->items += (long)x->nitems;
	json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:o}", "code", code, "number", x->number,
	                      "task", task, "title", x->title, "items", items);
	assignments(b, mi, o);
	json_object_set_new(o, "targets", targets_array(b, mi));
	return o;
}

enum doc_error doc_plan_build(struct doc_model *m, const struct doc_options *o, json_t **document,
                              json_t **stats)
{
	struct build b = {.prefix = o->code ? o->code : "plan"};
	*document = *stats = NULL;
	if (doc_registry_init(&b.reg, o, m) != DOC_OK) {
		doc_registry_free(&b.reg);
		return DOC_NOMEM;
	}
	years(&b);
	list_names(&b);
	json_t *plan = plan_object(&b, o);
	b.assumptions = json_object_get(plan, "assumptions");
	char(*codes)[80] = calloc(m->ntasks + 1, sizeof(*codes));
	const char *ptitle = json_string_value(json_object_get(plan, "title"));
	json_t *tasks = codes && ptitle ? tasks_array(&b, codes, ptitle) : NULL;
	json_t *measures = json_array(), *numbers = json_object(), *written = json_object();
	for (size_t i = 0; i < m->nmeasures; i++) {
		char key[24];
		snprintf(key, sizeof(key), "%d", m->measures[i].number);
		json_object_set_new(written, key, json_true());
	}
	int failed = codes == NULL;
	for (size_t i = 0; !failed && i < m->nmeasures; i++) {
		json_t *x = measure_object(&b, i, codes[m->measures[i].task], numbers, written);
		failed = x == NULL || json_array_append_new(measures, x) != 0;
	}
	json_decref(numbers);
	json_decref(written);
	if (failed) { /* json_pack refuses the NULL, and the document is not built */
		json_decref(measures);
		measures = NULL;
	}
	free(codes);
	*document = json_pack("{s:s, s:o, s:O, s:o, s:o}", "format", "zeren.plan/v1", "plan", plan,
	                      "units", b.reg.units, "tasks", tasks, "measures", measures);
	*stats = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "tasks",
	                   (json_int_t)json_array_size(tasks), "measures", (json_int_t)m->nmeasures,
	                   "items", (json_int_t)b.items, "units_matched", (json_int_t)b.reg.matched,
	                   "units_new", (json_int_t)b.reg.created, "targets", (json_int_t)b.targets,
	                   "targets_assumed", (json_int_t)b.assumed);
	doc_registry_free(&b.reg);
	if (*document == NULL || *stats == NULL) {
		json_decref(*document);
		json_decref(*stats);
		*document = *stats = NULL;
		return DOC_NOMEM;
	}
	return DOC_OK;
}
