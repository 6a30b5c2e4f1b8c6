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

#endif
