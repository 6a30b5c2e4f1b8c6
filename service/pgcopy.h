/* pgcopy.h — fields in PostgreSQL's COPY text format, for bulk loads into staging tables. */
#ifndef ZEREN_PGCOPY_H
#define ZEREN_PGCOPY_H

#include <stdio.h>

/* What follows a field: another field of the row, or the row's end. */
enum { PGCOPY_NEXT = 0, PGCOPY_LAST = 1 };

/* Writes s (NULL as \N) escaped for COPY text format, then a tab, or a newline when last is
 * PGCOPY_LAST. */
void pgcopy_field(FILE *out, const char *s, int last);
/* The same for an integer. */
void pgcopy_int(FILE *out, long long v, int last);

#endif
