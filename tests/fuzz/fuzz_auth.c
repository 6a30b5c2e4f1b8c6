/* fuzz_auth.c — bearer-token parsing: the Authorization header, then auth_verify on raw tokens
 * and on tokens signed here with the verifier's HS256 secret, so that the header and claims
 * checks behind the signature are reached too. The first byte picks the mode: 0 a header
 * value, 1 signed claims under a fixed JOSE header, 2 "header\nclaims" both signed. */
#include <openssl/evp.h>

#include "auth.h"
#include "cursor.h"
#include "fuzz.h"

#define FUZZ_SECRET "fuzz-secret-fuzz-secret-fuzz-secret-0123"
#define FUZZ_NOW    1767225600LL /* 2026-01-01T00:00:00Z; the seeds' exp lie after it */

static const struct auth_verifier *verifier(void)
{
	static struct auth_verifier *v;
	if (v == NULL) {
		const struct auth_settings s = {.hs256_secret = FUZZ_SECRET,
		                                .issuer = "zeren-fuzz",
		                                .audience = "zeren",
		                                .leeway_seconds = 30};
		char err[256];
		if (auth_verifier_create(&s, &v, err, sizeof(err)) != 0) {
			fprintf(stderr, "verifier: %s\n", err);
			abort();
		}
	}
	return v;
}

static int terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

static void verify(const char *token, size_t len)
{
	struct principal p;
	const char *reason = NULL;
	enum auth_status st = auth_verify(verifier(), token, len, FUZZ_NOW, &p, &reason);
	FUZZ_CHECK(reason != NULL);
	if (st != AUTH_OK) {
		FUZZ_CHECK(p.sub[0] == '\0' && p.iss[0] == '\0');
		return;
	}
	FUZZ_CHECK(strcmp(reason, "ok") == 0);
	FUZZ_CHECK(terminated(p.sub, sizeof(p.sub)) && terminated(p.iss, sizeof(p.iss)) &&
	           terminated(p.unit, sizeof(p.unit)) && terminated(p.jti, sizeof(p.jti)));
	FUZZ_CHECK(p.sub[0] != '\0' && strcmp(p.iss, "zeren-fuzz") == 0);
	FUZZ_CHECK(p.role >= ROLE_READER && p.role <= ROLE_ADMIN);
	FUZZ_CHECK(p.role != ROLE_REPORTER || p.unit[0] != '\0');
	FUZZ_CHECK(p.exp + 30 >= FUZZ_NOW);
}

/* base64url(header) "." base64url(claims) "." base64url(HMAC-SHA256 of the two), verified. */
static void verify_signed(const uint8_t *header, size_t hlen, const uint8_t *claims, size_t clen)
{
	size_t cap = 4 * (hlen + clen + 32) / 3 + 16;
	char *token = malloc(cap);
	if (token == NULL)
		abort();
	size_t n = cursor_b64_encode(header, hlen, token);
	token[n++] = '.';
	n += cursor_b64_encode(claims, clen, token + n);
	unsigned char mac[32];
	size_t maclen = 0;
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, FUZZ_SECRET, strlen(FUZZ_SECRET),
	              (const unsigned char *)token, n, mac, sizeof(mac), &maclen) == NULL)
		abort();
	token[n++] = '.';
	n += cursor_b64_encode(mac, maclen, token + n);
	FUZZ_CHECK(n < cap);
	verify(token, n);
	free(token);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char jose[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	if (size == 0)
		return 0;
	const uint8_t *rest = data + 1;
	size_t len = size - 1;
	switch (data[0] % 3) {
	case 0: {
		char *header = fuzz_cstr(rest, len);
		const char *token;
		size_t tlen;
		if (auth_bearer_token(header, &token, &tlen) == 0) {
			FUZZ_CHECK(tlen > 0 && token > header &&
			           token + tlen == header + strlen(header));
			verify(token, tlen);
		}
		verify((const char *)rest, len);
		free(header);
		break;
	}
	case 1:
		verify_signed((const uint8_t *)jose, sizeof(jose) - 1, rest, len);
		break;
	default: {
		const uint8_t *nl = memchr(rest, '\n', len);
		if (nl == NULL)
			verify_signed(rest, len, (const uint8_t *)"{}", 2);
		else
			verify_signed(rest, (size_t)(nl - rest), nl + 1,
			              len - (size_t)(nl - rest) - 1);
		break;
	}
	}
	return 0;
}
