/* csv.h — RFC 4180 CSV reading for scripted imports. */
#ifndef ZEREN_CSV_H
#define ZEREN_CSV_H

#include <stddef.h>

#include <jansson.h>

/* Parses UTF-8 CSV (an optional BOM, CRLF or LF line ends, "" escapes inside quoted fields)
 * into a new array of rows, each an array of strings; blank lines are skipped. Returns NULL
 * with a message naming the line when the text is not valid CSV or UTF-8, or has more than
 * max_rows rows. Caller owns the result. */
json_t *csv_parse(const char *data, size_t len, size_t max_rows, char *err, size_t errlen);

/* Called for each row csv_each reads (index 0 is the first): its cells as an array of
 * strings, which the callee may keep. Returns 0 to go on, non-zero to stop reading. */
typedef int (*csv_row_fn)(json_t *cells, size_t index, void *arg);

/* Reads like csv_parse but hands each row to fn as soon as it is complete, so a large text
 * never becomes one tree. Returns 0 when the text was read to its end or fn stopped it; -1
 * with err as csv_parse when it is not valid, after the rows before the fault were handed
 * over. */
int csv_each(const char *data, size_t len, size_t max_rows, csv_row_fn fn, void *arg, char *err,
             size_t errlen);

#endif
