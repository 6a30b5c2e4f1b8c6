/* webhook_sign.h — the Zeren-Signature of a delivery and the secrets subscriptions sign with. */
#ifndef ZEREN_WEBHOOK_SIGN_H
#define ZEREN_WEBHOOK_SIGN_H

#include <stddef.h>

/* Room for "t=<seconds>,v1=<64 hex digits>" and a NUL. */
#define WEBHOOK_SIGNATURE_SIZE 96
/* Room for a generated secret: "whsec_" and 64 hex digits, and a NUL. */
#define WEBHOOK_SECRET_SIZE 72

/* Writes "t=<t>,v1=<hex HMAC-SHA256 of secret over t "." body>" into out. 0, or -1 when
 * libcrypto fails. */
int webhook_sign(const char *secret, long long t, const char *body, size_t len,
                 char out[WEBHOOK_SIGNATURE_SIZE]) __attribute__((warn_unused_result));

/* A new random secret (32 bytes from the CSPRNG, hex, "whsec_" before them) into out; 0, or
 * -1 when no randomness is available. */
int webhook_secret_new(char out[WEBHOOK_SECRET_SIZE]) __attribute__((warn_unused_result));

#endif
