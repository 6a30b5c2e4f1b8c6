/* doc_registry.c — the units of a plan being built: known ones matched, new ones coded. */
#include <stdio.h>
#include <string.h>

#include "document/doc_plan.h"
#include "domain.h"
#include "reference_input.h"

enum doc_error doc_registry_init(struct doc_registry *r, const struct doc_options *o,
                                 struct doc_model *m)
{
	memset(r, 0, sizeof(*r));
	r->o = o, r->m = m;
	r->units = json_array(), r->by_name = json_object(), r->index = json_object();
	r->names = json_object();
	return r->units && r->by_name && r->index && r->names ? DOC_OK : DOC_NOMEM;
}

void doc_registry_free(struct doc_registry *r)
{
	json_decref(r->units);
	json_decref(r->by_name);
	json_decref(r->index);
	json_decref(r->names);
	memset(r, 0, sizeof(*r));
}

static json_t *unit_get(struct doc_registry *r, const char *code)
{
	json_t *at = json_object_get(r->index, code);
	return at ? json_array_get(r->units, (size_t)json_integer_value(at)) : NULL;
}

/* Adds a unit object under code; in_source false marks a group member never named. */
static json_t *unit_put(struct doc_registry *r, const char *code, const char *name,
                        const char *kind, int in_source)
{
	json_t *u = unit_get(r, code);
	if (u != NULL) {
		if (in_source)
			json_object_del(u, "in_source"), json_object_del(u, "note");
		return u;
	}
	u = json_pack("{s:s, s:s, s:s}", "code", code, "name", name, "kind", kind);
	if (u != NULL && !in_source) {
		json_object_set_new(u, "in_source", json_false());
		json_object_set_new(u, "note",
		                    json_string("member of a group named in the list, "
		                                "not named in the list itself"));
	}
	json_object_set_new(r->index, code, json_integer((json_int_t)json_array_size(r->units)));
	json_array_append_new(r->units, u);
	return u;
}

/* Adds alias to the unit's aliases unless it is there already (or is its name), while it has
 * fewer than the importer allows. */
static void unit_alias(json_t *u, const char *alias)
{
	if (u == NULL || strcmp(json_string_value(json_object_get(u, "name")), alias) == 0)
		return;
	json_t *aliases = json_object_get(u, "aliases");
	if (json_array_size(aliases) >= REFERENCE_ALIASES_MAX)
		return;
	if (aliases == NULL) {
		aliases = json_array();
		json_object_set_new(u, "aliases", aliases);
	}
	size_t i;
	json_t *a;
	json_array_foreach(aliases, i, a)
	{
		if (strcmp(json_string_value(a), alias) == 0)
			return;
	}
	json_array_append_new(aliases, json_string(alias));
}

/* A known unit in the document, with the aliases it already has (so an import keeps them). */
static const char *known_unit(struct doc_registry *r, const struct doc_known_unit *k)
{
	const char *department = domain_unit_kinds[DOMAIN_UNIT_DEPARTMENT];
	json_t *u = unit_put(r, k->code, k->name, k->kind ? k->kind : department, 1);
	for (size_t a = 0; k->aliases != NULL && k->aliases[a] != NULL; a++)
		unit_alias(u, k->aliases[a]);
	if (k->members == NULL)
		return k->code;
	json_t *members = json_array();
	for (size_t i = 0; k->members[i] != NULL; i++) {
		const struct doc_known_unit *mk = NULL;
		for (size_t j = 0; j < r->o->nunits && mk == NULL; j++)
			if (strcmp(r->o->units[j].code, k->members[i]) == 0)
				mk = &r->o->units[j];
		if (mk == NULL)
			continue;
		unit_put(r, mk->code, mk->name, mk->kind ? mk->kind : department, 0);
		json_array_append_new(members, json_string(mk->code));
	}
	json_object_set_new(unit_get(r, k->code), "members", members);
	return k->code;
}

static const char *new_unit(struct doc_registry *r, const char *name, const char *pointer)
{
	char code[16];
	doc_units_code(name, code, sizeof(code));
	const char *kind = doc_units_kind(name);
	r->created++;
	if (domain_lookup(domain_unit_kinds, kind) == DOMAIN_UNIT_GROUP) {
		/* A group needs members the document does not give: kept as an organisation. */
		doc_model_review(r->m, pointer,
		                 "a group named in the list; its members are not known: make it a "
		                 "group with members before importing",
		                 name);
		kind = domain_unit_kinds[DOMAIN_UNIT_ORGANISATION];
	} else {
		doc_model_review(r->m, pointer, "a unit not known before: new code generated",
		                 name);
	}
	json_t *u = unit_put(r, code, name, kind, 1);
	return u ? json_string_value(json_object_get(u, "code")) : NULL;
}

/* 1 when exactly one longer name the list writes begins with name (市商务 → 市商务局). */
static long longer_name(struct doc_registry *r, const char *name)
{
	size_t n = 0, len = strlen(name);
	const char *key;
	json_t *v;
	json_object_foreach(r->names, key, v)
	{
		if (len >= 6 && strlen(key) > len && strncmp(key, name, len) == 0)
			n++;
	}
	return n == 1 ? 1 : -1;
}

static const char *truncated_in_list(struct doc_registry *r, const char *name, const char *pointer)
{
	size_t len = strlen(name);
	const char *key, *full = NULL;
	json_t *v;
	json_object_foreach(r->names, key, v)
	{
		if (strlen(key) > len && strncmp(key, name, len) == 0)
			full = key;
	}
	char reason[256];
	snprintf(reason, sizeof(reason),
	         "a shortened name, matched to %s named elsewhere in the list (kept as its "
	         "alias)",
	         full);
	doc_model_review(r->m, pointer, reason, name);
	const char *code = doc_registry_unit(r, full, pointer);
	if (code != NULL) {
		json_object_set_new(r->by_name, name, json_string(code));
		unit_alias(unit_get(r, code), name);
	}
	return code;
}

/* More than DOC_UNIT_NAME_MAX characters. */
static int too_long(const char *name)
{
	size_t n = 0;
	for (const char *p = name; *p != '\0'; p++)
		n += ((unsigned char)*p & 0xC0) != 0x80;
	return n > DOC_UNIT_NAME_MAX;
}

const char *doc_registry_unit(struct doc_registry *r, const char *name, const char *pointer)
{
	json_t *c = json_object_get(r->by_name, name);
	if (c != NULL) {
		const char *code = json_string_value(c);
		/* named now: in the source */
		unit_put(r, code, name, domain_unit_kinds[DOMAIN_UNIT_DEPARTMENT], 1);
		return code;
	}
	if (too_long(name)) {
		doc_model_review(r->m, pointer,
		                 "not read as a unit: longer than a unit name (prose in a unit "
		                 "column?); name the unit by hand",
		                 name);
		return NULL;
	}
	enum doc_unit_match how;
	long k = doc_units_match(r->o->units, r->o->nunits, name, &how);
	const char *code;
	if (k >= 0) {
		code = known_unit(r, &r->o->units[k]);
		r->matched++;
		if (how == DOC_UNIT_TRUNCATED) {
			char reason[256];
			snprintf(reason, sizeof(reason),
			         "a shortened name, matched to %s (kept as its alias)",
			         r->o->units[k].name);
			doc_model_review(r->m, pointer, reason, name);
			unit_alias(unit_get(r, code), name);
		}
	} else if ((k = longer_name(r, name)) >= 0) {
		return truncated_in_list(r, name, pointer);
	} else {
		code = new_unit(r, name, pointer);
	}
	if (code != NULL)
		json_object_set_new(r->by_name, name, json_string(code));
	return code ? json_string_value(json_object_get(r->by_name, name)) : NULL;
}

static int is_prefix(const char *text, const char *name)
{
	return name != NULL && name[0] != '\0' && strncmp(text, name, strlen(name)) == 0;
}

const char *doc_registry_prefix(struct doc_registry *r, const char *text)
{
	for (size_t i = 0; i < r->o->nunits; i++) {
		const struct doc_known_unit *k = &r->o->units[i];
		int hit = k->members == NULL && is_prefix(text, k->name);
		for (size_t a = 0; !hit && k->aliases && k->aliases[a]; a++)
			hit = k->members == NULL && is_prefix(text, k->aliases[a]);
		if (hit)
			return doc_registry_unit(r, k->name, "/units");
	}
	size_t i;
	json_t *u;
	json_array_foreach(r->units, i, u)
	{
		const char *kind = json_string_value(json_object_get(u, "kind"));
		if (domain_lookup(domain_unit_kinds, kind) != DOMAIN_UNIT_GROUP &&
		    is_prefix(text, json_string_value(json_object_get(u, "name"))))
			return json_string_value(json_object_get(u, "code"));
	}
	return NULL;
}
