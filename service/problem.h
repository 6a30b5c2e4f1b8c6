/* problem.h — service error codes, their single HTTP status mapping, RFC 9457 bodies. */
#ifndef ZEREN_PROBLEM_H
#define ZEREN_PROBLEM_H

#include <jansson.h>

enum svc_error {
	SVC_OK = 0,
	SVC_BAD_REQUEST,           /* malformed syntax, bad parameter: 400 */
	SVC_VALIDATION,            /* body fails validation: 400 with errors[] */
	SVC_UNAUTHORIZED,          /* no or invalid token: 401 */
	SVC_FORBIDDEN,             /* outside the token's scope: 403 */
	SVC_NOT_FOUND,             /* 404 */
	SVC_METHOD_NOT_ALLOWED,    /* 405 */
	SVC_NOT_ACCEPTABLE,        /* 406 */
	SVC_CONFLICT,              /* state conflict, duplicate, in-flight idempotent retry: 409 */
	SVC_PRECONDITION_FAILED,   /* If-Match mismatch: 412 */
	SVC_TOO_LARGE,             /* body over the limit: 413 */
	SVC_URI_TOO_LONG,          /* request target too long or too many parameters: 414 */
	SVC_UNSUPPORTED_MEDIA,     /* wrong Content-Type: 415 */
	SVC_UNPROCESSABLE,         /* semantically wrong, e.g. idempotency key reused: 422 */
	SVC_PRECONDITION_REQUIRED, /* If-Match missing: 428 */
	SVC_TOO_MANY_REQUESTS,     /* a rate or concurrency limit: 429 with Retry-After */
	SVC_UNAVAILABLE,           /* database unreachable: 503 */
	SVC_INTERNAL,              /* a bug or an unexpected database error: 500 */
	SVC_GONE,           /* what the request points at was removed, e.g. an old cursor: 410 */
	SVC_HEAD_TOO_LARGE, /* request line and header fields over the limit: 431 */
	SVC_ERROR_COUNT
};

/* The HTTP status of an error code. */
int problem_status(enum svc_error err);

/* The stable, documented `type` URI and short `title` of an error code. */
const char *problem_type(enum svc_error err);
const char *problem_title(enum svc_error err);

/* A new problem object (caller owns): type, title, status, detail, request_id. detail may be
 * NULL (then the title is used). */
json_t *problem_new(enum svc_error err, const char *detail, const char *request_id);

/* Appends {"pointer", "message"} to errors, creating the array if needed. */
void problem_add_error(json_t *problem, const char *pointer, const char *message);

#endif
