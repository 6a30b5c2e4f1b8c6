/* encoding.h — byte strings as text: lowercase hex and strict unpadded base64url. Pure; the
 * caller owns every buffer, nothing here allocates. */
#ifndef ZEREN_ENCODING_H
#define ZEREN_ENCODING_H

#include <stddef.h>

/* Room encoding_hex needs for len bytes: two digits each and the terminating NUL. */
#define ENCODING_HEX_LEN(len) (2 * (len) + 1)

/* Writes len bytes of in as lowercase hex digits into out (cap bytes, NUL included), as many
 * whole bytes as fit. Returns the number of digits written. */
size_t encoding_hex(const unsigned char *in, size_t len, char *out, size_t cap);

/* Unpadded base64url (RFC 4648 §5) of len bytes into out, which needs room for
 * 4 * len / 3 + 3 characters; NUL-terminated. Returns the text's length. */
size_t encoding_b64url_encode(const unsigned char *in, size_t len, char *out);

/* Strict unpadded base64url (RFC 7515 §2) of the len characters at in: alphabet only, no
 * padding, no impossible length, unused trailing bits zero, so every byte string has exactly
 * one accepted spelling. Returns the decoded length, or -1 when malformed or longer than cap
 * (nothing is promised about out then). */
long encoding_b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap)
        __attribute__((warn_unused_result));

#endif
