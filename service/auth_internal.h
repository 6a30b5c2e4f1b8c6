/* auth_internal.h — what the auth_*.c files share: limits, the verifier's layout, error text.
 * Included only by auth.c, auth_keys.c, auth_verify.c and auth_mint.c, which with it are the
 * only users of <jwt.h>; everything else sees struct auth_verifier as opaque (auth.h). */
#ifndef ZEREN_AUTH_INTERNAL_H
#define ZEREN_AUTH_INTERNAL_H

#include <jwt.h>
#include <openssl/evp.h>
#include <stddef.h>

#include "auth.h"

/* Whole-token limit, checked before anything else is looked at. */
#define AUTH_TOKEN_MAX  8192
#define AUTH_SECRET_MIN 32
/* libjwt takes an int key length; nobody needs a longer HMAC secret than this. */
#define AUTH_SECRET_MAX   4096
#define AUTH_KEYS_MAX     64
#define AUTH_PEM_MAX      16384
#define AUTH_LEEWAY_MAX   60
#define AUTH_RSA_BITS_MIN 2048
/* Largest signature we accept (RSA 8192 bits); bounds the scratch buffer. */
#define AUTH_SIG_MAX 1024
/* 9999-12-31T23:59:59Z: numeric dates beyond this are refused, so no arithmetic overflows. */
#define AUTH_TIME_MAX     253402300799LL
#define AUTH_MINT_TTL_MAX (366L * 24 * 60 * 60)
#define AUTH_JTI_BYTES    16
#define AUTH_PATH_MAX     4096

/* The roles of enum principal_role. */
#define AUTH_ROLE_COUNT 4

struct auth_key {
	char kid[AUTH_CLAIM_MAX];
	jwt_alg_t alg;      /* decided from the key type at load time, never from a token */
	unsigned char *pem; /* exactly the file's text; handed to libjwt */
	int pem_len;
	size_t sig_len; /* decoded signature size the algorithm produces for this key */
};

/* The NumericDates of a verified token, checked again on every use of a cached verification. */
struct auth_times {
	long long exp;
	long long nbf; /* when has_nbf */
	long long iat; /* when has_iat */
	int has_nbf;
	int has_iat;
};

/* Verified tokens by the SHA-256 of their whole text (auth_cache.c). */
struct auth_cache;

/* Owned by auth_verifier_create / auth_verifier_destroy: secret (scrubbed on free), keys and
 * each key's pem, the HMAC template and the cache. */
struct auth_verifier {
	unsigned char *secret; /* NULL = HS256 disabled */
	int secret_len;
	/* HS256 keyed once at create (the digest fetched once, not looked up by name per token);
	 * each check works on a copy (EVP_MAC_CTX_dup). NULL when HS256 is disabled. */
	EVP_MAC_CTX *hs256;
	struct auth_cache *cache; /* NULL: every token is verified in full */
	struct auth_key *keys;
	size_t nkeys;
	char issuer[AUTH_CLAIM_MAX];
	char audience[AUTH_CLAIM_MAX];
	int leeway;
};

/* Writes the printf-style message into err (errlen bytes); nothing when err is NULL. */
void auth_set_err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Loads the public keys at path (one PEM file, or a directory of *.pem; kid = file name
 * without extension) into v->keys (allocated here, freed by auth_verifier_destroy). 0, or -1
 * with err set. */
int auth_keys_load(struct auth_verifier *v, const char *path, char *err, size_t errlen)
        __attribute__((warn_unused_result));

/* exp, then nbf and iat, against now with the verifier's leeway: NULL when valid, else the
 * reason ("expired", "not yet valid", "issued in the future"). */
const char *auth_times_check(const struct auth_verifier *v, const struct auth_times *t,
                             long long now);

/* A cache of at most entries verified tokens (rounded down to a power of two, at least 1).
 * NULL when entries is 0 or memory is short (the verifier then works without one). Free with
 * auth_cache_destroy (NULL is a no-op). */
struct auth_cache *auth_cache_create(size_t entries);
void auth_cache_destroy(struct auth_cache *c);
/* Looks token up. 1: it was verified before and its times still hold at now, *out filled; 0:
 * not cached (verify it in full); -1: cached but no longer valid at now, *reason set and the
 * entry dropped. */
int auth_cache_get(struct auth_cache *c, const struct auth_verifier *v, const char *token,
                   size_t len, long long now, struct principal *out, const char **reason);
/* Remembers a verification that succeeded, replacing whatever held its slot. */
void auth_cache_put(struct auth_cache *c, const char *token, size_t len, const struct principal *p,
                    const struct auth_times *t);
/* Entries in use (for tests: the cache stays within its bound). */
size_t auth_cache_count(struct auth_cache *c);

#endif
