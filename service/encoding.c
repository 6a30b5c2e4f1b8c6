/* encoding.c — hex and base64url, the one copy every module uses (tokens, cursors, ids). */
#include "encoding.h"

#include <stdint.h>

static const char encoding_hex_digits[] = "0123456789abcdef";
static const char encoding_b64url_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t encoding_hex(const unsigned char *in, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len && o + 2 < cap; i++) {
		out[o++] = encoding_hex_digits[in[i] >> 4];
		out[o++] = encoding_hex_digits[in[i] & 15];
	}
	out[o] = '\0';
	return o;
}

size_t encoding_b64url_encode(const unsigned char *in, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = encoding_b64url_alphabet[(v >> 18) & 63];
		out[o++] = encoding_b64url_alphabet[(v >> 12) & 63];
		if (i + 1 < len)
			out[o++] = encoding_b64url_alphabet[(v >> 6) & 63];
		if (i + 2 < len)
			out[o++] = encoding_b64url_alphabet[v & 63];
	}
	out[o] = '\0';
	return o;
}

static int encoding_b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

long encoding_b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	size_t o = 0;
	unsigned int acc = 0;
	int bits = 0;

	/* a lone sixth of a byte cannot occur; the exact decoded size is known up front */
	if (len % 4 == 1 || len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > cap)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int val = encoding_b64url_value((unsigned char)in[i]);
		if (val < 0)
			return -1;
		acc = (acc << 6 | (unsigned int)val) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* non-canonical: bits past the last byte must be zero */
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (long)o;
}
