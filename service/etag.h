/* etag.h — strong entity tags: a content hash, and matching an If-Match / If-None-Match list. */
#ifndef ZEREN_ETAG_H
#define ZEREN_ETAG_H

#include <stddef.h>

/* Room for one tag, quotes and the NUL included. */
#define ETAG_SIZE 24

/* Writes the quoted tag of len bytes of text into out. */
void etag_of(const char *text, size_t len, char out[ETAG_SIZE]);
/* 1 when header (a comma-separated list, W/ allowed, or "*") names etag; 0 for NULL. */
int etag_matches(const char *header, const char *etag);

#endif
