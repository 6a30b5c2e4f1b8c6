/* test_document_seed.c — the seed list as text, .docx and .xlsx gives db/seed's plan. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "document/doc_parse.h"
#include "import.h"
#include "suites.h"
#include "test_document.h"

/* The seed's units as known units (what the database would hold), with members. */
struct known {
	json_t *seed;
	struct doc_known_unit *units;
	const char **members; /* one NULL-terminated run per group, back to back */
	const char **aliases; /* the same for each unit's aliases */
	size_t n;
};

static void known_load(struct known *k)
{
	json_error_t err;
	k->seed = json_load_file(doc_test_path("db/seed/yunfu-gdjg.json"), 0, &err);
	ck_assert_msg(k->seed != NULL, "seed: %s", err.text);
	json_t *units = json_object_get(k->seed, "units");
	k->n = json_array_size(units);
	k->units = calloc(k->n, sizeof(*k->units));
	k->members = calloc(k->n * 8 + 1, sizeof(*k->members));
	k->aliases = calloc(k->n * 2, sizeof(*k->aliases));
	size_t i, at = 0, aat = 0;
	json_t *u;
	json_array_foreach(units, i, u)
	{
		k->units[i].code = json_string_value(json_object_get(u, "code"));
		k->units[i].name = json_string_value(json_object_get(u, "name"));
		k->units[i].kind = json_string_value(json_object_get(u, "kind"));
		json_t *a = json_object_get(u, "aliases");
		if (json_array_size(a) == 1) { /* the seed's units have one alias at most */
			k->units[i].aliases = &k->aliases[aat];
			k->aliases[aat++] = json_string_value(json_array_get(a, 0));
			k->aliases[aat++] = NULL;
		}
		json_t *m = json_object_get(u, "members");
		if (m == NULL)
			continue;
		k->units[i].members = &k->members[at];
		for (size_t j = 0; j < json_array_size(m); j++)
			k->members[at++] = json_string_value(json_array_get(m, j));
		k->members[at++] = NULL;
	}
}

static void known_free(struct known *k)
{
	free(k->units);
	free(k->members);
	free(k->aliases);
	json_decref(k->seed);
}

static json_t *by_code(json_t *arr, const char *code)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "code")), code) == 0)
			return v;
	}
	return NULL;
}

static void same_str(json_t *a, json_t *b, const char *key, const char *where)
{
	const char *x = json_string_value(json_object_get(a, key));
	const char *y = json_string_value(json_object_get(b, key));
	ck_assert_msg(x != NULL && y != NULL && strcmp(x, y) == 0,
	              "%s %s: parsed \"%s\", seed \"%s\"", where, key, x ? x : "(none)",
	              y ? y : "(none)");
}

static void same_json(json_t *a, json_t *b, const char *key, const char *where)
{
	json_t *x = json_object_get(a, key), *y = json_object_get(b, key);
	ck_assert_msg((x == NULL && y == NULL) || json_equal(x, y), "%s: %s differs", where, key);
}

static void compare_units(json_t *doc, json_t *seed)
{
	json_t *pu = json_object_get(doc, "units"), *su = json_object_get(seed, "units");
	ck_assert_uint_eq(json_array_size(pu), json_array_size(su));
	size_t i;
	json_t *s;
	json_array_foreach(su, i, s)
	{
		const char *code = json_string_value(json_object_get(s, "code"));
		json_t *p = by_code(pu, code);
		ck_assert_msg(p != NULL, "unit %s missing", code);
		same_str(p, s, "name", code);
		same_str(p, s, "kind", code);
		same_json(p, s, "members", code);
		same_json(p, s, "aliases", code);
		ck_assert_int_eq(json_is_false(json_object_get(p, "in_source")),
		                 json_is_false(json_object_get(s, "in_source")));
	}
}

/* The Word and Excel copies of the list have no （二） heading: their first task cell is merged
 * over measures 1-7 (xlsx A3:A9, a w:vMerge run in the docx), so those files themselves put
 * measures 4-7 under （一）. The parse must say what the file says; office marks that. */
static void compare_structure(json_t *doc, json_t *seed, int office)
{
	json_t *pt = json_object_get(doc, "tasks"),
	       *st = json_deep_copy(json_object_get(seed, "tasks"));
	if (office)
		json_array_remove(st, 1);
	ck_assert_uint_eq(json_array_size(pt), json_array_size(st));
	for (size_t i = 0; i < json_array_size(st); i++) {
		json_t *p = json_array_get(pt, i), *s = json_array_get(st, i);
		same_str(p, s, "code", "task");
		same_str(p, s, "label", "task");
		same_str(p, s, "title", "task");
		same_json(p, s, "number", "task");
	}
	json_decref(st);
	json_t *pm = json_object_get(doc, "measures"), *sm = json_object_get(seed, "measures");
	ck_assert_uint_eq(json_array_size(pm), json_array_size(sm));
	for (size_t i = 0; i < json_array_size(sm); i++) {
		json_t *p = json_array_get(pm, i), *s = json_array_get(sm, i);
		const char *code = json_string_value(json_object_get(s, "code"));
		same_str(p, s, "code", code);
		long n = (long)json_integer_value(json_object_get(s, "number"));
		if (office && n >= 4 && n <= 7)
			ck_assert_str_eq(json_string_value(json_object_get(p, "task")),
			                 "yunfu-gdjg-t1");
		else
			same_str(p, s, "task", code);
		same_str(p, s, "title", code);
		same_json(p, s, "number", code);
		same_json(p, s, "items", code);
		same_json(p, s, "lead", code);
		same_json(p, s, "related", code);
	}
}

static json_t *claim(json_t *targets, json_t *want, json_t *used)
{
	size_t i;
	json_t *t;
	json_array_foreach(targets, i, t)
	{
		const char *code = json_string_value(json_object_get(t, "code"));
		if (json_object_get(used, code) == NULL &&
		    json_equal(json_object_get(t, "item"), json_object_get(want, "item")) &&
		    json_number_value(json_object_get(t, "value")) ==
		            json_number_value(json_object_get(want, "value"))) {
			json_object_set_new(used, code, json_true());
			return t;
		}
	}
	return NULL;
}

/* Seed targets the parse gives identically in value, comparator, deadline and recurrence. */
static void compare_targets(json_t *doc, json_t *seed, const char *name)
{
	json_t *pm = json_object_get(doc, "measures"), *sm = json_object_get(seed, "measures");
	size_t total = 0, same = 0, found = 0, parsed = 0;
	for (size_t i = 0; i < json_array_size(sm); i++) {
		json_t *st = json_object_get(json_array_get(sm, i), "targets");
		json_t *pt = json_object_get(json_array_get(pm, i), "targets");
		json_t *used = json_object();
		parsed += json_array_size(pt);
		size_t j;
		json_t *want;
		json_array_foreach(st, j, want)
		{
			json_t *got = claim(pt, want, used);
			total++;
			if (got == NULL)
				continue;
			found++;
			if (json_equal(json_object_get(got, "comparator"),
			               json_object_get(want, "comparator")) &&
			    json_equal(json_object_get(got, "deadline"),
			               json_object_get(want, "deadline")) &&
			    json_equal(json_object_get(got, "recurrence"),
			               json_object_get(want, "recurrence")))
				same++;
		}
		json_decref(used);
	}
	fprintf(stderr,
	        "seed %s: %zu of %zu seed targets found, %zu identical (%.1f%%); %zu parsed\n",
	        name, found, total, same, 100.0 * (double)same / (double)total, parsed);
	ck_assert_msg(same * 10 >= total * 9, "%s: only %zu of %zu targets identical", name, same,
	              total);
}

static void parse_seed_file(const char *rel, int office)
{
	struct known k;
	known_load(&k);
	size_t len;
	char *bytes = doc_test_read(doc_test_path(rel), &len);
	struct doc_options o = {.code = "yunfu-gdjg", .units = k.units, .nunits = k.n};
	struct doc_result r;
	ck_assert_int_eq(doc_parse(bytes, len, &o, &r), DOC_OK);
	free(bytes);
	same_str(json_object_get(r.document, "plan"), json_object_get(k.seed, "plan"), "title",
	         "plan");
	compare_units(r.document, k.seed);
	compare_structure(r.document, k.seed, office);
	compare_targets(r.document, k.seed, rel);
	json_t *errors = import_validate(r.document);
	char *dump = json_dumps(errors, 0);
	ck_assert_msg(json_array_size(errors) == 0, "not importable: %s", dump);
	free(dump);
	json_decref(errors);
	json_t *s = r.stats;
	ck_assert_int_eq(json_integer_value(json_object_get(s, "tasks")), office ? 4 : 5);
	ck_assert_int_eq(json_integer_value(json_object_get(s, "measures")), 17);
	ck_assert_int_eq(json_integer_value(json_object_get(s, "units_new")), 0);
	doc_result_free(&r);
	known_free(&k);
}

START_TEST(seed_text)
{
	parse_seed_file("../shared/seeds/000_92dba40c8bd80f07.txt", 0);
}
END_TEST

START_TEST(seed_docx)
{
	parse_seed_file("../shared/seeds/office/yunfu-gdjg.docx", 1);
}
END_TEST

START_TEST(seed_xlsx)
{
	parse_seed_file("../shared/seeds/office/yunfu-gdjg.xlsx", 1);
}
END_TEST

/* Without known units every unit is new, with a stable code and a review entry each. */
START_TEST(seed_units_unknown)
{
	size_t len;
	char *bytes =
	        doc_test_read(doc_test_path("../shared/seeds/000_92dba40c8bd80f07.txt"), &len);
	struct doc_options o = {.code = "x"};
	struct doc_result a, b;
	ck_assert_int_eq(doc_parse(bytes, len, &o, &a), DOC_OK);
	ck_assert_int_eq(doc_parse(bytes, len, &o, &b), DOC_OK);
	free(bytes);
	ck_assert(json_equal(a.document, b.document));
	ck_assert_int_eq(json_integer_value(json_object_get(a.stats, "units_matched")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(a.stats, "units_new")),
	                 30); /* 市商务 is 市商务局 */
	doc_result_free(&a);
	doc_result_free(&b);
}
END_TEST

Suite *document_seed_suite(void)
{
	Suite *s = suite_create("document_seed");
	TCase *tc = tcase_create("seed");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, seed_text);
	tcase_add_test(tc, seed_docx);
	tcase_add_test(tc, seed_xlsx);
	tcase_add_test(tc, seed_units_unknown);
	suite_add_tcase(s, tc);
	return s;
}
