/* test_document_shared.c — ../shared/documents: measures and their units as the facts say. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "document/doc_parse.h"
#include "document/doc_target.h"
#include "suites.h"
#include "test_document.h"

/* A parsed document and its facts file. */
struct shared {
	struct doc_result r;
	json_t *facts, *counts, *names; /* names: unit code → name */
};

static void shared_load(struct shared *s, const char *base)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "../shared/documents/%s.txt", base);
	size_t len;
	char *bytes = doc_test_read(doc_test_path(rel), &len);
	struct doc_options o = {.code = "doc"};
	ck_assert_int_eq(doc_parse(bytes, len, &o, &s->r), DOC_OK);
	free(bytes);
	snprintf(rel, sizeof(rel), "../shared/documents/%s.facts.json", base);
	json_error_t err;
	s->facts = json_load_file(doc_test_path(rel), 0, &err);
	ck_assert_msg(s->facts != NULL, "%s: %s", rel, err.text);
	s->counts = json_object_get(s->facts, "counts");
	s->names = json_object();
	size_t i;
	json_t *u;
	json_array_foreach(json_object_get(s->r.document, "units"), i, u)
	{
		json_object_set(s->names, json_string_value(json_object_get(u, "code")),
		                json_object_get(u, "name"));
	}
}

static void shared_free(struct shared *s)
{
	doc_result_free(&s->r);
	json_decref(s->facts);
	json_decref(s->names);
}

static int is_group(const char *name)
{
	return strncmp(name, "各", 3) == 0 || strncmp(name, "有关", 6) == 0;
}

static const char *name_of(struct shared *s, json_t *code)
{
	return json_string_value(json_object_get(s->names, json_string_value(code)));
}

/* The measure numbered n (1-based as the document numbers it). */
static json_t *measure(struct shared *s, long n)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(s->r.document, "measures"), i, m)
	{
		if (json_integer_value(json_object_get(m, "number")) == n)
			return m;
	}
	ck_abort_msg("no measure %ld", n);
	return NULL;
}

/* "（十三）", "十三" or "13" → 13. */
static long label_number(const char *label)
{
	const char *p = strncmp(label, "（", 3) == 0 ? label + 3 : label;
	size_t len;
	double v = doc_cn_number(p, &len);
	return v > 0 ? (long)v : atol(p);
}

/* Measures counted, measures with units, and the named (non-group) units, as a set. */
static void check_counts(struct shared *s)
{
	json_t *ms = json_object_get(s->r.document, "measures"), *seen = json_object();
	size_t with_units = 0, i;
	json_t *m;
	ck_assert_int_eq((long)json_array_size(ms),
	                 json_integer_value(json_object_get(s->counts, "measures_numbered")));
	json_array_foreach(ms, i, m)
	{
		with_units += json_array_size(json_object_get(m, "lead")) > 0;
		const char *roles[] = {"lead", "related"};
		for (size_t k = 0; k < 2; k++) {
			size_t j;
			json_t *c;
			json_array_foreach(json_object_get(m, roles[k]), j, c)
			{
				const char *n = name_of(s, c);
				if (!is_group(n))
					json_object_set_new(seen, n, json_true());
			}
		}
	}
	ck_assert_int_eq((long)with_units,
	                 json_integer_value(json_object_get(s->counts, "measures_with_units")));
	json_t *want = json_object_get(s->counts, "distinct_named_units_list");
	ck_assert_uint_eq(json_object_size(seen), json_array_size(want));
	json_array_foreach(want, i, m)
	{
		ck_assert_msg(json_object_get(seen, json_string_value(m)) != NULL,
		              "unit %s not found", json_string_value(m));
	}
	json_decref(seen);
}

/* first_listed_lead_units: {unit: [measure labels]} — each of those measures' lead. */
static void check_leads(struct shared *s)
{
	json_t *leads = json_object_get(s->counts, "first_listed_lead_units");
	const char *unit;
	json_t *labels;
	json_object_foreach(leads, unit, labels)
	{
		size_t i;
		json_t *l;
		json_array_foreach(labels, i, l)
		{
			json_t *m = measure(s, label_number(json_string_value(l)));
			const char *got = name_of(s, json_array_get(json_object_get(m, "lead"), 0));
			ck_assert_msg(got != NULL && strcmp(got, unit) == 0, "%s: lead %s, want %s",
			              json_string_value(l), got ? got : "(none)", unit);
		}
	}
}

/* Measures listed under one heading share a task; under different headings they do not. */
static void check_headings(struct shared *s, const char *key)
{
	json_t *groups = json_object_get(s->counts, key), *task_of = json_object();
	ck_assert_ptr_nonnull(groups);
	const char *heading;
	json_t *labels;
	json_object_foreach(groups, heading, labels)
	{
		const char *task = NULL;
		size_t i;
		json_t *l;
		json_array_foreach(labels, i, l)
		{
			long n = json_is_integer(l) ? (long)json_integer_value(l)
			                            : label_number(json_string_value(l));
			const char *t = json_string_value(json_object_get(measure(s, n), "task"));
			ck_assert_msg(task == NULL || strcmp(task, t) == 0, "%s: measure %ld in %s",
			              heading, n, t);
			task = t;
		}
		ck_assert_msg(json_object_get(task_of, task) == NULL, "%s shares task %s", heading,
		              task);
		json_object_set_new(task_of, task, json_true());
	}
	json_decref(task_of);
}

/* measures_by_unit_count: {"2 units": [labels]} counts the named (non-group) units. */
static void check_unit_counts(struct shared *s)
{
	const char *key;
	json_t *labels;
	json_object_foreach(json_object_get(s->counts, "measures_by_unit_count"), key, labels)
	{
		size_t i;
		json_t *l;
		json_array_foreach(labels, i, l)
		{
			json_t *m = measure(s, label_number(json_string_value(l)));
			long named = 0;
			const char *roles[] = {"lead", "related"};
			for (size_t k = 0; k < 2; k++) {
				size_t j;
				json_t *c;
				json_array_foreach(json_object_get(m, roles[k]), j, c)
				{
					named += !is_group(name_of(s, c));
				}
			}
			ck_assert_msg(named == atol(key), "%s: %ld units, want %s",
			              json_string_value(l), named, key);
		}
	}
}

static void check_lead_set(struct shared *s)
{
	json_t *want = json_object_get(s->counts, "distinct_lead_units_list"), *got = json_object();
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(s->r.document, "measures"), i, m)
	{
		json_t *c = json_array_get(json_object_get(m, "lead"), 0);
		if (c != NULL)
			json_object_set_new(got, name_of(s, c), json_true());
	}
	ck_assert_uint_eq(json_object_size(got), json_array_size(want));
	json_array_foreach(want, i, m)
	{
		ck_assert_msg(json_object_get(got, json_string_value(m)), "lead %s missing",
		              json_string_value(m));
	}
	json_decref(got);
	ck_assert_uint_eq(json_array_size(json_object_get(measure(s, 29), "related")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(measure(s, 1), "lead")), 0);
}

START_TEST(guangzhou_633)
{
	struct shared s;
	shared_load(&s, "01_guangzhou-rencai-jiju-633");
	check_counts(&s);
	check_lead_set(&s);
	check_headings(&s, "measures_per_heading");
	shared_free(&s);
}
END_TEST

START_TEST(nongji)
{
	struct shared s;
	shared_load(&s, "02_guowuyuan-nongji-zhidao-yijian");
	check_counts(&s);
	check_leads(&s);
	check_headings(&s, "measures_per_chapter");
	shared_free(&s);
}
END_TEST

START_TEST(tiyu)
{
	struct shared s;
	shared_load(&s, "03_guobanfa-tiyu-jingsai-biaoyan");
	check_counts(&s);
	check_headings(&s, "measures_per_chapter");
	shared_free(&s);
}
END_TEST

START_TEST(duchajili)
{
	struct shared s;
	shared_load(&s, "04_guobanfa-duchajili-30xiang");
	check_counts(&s);
	check_unit_counts(&s);
	ck_assert_uint_eq(json_array_size(json_object_get(s.r.document, "tasks")), 1);
	shared_free(&s);
}
END_TEST

START_TEST(jiuye)
{
	struct shared s;
	shared_load(&s, "05_guowuyuan-cujin-jiuye-ruogan-yijian");
	check_counts(&s);
	check_leads(&s);
	check_headings(&s, "measures_per_chapter");
	shared_free(&s);
}
END_TEST

Suite *document_shared_suite(void)
{
	Suite *s = suite_create("document_shared");
	TCase *tc = tcase_create("documents");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, guangzhou_633);
	tcase_add_test(tc, nongji);
	tcase_add_test(tc, tiyu);
	tcase_add_test(tc, duchajili);
	tcase_add_test(tc, jiuye);
	suite_add_tcase(s, tc);
	return s;
}
