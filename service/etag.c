/* etag.c — the tag is FNV-1a 64 of the representation: cheap, and any change changes it. */
#include "etag.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void etag_of(const char *text, size_t len, char out[ETAG_SIZE])
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 1099511628211ULL;
	}
	snprintf(out, ETAG_SIZE, "\"%016" PRIx64 "\"", h);
}

int etag_matches(const char *header, const char *etag)
{
	if (header == NULL)
		return 0;
	size_t elen = strlen(etag);
	const char *p = header;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, elen) == 0 &&
		    (p[elen] == '\0' || p[elen] == ',' || p[elen] == ' '))
			return 1;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return 0;
}
