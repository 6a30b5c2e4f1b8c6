/* auth.h — bearer token verification and dev-token minting. */
#ifndef ZEREN_AUTH_H
#define ZEREN_AUTH_H

#include <stddef.h>
#include <time.h>

enum principal_role { ROLE_READER, ROLE_REPORTER, ROLE_SUPERVISOR, ROLE_ADMIN };

#define AUTH_CLAIM_MAX 256

/* Who is calling, as proven by a verified token. Plain data: copy it freely, nothing to free. */
struct principal {
	char sub[AUTH_CLAIM_MAX];
	char iss[AUTH_CLAIM_MAX];
	char unit[AUTH_CLAIM_MAX]; /* "" when the token has no unit claim */
	char jti[AUTH_CLAIM_MAX];  /* "" when absent */
	enum principal_role role;
	long long exp;
};

/* Borrowed by auth_verifier_create only; it copies what it keeps. */
struct auth_settings {
	const char *hs256_secret;     /* NULL or "" = HS256 disabled; otherwise >= 32 bytes */
	const char *public_keys_path; /* NULL or "" = none; a PEM file or a directory of *.pem;
	                               * kid = file name without extension */
	const char *issuer;           /* required */
	const char *audience;         /* required */
	int leeway_seconds;           /* 0..60 */
	/* verified tokens remembered, by the SHA-256 of the token, until their exp: a token seen
	 * again is only checked against the clock (0: every token is verified in full) */
	size_t cache_entries;
};

/* Opaque; immutable after create but for its token cache, which has locks of its own: safe to
 * share between threads. Keys change only with a new verifier, whose cache starts empty. */
struct auth_verifier;

/*
 * Builds a verifier from s. Returns 0 and an owned *out (free with auth_verifier_destroy) on
 * success; on failure -1, *out untouched and a human message in err (never contains the
 * secret). Refuses: no key at all, a secret shorter than 32 bytes, an unreadable key file, a
 * file that is not exactly one "PUBLIC KEY" PEM block, a key that is neither RSA >= 2048 bits
 * (RS256) nor EC P-256 (ES256), an empty directory, an empty or too long issuer/audience, a
 * leeway outside 0..60.
 */
int auth_verifier_create(const struct auth_settings *s, struct auth_verifier **out, char *err,
                         size_t errlen) __attribute__((warn_unused_result));
/* Scrubs and frees the secret and keys. NULL is a no-op. */
void auth_verifier_destroy(struct auth_verifier *v);
/* How many verified tokens the cache holds now (never more than cache_entries). */
size_t auth_verifier_cached(const struct auth_verifier *v);

/* "reader", "reporter", "supervisor", "admin"; "unknown" for a value outside the enum. */
const char *principal_role_name(enum principal_role r);
/* The unit claim, NULL when the token has none (as a statement parameter wants it). */
const char *principal_unit(const struct principal *p);
/* Exact, case-sensitive names as above. 0 ok, -1 unknown (and *out untouched). */
int principal_role_parse(const char *s, enum principal_role *out)
        __attribute__((warn_unused_result));

/*
 * Extracts the token from an Authorization header value: "Bearer <token>" (scheme
 * case-insensitive, exactly one run of spaces, token68 characters only, nothing after it).
 * Returns 0 and sets *token and *len pointing into header (borrowed), -1 if absent or
 * malformed.
 */
int auth_bearer_token(const char *header, const char **token, size_t *len)
        __attribute__((warn_unused_result));

enum auth_status { AUTH_OK = 0, AUTH_INVALID = 1 };

/*
 * Verifies token (len bytes, not necessarily NUL-terminated) at Unix time now. On success
 * returns AUTH_OK, fills *out and sets *reason to "ok". On failure returns AUTH_INVALID, zeroes
 * *out and sets *reason to a static string naming the reason ("token too large", "malformed",
 * "algorithm not allowed", "unsupported crit", "bad typ", "unknown kid", "bad signature",
 * "missing exp", "bad exp", "expired", "bad nbf", "not yet valid", "bad iat",
 * "issued in the future", "iss mismatch", "aud mismatch", "missing sub", "missing role",
 * "unknown role", "bad unit", "missing unit for reporter", "bad jti", "claim too long",
 * "clock out of range"). Never logs, never prints the token. A token the cache holds gets the
 * same answer as a full verification would give it: its times are checked again at now.
 */
enum auth_status auth_verify(const struct auth_verifier *v, const char *token, size_t len,
                             long long now, struct principal *out, const char **reason)
        __attribute__((warn_unused_result));

/*
 * Mints an HS256 token with iss/aud from the verifier's settings, sub, role, unit (NULL/"" =
 * omitted; required for a reporter), iat=now, exp=now+ttl (ttl 1..366 days), a random jti.
 * Returns a malloc'd string (caller frees with free()) or NULL with err set (e.g. no HS256
 * secret configured).
 */
char *auth_token_mint(const struct auth_verifier *v, const char *sub, enum principal_role role,
                      const char *unit, long ttl_seconds, long long now, char *err, size_t errlen)
        __attribute__((warn_unused_result));

#endif /* ZEREN_AUTH_H */
