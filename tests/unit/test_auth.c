/* test_auth.c — service/auth.c: pinned algorithms, claim checks, bearer parsing, minting. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp, rmdir, unlink */
#endif

#include "auth.h"

#include <check.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Tokens are built and signed here with libcrypto directly, not with libjwt: <jwt.h> stays
 * confined to auth.c, and verification is checked against an independent signer.
 */

#define NOW       1700000000LL
#define LEEWAY    30
#define SECRET    "0123456789abcdef0123456789abcdef" /* exactly 32 bytes */
#define ISSUER    "https://idp.example"
#define AUDIENCE  "zeren"
#define STD       "\"iss\":\"" ISSUER "\",\"aud\":\"" AUDIENCE "\",\"sub\":\"alice\""
#define HDR_HS    "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define HDR_RS    "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"rsa1\"}"
#define HDR_ES    "{\"alg\":\"ES256\",\"kid\":\"ec1\"}"
#define KEEP_MAX  1024
#define PATHS_MAX 16

enum signer { SIGN_NONE, SIGN_HS256, SIGN_RS256, SIGN_ES256, SIGN_ES256_DER };

/* Suite-wide fixtures, made once (unchecked fixture) and read-only in tests. */
static char g_dir[] = "/tmp/zeren-auth-test-XXXXXX";
static char g_paths[PATHS_MAX][256];
static size_t g_npaths;
static char g_keys_dir[256];
static char g_ec_file[256];
static char g_empty_dir[256];
static EVP_PKEY *g_rsa;
static EVP_PKEY *g_ec;
static char *g_rsa_pub_pem;

/* Per-test state (checked fixture). */
static struct auth_verifier *g_v;
/* The verifiers' token cache: 0 in the "auth" case, on in "auth, cached", where every token is
 * verified twice (the second answer from the cache) and both answers must agree. */
static size_t g_cache_entries;
static void *g_keep[KEEP_MAX];
static size_t g_nkeep;

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "test_auth fixture: %s failed\n", what);
		abort();
	}
}

static char *keep(void *p)
{
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_lt(g_nkeep, KEEP_MAX);
	g_keep[g_nkeep++] = p;
	return p;
}

__attribute__((format(printf, 1, 2))) static char *fmt(const char *f, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	s = keep(malloc((size_t)n + 1));
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

static char *b64url(const unsigned char *p, size_t n)
{
	static const char alphabet[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = keep(malloc(n / 3 * 4 + 5));
	size_t o = 0;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned long v =
		        (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 | p[i + 2];

		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (n - i == 1) {
		out[o++] = alphabet[p[i] >> 2];
		out[o++] = alphabet[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		out[o++] = alphabet[p[i] >> 2];
		out[o++] = alphabet[(p[i] & 3) << 4 | p[i + 1] >> 4];
		out[o++] = alphabet[(p[i + 1] & 15) << 2];
	}
	out[o] = '\0';
	return out;
}

static char *b64url_str(const char *s)
{
	return b64url((const unsigned char *)s, strlen(s));
}

/* Signs input with a private key; ES256 converts the DER signature to r || s (RFC 7518). */
static size_t pk_sign(EVP_PKEY *key, enum signer how, const char *input, unsigned char *sig)
{
	unsigned char der[1024];
	size_t der_len = sizeof(der);
	const unsigned char *q = der;
	const BIGNUM *r, *s;
	ECDSA_SIG *es;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
	ck_assert_int_eq(
	        EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)input, strlen(input)), 1);
	EVP_MD_CTX_free(ctx);
	if (how != SIGN_ES256) {
		memcpy(sig, der, der_len);
		return der_len;
	}
	es = d2i_ECDSA_SIG(NULL, &q, (long)der_len);
	ck_assert_ptr_nonnull(es);
	ECDSA_SIG_get0(es, &r, &s);
	ck_assert_int_eq(BN_bn2binpad(r, sig, 32), 32);
	ck_assert_int_eq(BN_bn2binpad(s, sig + 32, 32), 32);
	ECDSA_SIG_free(es);
	return 64;
}

/* header.payload.signature from JSON texts; for SIGN_HS256 key is the secret (a string). */
static char *make_token(const char *header, const char *payload, enum signer how, const void *key)
{
	unsigned char sig[1024] = {0};
	unsigned int hlen = 0;
	size_t sig_len = 0;
	char *input = fmt("%s.%s", b64url_str(header), b64url_str(payload));

	switch (how) {
	case SIGN_NONE:
		break;
	case SIGN_HS256:
		ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, (int)strlen(key),
		                           (const unsigned char *)input, strlen(input), sig,
		                           &hlen));
		sig_len = hlen;
		break;
	case SIGN_RS256:
	case SIGN_ES256:
	case SIGN_ES256_DER:
		sig_len = pk_sign((EVP_PKEY *)key, how, input, sig);
		break;
	}
	return fmt("%s.%s", input, b64url(sig, sig_len));
}

static char *hs(const char *payload)
{
	return make_token(HDR_HS, payload, SIGN_HS256, SECRET);
}

static char *std_payload(const char *role_and_more)
{
	return fmt("{" STD ",%s,\"exp\":%lld}", role_and_more, NOW + 600);
}

static const char *reason_of_v(const struct auth_verifier *v, const char *tok, long long now)
{
	struct principal p;
	const char *reason = NULL;
	enum auth_status st = auth_verify(v, tok, strlen(tok), now, &p, &reason);

	if (g_cache_entries > 0) {
		struct principal again;
		const char *reason_again = NULL;

		ck_assert_int_eq(auth_verify(v, tok, strlen(tok), now, &again, &reason_again), st);
		ck_assert_str_eq(reason_again, reason);
		ck_assert_int_eq(memcmp(&again, &p, sizeof(p)), 0);
	}
	ck_assert_ptr_nonnull(reason);
	ck_assert_int_eq(st == AUTH_OK, strcmp(reason, "ok") == 0);
	if (st != AUTH_OK)
		ck_assert_str_eq(p.sub, ""); /* *out is zeroed on failure */
	return reason;
}

static const char *reason_of(const char *tok)
{
	return reason_of_v(g_v, tok, NOW);
}

static struct auth_verifier *verifier(const char *secret, const char *keys, int leeway)
{
	struct auth_settings s = {
	        .hs256_secret = secret,
	        .public_keys_path = keys,
	        .issuer = ISSUER,
	        .audience = AUDIENCE,
	        .leeway_seconds = leeway,
	        .cache_entries = g_cache_entries,
	};
	struct auth_verifier *v = NULL;
	char err[256] = "";

	ck_assert_msg(auth_verifier_create(&s, &v, err, sizeof(err)) == 0, "create: %s", err);
	return v;
}

/* Expects auth_verifier_create to refuse s with a message containing want. */
static void refuses(const struct auth_settings *s, const char *want)
{
	struct auth_verifier *v = NULL;
	char err[256] = "";

	ck_assert_int_eq(auth_verifier_create(s, &v, err, sizeof(err)), -1);
	ck_assert_ptr_null(v);
	ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"", err, want);
}

static char *pem_of(EVP_PKEY *k, int private)
{
	char *data;
	char *out;
	long n;
	BIO *bio = BIO_new(BIO_s_mem());

	must(bio != NULL, "BIO_new");
	must(private ? PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) == 1
	             : PEM_write_bio_PUBKEY(bio, k) == 1,
	     "PEM write");
	n = BIO_get_mem_data(bio, &data);
	out = malloc((size_t)n + 1);
	must(out != NULL, "malloc");
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(bio);
	return out;
}

static const char *fixture_path(const char *name)
{
	must(g_npaths < PATHS_MAX, "fixture path count");
	snprintf(g_paths[g_npaths], sizeof(g_paths[0]), "%s/%s", g_dir, name);
	return g_paths[g_npaths++];
}

static void write_fixture(const char *name, const char *text)
{
	FILE *f = fopen(fixture_path(name), "w");

	must(f != NULL, "fopen fixture");
	must(fputs(text, f) >= 0, "write fixture");
	must(fclose(f) == 0, "close fixture");
}

static void suite_setup(void)
{
	char *ec_pem, *rsa_priv, *small_pem, *two;
	EVP_PKEY *small;

	/* once per test case: a fresh template each time */
	snprintf(g_dir, sizeof(g_dir), "%s", "/tmp/zeren-auth-test-XXXXXX");
	must(mkdtemp(g_dir) != NULL, "mkdtemp");
	g_rsa = EVP_RSA_gen(2048);
	g_ec = EVP_EC_gen("P-256");
	small = EVP_RSA_gen(1024);
	must(g_rsa && g_ec && small, "key generation");
	g_rsa_pub_pem = pem_of(g_rsa, 0);
	ec_pem = pem_of(g_ec, 0);
	rsa_priv = pem_of(g_rsa, 1);
	small_pem = pem_of(small, 0);
	two = malloc(strlen(g_rsa_pub_pem) + strlen(ec_pem) + 1);
	must(two != NULL, "malloc");
	strcpy(two, g_rsa_pub_pem);
	strcat(two, ec_pem);

	snprintf(g_keys_dir, sizeof(g_keys_dir), "%s", fixture_path("keys"));
	must(mkdir(g_keys_dir, 0700) == 0, "mkdir keys");
	write_fixture("keys/rsa1.pem", g_rsa_pub_pem);
	write_fixture("keys/ec1.pem", ec_pem);
	write_fixture("keys/README", "not a key, ignored: no .pem suffix\n");
	snprintf(g_ec_file, sizeof(g_ec_file), "%s/keys/ec1.pem", g_dir);
	snprintf(g_empty_dir, sizeof(g_empty_dir), "%s", fixture_path("empty"));
	must(mkdir(g_empty_dir, 0700) == 0, "mkdir empty");
	write_fixture("notpem.pem", "hello, I am not a key\n");
	write_fixture("private.pem", rsa_priv);
	write_fixture("small.pem", small_pem);
	write_fixture("two.pem", two);

	free(ec_pem);
	free(rsa_priv);
	free(small_pem);
	free(two);
	EVP_PKEY_free(small);
}

static void suite_teardown(void)
{
	/* Files were recorded before the directories that contain them: remove in reverse. */
	while (g_npaths > 0) {
		const char *p = g_paths[--g_npaths];

		if (unlink(p) != 0)
			rmdir(p);
	}
	rmdir(g_dir);
	EVP_PKEY_free(g_rsa);
	EVP_PKEY_free(g_ec);
	free(g_rsa_pub_pem);
}

static void test_setup(void)
{
	g_v = verifier(SECRET, g_keys_dir, LEEWAY);
	g_nkeep = 0;
}

static void cached_setup(void)
{
	g_cache_entries = 64;
	test_setup();
}

static void test_teardown(void)
{
	auth_verifier_destroy(g_v);
	g_v = NULL;
	while (g_nkeep > 0)
		free(g_keep[--g_nkeep]);
}

START_TEST(test_hs256_valid)
{
	struct principal p;
	const char *reason = NULL;
	const char *tok = hs(std_payload("\"role\":\"reporter\",\"unit\":\"U-7\",\"jti\":\"j1\","
	                                 "\"nbf\":1699999000,\"iat\":1699999000"));

	ck_assert_int_eq(auth_verify(g_v, tok, strlen(tok), NOW, &p, &reason), AUTH_OK);
	ck_assert_str_eq(reason, "ok");
	ck_assert_str_eq(p.sub, "alice");
	ck_assert_str_eq(p.iss, ISSUER);
	ck_assert_str_eq(p.unit, "U-7");
	ck_assert_str_eq(p.jti, "j1");
	ck_assert_int_eq(p.role, ROLE_REPORTER);
	ck_assert_int_eq(p.exp, NOW + 600);
}
END_TEST

START_TEST(test_rs256_and_es256_valid)
{
	struct principal p;
	const char *reason = NULL;
	const char *rs = make_token(HDR_RS, std_payload("\"role\":\"admin\""), SIGN_RS256, g_rsa);
	const char *es =
	        make_token(HDR_ES, std_payload("\"role\":\"supervisor\""), SIGN_ES256, g_ec);

	ck_assert_int_eq(auth_verify(g_v, rs, strlen(rs), NOW, &p, &reason), AUTH_OK);
	ck_assert_str_eq(reason, "ok");
	ck_assert_int_eq(p.role, ROLE_ADMIN);
	ck_assert_int_eq(auth_verify(g_v, es, strlen(es), NOW, &p, &reason), AUTH_OK);
	ck_assert_str_eq(reason, "ok");
	ck_assert_int_eq(p.role, ROLE_SUPERVISOR);
	ck_assert_str_eq(p.unit, "");
	ck_assert_str_eq(p.jti, "");
}
END_TEST

START_TEST(test_token_not_nul_terminated)
{
	struct principal p;
	const char *reason = NULL;
	const char *tok = hs(std_payload("\"role\":\"reader\""));
	char *buf = fmt("%s.trailing-junk", tok);

	ck_assert_int_eq(auth_verify(g_v, buf, strlen(tok), NOW, &p, &reason), AUTH_OK);
	ck_assert_str_eq(reason, "ok");
}
END_TEST

START_TEST(test_alg_none_refused)
{
	const char *pl = std_payload("\"role\":\"admin\"");
	struct auth_verifier *keys_only = verifier(NULL, g_keys_dir, LEEWAY);

	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"none\"}", pl, SIGN_NONE, NULL)),
	                 "algorithm not allowed");
	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"None\"}", pl, SIGN_NONE, NULL)),
	                 "algorithm not allowed");
	ck_assert_str_eq(
	        reason_of(make_token("{\"alg\":\"NONE\",\"kid\":\"rsa1\"}", pl, SIGN_NONE, NULL)),
	        "algorithm not allowed");
	ck_assert_str_eq(
	        reason_of_v(keys_only, make_token("{\"alg\":\"none\"}", pl, SIGN_NONE, NULL), NOW),
	        "algorithm not allowed");
	auth_verifier_destroy(keys_only);
}
END_TEST

START_TEST(test_other_algs_refused)
{
	const char *pl = std_payload("\"role\":\"admin\"");

	/* libjwt matches algorithm names case-insensitively; we do not. */
	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"hs256\"}", pl, SIGN_HS256, SECRET)),
	                 "algorithm not allowed");
	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"HS512\"}", pl, SIGN_HS256, SECRET)),
	                 "algorithm not allowed");
	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"PS256\",\"kid\":\"rsa1\"}", pl,
	                                      SIGN_RS256, g_rsa)),
	                 "algorithm not allowed");
	ck_assert_str_eq(reason_of(make_token("{\"typ\":\"JWT\"}", pl, SIGN_HS256, SECRET)),
	                 "malformed");
	ck_assert_str_eq(reason_of(make_token("{\"alg\":256}", pl, SIGN_HS256, SECRET)),
	                 "malformed");
}
END_TEST

START_TEST(test_empty_signature)
{
	const char *pl = std_payload("\"role\":\"admin\"");

	ck_assert_str_eq(reason_of(make_token(HDR_HS, pl, SIGN_NONE, NULL)), "bad signature");
	ck_assert_str_eq(reason_of(make_token(HDR_RS, pl, SIGN_NONE, NULL)), "bad signature");
	ck_assert_str_eq(reason_of(make_token(HDR_ES, pl, SIGN_NONE, NULL)), "bad signature");
}
END_TEST

START_TEST(test_algorithm_confusion)
{
	const char *pl = std_payload("\"role\":\"admin\"");
	const char *forged =
	        make_token("{\"alg\":\"HS256\",\"kid\":\"rsa1\"}", pl, SIGN_HS256, g_rsa_pub_pem);
	struct auth_verifier *keys_only = verifier(NULL, g_keys_dir, LEEWAY);

	/* HS256 is keyed with the configured secret only, never with a public key's text. */
	ck_assert_str_eq(reason_of(forged), "bad signature");
	ck_assert_str_eq(reason_of_v(keys_only, forged, NOW), "algorithm not allowed");
	ck_assert_str_eq(reason_of_v(keys_only, hs(pl), NOW), "algorithm not allowed");
	/* A key serves only the algorithm its type implies. */
	ck_assert_str_eq(
	        reason_of(make_token("{\"alg\":\"RS256\",\"kid\":\"ec1\"}", pl, SIGN_ES256, g_ec)),
	        "algorithm not allowed");
	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"ES256\",\"kid\":\"rsa1\"}", pl,
	                                      SIGN_RS256, g_rsa)),
	                 "algorithm not allowed");
	auth_verifier_destroy(keys_only);
}
END_TEST

START_TEST(test_public_keys_need_configuring)
{
	struct auth_verifier *secret_only = verifier(SECRET, NULL, LEEWAY);
	const char *rs = make_token(HDR_RS, std_payload("\"role\":\"admin\""), SIGN_RS256, g_rsa);

	ck_assert_str_eq(reason_of_v(secret_only, rs, NOW), "algorithm not allowed");
	auth_verifier_destroy(secret_only);
}
END_TEST

START_TEST(test_wrong_secret)
{
	const char *tok = make_token(HDR_HS, std_payload("\"role\":\"admin\""), SIGN_HS256,
	                             "fedcba9876543210fedcba9876543210");

	ck_assert_str_eq(reason_of(tok), "bad signature");
}
END_TEST

/* Flips one signature character, drops the last one, and appends one, for each algorithm. */
START_TEST(test_signature_tampering)
{
	const char *pl = std_payload("\"role\":\"admin\"");
	const char *toks[] = {
	        hs(pl),
	        make_token(HDR_RS, pl, SIGN_RS256, g_rsa),
	        make_token(HDR_ES, pl, SIGN_ES256, g_ec),
	};

	for (size_t i = 0; i < sizeof(toks) / sizeof(toks[0]); i++) {
		char *flipped = fmt("%s", toks[i]);
		char *sig = strrchr(flipped, '.') + 1;
		char *shorter = fmt("%s", toks[i]);

		ck_assert_str_eq(reason_of(toks[i]), "ok");
		sig[5] = sig[5] == 'A' ? 'B' : 'A';
		ck_assert_str_eq(reason_of(flipped), "bad signature");
		shorter[strlen(shorter) - 1] = '\0';
		ck_assert_str_eq(reason_of(shorter), "bad signature");
		ck_assert_str_eq(reason_of(fmt("%sA", toks[i])), "bad signature");
		ck_assert_str_eq(reason_of(fmt("%sAAAA", toks[i])), "bad signature");
	}
}
END_TEST

START_TEST(test_es256_der_signature_refused)
{
	const char *tok =
	        make_token(HDR_ES, std_payload("\"role\":\"admin\""), SIGN_ES256_DER, g_ec);

	ck_assert_str_eq(reason_of(tok), "bad signature");
}
END_TEST

START_TEST(test_payload_tampering)
{
	const char *good = hs(std_payload("\"role\":\"reader\""));
	const char *sig = strrchr(good, '.');
	const char *forged = fmt("%s.%s%s", b64url_str(HDR_HS),
	                         b64url_str(std_payload("\"role\":\"admin\"")), sig);

	ck_assert_str_eq(reason_of(forged), "bad signature");
}
END_TEST

START_TEST(test_expiry_and_leeway)
{
	ck_assert_str_eq(
	        reason_of(hs(fmt("{" STD ",\"role\":\"reader\",\"exp\":%lld}", NOW - LEEWAY - 1))),
	        "expired");
	ck_assert_str_eq(
	        reason_of(hs(fmt("{" STD ",\"role\":\"reader\",\"exp\":%lld}", NOW - LEEWAY))),
	        "expired");
	ck_assert_str_eq(
	        reason_of(hs(fmt("{" STD ",\"role\":\"reader\",\"exp\":%lld}", NOW - LEEWAY + 1))),
	        "ok");
}
END_TEST

START_TEST(test_zero_leeway)
{
	struct auth_verifier *strict = verifier(SECRET, NULL, 0);

	ck_assert_str_eq(reason_of_v(strict,
	                             hs(fmt("{" STD ",\"role\":\"reader\",\"exp\":%lld}", NOW)),
	                             NOW),
	                 "expired");
	ck_assert_str_eq(reason_of_v(strict,
	                             hs(fmt("{" STD ",\"role\":\"reader\",\"exp\":%lld}", NOW + 1)),
	                             NOW),
	                 "ok");
	auth_verifier_destroy(strict);
}
END_TEST

START_TEST(test_exp_shape)
{
	ck_assert_str_eq(reason_of(hs("{" STD ",\"role\":\"reader\"}")), "missing exp");
	ck_assert_str_eq(reason_of(hs("{" STD ",\"role\":\"reader\",\"exp\":\"1700000600\"}")),
	                 "bad exp");
	ck_assert_str_eq(reason_of(hs("{" STD ",\"role\":\"reader\",\"exp\":1700000600.0}")),
	                 "bad exp");
	ck_assert_str_eq(reason_of(hs("{" STD ",\"role\":\"reader\",\"exp\":null}")), "bad exp");
	ck_assert_str_eq(reason_of(hs("{" STD ",\"role\":\"reader\",\"exp\":-5}")), "bad exp");
	ck_assert_str_eq(reason_of(hs("{" STD ",\"role\":\"reader\",\"exp\":99999999999999}")),
	                 "bad exp");
}
END_TEST

START_TEST(test_nbf_and_iat)
{
	ck_assert_str_eq(reason_of(hs(std_payload(
	                         fmt("\"role\":\"reader\",\"nbf\":%lld", NOW + LEEWAY + 1)))),
	                 "not yet valid");
	ck_assert_str_eq(
	        reason_of(hs(std_payload(fmt("\"role\":\"reader\",\"nbf\":%lld", NOW + LEEWAY)))),
	        "ok");
	ck_assert_str_eq(reason_of(hs(std_payload("\"role\":\"reader\",\"nbf\":\"soon\""))),
	                 "bad nbf");
	ck_assert_str_eq(reason_of(hs(std_payload(
	                         fmt("\"role\":\"reader\",\"iat\":%lld", NOW + LEEWAY + 100)))),
	                 "issued in the future");
	ck_assert_str_eq(reason_of(hs(std_payload("\"role\":\"reader\",\"iat\":1.5"))), "bad iat");
}
END_TEST

START_TEST(test_issuer)
{
	const char *rest = fmt("\"aud\":\"" AUDIENCE "\",\"sub\":\"a\",\"role\":\"reader\","
	                       "\"exp\":%lld",
	                       NOW + 600);

	ck_assert_str_eq(reason_of(hs(fmt("{\"iss\":\"https://evil.example\",%s}", rest))),
	                 "iss mismatch");
	ck_assert_str_eq(reason_of(hs(fmt("{\"iss\":\"" ISSUER "/\",%s}", rest))), "iss mismatch");
	ck_assert_str_eq(reason_of(hs(fmt("{%s}", rest))), "iss mismatch");
	ck_assert_str_eq(reason_of(hs(fmt("{\"iss\":[\"" ISSUER "\"],%s}", rest))), "iss mismatch");
	ck_assert_str_eq(reason_of(hs(fmt("{\"iss\":\"" ISSUER "\",%s}", rest))), "ok");
}
END_TEST

START_TEST(test_audience)
{
	const char *rest = fmt("\"iss\":\"" ISSUER "\",\"sub\":\"a\",\"role\":\"reader\","
	                       "\"exp\":%lld",
	                       NOW + 600);

	ck_assert_str_eq(reason_of(hs(fmt("{\"aud\":\"other\",%s}", rest))), "aud mismatch");
	ck_assert_str_eq(reason_of(hs(fmt("{%s}", rest))), "aud mismatch");
	ck_assert_str_eq(reason_of(hs(fmt("{\"aud\":[],%s}", rest))), "aud mismatch");
	ck_assert_str_eq(reason_of(hs(fmt("{\"aud\":[\"a\",\"b\"],%s}", rest))), "aud mismatch");
	ck_assert_str_eq(reason_of(hs(fmt("{\"aud\":{\"zeren\":1},%s}", rest))), "aud mismatch");
	ck_assert_str_eq(reason_of(hs(fmt("{\"aud\":[\"a\",1,\"" AUDIENCE "\"],%s}", rest))), "ok");
}
END_TEST

START_TEST(test_kid)
{
	const char *pl = std_payload("\"role\":\"admin\"");

	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"RS256\",\"kid\":\"rsa2\"}", pl,
	                                      SIGN_RS256, g_rsa)),
	                 "unknown kid");
	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"RS256\"}", pl, SIGN_RS256, g_rsa)),
	                 "unknown kid");
	ck_assert_str_eq(
	        reason_of(make_token("{\"alg\":\"ES256\",\"kid\":1}", pl, SIGN_ES256, g_ec)),
	        "unknown kid");
	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"RS256\",\"kid\":\"../keys/rsa1\"}", pl,
	                                      SIGN_RS256, g_rsa)),
	                 "unknown kid");
	/* The README in the keys directory is not a key. */
	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"RS256\",\"kid\":\"README\"}", pl,
	                                      SIGN_RS256, g_rsa)),
	                 "unknown kid");
}
END_TEST

START_TEST(test_crit_and_typ)
{
	const char *pl = std_payload("\"role\":\"admin\"");

	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}",
	                                      pl, SIGN_HS256, SECRET)),
	                 "unsupported crit");
	ck_assert_str_eq(
	        reason_of(make_token("{\"alg\":\"HS256\",\"crit\":[]}", pl, SIGN_HS256, SECRET)),
	        "unsupported crit");
	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", pl,
	                                      SIGN_HS256, SECRET)),
	                 "bad typ");
	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"HS256\",\"typ\":\"jwt\"}", pl, SIGN_HS256,
	                                      SECRET)),
	                 "ok");
	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"HS256\"}", pl, SIGN_HS256, SECRET)),
	                 "ok");
}
END_TEST

START_TEST(test_segments)
{
	const char *good = hs(std_payload("\"role\":\"reader\""));
	char *two = fmt("%s", good);

	*strrchr(two, '.') = '\0';
	ck_assert_str_eq(reason_of(two), "malformed");
	ck_assert_str_eq(reason_of(fmt("%s.", good)), "malformed");
	ck_assert_str_eq(reason_of(fmt("%s.abc", good)), "malformed");
	ck_assert_str_eq(reason_of(fmt(".%s", good)), "malformed");
	ck_assert_str_eq(reason_of(fmt("%s..sig", b64url_str(HDR_HS))), "malformed");
	ck_assert_str_eq(reason_of(""), "malformed");
	ck_assert_str_eq(reason_of(".."), "malformed");
	ck_assert_str_eq(reason_of("abc"), "malformed");
}
END_TEST

START_TEST(test_not_json)
{
	const char *pl = std_payload("\"role\":\"reader\"");
	const char *good = hs(pl);
	const char *rest = strchr(good, '.');

	ck_assert_str_eq(reason_of(make_token("not json", pl, SIGN_HS256, SECRET)), "malformed");
	ck_assert_str_eq(reason_of(make_token("[\"HS256\"]", pl, SIGN_HS256, SECRET)), "malformed");
	ck_assert_str_eq(reason_of(make_token("{\"alg\":\"none\",\"alg\":\"HS256\"}", pl,
	                                      SIGN_HS256, SECRET)),
	                 "malformed");
	ck_assert_str_eq(reason_of(make_token(HDR_HS, "not json", SIGN_HS256, SECRET)),
	                 "malformed");
	ck_assert_str_eq(reason_of(make_token(HDR_HS, "\"a string\"", SIGN_HS256, SECRET)),
	                 "malformed");
	ck_assert_str_eq(reason_of(make_token(HDR_HS, "{\"role\":\"reader\",\"role\":\"admin\"}",
	                                      SIGN_HS256, SECRET)),
	                 "malformed");
	/* Not base64url: padding, the standard alphabet, a stray character. */
	ck_assert_str_eq(reason_of(fmt("%s=%s", b64url_str(HDR_HS), rest)), "malformed");
	ck_assert_str_eq(reason_of(fmt("eyJh+GciOiJIUzI1NiJ9%s", rest)), "malformed");
	ck_assert_str_eq(reason_of(fmt("%s %s", b64url_str(HDR_HS), rest)), "malformed");
}
END_TEST

START_TEST(test_token_too_large)
{
	size_t n = 40 * 1024;
	char *big = keep(malloc(n + 1));

	memset(big, 'a', n);
	big[100] = '.';
	big[200] = '.';
	big[n] = '\0';
	ck_assert_str_eq(reason_of(big), "token too large");
	big[8193] = '\0';
	ck_assert_str_eq(reason_of(big), "token too large");
	/* A well-signed token just over the limit is refused before its signature is checked. */
	ck_assert_str_eq(
	        reason_of(hs(std_payload(fmt("\"role\":\"reader\",\"x\":\"%0*d\"", 6200, 0)))),
	        "token too large");
}
END_TEST

START_TEST(test_roles_and_unit)
{
	struct principal p;
	const char *reason = NULL;
	const char *reader = hs(std_payload("\"role\":\"reader\""));

	ck_assert_str_eq(reason_of(hs(std_payload("\"role\":\"root\""))), "unknown role");
	ck_assert_str_eq(reason_of(hs(std_payload("\"role\":\"Admin\""))), "unknown role");
	ck_assert_str_eq(reason_of(hs(std_payload("\"role\":[\"admin\"]"))), "missing role");
	ck_assert_str_eq(reason_of(hs(std_payload("\"scope\":\"admin\""))), "missing role");
	ck_assert_str_eq(reason_of(hs(std_payload("\"role\":\"reporter\""))),
	                 "missing unit for reporter");
	ck_assert_str_eq(reason_of(hs(std_payload("\"role\":\"reporter\",\"unit\":\"\""))),
	                 "missing unit for reporter");
	ck_assert_str_eq(reason_of(hs(std_payload("\"role\":\"reader\",\"unit\":7"))), "bad unit");
	ck_assert_int_eq(auth_verify(g_v, reader, strlen(reader), NOW, &p, &reason), AUTH_OK);
	ck_assert_str_eq(reason, "ok");
	ck_assert_int_eq(p.role, ROLE_READER);
	ck_assert_str_eq(p.unit, "");
}
END_TEST

START_TEST(test_sub_jti_and_lengths)
{
	const char *rest = fmt("\"iss\":\"" ISSUER "\",\"aud\":\"" AUDIENCE "\","
	                       "\"role\":\"reader\",\"exp\":%lld",
	                       NOW + 600);

	ck_assert_str_eq(reason_of(hs(fmt("{%s}", rest))), "missing sub");
	ck_assert_str_eq(reason_of(hs(fmt("{\"sub\":\"\",%s}", rest))), "missing sub");
	ck_assert_str_eq(reason_of(hs(fmt("{\"sub\":42,%s}", rest))), "missing sub");
	ck_assert_str_eq(reason_of(hs(fmt("{\"sub\":\"%0*d\",%s}", AUTH_CLAIM_MAX - 1, 0, rest))),
	                 "ok");
	ck_assert_str_eq(reason_of(hs(fmt("{\"sub\":\"%0*d\",%s}", AUTH_CLAIM_MAX, 0, rest))),
	                 "claim too long");
	ck_assert_str_eq(
	        reason_of(hs(fmt("{\"sub\":\"a\",\"unit\":\"%0*d\",%s}", AUTH_CLAIM_MAX, 0, rest))),
	        "claim too long");
	ck_assert_str_eq(
	        reason_of(hs(fmt("{\"sub\":\"a\",\"jti\":\"%0*d\",%s}", AUTH_CLAIM_MAX, 0, rest))),
	        "claim too long");
	ck_assert_str_eq(reason_of(hs(fmt("{\"sub\":\"a\",\"jti\":7,%s}", rest))), "bad jti");
}
END_TEST

START_TEST(test_clock_out_of_range)
{
	const char *tok = hs(std_payload("\"role\":\"reader\""));

	ck_assert_str_eq(reason_of_v(g_v, tok, -1), "clock out of range");
}
END_TEST

START_TEST(test_bearer_header)
{
	const char *t = NULL;
	size_t n = 0;

	ck_assert_int_eq(auth_bearer_token("Bearer abc.def.ghi", &t, &n), 0);
	ck_assert_uint_eq(n, 11);
	ck_assert_int_eq(strncmp(t, "abc.def.ghi", n), 0);
	ck_assert_int_eq(auth_bearer_token("bEaReR   x-y_z~+/==", &t, &n), 0);
	ck_assert_uint_eq(n, 10);
	ck_assert_int_eq(strncmp(t, "x-y_z~+/==", n), 0);

	ck_assert_int_eq(auth_bearer_token(NULL, &t, &n), -1);
	ck_assert_int_eq(auth_bearer_token("", &t, &n), -1);
	ck_assert_int_eq(auth_bearer_token("Bearer", &t, &n), -1);
	ck_assert_int_eq(auth_bearer_token("Bearer ", &t, &n), -1);
	ck_assert_int_eq(auth_bearer_token("Bearerabc", &t, &n), -1);
	ck_assert_int_eq(auth_bearer_token("Bearer\tabc", &t, &n), -1);
	ck_assert_int_eq(auth_bearer_token(" Bearer abc", &t, &n), -1);
	ck_assert_int_eq(auth_bearer_token("Bearer abc ", &t, &n), -1);
	ck_assert_int_eq(auth_bearer_token("Bearer abc def", &t, &n), -1);
	ck_assert_int_eq(auth_bearer_token("Bearer a=b", &t, &n), -1);
	ck_assert_int_eq(auth_bearer_token("Bearer ==", &t, &n), -1);
	ck_assert_int_eq(auth_bearer_token("Basic dXNlcjpwYXNz", &t, &n), -1);
	ck_assert_int_eq(auth_bearer_token("Bearers abc", &t, &n), -1);
}
END_TEST

START_TEST(test_mint_roundtrip)
{
	struct principal p;
	const char *reason = NULL;
	char err[256] = "";
	char *a = keep(
	        auth_token_mint(g_v, "bob", ROLE_REPORTER, "U-9", 3600, NOW, err, sizeof(err)));
	char *b = keep(auth_token_mint(g_v, "carol", ROLE_READER, NULL, 60, NOW, err, sizeof(err)));
	char jti_a[AUTH_CLAIM_MAX];

	ck_assert_int_eq(auth_verify(g_v, a, strlen(a), NOW + 10, &p, &reason), AUTH_OK);
	ck_assert_str_eq(reason, "ok");
	ck_assert_str_eq(p.sub, "bob");
	ck_assert_str_eq(p.iss, ISSUER);
	ck_assert_str_eq(p.unit, "U-9");
	ck_assert_int_eq(p.role, ROLE_REPORTER);
	ck_assert_int_eq(p.exp, NOW + 3600);
	ck_assert_uint_eq(strlen(p.jti), 32);
	ck_assert_uint_eq(strspn(p.jti, "0123456789abcdef"), 32);
	strcpy(jti_a, p.jti);

	ck_assert_int_eq(auth_verify(g_v, b, strlen(b), NOW, &p, &reason), AUTH_OK);
	ck_assert_str_eq(p.unit, "");
	ck_assert_int_eq(p.role, ROLE_READER);
	ck_assert_str_ne(p.jti, jti_a);
	ck_assert_str_eq(reason_of_v(g_v, b, NOW + 60 + LEEWAY), "expired");
}
END_TEST

START_TEST(test_mint_refusals)
{
	char err[256] = "";
	struct auth_verifier *keys_only = verifier(NULL, g_keys_dir, LEEWAY);

	ck_assert_ptr_null(
	        auth_token_mint(keys_only, "bob", ROLE_ADMIN, NULL, 60, NOW, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no HS256 secret"));
	ck_assert_ptr_null(
	        auth_token_mint(g_v, "bob", ROLE_REPORTER, "", 60, NOW, err, sizeof(err)));
	ck_assert_ptr_null(auth_token_mint(g_v, "", ROLE_READER, NULL, 60, NOW, err, sizeof(err)));
	ck_assert_ptr_null(
	        auth_token_mint(g_v, "bob", ROLE_READER, NULL, 0, NOW, err, sizeof(err)));
	ck_assert_ptr_null(auth_token_mint(g_v, "bob", (enum principal_role)9, NULL, 60, NOW, err,
	                                   sizeof(err)));
	ck_assert_ptr_null(
	        auth_token_mint(g_v, "b\xff", ROLE_READER, NULL, 60, NOW, err, sizeof(err)));
	auth_verifier_destroy(keys_only);
}
END_TEST

START_TEST(test_create_refusals)
{
	char path[512];
	struct auth_settings s = {
	        .hs256_secret = SECRET,
	        .issuer = ISSUER,
	        .audience = AUDIENCE,
	        .leeway_seconds = LEEWAY,
	};

	s.hs256_secret = "0123456789abcdef0123456789abcde"; /* 31 bytes */
	refuses(&s, "at least 32 bytes");
	s.hs256_secret = SECRET;
	s.issuer = "";
	refuses(&s, "issuer is required");
	s.issuer = ISSUER;
	s.audience = NULL;
	refuses(&s, "audience is required");
	s.audience = AUDIENCE;
	s.leeway_seconds = 61;
	refuses(&s, "leeway");
	s.leeway_seconds = -1;
	refuses(&s, "leeway");
	s.leeway_seconds = LEEWAY;

	s.hs256_secret = "";
	s.public_keys_path = NULL;
	refuses(&s, "no verification key");
	s.hs256_secret = NULL;
	s.public_keys_path = "";
	refuses(&s, "no verification key");

	snprintf(path, sizeof(path), "%s/notpem.pem", g_dir);
	s.public_keys_path = path;
	refuses(&s, "exactly one BEGIN PUBLIC KEY");
	snprintf(path, sizeof(path), "%s/private.pem", g_dir);
	refuses(&s, "exactly one BEGIN PUBLIC KEY");
	snprintf(path, sizeof(path), "%s/two.pem", g_dir);
	refuses(&s, "exactly one BEGIN PUBLIC KEY");
	snprintf(path, sizeof(path), "%s/small.pem", g_dir);
	refuses(&s, "shorter than 2048 bits");
	snprintf(path, sizeof(path), "%s/absent.pem", g_dir);
	refuses(&s, "cannot read");
	s.public_keys_path = g_empty_dir;
	refuses(&s, "no *.pem files");
	/* One bad key in a directory spoils it: the whole directory is refused. */
	s.public_keys_path = g_dir;
	refuses(&s, "");
}
END_TEST

START_TEST(test_create_accepts)
{
	struct auth_verifier *v = verifier(SECRET, NULL, 0);
	struct auth_verifier *one = verifier(NULL, g_ec_file, 60);
	const char *es = make_token(HDR_ES, std_payload("\"role\":\"admin\""), SIGN_ES256, g_ec);
	const char *rs = make_token(HDR_RS, std_payload("\"role\":\"admin\""), SIGN_RS256, g_rsa);

	/* A single file's kid is its name without the extension. */
	ck_assert_str_eq(reason_of_v(one, es, NOW), "ok");
	ck_assert_str_eq(reason_of_v(one, rs, NOW), "unknown kid");
	auth_verifier_destroy(v);
	auth_verifier_destroy(one);
	auth_verifier_destroy(NULL);
}
END_TEST

START_TEST(test_role_names)
{
	enum principal_role r = ROLE_ADMIN;
	static const char *const names[] = {"reader", "reporter", "supervisor", "admin"};

	for (int i = ROLE_READER; i <= ROLE_ADMIN; i++) {
		ck_assert_str_eq(principal_role_name((enum principal_role)i), names[i]);
		ck_assert_int_eq(principal_role_parse(names[i], &r), 0);
		ck_assert_int_eq(r, i);
	}
	ck_assert_str_eq(principal_role_name((enum principal_role)42), "unknown");
	ck_assert_int_eq(principal_role_parse("Admin", &r), -1);
	ck_assert_int_eq(principal_role_parse("", &r), -1);
	ck_assert_int_eq(principal_role_parse(NULL, &r), -1);
}
END_TEST

/* Verifies tok with v at now; returns the reason, the principal in *p. */
static const char *verify_at(struct auth_verifier *v, const char *tok, long long now,
                             struct principal *p)
{
	const char *reason = NULL;
	enum auth_status st = auth_verify(v, tok, strlen(tok), now, p, &reason);

	ck_assert_int_eq(st == AUTH_OK, strcmp(reason, "ok") == 0);
	return reason;
}

START_TEST(test_cache_expired_refused)
{
	struct auth_verifier *v = verifier(SECRET, NULL, LEEWAY);
	struct principal p;
	const char *tok = hs(fmt("{" STD ",\"role\":\"reader\",\"exp\":%lld}", NOW + 100));

	ck_assert_str_eq(verify_at(v, tok, NOW, &p), "ok");
	ck_assert_uint_eq(auth_verifier_cached(v), 1);
	ck_assert_str_eq(verify_at(v, tok, NOW + 100 + LEEWAY - 1, &p), "ok");
	ck_assert_str_eq(verify_at(v, tok, NOW + 100 + LEEWAY, &p), "expired");
	ck_assert_str_eq(p.sub, "");
	ck_assert_uint_eq(auth_verifier_cached(v), 0);
	ck_assert_str_eq(verify_at(v, tok, NOW + 100 + LEEWAY, &p), "expired");
	/* the clock moved back before iat or nbf: refused from the cache as in full */
	tok = hs(fmt("{" STD ",\"role\":\"reader\",\"iat\":%lld,\"exp\":%lld}", NOW, NOW + 600));
	ck_assert_str_eq(verify_at(v, tok, NOW, &p), "ok");
	ck_assert_str_eq(verify_at(v, tok, NOW - LEEWAY - 1, &p), "issued in the future");
	tok = hs(fmt("{" STD ",\"role\":\"reader\",\"nbf\":%lld,\"exp\":%lld}", NOW, NOW + 600));
	ck_assert_str_eq(verify_at(v, tok, NOW, &p), "ok");
	ck_assert_str_eq(verify_at(v, tok, NOW - LEEWAY - 1, &p), "not yet valid");
	auth_verifier_destroy(v);
}
END_TEST

START_TEST(test_cache_same_prefix)
{
	struct auth_verifier *v = verifier(SECRET, NULL, LEEWAY);
	struct principal p;
	const char *reason = NULL;
	const char *reader = hs(std_payload("\"role\":\"reader\""));
	const char *admin = hs(std_payload("\"role\":\"admin\""));
	size_t n = strlen(reader);
	char *forged = fmt("%s", reader);

	ck_assert_str_eq(verify_at(v, reader, NOW, &p), "ok");
	ck_assert_int_eq(p.role, ROLE_READER);
	/* the same header and claims up to the role: its own verification, its own principal */
	ck_assert_int_eq(strncmp(reader, admin, 40), 0);
	ck_assert_str_eq(verify_at(v, admin, NOW, &p), "ok");
	ck_assert_int_eq(p.role, ROLE_ADMIN);
	ck_assert_str_eq(verify_at(v, reader, NOW, &p), "ok");
	ck_assert_int_eq(p.role, ROLE_READER);
	/* all but the signature's last character, the token less one, the token and one more */
	forged[n - 1] = forged[n - 1] == 'A' ? 'B' : 'A';
	ck_assert_str_eq(verify_at(v, forged, NOW, &p), "bad signature");
	ck_assert_str_eq(verify_at(v, fmt("%.*s", (int)(n - 1), reader), NOW, &p), "bad signature");
	ck_assert_str_eq(verify_at(v, fmt("%sA", reader), NOW, &p), "bad signature");
	/* a prefix of the cached token's buffer, given by its length */
	ck_assert_int_eq(auth_verify(v, reader, n - 2, NOW, &p, &reason), AUTH_INVALID);
	ck_assert_str_eq(reason, "bad signature");
	ck_assert_uint_eq(auth_verifier_cached(v), 2);
	auth_verifier_destroy(v);
}
END_TEST

START_TEST(test_cache_bounded)
{
	struct auth_verifier *v;
	struct principal p;
	char *toks[100];

	g_cache_entries = 8;
	v = verifier(SECRET, NULL, LEEWAY);
	for (int i = 0; i < 100; i++) {
		toks[i] = hs(fmt("{\"iss\":\"" ISSUER "\",\"aud\":\"" AUDIENCE
		                 "\",\"sub\":\"user%d\",\"role\":\"reader\",\"exp\":%lld}",
		                 i, NOW + 600));
		ck_assert_str_eq(verify_at(v, toks[i], NOW, &p), "ok");
		ck_assert_uint_le(auth_verifier_cached(v), 8);
	}
	ck_assert_uint_gt(auth_verifier_cached(v), 0);
	for (int i = 0; i < 100; i++) {
		char want[32];

		snprintf(want, sizeof(want), "user%d", i);
		ck_assert_str_eq(verify_at(v, toks[i], NOW, &p), "ok");
		ck_assert_str_eq(p.sub, want);
	}
	ck_assert_uint_le(auth_verifier_cached(v), 8);
	auth_verifier_destroy(v);
}
END_TEST

START_TEST(test_cache_off_and_new_keys)
{
	const char *tok = hs(std_payload("\"role\":\"reader\""));
	struct principal p;
	struct auth_verifier *v, *rotated;

	g_cache_entries = 0;
	v = verifier(SECRET, NULL, LEEWAY);
	ck_assert_str_eq(verify_at(v, tok, NOW, &p), "ok");
	ck_assert_uint_eq(auth_verifier_cached(v), 0);
	auth_verifier_destroy(v);
	/* keys change only with a new verifier, and what the old one cached goes with it */
	g_cache_entries = 64;
	v = verifier(SECRET, NULL, LEEWAY);
	ck_assert_str_eq(verify_at(v, tok, NOW, &p), "ok");
	rotated = verifier("another-secret-0123456789abcdefghijklmnop", NULL, LEEWAY);
	ck_assert_str_eq(verify_at(rotated, tok, NOW, &p), "bad signature");
	ck_assert_uint_eq(auth_verifier_cached(rotated), 0);
	auth_verifier_destroy(rotated);
	auth_verifier_destroy(v);
}
END_TEST

Suite *auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *cases[] = {tcase_create("auth"), tcase_create("auth, cached")};
	TCase *cache = tcase_create("token cache");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = cases[i];

		tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
		tcase_add_checked_fixture(tc, i == 0 ? test_setup : cached_setup, test_teardown);
		tcase_add_test(tc, test_hs256_valid);
		tcase_add_test(tc, test_rs256_and_es256_valid);
		tcase_add_test(tc, test_token_not_nul_terminated);
		tcase_add_test(tc, test_alg_none_refused);
		tcase_add_test(tc, test_other_algs_refused);
		tcase_add_test(tc, test_empty_signature);
		tcase_add_test(tc, test_algorithm_confusion);
		tcase_add_test(tc, test_public_keys_need_configuring);
		tcase_add_test(tc, test_wrong_secret);
		tcase_add_test(tc, test_signature_tampering);
		tcase_add_test(tc, test_es256_der_signature_refused);
		tcase_add_test(tc, test_payload_tampering);
		tcase_add_test(tc, test_expiry_and_leeway);
		tcase_add_test(tc, test_zero_leeway);
		tcase_add_test(tc, test_exp_shape);
		tcase_add_test(tc, test_nbf_and_iat);
		tcase_add_test(tc, test_issuer);
		tcase_add_test(tc, test_audience);
		tcase_add_test(tc, test_kid);
		tcase_add_test(tc, test_crit_and_typ);
		tcase_add_test(tc, test_segments);
		tcase_add_test(tc, test_not_json);
		tcase_add_test(tc, test_token_too_large);
		tcase_add_test(tc, test_roles_and_unit);
		tcase_add_test(tc, test_sub_jti_and_lengths);
		tcase_add_test(tc, test_clock_out_of_range);
		tcase_add_test(tc, test_bearer_header);
		tcase_add_test(tc, test_mint_roundtrip);
		tcase_add_test(tc, test_mint_refusals);
		tcase_add_test(tc, test_create_refusals);
		tcase_add_test(tc, test_create_accepts);
		tcase_add_test(tc, test_role_names);
		suite_add_tcase(s, tc);
	}
	tcase_add_unchecked_fixture(cache, suite_setup, suite_teardown);
	tcase_add_checked_fixture(cache, cached_setup, test_teardown);
	tcase_add_test(cache, test_cache_expired_refused);
	tcase_add_test(cache, test_cache_same_prefix);
	tcase_add_test(cache, test_cache_bounded);
	tcase_add_test(cache, test_cache_off_and_new_keys);
	suite_add_tcase(s, cache);
	return s;
}
