/* auth_keys.c — the verifier's public keys: one PEM file or a directory of them, each a single
 * RSA (>= 2048 bits, RS256) or EC P-256 (ES256) public key, its algorithm decided here. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* opendir, stat */
#endif

#include <dirent.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth_internal.h"

/* Reads a whole file of at most AUTH_PEM_MAX bytes into a NUL-terminated buffer. */
static unsigned char *read_small_file(const char *path, size_t *out_len, char *err, size_t errlen)
{
	unsigned char *buf;
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f) {
		auth_set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(AUTH_PEM_MAX + 1);
	if (!buf) {
		fclose(f);
		auth_set_err(err, errlen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, AUTH_PEM_MAX + 1, f);
	if (ferror(f) || n > AUTH_PEM_MAX) {
		auth_set_err(err, errlen, "%s: %s", path,
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
		auth_set_err(err, errlen, "%s: not a readable PEM public key", path);
		goto cleanup;
	}
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(pkey) < AUTH_RSA_BITS_MIN) {
			auth_set_err(err, errlen, "%s: RSA key shorter than %d bits", path,
			             AUTH_RSA_BITS_MIN);
			goto cleanup;
		}
		k->alg = JWT_ALG_RS256;
		k->sig_len = (size_t)EVP_PKEY_get_size(pkey);
		break;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_group_name(pkey, group, sizeof(group), &group_len) ||
		    strcmp(group, "prime256v1") != 0) {
			auth_set_err(err, errlen, "%s: EC key is not on curve P-256", path);
			goto cleanup;
		}
		k->alg = JWT_ALG_ES256;
		k->sig_len = 64; /* r || s, 32 bytes each (RFC 7518 §3.4) */
		break;
	default:
		auth_set_err(err, errlen, "%s: key type is neither RSA nor EC", path);
		goto cleanup;
	}
	if (k->sig_len == 0 || k->sig_len > AUTH_SIG_MAX) {
		auth_set_err(err, errlen, "%s: unsupported key size", path);
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
		auth_set_err(err, errlen, "%s: file name gives an empty or too long kid", path);
		return -1;
	}
	for (size_t i = 0; i < v->nkeys; i++) {
		if (strlen(v->keys[i].kid) == kid_len &&
		    memcmp(v->keys[i].kid, name, kid_len) == 0) {
			auth_set_err(err, errlen, "%s: duplicate kid", path);
			return -1;
		}
	}
	if (v->nkeys == AUTH_KEYS_MAX) {
		auth_set_err(err, errlen, "more than %d public keys", AUTH_KEYS_MAX);
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
		auth_set_err(err, errlen, "%s: expected exactly one BEGIN PUBLIC KEY block", path);
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
		auth_set_err(err, errlen, "cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		/* Dot names include Kubernetes' "..data" links to the real files. */
		if (de->d_name[0] == '.' || !has_pem_suffix(de->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path)) {
			auth_set_err(err, errlen, "%s: path too long", dir);
			goto cleanup;
		}
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			auth_set_err(err, errlen, "%s: not a readable regular file", path);
			goto cleanup;
		}
		if (load_key(v, path, de->d_name, err, errlen) != 0)
			goto cleanup;
	}
	if (v->nkeys == 0) {
		auth_set_err(err, errlen, "%s: no *.pem files", dir);
		goto cleanup;
	}
	ret = 0;
cleanup:
	closedir(d);
	return ret;
}

int auth_keys_load(struct auth_verifier *v, const char *path, char *err, size_t errlen)
{
	struct stat st;
	const char *base = strrchr(path, '/');

	v->keys = calloc(AUTH_KEYS_MAX, sizeof(*v->keys));
	if (!v->keys) {
		auth_set_err(err, errlen, "out of memory");
		return -1;
	}
	if (stat(path, &st) != 0) {
		auth_set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return load_key_dir(v, path, err, errlen);
	return load_key(v, path, base ? base + 1 : path, err, errlen);
}
