/* auth_mint.c — dev tokens: HS256 with the verifier's issuer, audience and secret. */
#include <jansson.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "auth_internal.h"
#include "encoding.h"

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
		auth_set_err(err, errlen, "no HS256 secret configured");
		return -1;
	}
	if (!sub || sub[0] == '\0' || strlen(sub) >= AUTH_CLAIM_MAX) {
		auth_set_err(err, errlen, "sub must be 1..%d bytes", AUTH_CLAIM_MAX - 1);
		return -1;
	}
	if ((size_t)role >= AUTH_ROLE_COUNT) {
		auth_set_err(err, errlen, "unknown role");
		return -1;
	}
	if (unit_len >= AUTH_CLAIM_MAX || (role == ROLE_REPORTER && unit_len == 0)) {
		auth_set_err(err, errlen,
		             "unit must be 1..%d bytes for a reporter, at most that otherwise",
		             AUTH_CLAIM_MAX - 1);
		return -1;
	}
	if (ttl < 1 || ttl > AUTH_MINT_TTL_MAX) {
		auth_set_err(err, errlen, "ttl must be 1..%ld seconds", AUTH_MINT_TTL_MAX);
		return -1;
	}
	if (now < 0 || now > AUTH_TIME_MAX - AUTH_MINT_TTL_MAX) {
		auth_set_err(err, errlen, "clock out of range");
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
		auth_set_err(err, errlen, "no randomness for jti");
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
		auth_set_err(err, errlen, "cannot build token (invalid UTF-8 or out of memory)");
		goto cleanup;
	}
	token = jwt_encode_str(jwt);
	if (!token)
		auth_set_err(err, errlen, "cannot sign token");
cleanup:
	jwt_free(jwt);
	free(grants);
	json_decref(claims);
	return token;
}
