/* auth.c — principals and their roles, bearer parsing, and building the verifier from its
 * settings; keys are read by auth_keys.c, tokens checked by auth_verify.c, minted by
 * auth_mint.c. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strncasecmp */
#endif

#include "auth.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth_internal.h"

static const char *const role_names[] = {
        [ROLE_READER] = "reader",
        [ROLE_REPORTER] = "reporter",
        [ROLE_SUPERVISOR] = "supervisor",
        [ROLE_ADMIN] = "admin",
};

_Static_assert(sizeof(role_names) / sizeof(role_names[0]) == AUTH_ROLE_COUNT,
               "a name for every role");

void auth_set_err(char *err, size_t errlen, const char *fmt, ...)
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
	if ((size_t)r >= AUTH_ROLE_COUNT)
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
	for (size_t i = 0; i < AUTH_ROLE_COUNT; i++) {
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
	EVP_MAC_CTX_free(v->hs256);
	auth_cache_destroy(v->cache);
	for (size_t i = 0; i < v->nkeys; i++)
		free(v->keys[i].pem);
	free(v->keys);
	free(v);
}

size_t auth_verifier_cached(const struct auth_verifier *v)
{
	return v ? auth_cache_count(v->cache) : 0;
}

/* The HS256 template: HMAC with SHA-256, keyed with the secret, fetched and keyed once. */
static EVP_MAC_CTX *hs256_create(const unsigned char *secret, size_t len)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
	        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
	        OSSL_PARAM_construct_end(),
	};

	EVP_MAC_free(mac); /* the context holds its own reference */
	if (ctx && EVP_MAC_init(ctx, secret, len, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static int copy_setting(char *dst, const char *src, const char *name, char *err, size_t errlen)
{
	size_t n = src ? strlen(src) : 0;

	if (n == 0) {
		auth_set_err(err, errlen, "%s is required", name);
		return -1;
	}
	if (n >= AUTH_CLAIM_MAX) {
		auth_set_err(err, errlen, "%s is longer than %d bytes", name, AUTH_CLAIM_MAX - 1);
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

int auth_verifier_create(const struct auth_settings *s, struct auth_verifier **out, char *err,
                         size_t errlen)
{
	struct auth_verifier *v;
	size_t secret_len = s && s->hs256_secret ? strlen(s->hs256_secret) : 0;
	int has_keys = s && s->public_keys_path && s->public_keys_path[0] != '\0';

	if (!s || !out) {
		auth_set_err(err, errlen, "no settings");
		return -1;
	}
	if (s->leeway_seconds < 0 || s->leeway_seconds > AUTH_LEEWAY_MAX) {
		auth_set_err(err, errlen, "leeway must be 0..%d seconds", AUTH_LEEWAY_MAX);
		return -1;
	}
	if (secret_len > 0 && secret_len < AUTH_SECRET_MIN) {
		auth_set_err(err, errlen, "HS256 secret must be at least %d bytes",
		             AUTH_SECRET_MIN);
		return -1;
	}
	if (secret_len > AUTH_SECRET_MAX) {
		auth_set_err(err, errlen, "HS256 secret must be at most %d bytes", AUTH_SECRET_MAX);
		return -1;
	}
	if (secret_len == 0 && !has_keys) {
		auth_set_err(err, errlen,
		             "no verification key: set an HS256 secret or public keys");
		return -1;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		auth_set_err(err, errlen, "out of memory");
		return -1;
	}
	v->leeway = s->leeway_seconds;
	if (copy_setting(v->issuer, s->issuer, "issuer", err, errlen) != 0 ||
	    copy_setting(v->audience, s->audience, "audience", err, errlen) != 0)
		goto fail;
	if (secret_len > 0) {
		v->secret = malloc(secret_len);
		if (!v->secret) {
			auth_set_err(err, errlen, "out of memory");
			goto fail;
		}
		memcpy(v->secret, s->hs256_secret, secret_len);
		v->secret_len = (int)secret_len;
		v->hs256 = hs256_create(v->secret, secret_len);
		if (!v->hs256) {
			auth_set_err(err, errlen, "HS256 is not available (libcrypto)");
			goto fail;
		}
	}
	/* no memory for a cache: tokens are verified in full, as with none */
	v->cache = auth_cache_create(s->cache_entries);
	if (has_keys && auth_keys_load(v, s->public_keys_path, err, errlen) != 0)
		goto fail;
	*out = v;
	return 0;
fail:
	auth_verifier_destroy(v);
	return -1;
}
