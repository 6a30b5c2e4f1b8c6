/* progress_input.c — what a unit may send about its progress, checked before any database
 * work so bad input never reaches a write. */
#include "progress_input.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "validate.h"

#define PROGRESS_TEXT_MAX     20000
#define PROGRESS_VALUES_MAX   200
#define PROGRESS_EVIDENCE_MAX 50
#define PROGRESS_VALUE_LIMIT  1e12

/* Members the server sets; a client sending them is told so rather than ignored. */
static const char *const progress_server_fields[] = {
        "id",           "reported_by", "reported_at", "updated_at",     "version",
        "review_state", "reviewed_by", "reviewed_at", "review_comment", "period_start",
        "period_end",   NULL};

static void progress_member_error(json_t *errors, const char *base, const char *key,
                                  const char *message)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", base, key);
	verr_add(errors, p, "%s", message);
}

static void progress_server_members(json_t *body, const char *base, json_t *errors)
{
	for (size_t i = 0; progress_server_fields[i] != NULL; i++)
		if (json_object_get(body, progress_server_fields[i]) != NULL)
			progress_member_error(errors, base, progress_server_fields[i],
			                      "is set by the server and must not be sent");
}

/* An array member of at most max elements at ptr; 0, or -1 after an error naming its shape. */
static int progress_array(json_t *a, const char *ptr, const char *shape, int max, const char *noun,
                          json_t *errors)
{
	if (!json_is_array(a)) {
		verr_add(errors, ptr, "must be an array of %s", shape);
		return -1;
	}
	if (json_array_size(a) > (size_t)max) {
		verr_add(errors, ptr, "at most %d %s", max, noun);
		return -1;
	}
	return 0;
}

/* 1 when obj has key with a value other than null (a null member counts as absent). */
static int progress_has(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return v != NULL && !json_is_null(v);
}

/* Reads a reference given as an id member, a code member or both (at least one): *id 0 and
 * *code NULL for the one absent. 0 when what is there is well formed. */
static int progress_ref(json_t *obj, const char *id_key, const char *code_key, const char *base,
                        long long *id, const char **code, json_t *errors)
{
	char p[320];
	*id = 0;
	*code = NULL;
	int has_id = progress_has(obj, id_key), has_code = progress_has(obj, code_key);
	if (!has_id && !has_code) {
		snprintf(p, sizeof(p), "%s/%s", base, id_key);
		verr_add(errors, p, "is required (or %s)", code_key);
		return -1;
	}
	int ok = 1;
	if (has_id)
		ok = validate_integer_member(obj, id_key, VALIDATE_REQUIRED, 1, INT64_MAX, id, base,
		                             errors) == 0;
	if (!has_code)
		return ok ? 0 : -1;
	*code = validate_string_member(obj, code_key, VALIDATE_REQUIRED, 64, base, errors);
	if (*code != NULL && !validate_code(*code)) {
		snprintf(p, sizeof(p), "%s/%s", base, code_key);
		verr_add(errors, p, "must be a code (a-z, 0-9, '.', '_', '-'; at most 64)");
		*code = NULL;
	}
	return ok && *code != NULL ? 0 : -1;
}

/* 1 (after an error) when a value names a target an earlier one named the same way. */
static int progress_value_repeated(json_t *seen, long long target, const char *code, const char *vb,
                                   json_t *errors)
{
	char key[80], tp[340];
	int repeated = 0;
	if (target != 0) {
		snprintf(key, sizeof(key), "i%lld", target);
		if (json_object_get(seen, key) != NULL) {
			snprintf(tp, sizeof(tp), "%s/target_id", vb);
			verr_add(errors, tp, "target %lld is given twice", target);
			repeated = 1;
		}
		json_object_set_new(seen, key, json_true());
	}
	if (code != NULL) {
		snprintf(key, sizeof(key), "c%s", code);
		if (!repeated && json_object_get(seen, key) != NULL) {
			snprintf(tp, sizeof(tp), "%s/target_code", vb);
			verr_add(errors, tp, "target %s is given twice", code);
			repeated = 1;
		}
		json_object_set_new(seen, key, json_true());
	}
	return repeated;
}

/* Checks values; the valid ones go into list ({target_id?, target_code?, value} each) and
 * come back as text, or NULL when any is bad. */
static char *progress_values(json_t *values, const char *base, json_t *list, json_t *errors)
{
	char ptr[256];
	snprintf(ptr, sizeof(ptr), "%s/values", base);
	if (progress_array(values, ptr, "{target_id or target_code, value}", PROGRESS_VALUES_MAX,
	                   "values", errors) != 0)
		return NULL;
	json_t *seen = json_object();
	size_t i;
	json_t *v;
	int bad = 0;
	json_array_foreach(values, i, v)
	{
		char vb[300];
		if (validate_element(v, ptr, i, "{target_id or target_code, value}", vb, sizeof(vb),
		                     errors) != 0) {
			bad = 1;
			continue;
		}
		static const char *const known[] = {"target_id", "target_code", "value", NULL};
		size_t before = json_array_size(errors);
		validate_known_members(v, known, vb, errors);
		long long target;
		const char *code;
		double value;
		int ok = progress_ref(v, "target_id", "target_code", vb, &target, &code, errors) ==
		         0;
		ok &= validate_number_member(v, "value", VALIDATE_REQUIRED, 0, PROGRESS_VALUE_LIMIT,
		                             &value, vb, errors) == 0;
		if (!ok || json_array_size(errors) != before ||
		    progress_value_repeated(seen, target, code, vb, errors)) {
			bad = 1;
			continue;
		}
		json_t *o = json_object();
		if (target != 0)
			json_object_set_new(o, "target_id", json_integer((json_int_t)target));
		if (code != NULL)
			json_object_set_new(o, "target_code", json_string(code));
		/* the client's own number: an integer stays one, a real is printed back with
		 * 15 significant digits, so 65.3 is stored as 65.3, not 65.299999999999997 */
		json_object_set(o, "value", json_object_get(v, "value"));
		json_array_append_new(list, o);
	}
	json_decref(seen);
	return bad ? NULL : json_dumps(list, JSON_COMPACT | JSON_REAL_PRECISION(15));
}

static char *progress_evidence(json_t *evidence, const char *base, json_t *errors)
{
	char ptr[256];
	snprintf(ptr, sizeof(ptr), "%s/evidence", base);
	if (progress_array(evidence, ptr, "{title, url}", PROGRESS_EVIDENCE_MAX, "items", errors) !=
	    0)
		return NULL;
	json_t *out = json_array();
	size_t i;
	json_t *e;
	int bad = 0;
	json_array_foreach(evidence, i, e)
	{
		char eb[300];
		if (validate_element(e, ptr, i, "{title, url}", eb, sizeof(eb), errors) != 0) {
			bad = 1;
			continue;
		}
		static const char *const known[] = {"title", "url", NULL};
		size_t before = json_array_size(errors);
		validate_known_members(e, known, eb, errors);
		const char *title =
		        validate_string_member(e, "title", VALIDATE_REQUIRED, 500, eb, errors);
		const char *url =
		        validate_string_member(e, "url", VALIDATE_REQUIRED, 2048, eb, errors);
		if (url != NULL && !validate_http_url(url)) {
			char up[340];
			snprintf(up, sizeof(up), "%s/url", eb);
			verr_add(errors, up, "must be an absolute http or https URL");
			url = NULL;
		}
		if (title == NULL || url == NULL || json_array_size(errors) != before) {
			bad = 1;
			continue;
		}
		json_array_append_new(out, json_pack("{ssss}", "title", title, "url", url));
	}
	char *text = bad ? NULL : json_dumps(out, JSON_COMPACT);
	json_decref(out);
	return text;
}

/* Optional text that may be null. */
static const char *progress_text(json_t *body, const char *key, const char *base, int *present,
                                 json_t *errors)
{
	json_t *v = json_object_get(body, key);
	*present = v != NULL;
	if (v == NULL || json_is_null(v))
		return NULL;
	return validate_string_member(body, key, VALIDATE_OPTIONAL, PROGRESS_TEXT_MAX, base,
	                              errors);
}

static void progress_status(json_t *body, const char *base, struct progress_input *in,
                            json_t *errors)
{
	in->status = validate_string_member(body, "status", VALIDATE_REQUIRED, 32, base, errors);
	char p[256];
	snprintf(p, sizeof(p), "%s/status", base);
	if (validate_choice(in->status, domain_statuses, p, errors) != 0)
		in->status = NULL;
}

/* Every member of a progress record: those a client sends and those the server sets. */
static const char *const progress_members[] = {"measure_id",
                                               "measure_code",
                                               "unit",
                                               "period",
                                               "status",
                                               "summary",
                                               "problems",
                                               "next_steps",
                                               "values",
                                               "evidence",
                                               "id",
                                               "reported_by",
                                               "reported_at",
                                               "updated_at",
                                               "version",
                                               "review_state",
                                               "reviewed_by",
                                               "reviewed_at",
                                               "review_comment",
                                               "period_start",
                                               "period_end",
                                               NULL};

/* The start of both checks: empties in; body must be an object (else not_object at base) of
 * known members, with none of those the server sets. -1 when it is not an object. */
static int progress_input_begin(json_t *body, const char *base, const char *not_object,
                                struct progress_input *in, json_t *errors)
{
	memset(in, 0, sizeof(*in));
	in->value_list = json_array();
	if (!json_is_object(body)) {
		verr_add(errors, base, "%s", not_object);
		return -1;
	}
	validate_known_members(body, progress_members, base, errors);
	progress_server_members(body, base, errors);
	return 0;
}

int progress_input_create(json_t *body, const char *base, struct progress_input *in, json_t *errors)
{
	size_t before = json_array_size(errors);
	if (progress_input_begin(body, base, "a progress record must be a JSON object", in,
	                         errors) != 0)
		return -1;
	(void)progress_ref(body, "measure_id", "measure_code", base, &in->measure_id,
	                   &in->measure_code, errors);
	in->unit = validate_string_member(body, "unit", VALIDATE_OPTIONAL, 64, base, errors);
	char p[256];
	if (in->unit != NULL && !validate_code(in->unit)) {
		snprintf(p, sizeof(p), "%s/unit", base);
		verr_add(errors, p, "must be a unit code");
	}
	in->period = validate_string_member(body, "period", VALIDATE_REQUIRED, 16, base, errors);
	if (in->period != NULL && !validate_period(in->period, in->period_start, in->period_end)) {
		snprintf(p, sizeof(p), "%s/period", base);
		verr_add(errors, p,
		         "must be a year (2022), half (2022-H1), quarter (2022-Q3) or "
		         "month (2022-07)");
	}
	progress_status(body, base, in, errors);
	in->summary = validate_string_member(body, "summary", VALIDATE_REQUIRED, PROGRESS_TEXT_MAX,
	                                     base, errors);
	in->problems = progress_text(body, "problems", base, &in->has_problems, errors);
	in->next_steps = progress_text(body, "next_steps", base, &in->has_next_steps, errors);
	json_t *values = json_object_get(body, "values");
	json_t *evidence = json_object_get(body, "evidence");
	in->values = values != NULL ? progress_values(values, base, in->value_list, errors)
	                            : strdup("[]");
	in->evidence = evidence != NULL ? progress_evidence(evidence, base, errors) : strdup("[]");
	return json_array_size(errors) == before ? 0 : -1;
}

int progress_input_patch(json_t *body, struct progress_input *in, json_t *errors)
{
	size_t before = json_array_size(errors);
	if (progress_input_begin(body, "", "the body must be a JSON object", in, errors) != 0)
		return -1;
	static const char *const fixed[] = {"measure_id", "measure_code", "unit", "period", NULL};
	for (size_t i = 0; fixed[i] != NULL; i++)
		if (json_object_get(body, fixed[i]) != NULL)
			progress_member_error(errors, "", fixed[i],
			                      "cannot be changed; report a new record instead");
	in->has_status = json_object_get(body, "status") != NULL;
	if (in->has_status)
		progress_status(body, "", in, errors);
	in->has_summary = json_object_get(body, "summary") != NULL;
	if (in->has_summary)
		in->summary = validate_string_member(body, "summary", VALIDATE_REQUIRED,
		                                     PROGRESS_TEXT_MAX, "", errors);
	in->problems = progress_text(body, "problems", "", &in->has_problems, errors);
	in->next_steps = progress_text(body, "next_steps", "", &in->has_next_steps, errors);
	json_t *values = json_object_get(body, "values");
	json_t *evidence = json_object_get(body, "evidence");
	in->has_values = values != NULL;
	in->has_evidence = evidence != NULL;
	if (values != NULL)
		in->values = progress_values(values, "", in->value_list, errors);
	if (evidence != NULL)
		in->evidence = progress_evidence(evidence, "", errors);
	if (!in->has_status && !in->has_summary && !in->has_problems && !in->has_next_steps &&
	    !in->has_values && !in->has_evidence && json_array_size(errors) == before)
		verr_add(errors, "", "nothing to change");
	return json_array_size(errors) == before ? 0 : -1;
}

void progress_input_free(struct progress_input *in)
{
	free(in->values);
	free(in->evidence);
	json_decref(in->value_list);
	in->values = in->evidence = NULL;
	in->value_list = NULL;
}

int progress_input_review(json_t *body, const char **decision, const char **comment, json_t *errors)
{
	static const char *const known[] = {"decision", "comment", NULL};
	static const char *const decisions[] = {"approve", "return", NULL};
	size_t before = json_array_size(errors);
	if (!json_is_object(body)) {
		verr_add(errors, "", "the body must be a JSON object");
		return -1;
	}
	validate_known_members(body, known, "", errors);
	*decision = validate_string_member(body, "decision", VALIDATE_REQUIRED, 16, "", errors);
	if (*decision != NULL && !validate_enum(*decision, decisions)) {
		verr_add(errors, "/decision", "must be approve or return");
		*decision = NULL;
	}
	*comment = validate_string_member(body, "comment", VALIDATE_OPTIONAL, PROGRESS_TEXT_MAX, "",
	                                  errors);
	if (*decision != NULL && strcmp(*decision, "return") == 0 &&
	    (*comment == NULL || (*comment)[0] == '\0'))
		verr_add(errors, "/comment", "a returned record needs a comment saying why");
	return json_array_size(errors) == before ? 0 : -1;
}
