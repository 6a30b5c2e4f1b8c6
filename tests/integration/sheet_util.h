/* sheet_util.h — workbooks in integration tests: a response saved to a file, one member of
 * the zip read or replaced (as a person's spreadsheet program rewrites the sheet), cells of
 * the sheet XML filled. */
#ifndef ZEREN_IT_SHEET_UTIL_H
#define ZEREN_IT_SHEET_UTIL_H

#include <stddef.h>

/* Writes len bytes to a new temporary file whose path goes to path (PATH_MAX); the caller
 * unlinks it. */
void sheet_save(const char *body, size_t len, char *path);
/* The member's text (owned), or NULL when it is not in the archive. */
char *sheet_member(const char *file, const char *member);
/* Replaces the member with text. */
void sheet_replace(const char *file, const char *member, const char *text);
/* The file's bytes (owned) and length. */
char *sheet_read(const char *file, size_t *len);
/* Sets cell ref (e.g. "F5") of the sheet XML *xml (owned, replaced) to an inline string, or
 * to a number when number is non-zero, as Excel writes a typed value. The cell must exist. */
void sheet_fill(char **xml, const char *ref, const char *text, int number);
/* The text of cell ref's <v> in the sheet XML (a number or a shared-string index) into out;
 * "" when the cell has no value. */
const char *sheet_value(const char *xml, const char *ref, char *out, size_t len);

#endif
