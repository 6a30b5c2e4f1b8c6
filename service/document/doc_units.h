/* doc_units.h — unit lists as written in a responsibility list: splitting and matching. */
#ifndef ZEREN_DOC_UNITS_H
#define ZEREN_DOC_UNITS_H

#include <stddef.h>

#include "document/doc.h"

/* Characters a unit name has at most; a longer "name" in a unit list is prose (a cell that
 * is really a sentence), never made a unit. The importer allows 500. */
enum { DOC_UNIT_NAME_MAX = 100 };

/* A unit the caller already knows (from the database, or the units of a plan document),
 * passed in as plain data. All pointers are borrowed and must outlive the parse. */
struct doc_known_unit {
	const char *code, *name, *kind;
	const char *const *aliases; /* NULL-terminated, or NULL */
	const char *const *members; /* member codes of a group, NULL-terminated, or NULL */
};

/* The names in a unit list, in order: split on 、 ， ； and the words 会同 and 等 outside
 * brackets; a trailing 负责 / 按职责分工 / 等 dropped; 各区、县级市 kept whole (a 各 name
 * without a unit ending joins the next); a shared ending expanded (云城区、罗定市人民政府 →
 * 云城区人民政府, 罗定市人民政府). Returns the count (0 on no memory) with *out a new array
 * of new strings; free with doc_units_free. */
size_t doc_units_split(const char *text, char ***out);
void doc_units_free(char **names, size_t n);

/* How a name matched. */
enum doc_unit_match { DOC_UNIT_NONE, DOC_UNIT_EXACT, DOC_UNIT_ALIAS, DOC_UNIT_TRUNCATED };

/* The index in known of the unit named name: by name, by alias, or as the one known name
 * that begins with it (市商务 → 市商务局; two candidates is no match). -1 when none. */
long doc_units_match(const struct doc_known_unit *known, size_t nknown, const char *name,
                     enum doc_unit_match *how);

/* The kind a new unit of this name most likely has: group (各…, 有关…), county_government
 * (…人民政府), school (…学院, …学校), organisation (…会, …社, 团…委, 妇联) or department. */
const char *doc_units_kind(const char *name);

/* A stable code for a new unit: "u-" and eight hex digits of the name's FNV-1a hash, written
 * to buf (at least 11 bytes). */
void doc_units_code(const char *name, char *buf, size_t len);

#endif
