/* doc_text.h — plain text: decoding (UTF-8 or GB18030) and reading lines into a doc_body. */
#ifndef ZEREN_DOC_TEXT_H
#define ZEREN_DOC_TEXT_H

#include <stddef.h>

#include "document/doc.h"

/* Non-zero when the len bytes at s are valid UTF-8 (no overlongs, no surrogates). */
int doc_utf8_valid(const char *s, size_t len);

/* Decodes text to UTF-8: a UTF-8 BOM is dropped, valid UTF-8 is copied, anything else is
 * converted from GB18030. *out is a new NUL-terminated string the caller frees. DOC_EMPTY for
 * nothing but white space, DOC_FORMAT for binary (NUL bytes), DOC_ENCODING when neither. */
enum doc_error doc_text_decode(const char *bytes, size_t len, char **out, size_t *out_len)
        __attribute__((warn_unused_result));

/* How text is decoded: by its bytes (UTF-8 when valid, else GB18030), or as declared. */
enum doc_charset { DOC_TEXT_DETECT = 0, DOC_TEXT_UTF8, DOC_TEXT_GB18030 };

/* doc_text_decode with the charset given: DOC_TEXT_UTF8 refuses anything but UTF-8
 * (DOC_ENCODING), DOC_TEXT_GB18030 converts from GB18030 even bytes that are valid UTF-8. */
enum doc_error doc_text_decode_as(const char *bytes, size_t len, enum doc_charset cs, char **out,
                                  size_t *out_len) __attribute__((warn_unused_result));

/* Reads decoded text into b. Lines before the first that holds a tab are paragraphs; from
 * there on a tab starts a table cell, an untabbed line continues the cell before it (or
 * starts a new row's first cell), and a blank line ends a row that is complete (as many
 * cells as the first row) or holds a single cell; a line with tabs that does not open with one
 * is a row of its own (as copied from a spreadsheet). Text without tabs is all paragraphs. */
enum doc_error doc_text_read(const char *text, size_t len, struct doc_body *b)
        __attribute__((warn_unused_result));

#endif
