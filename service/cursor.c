/* cursor.c — "z1.<kind>.<k1>.<k2>....<tag>" in unpadded base64url; strict both ways. The tag
 * (HMAC-SHA256 of the rest under a server key, its first 64 bits as hex) makes an edited, cut or
 * forged cursor fail instead of moving the page. */
#include "cursor.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "encoding.h"

#define CURSOR_TAG_BYTES 8 /* 64 bits: forging one takes 2^63 tries against the server */

static unsigned char cursor_key[SHA256_DIGEST_LENGTH];
static pthread_once_t cursor_key_once = PTHREAD_ONCE_INIT;

/* A random key for a process that was given no secret. */
static void cursor_key_random(void)
{
	if (getrandom(cursor_key, sizeof(cursor_key), 0) != (ssize_t)sizeof(cursor_key)) {
		/* no entropy: a key from the clock and address still differs between processes */
		unsigned long long seed = (unsigned long long)(uintptr_t)&cursor_key ^
		                          (unsigned long long)getpid() << 32;
		EVP_Digest(&seed, sizeof(seed), cursor_key, NULL, EVP_sha256(), NULL);
	}
}

void cursor_key_derive(const char *secret)
{
	pthread_once(&cursor_key_once, cursor_key_random);
	if (secret == NULL || secret[0] == '\0')
		return;
	/* a key of its own, so a cursor tag says nothing about the JWT secret it came from */
	static const char label[] = "zeren cursor key v1";
	unsigned int n = 0;
	HMAC(EVP_sha256(), label, sizeof(label) - 1, (const unsigned char *)secret, strlen(secret),
	     cursor_key, &n);
}

size_t cursor_b64_encode(const unsigned char *in, size_t len, char *out)
{
	return encoding_b64url_encode(in, len, out);
}

/* The tag of text as hex into out (2 * CURSOR_TAG_BYTES + 1 bytes). */
static void cursor_tag(const char *text, size_t len, char *out)
{
	pthread_once(&cursor_key_once, cursor_key_random);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	HMAC(EVP_sha256(), cursor_key, sizeof(cursor_key), (const unsigned char *)text, len, mac,
	     &n);
	encoding_hex(mac, CURSOR_TAG_BYTES, out, 2 * CURSOR_TAG_BYTES + 1);
}

void cursor_encode(const char *kind, const long long *keys, int nkeys, char out[CURSOR_TEXT_MAX])
{
	/* 3 + 24 + 3 * 21 + 17 bytes at most: fits, so nothing is ever cut */
	char plain[128], tag[2 * CURSOR_TAG_BYTES + 1];
	int n = snprintf(plain, sizeof(plain), "z1.%.24s", kind);
	for (int i = 0; i < nkeys && i < CURSOR_MAX_KEYS; i++)
		n += snprintf(plain + n, sizeof(plain) - (size_t)n, ".%lld", keys[i]);
	cursor_tag(plain, (size_t)n, tag);
	snprintf(plain + n, sizeof(plain) - (size_t)n, ".%s", tag);
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
	char tag[2 * CURSOR_TAG_BYTES + 1];
	cursor_tag((char *)plain, (size_t)(p - (char *)plain), tag);
	/* constant time, so the tag cannot be found a byte at a time */
	return p[0] == '.' && strlen(p + 1) == sizeof(tag) - 1 &&
	                       CRYPTO_memcmp(p + 1, tag, sizeof(tag) - 1) == 0
	               ? 0
	               : -1;
}
