/* problem.c — the one table from error code to status, type and title. */
#include "problem.h"

struct problem_kind {
	int status;
	const char *type; /* stable URI integrators switch on */
	const char *title;
};

static const struct problem_kind problem_kinds[SVC_ERROR_COUNT] = {
        [SVC_OK] = {200, "urn:zeren:problem:ok", "OK"},
        [SVC_BAD_REQUEST] = {400, "urn:zeren:problem:bad-request", "Bad request"},
        [SVC_VALIDATION] = {400, "urn:zeren:problem:validation", "Invalid input"},
        [SVC_UNAUTHORIZED] = {401, "urn:zeren:problem:unauthorized", "Authentication required"},
        [SVC_FORBIDDEN] = {403, "urn:zeren:problem:forbidden", "Outside the token's scope"},
        [SVC_NOT_FOUND] = {404, "urn:zeren:problem:not-found", "Not found"},
        [SVC_METHOD_NOT_ALLOWED] = {405, "urn:zeren:problem:method-not-allowed",
                                    "Method not allowed"},
        [SVC_NOT_ACCEPTABLE] = {406, "urn:zeren:problem:not-acceptable", "Not acceptable"},
        [SVC_CONFLICT] = {409, "urn:zeren:problem:conflict", "Conflict"},
        [SVC_PRECONDITION_FAILED] = {412, "urn:zeren:problem:precondition-failed",
                                     "Precondition failed"},
        [SVC_TOO_LARGE] = {413, "urn:zeren:problem:payload-too-large", "Payload too large"},
        [SVC_URI_TOO_LONG] = {414, "urn:zeren:problem:uri-too-long", "Request target too long"},
        [SVC_UNSUPPORTED_MEDIA] = {415, "urn:zeren:problem:unsupported-media-type",
                                   "Unsupported media type"},
        [SVC_UNPROCESSABLE] = {422, "urn:zeren:problem:unprocessable", "Unprocessable request"},
        [SVC_PRECONDITION_REQUIRED] = {428, "urn:zeren:problem:precondition-required",
                                       "If-Match required"},
        [SVC_TOO_MANY_REQUESTS] = {429, "urn:zeren:problem:too-many-requests", "Too many requests"},
        [SVC_UNAVAILABLE] = {503, "urn:zeren:problem:unavailable", "Service unavailable"},
        [SVC_INTERNAL] = {500, "urn:zeren:problem:internal", "Internal error"},
        [SVC_GONE] = {410, "urn:zeren:problem:gone", "Gone"},
        [SVC_HEAD_TOO_LARGE] = {431, "urn:zeren:problem:header-fields-too-large",
                                "Request header fields too large"},
};

static const struct problem_kind *problem_kind_of(enum svc_error err)
{
	if ((int)err < 0 || err >= SVC_ERROR_COUNT)
		err = SVC_INTERNAL;
	return &problem_kinds[err];
}

int problem_status(enum svc_error err)
{
	return problem_kind_of(err)->status;
}

const char *problem_title(enum svc_error err)
{
	return problem_kind_of(err)->title;
}

const char *problem_type(enum svc_error err)
{
	return problem_kind_of(err)->type;
}

json_t *problem_new(enum svc_error err, const char *detail, const char *request_id)
{
	const struct problem_kind *k = problem_kind_of(err);
	json_t *p = json_object();
	json_object_set_new(p, "type", json_string(problem_type(err)));
	json_object_set_new(p, "title", json_string(k->title));
	json_object_set_new(p, "status", json_integer(k->status));
	json_t *d = json_string(detail != NULL ? detail : k->title);
	/* detail may echo client text; fall back to the title if it is not valid UTF-8. */
	json_object_set_new(p, "detail", d != NULL ? d : json_string(k->title));
	json_object_set_new(p, "request_id", json_string(request_id != NULL ? request_id : ""));
	return p;
}

void problem_add_error(json_t *problem, const char *pointer, const char *message)
{
	json_t *errors = json_object_get(problem, "errors");
	if (errors == NULL) {
		errors = json_array();
		json_object_set_new(problem, "errors", errors);
	}
	json_t *ptr = json_string(pointer);
	json_t *msg = json_string(message);
	json_array_append_new(errors, json_pack("{soso}", "pointer", ptr ? ptr : json_string(""),
	                                        "message", msg ? msg : json_string("invalid")));
}
