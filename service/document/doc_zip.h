/* doc_zip.h — reading one entry of an in-memory zip (an Office file) within bounds. */
#ifndef ZEREN_DOC_ZIP_H
#define ZEREN_DOC_ZIP_H

#include <stddef.h>

#include "document/doc.h"

/* An opened archive over a caller's buffer, which must outlive it. Free with doc_zip_close. */
struct doc_zip;

/* DOC_FORMAT when bytes are not a zip archive. *out is owned by the caller. */
enum doc_error doc_zip_open(const void *bytes, size_t len, struct doc_zip **out)
        __attribute__((warn_unused_result));
void doc_zip_close(struct doc_zip *z);

/* Non-zero when the archive has an entry of that exact name. */
int doc_zip_has(struct doc_zip *z, const char *name);

/* Reads the entry name whole into a new NUL-terminated buffer the caller frees. Refuses
 * (DOC_TOO_LARGE) an entry over DOC_MAX_ENTRY bytes or, once over 1 MiB, expanding to more
 * than DOC_MAX_RATIO times its compressed bytes, counted as no more than the archive holds
 * whatever its headers claim; no more bytes are inflated than the headers' expanded size, and
 * an entry whose stream differs from that size is refused too. DOC_ENCRYPTED for an encrypted
 * entry; DOC_FORMAT when it is missing. */
enum doc_error doc_zip_read(struct doc_zip *z, const char *name, char **out, size_t *out_len)
        __attribute__((warn_unused_result));

#endif
