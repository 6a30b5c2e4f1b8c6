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

/* The charset a Content-Type declares for text/csv. */
enum csv_charset {
	CSV_CHARSET_NONE,    /* no charset parameter: UTF-8 is required */
	CSV_CHARSET_UTF8,    /* utf-8 or utf8 */
	CSV_CHARSET_GB18030, /* gb18030, gbk, gb2312 (both subsets of GB18030), cp936 */
	CSV_CHARSET_OTHER    /* anything else: refused */
};

/* 1 when content_type (may be NULL) is text/csv, with *charset set from its parameters;
 * 0 otherwise. */
int csv_media_type(const char *content_type, enum csv_charset *charset);

/* 0 when the len bytes at data are well-formed UTF-8, otherwise the line (from 1) holding the
 * first byte that is not. */
size_t csv_utf8_bad_line(const char *data, size_t len);

/* GB18030 text (GBK and GB2312 are subsets) as new UTF-8 text of *out_len bytes, which the
 * caller frees; NULL with err naming the line when a byte sequence is not GB18030 or memory
 * ran out. */
char *csv_gb18030_to_utf8(const char *data, size_t len, size_t *out_len, char *err, size_t errlen);

#endif
