/* cursor.h — opaque keyset-pagination cursors: a list's kind and the last row's sort keys. */
#ifndef ZEREN_CURSOR_H
#define ZEREN_CURSOR_H

#include <stddef.h>

#define CURSOR_MAX_KEYS 3
#define CURSOR_TEXT_MAX 192

/* The key cursors are MAC'd with: derived from secret (SHA-256 of a fixed label and the
 * secret), or, with NULL or "", a random key of this process (what happens without a call).
 * Call at start-up, before threads encode or decode; cursors made under another key are
 * refused afterwards. */
void cursor_key_derive(const char *secret);

/* Encodes kind (a short tag naming the list, so a cursor of one list is refused by another,
 * at most 24 bytes) and nkeys sort keys, with an HMAC-SHA256 tag under the cursor key, as
 * base64url text into out. */
void cursor_encode(const char *kind, const long long *keys, int nkeys, char out[CURSOR_TEXT_MAX]);

/* encoding_b64url_encode under the name tests know: len bytes into out (room for 4 * len / 3 + 3).
 * The encoding cursors use, open so that tests can build cursors the encoder never would. */
size_t cursor_b64_encode(const unsigned char *in, size_t len, char *out);

/* Decodes text made by cursor_encode for the same kind and exactly nkeys keys. Returns 0, or
 * -1 for anything else (tampered, truncated, another list's cursor). */
int cursor_decode(const char *text, const char *kind, long long *keys, int nkeys)
        __attribute__((warn_unused_result));

#endif
