/* auth_verify.c — checking a bearer token: its shape, a pinned algorithm and kid-chosen key,
 * the signature (libjwt), then exp/nbf/iat/iss/aud and the claims of a struct principal. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strcasecmp */
#endif

#include <jansson.h>
#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>

#include "auth_internal.h"
#include "encoding.h"

/* What the header of one token selected: algorithm, key, expected signature size. */
struct key_choice {
	jwt_alg_t alg;
	const unsigned char *key;
	int key_len;
	size_t sig_len;
};

struct token_parts {
	const char *seg[3];
	size_t len[3];
};

/* Exactly three dot-separated segments; header and payload non-empty. */
static int split_token(const char *token, size_t len, struct token_parts *tp)
{
	size_t start = 0;
	int seg = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && token[i] != '.')
			continue;
		if (seg == 3)
			return -1;
		tp->seg[seg] = token + start;
		tp->len[seg] = i - start;
		seg++;
		start = i + 1;
	}
	if (seg != 3 || tp->len[0] == 0 || tp->len[1] == 0)
		return -1;
	return 0;
}

/*
 * Decodes one segment to a JSON object; duplicate names are refused so that libjwt (which
 * keeps the last) and we can never read different values.
 */
static json_t *segment_json(const char *seg, size_t n)
{
	unsigned char buf[AUTH_TOKEN_MAX];
	long got = encoding_b64url_decode(seg, n, buf, sizeof(buf));
	json_t *js;

	if (got <= 0)
		return NULL;
	js = json_loadb((const char *)buf, (size_t)got, JSON_REJECT_DUPLICATES, NULL);
	if (js && !json_is_object(js)) {
		json_decref(js);
		return NULL;
	}
	return js;
}

static const struct auth_key *find_key(const struct auth_verifier *v, const char *kid)
{
	for (size_t i = 0; i < v->nkeys; i++) {
		if (strcmp(v->keys[i].kid, kid) == 0)
			return &v->keys[i];
	}
	return NULL;
}

/*
 * Pins the algorithm: the header may only pick among the configured keys, never the way a key
 * is used (no "none", no HS256 keyed with a public key's PEM text). HS256 ignores kid; jku, x5u
 * and jwk are ignored (nothing is ever fetched or taken from the token).
 */
static const char *check_header(const struct auth_verifier *v, json_t *hdr, struct key_choice *kc)
{
	const struct auth_key *key;
	json_t *alg = json_object_get(hdr, "alg");
	json_t *typ = json_object_get(hdr, "typ");
	json_t *kid = json_object_get(hdr, "kid");

	if (!json_is_string(alg))
		return "malformed";
	if (json_object_get(hdr, "crit"))
		return "unsupported crit";
	/* libjwt refuses any other typ after the signature check; say so precisely. */
	if (typ && (!json_is_string(typ) || strcasecmp(json_string_value(typ), "JWT") != 0))
		return "bad typ";
	if (kid && (!json_is_string(kid) || json_string_length(kid) >= AUTH_CLAIM_MAX))
		return "unknown kid";

	if (strcmp(json_string_value(alg), "HS256") == 0) {
		if (!v->secret)
			return "algorithm not allowed";
		kc->alg = JWT_ALG_HS256;
		kc->key = v->secret;
		kc->key_len = v->secret_len;
		kc->sig_len = 32;
		return NULL;
	}
	if (strcmp(json_string_value(alg), "RS256") != 0 &&
	    strcmp(json_string_value(alg), "ES256") != 0)
		return "algorithm not allowed";
	if (v->nkeys == 0)
		return "algorithm not allowed";
	if (!kid)
		return "unknown kid";
	key = find_key(v, json_string_value(kid));
	if (!key)
		return "unknown kid";
	if (strcmp(jwt_alg_str(key->alg), json_string_value(alg)) != 0)
		return "algorithm not allowed";
	kc->alg = key->alg;
	kc->key = key->pem;
	kc->key_len = key->pem_len;
	kc->sig_len = key->sig_len;
	return NULL;
}

/*
 * HS256 without libjwt: the verifier's keyed HMAC over header.payload, its base64url compared
 * with the token's signature text in constant time, as libjwt compares them (so one spelling
 * of a signature is accepted, as before).
 */
static const char *check_hs256(const struct auth_verifier *v, const struct token_parts *tp)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	char text[EVP_MAX_MD_SIZE * 4 / 3 + 4];
	size_t mac_len = 0;
	size_t signed_len = tp->len[0] + 1 + tp->len[1];
	const char *why = "bad signature";
	EVP_MAC_CTX *ctx = v->hs256 ? EVP_MAC_CTX_dup(v->hs256) : NULL;

	if (!ctx)
		return "algorithm not allowed";
	/* header "." payload: the segments are contiguous in the token */
	if (EVP_MAC_update(ctx, (const unsigned char *)tp->seg[0], signed_len) != 1 ||
	    EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) != 1 || mac_len != 32)
		goto cleanup;
	if (encoding_b64url_encode(mac, mac_len, text) == tp->len[2] &&
	    CRYPTO_memcmp(text, tp->seg[2], tp->len[2]) == 0)
		why = NULL;
cleanup:
	OPENSSL_cleanse(mac, sizeof(mac));
	EVP_MAC_CTX_free(ctx);
	return why;
}

static const char *check_signature(const struct auth_verifier *v, const char *token, size_t len,
                                   const struct token_parts *tp, const struct key_choice *kc)
{
	unsigned char sig[AUTH_SIG_MAX];
	char copy[AUTH_TOKEN_MAX + 1];
	jwt_t *jwt = NULL;
	jwt_alg_t got;
	long n = encoding_b64url_decode(tp->seg[2], tp->len[2], sig, sizeof(sig));

	/*
	 * libjwt's own base64 decoder (libb64) skips stray characters; only canonical signatures
	 * of the exact size the key produces reach it.
	 */
	if (n < 0 || (size_t)n != kc->sig_len)
		return "bad signature";
	if (kc->key == NULL || kc->key_len <= 0)
		return "algorithm not allowed"; /* never hand libjwt an empty key */
	if (kc->alg == JWT_ALG_HS256)
		return check_hs256(v, tp);
	memcpy(copy, token, len);
	copy[len] = '\0';
	if (jwt_decode(&jwt, copy, kc->key, kc->key_len) != 0 || !jwt)
		return "bad signature";
	got = jwt_get_alg(jwt);
	jwt_free(jwt);
	if (got != kc->alg)
		return "algorithm not allowed";
	return NULL;
}

/* Copies a JSON string claim into dst[AUTH_CLAIM_MAX]. 0 ok, -1 too long. */
static int copy_claim(char *dst, json_t *s)
{
	size_t n = json_string_length(s);

	if (n >= AUTH_CLAIM_MAX)
		return -1;
	memcpy(dst, json_string_value(s), n);
	dst[n] = '\0';
	return 0;
}

static int string_equals(json_t *js, const char *want)
{
	size_t n = strlen(want);

	return json_is_string(js) && json_string_length(js) == n &&
	       memcmp(json_string_value(js), want, n) == 0;
}

static int audience_matches(json_t *aud, const char *want)
{
	size_t i;
	json_t *item;

	if (json_is_string(aud))
		return string_equals(aud, want);
	if (!json_is_array(aud))
		return 0;
	json_array_foreach(aud, i, item)
	{
		if (string_equals(item, want))
			return 1;
	}
	return 0;
}

/* Reads an optional NumericDate. 0 absent, 1 present in *out, -1 wrong type or range. */
static int numeric_date(json_t *claims, const char *name, long long *out)
{
	json_t *js = json_object_get(claims, name);

	if (!js)
		return 0;
	if (!json_is_integer(js))
		return -1;
	*out = json_integer_value(js);
	if (*out < 0 || *out > AUTH_TIME_MAX)
		return -1;
	return 1;
}

const char *auth_times_check(const struct auth_verifier *v, const struct auth_times *t,
                             long long now)
{
	/* RFC 7519 §4.1.4: valid only before exp; leeway absorbs clock skew. */
	if (now - v->leeway >= t->exp)
		return "expired";
	if (t->has_nbf && t->nbf > now + v->leeway)
		return "not yet valid";
	if (t->has_iat && t->iat > now + v->leeway)
		return "issued in the future";
	return NULL;
}

/* Reads exp, nbf and iat into *t and checks them at now. */
static const char *check_times(const struct auth_verifier *v, json_t *claims, long long now,
                               struct auth_times *t)
{
	int rc = numeric_date(claims, "exp", &t->exp);

	if (rc == 0)
		return "missing exp";
	if (rc < 0)
		return "bad exp";
	if (now - v->leeway >= t->exp)
		return "expired";
	rc = numeric_date(claims, "nbf", &t->nbf);
	if (rc < 0)
		return "bad nbf";
	t->has_nbf = rc > 0;
	if (t->has_nbf && t->nbf > now + v->leeway)
		return "not yet valid";
	rc = numeric_date(claims, "iat", &t->iat);
	if (rc < 0)
		return "bad iat";
	t->has_iat = rc > 0;
	return auth_times_check(v, t, now);
}

static const char *check_claims(const struct auth_verifier *v, json_t *claims, long long now,
                                struct principal *p, struct auth_times *t)
{
	json_t *sub = json_object_get(claims, "sub");
	json_t *role = json_object_get(claims, "role");
	json_t *unit = json_object_get(claims, "unit");
	json_t *jti = json_object_get(claims, "jti");
	const char *why = check_times(v, claims, now, t);

	if (why)
		return why;
	p->exp = t->exp;
	if (!string_equals(json_object_get(claims, "iss"), v->issuer))
		return "iss mismatch";
	if (!audience_matches(json_object_get(claims, "aud"), v->audience))
		return "aud mismatch";
	memcpy(p->iss, v->issuer, sizeof(p->iss));
	if (!json_is_string(sub) || json_string_length(sub) == 0)
		return "missing sub";
	if (copy_claim(p->sub, sub) != 0)
		return "claim too long";
	if (!json_is_string(role))
		return "missing role";
	if (principal_role_parse(json_string_value(role), &p->role) != 0)
		return "unknown role";
	if (unit && !json_is_string(unit))
		return "bad unit";
	if (unit && copy_claim(p->unit, unit) != 0)
		return "claim too long";
	if (p->role == ROLE_REPORTER && p->unit[0] == '\0')
		return "missing unit for reporter";
	if (jti && !json_is_string(jti))
		return "bad jti";
	if (jti && copy_claim(p->jti, jti) != 0)
		return "claim too long";
	return NULL;
}

enum auth_status auth_verify(const struct auth_verifier *v, const char *token, size_t len,
                             long long now, struct principal *out, const char **reason)
{
	struct token_parts tp;
	struct key_choice kc;
	struct principal p;
	struct auth_times times;
	json_t *hdr = NULL;
	json_t *claims = NULL;
	const char *why = NULL;

	memset(&p, 0, sizeof(p));
	memset(&times, 0, sizeof(times));
	if (!v || !token || !out) {
		why = "malformed";
		goto cleanup;
	}
	if (len > AUTH_TOKEN_MAX) {
		why = "token too large";
		goto cleanup;
	}
	if (now < 0 || now > AUTH_TIME_MAX) {
		why = "clock out of range";
		goto cleanup;
	}
	/* a token verified before: only its times can have changed */
	if (auth_cache_get(v->cache, v, token, len, now, &p, &why) != 0)
		goto cleanup;
	if (split_token(token, len, &tp) != 0 || !(hdr = segment_json(tp.seg[0], tp.len[0]))) {
		why = "malformed";
		goto cleanup;
	}
	why = check_header(v, hdr, &kc);
	if (why)
		goto cleanup;
	claims = segment_json(tp.seg[1], tp.len[1]);
	if (!claims) {
		why = "malformed";
		goto cleanup;
	}
	why = check_signature(v, token, len, &tp, &kc);
	if (why)
		goto cleanup;
	why = check_claims(v, claims, now, &p, &times);
	if (!why)
		auth_cache_put(v->cache, token, len, &p, &times);
cleanup:
	json_decref(hdr);
	json_decref(claims);
	if (why) {
		if (out)
			memset(out, 0, sizeof(*out));
		if (reason)
			*reason = why;
		return AUTH_INVALID;
	}
	*out = p;
	if (reason)
		*reason = "ok";
	return AUTH_OK;
}
