/* auth.c — bearer tokens: pinned algorithms, kid-chosen keys, exp/nbf/iss/aud, dev minting. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* opendir, stat, strncasecmp */
#endif

#include "auth.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "encoding.h"

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

struct auth_key {
	char kid[AUTH_CLAIM_MAX];
	jwt_alg_t alg;      /* decided from the key type at load time, never from a token */
	unsigned char *pem; /* exactly the file's text; handed to libjwt */
	int pem_len;
	size_t sig_len; /* decoded signature size the algorithm produces for this key */
};

struct auth_verifier {
	unsigned char *secret; /* NULL = HS256 disabled */
	int secret_len;
	struct auth_key *keys;
	size_t nkeys;
	char issuer[AUTH_CLAIM_MAX];
	char audience[AUTH_CLAIM_MAX];
	int leeway;
};

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

static const char *const role_names[] = {
        [ROLE_READER] = "reader",
        [ROLE_REPORTER] = "reporter",
        [ROLE_SUPERVISOR] = "supervisor",
        [ROLE_ADMIN] = "admin",
};

#define ROLE_COUNT (sizeof(role_names) / sizeof(role_names[0]))

static void set_err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *principal_role_name(enum principal_role r)
{
	if ((size_t)r >= ROLE_COUNT)
		return "unknown";
	return role_names[r];
}

const char *principal_unit(const struct principal *p)
{
	return p->unit[0] != '\0' ? p->unit : NULL;
}

int principal_role_parse(const char *s, enum principal_role *out)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < ROLE_COUNT; i++) {
		if (strcmp(s, role_names[i]) == 0) {
			*out = (enum principal_role)i;
			return 0;
		}
	}
	return -1;
}

/* RFC 7235 token68 characters (the trailing '=' run is checked by the caller). */
static int is_token68_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

int auth_bearer_token(const char *header, const char **token, size_t *len)
{
	static const char scheme[] = "Bearer";
	const char *p;
	size_t n = 0;

	if (!header || strncasecmp(header, scheme, sizeof(scheme) - 1) != 0)
		return -1;
	p = header + sizeof(scheme) - 1;
	if (*p != ' ')
		return -1;
	while (*p == ' ')
		p++;
	while (is_token68_char((unsigned char)p[n]))
		n++;
	if (n == 0)
		return -1;
	while (p[n] == '=')
		n++;
	if (p[n] != '\0')
		return -1;
	*token = p;
	*len = n;
	return 0;
}

static void scrub_free(void *p, size_t n)
{
	if (!p)
		return;
	OPENSSL_cleanse(p, n);
	free(p);
}

void auth_verifier_destroy(struct auth_verifier *v)
{
	if (!v)
		return;
	scrub_free(v->secret, (size_t)v->secret_len);
	for (size_t i = 0; i < v->nkeys; i++)
		free(v->keys[i].pem);
	free(v->keys);
	free(v);
}

static int copy_setting(char *dst, const char *src, const char *name, char *err, size_t errlen)
{
	size_t n = src ? strlen(src) : 0;

	if (n == 0) {
		set_err(err, errlen, "%s is required", name);
		return -1;
	}
	if (n >= AUTH_CLAIM_MAX) {
		set_err(err, errlen, "%s is longer than %d bytes", name, AUTH_CLAIM_MAX - 1);
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

/* Reads a whole file of at most AUTH_PEM_MAX bytes into a NUL-terminated buffer. */
static unsigned char *read_small_file(const char *path, size_t *out_len, char *err, size_t errlen)
{
	unsigned char *buf;
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f) {
		set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(AUTH_PEM_MAX + 1);
	if (!buf) {
		fclose(f);
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, AUTH_PEM_MAX + 1, f);
	if (ferror(f) || n > AUTH_PEM_MAX) {
		set_err(err, errlen, "%s: %s", path,
		        ferror(f) ? "read error" : "larger than 16 KiB");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*out_len = n;
	return buf;
}

static size_t count_occurrences(const char *hay, const char *needle)
{
	size_t count = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		count++;
	return count;
}

/*
 * Decides the key's algorithm from its type with libcrypto (the library libjwt itself verifies
 * with), so a token can never choose how a key is used.
 */
static int classify_key(struct auth_key *k, const char *path, char *err, size_t errlen)
{
	char group[64];
	size_t group_len = 0;
	int ret = -1;
	BIO *bio = BIO_new_mem_buf(k->pem, k->pem_len);
	EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;

	if (!pkey) {
		set_err(err, errlen, "%s: not a readable PEM public key", path);
		goto cleanup;
	}
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(pkey) < AUTH_RSA_BITS_MIN) {
			set_err(err, errlen, "%s: RSA key shorter than %d bits", path,
			        AUTH_RSA_BITS_MIN);
			goto cleanup;
		}
		k->alg = JWT_ALG_RS256;
		k->sig_len = (size_t)EVP_PKEY_get_size(pkey);
		break;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_group_name(pkey, group, sizeof(group), &group_len) ||
		    strcmp(group, "prime256v1") != 0) {
			set_err(err, errlen, "%s: EC key is not on curve P-256", path);
			goto cleanup;
		}
		k->alg = JWT_ALG_ES256;
		k->sig_len = 64; /* r || s, 32 bytes each (RFC 7518 §3.4) */
		break;
	default:
		set_err(err, errlen, "%s: key type is neither RSA nor EC", path);
		goto cleanup;
	}
	if (k->sig_len == 0 || k->sig_len > AUTH_SIG_MAX) {
		set_err(err, errlen, "%s: unsupported key size", path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret != 0)
		ERR_clear_error(); /* leave no stale entries for libjwt's later calls */
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	return ret;
}

static int load_key(struct auth_verifier *v, const char *path, const char *name, char *err,
                    size_t errlen)
{
	struct auth_key *k;
	size_t len;
	const char *dot = strrchr(name, '.');
	size_t kid_len = dot ? (size_t)(dot - name) : strlen(name);

	if (kid_len == 0 || kid_len >= AUTH_CLAIM_MAX) {
		set_err(err, errlen, "%s: file name gives an empty or too long kid", path);
		return -1;
	}
	for (size_t i = 0; i < v->nkeys; i++) {
		if (strlen(v->keys[i].kid) == kid_len &&
		    memcmp(v->keys[i].kid, name, kid_len) == 0) {
			set_err(err, errlen, "%s: duplicate kid", path);
			return -1;
		}
	}
	if (v->nkeys == AUTH_KEYS_MAX) {
		set_err(err, errlen, "more than %d public keys", AUTH_KEYS_MAX);
		return -1;
	}
	k = &v->keys[v->nkeys];
	memset(k, 0, sizeof(*k));
	k->pem = read_small_file(path, &len, err, errlen);
	if (!k->pem)
		return -1;
	k->pem_len = (int)len;
	/*
	 * One block only: PEM readers skip blocks they do not want, so extra ones (a private key,
	 * a second public key) would be silently ignored or, worse, picked differently.
	 */
	if (count_occurrences((const char *)k->pem, "-----BEGIN PUBLIC KEY-----") != 1 ||
	    count_occurrences((const char *)k->pem, "-----BEGIN ") != 1) {
		set_err(err, errlen, "%s: expected exactly one BEGIN PUBLIC KEY block", path);
		free(k->pem);
		k->pem = NULL;
		return -1;
	}
	if (classify_key(k, path, err, errlen) != 0) {
		free(k->pem);
		k->pem = NULL;
		return -1;
	}
	memcpy(k->kid, name, kid_len);
	k->kid[kid_len] = '\0';
	v->nkeys++;
	return 0;
}

static int has_pem_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".pem") == 0;
}

static int load_key_dir(struct auth_verifier *v, const char *dir, char *err, size_t errlen)
{
	char path[AUTH_PATH_MAX];
	struct dirent *de;
	struct stat st;
	int ret = -1;
	DIR *d = opendir(dir);

	if (!d) {
		set_err(err, errlen, "cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		/* Dot names include Kubernetes' "..data" links to the real files. */
		if (de->d_name[0] == '.' || !has_pem_suffix(de->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path)) {
			set_err(err, errlen, "%s: path too long", dir);
			goto cleanup;
		}
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			set_err(err, errlen, "%s: not a readable regular file", path);
			goto cleanup;
		}
		if (load_key(v, path, de->d_name, err, errlen) != 0)
			goto cleanup;
	}
	if (v->nkeys == 0) {
		set_err(err, errlen, "%s: no *.pem files", dir);
		goto cleanup;
	}
	ret = 0;
cleanup:
	closedir(d);
	return ret;
}

static int load_keys(struct auth_verifier *v, const char *path, char *err, size_t errlen)
{
	struct stat st;
	const char *base = strrchr(path, '/');

	v->keys = calloc(AUTH_KEYS_MAX, sizeof(*v->keys));
	if (!v->keys) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	if (stat(path, &st) != 0) {
		set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return load_key_dir(v, path, err, errlen);
	return load_key(v, path, base ? base + 1 : path, err, errlen);
}

int auth_verifier_create(const struct auth_settings *s, struct auth_verifier **out, char *err,
                         size_t errlen)
{
	struct auth_verifier *v;
	size_t secret_len = s && s->hs256_secret ? strlen(s->hs256_secret) : 0;
	int has_keys = s && s->public_keys_path && s->public_keys_path[0] != '\0';

	if (!s || !out) {
		set_err(err, errlen, "no settings");
		return -1;
	}
	if (s->leeway_seconds < 0 || s->leeway_seconds > AUTH_LEEWAY_MAX) {
		set_err(err, errlen, "leeway must be 0..%d seconds", AUTH_LEEWAY_MAX);
		return -1;
	}
	if (secret_len > 0 && secret_len < AUTH_SECRET_MIN) {
		set_err(err, errlen, "HS256 secret must be at least %d bytes", AUTH_SECRET_MIN);
		return -1;
	}
	if (secret_len > AUTH_SECRET_MAX) {
		set_err(err, errlen, "HS256 secret must be at most %d bytes", AUTH_SECRET_MAX);
		return -1;
	}
	if (secret_len == 0 && !has_keys) {
		set_err(err, errlen, "no verification key: set an HS256 secret or public keys");
		return -1;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	v->leeway = s->leeway_seconds;
	if (copy_setting(v->issuer, s->issuer, "issuer", err, errlen) != 0 ||
	    copy_setting(v->audience, s->audience, "audience", err, errlen) != 0)
		goto fail;
	if (secret_len > 0) {
		v->secret = malloc(secret_len);
		if (!v->secret) {
			set_err(err, errlen, "out of memory");
			goto fail;
		}
		memcpy(v->secret, s->hs256_secret, secret_len);
		v->secret_len = (int)secret_len;
	}
	if (has_keys && load_keys(v, s->public_keys_path, err, errlen) != 0)
		goto fail;
	*out = v;
	return 0;
fail:
	auth_verifier_destroy(v);
	return -1;
}

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

static const char *check_signature(const char *token, size_t len, const struct token_parts *tp,
                                   const struct key_choice *kc)
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

static const char *check_times(const struct auth_verifier *v, json_t *claims, long long now,
                               struct principal *p)
{
	long long nbf, iat;
	int rc = numeric_date(claims, "exp", &p->exp);

	if (rc == 0)
		return "missing exp";
	if (rc < 0)
		return "bad exp";
	/* RFC 7519 §4.1.4: valid only before exp; leeway absorbs clock skew. */
	if (now - v->leeway >= p->exp)
		return "expired";
	rc = numeric_date(claims, "nbf", &nbf);
	if (rc < 0)
		return "bad nbf";
	if (rc > 0 && nbf > now + v->leeway)
		return "not yet valid";
	rc = numeric_date(claims, "iat", &iat);
	if (rc < 0)
		return "bad iat";
	if (rc > 0 && iat > now + v->leeway)
		return "issued in the future";
	return NULL;
}

static const char *check_claims(const struct auth_verifier *v, json_t *claims, long long now,
                                struct principal *p)
{
	json_t *sub = json_object_get(claims, "sub");
	json_t *role = json_object_get(claims, "role");
	json_t *unit = json_object_get(claims, "unit");
	json_t *jti = json_object_get(claims, "jti");
	const char *why = check_times(v, claims, now, p);

	if (why)
		return why;
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
	json_t *hdr = NULL;
	json_t *claims = NULL;
	const char *why = NULL;

	memset(&p, 0, sizeof(p));
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
	why = check_signature(token, len, &tp, &kc);
	if (why)
		goto cleanup;
	why = check_claims(v, claims, now, &p);
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

static int random_jti(char *dst, size_t dstlen)
{
	unsigned char raw[AUTH_JTI_BYTES];

	if (dstlen < ENCODING_HEX_LEN(sizeof(raw)) || RAND_bytes(raw, (int)sizeof(raw)) != 1)
		return -1;
	encoding_hex(raw, sizeof(raw), dst, dstlen);
	return 0;
}

static int mint_args_ok(const struct auth_verifier *v, const char *sub, enum principal_role role,
                        const char *unit, long ttl, long long now, char *err, size_t errlen)
{
	size_t unit_len = unit ? strlen(unit) : 0;

	if (!v || !v->secret) {
		set_err(err, errlen, "no HS256 secret configured");
		return -1;
	}
	if (!sub || sub[0] == '\0' || strlen(sub) >= AUTH_CLAIM_MAX) {
		set_err(err, errlen, "sub must be 1..%d bytes", AUTH_CLAIM_MAX - 1);
		return -1;
	}
	if ((size_t)role >= ROLE_COUNT) {
		set_err(err, errlen, "unknown role");
		return -1;
	}
	if (unit_len >= AUTH_CLAIM_MAX || (role == ROLE_REPORTER && unit_len == 0)) {
		set_err(err, errlen,
		        "unit must be 1..%d bytes for a reporter, at most that otherwise",
		        AUTH_CLAIM_MAX - 1);
		return -1;
	}
	if (ttl < 1 || ttl > AUTH_MINT_TTL_MAX) {
		set_err(err, errlen, "ttl must be 1..%ld seconds", AUTH_MINT_TTL_MAX);
		return -1;
	}
	if (now < 0 || now > AUTH_TIME_MAX - AUTH_MINT_TTL_MAX) {
		set_err(err, errlen, "clock out of range");
		return -1;
	}
	return 0;
}

char *auth_token_mint(const struct auth_verifier *v, const char *sub, enum principal_role role,
                      const char *unit, long ttl_seconds, long long now, char *err, size_t errlen)
{
	char jti[2 * AUTH_JTI_BYTES + 1];
	char *grants = NULL;
	char *token = NULL;
	jwt_t *jwt = NULL;
	json_t *claims = NULL;

	if (mint_args_ok(v, sub, role, unit, ttl_seconds, now, err, errlen) != 0)
		return NULL;
	if (random_jti(jti, sizeof(jti)) != 0) {
		set_err(err, errlen, "no randomness for jti");
		return NULL;
	}
	claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "iss", v->issuer, "aud",
	                   v->audience, "sub", sub, "role", principal_role_name(role), "iat",
	                   (json_int_t)now, "exp", (json_int_t)(now + ttl_seconds), "jti", jti);
	if (claims && unit && unit[0] != '\0' &&
	    json_object_set_new(claims, "unit", json_string(unit)) != 0) {
		json_decref(claims);
		claims = NULL;
	}
	grants = claims ? json_dumps(claims, JSON_COMPACT) : NULL;
	if (!grants || jwt_new(&jwt) != 0 || jwt_add_grants_json(jwt, grants) != 0 ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, v->secret, v->secret_len) != 0) {
		set_err(err, errlen, "cannot build token (invalid UTF-8 or out of memory)");
		goto cleanup;
	}
	token = jwt_encode_str(jwt);
	if (!token)
		set_err(err, errlen, "cannot sign token");
cleanup:
	jwt_free(jwt);
	free(grants);
	json_decref(claims);
	return token;
}
