/* webhook_sign.c — HMAC-SHA256 signatures (libcrypto) and random secrets. */
#include "webhook_sign.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

static void webhook_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int webhook_sign(const char *secret, long long t, const char *body, size_t len,
                 char out[WEBHOOK_SIGNATURE_SIZE])
{
	char stamp[24];
	int n = snprintf(stamp, sizeof(stamp), "%lld.", t);
	unsigned char mac[EVP_MAX_MD_SIZE];
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = hmac != NULL ? EVP_MAC_CTX_new(hmac) : NULL;
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
	                       OSSL_PARAM_construct_end()};
	size_t outl = 0;
	int ok = ctx != NULL &&
	         EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params) == 1 &&
	         EVP_MAC_update(ctx, (const unsigned char *)stamp, (size_t)n) == 1 &&
	         EVP_MAC_update(ctx, (const unsigned char *)body, len) == 1 &&
	         EVP_MAC_final(ctx, mac, &outl, sizeof(mac)) == 1 && outl == 32;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(hmac);
	if (!ok)
		return -1;
	char hex[2 * 32 + 1];
	webhook_hex(mac, outl, hex);
	snprintf(out, WEBHOOK_SIGNATURE_SIZE, "t=%lld,v1=%s", t, hex);
	return 0;
}

int webhook_secret_new(char out[WEBHOOK_SECRET_SIZE])
{
	unsigned char raw[32];
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	memcpy(out, "whsec_", 6);
	webhook_hex(raw, sizeof(raw), out + 6);
	return 0;
}
