/* cursor.c — "z1.<kind>.<k1>.<k2>....<check>" in unpadded base64url; strict both ways. The
 * check (FNV-1a of the rest) makes an edited or cut cursor fail instead of moving the page. */
#include "cursor.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "encoding.h"

size_t cursor_b64_encode(const unsigned char *in, size_t len, char *out)
{
	return encoding_b64url_encode(in, len, out);
}

static unsigned int cursor_check(const char *text, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 16777619u;
	}
	return h;
}

void cursor_encode(const char *kind, const long long *keys, int nkeys, char out[CURSOR_TEXT_MAX])
{
	/* 3 + 24 + 3 * 21 + 9 bytes at most: fits, so nothing is ever cut */
	char plain[128];
	int n = snprintf(plain, sizeof(plain), "z1.%.24s", kind);
	for (int i = 0; i < nkeys && i < CURSOR_MAX_KEYS; i++)
		n += snprintf(plain + n, sizeof(plain) - (size_t)n, ".%lld", keys[i]);
	snprintf(plain + n, sizeof(plain) - (size_t)n, ".%08x", cursor_check(plain, (size_t)n));
	cursor_b64_encode((const unsigned char *)plain, strlen(plain), out);
}

int cursor_decode(const char *text, const char *kind, long long *keys, int nkeys)
{
	unsigned char plain[136];
	if (text == NULL || strlen(text) > 180)
		return -1;
	long len = encoding_b64url_decode(text, strlen(text), plain, sizeof(plain) - 1);
	if (len <= 0)
		return -1;
	plain[len] = '\0';
	if (memchr(plain, '\0', (size_t)len) != NULL)
		return -1;
	char prefix[32];
	int plen = snprintf(prefix, sizeof(prefix), "z1.%s", kind);
	if (strncmp((char *)plain, prefix, (size_t)plen) != 0)
		return -1;
	const char *p = (char *)plain + plen;
	for (int i = 0; i < nkeys; i++) {
		if (*p != '.')
			return -1;
		p++;
		int neg = 0;
		if (*p == '-') {
			neg = 1;
			p++;
		}
		if (*p < '0' || *p > '9')
			return -1;
		/* only the encoder's own spelling: no leading zeros, no "-0" */
		if (*p == '0' && (neg || (p[1] >= '0' && p[1] <= '9')))
			return -1;
		long long v = 0;
		while (*p >= '0' && *p <= '9') {
			if (v > (INT64_MAX - (*p - '0')) / 10)
				return -1;
			v = v * 10 + (*p - '0');
			p++;
		}
		keys[i] = neg ? -v : v;
	}
	char check[16];
	snprintf(check, sizeof(check), ".%08x",
	         cursor_check((char *)plain, (size_t)(p - (char *)plain)));
	return strcmp(p, check) == 0 ? 0 : -1;
}
