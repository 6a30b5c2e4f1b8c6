/* test_policy.c — service/policy.c: every role × action × relation, and the Yunfu cases. */
#include "policy.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/*
 * How the principal's unit stands to the measure. Direct and group assignment give the same
 * flags: the handler's query expands groups, so the policy cannot (and must not) tell them
 * apart.
 */
enum relation { REL_DIRECT, REL_GROUP, REL_LEAD, REL_OTHER, REL_COUNT };

static const char *const relation_names[REL_COUNT] = {"assigned directly", "assigned via group",
                                                      "lead unit", "unassigned other unit"};
static const char *const action_names[POLICY_ACTION_COUNT] = {"READ", "REPORT", "AMEND", "REVIEW",
                                                              "ADMINISTER"};

#define OWN   "finance"
#define OTHER "hrss"

static struct policy_scope scope_for(enum relation rel)
{
	struct policy_scope s = {0, 0, OWN, OWN};
	switch (rel) {
	case REL_DIRECT:
	case REL_GROUP:
		s.assigned = 1;
		break;
	case REL_LEAD:
		s.assigned = 1;
		s.lead = 1;
		break;
	default:
		/* Not assigned; the record in question was written by the assigned unit. */
		s.record_unit = OTHER;
		break;
	}
	return s;
}

static struct principal principal_of(enum principal_role role, const char *unit)
{
	struct principal p;
	memset(&p, 0, sizeof(p));
	snprintf(p.sub, sizeof(p.sub), "user-%d", (int)role);
	snprintf(p.iss, sizeof(p.iss), "https://idp.example");
	snprintf(p.unit, sizeof(p.unit), "%s", unit);
	p.role = role;
	p.exp = 1700000000;
	return p;
}

/* Expected outcome per role and action, by relation (direct, group, lead, other); 1 = allow. */
static const struct {
	enum principal_role role;
	enum policy_action action;
	int want[REL_COUNT];
} expected[] = {
        {ROLE_READER, POLICY_READ, {1, 1, 1, 1}},
        {ROLE_READER, POLICY_REPORT, {0, 0, 0, 0}},
        {ROLE_READER, POLICY_AMEND, {0, 0, 0, 0}},
        {ROLE_READER, POLICY_REVIEW, {0, 0, 0, 0}},
        {ROLE_READER, POLICY_ADMINISTER, {0, 0, 0, 0}},
        {ROLE_REPORTER, POLICY_READ, {1, 1, 1, 1}},
        {ROLE_REPORTER, POLICY_REPORT, {1, 1, 1, 0}},
        {ROLE_REPORTER, POLICY_AMEND, {1, 1, 1, 0}},
        {ROLE_REPORTER, POLICY_REVIEW, {0, 0, 1, 0}},
        {ROLE_REPORTER, POLICY_ADMINISTER, {0, 0, 0, 0}},
        {ROLE_SUPERVISOR, POLICY_READ, {1, 1, 1, 1}},
        {ROLE_SUPERVISOR, POLICY_REPORT, {0, 0, 0, 0}},
        {ROLE_SUPERVISOR, POLICY_AMEND, {0, 0, 0, 0}},
        {ROLE_SUPERVISOR, POLICY_REVIEW, {1, 1, 1, 1}},
        {ROLE_SUPERVISOR, POLICY_ADMINISTER, {0, 0, 0, 0}},
        {ROLE_ADMIN, POLICY_READ, {1, 1, 1, 1}},
        {ROLE_ADMIN, POLICY_REPORT, {1, 1, 1, 1}},
        {ROLE_ADMIN, POLICY_AMEND, {1, 1, 1, 1}},
        {ROLE_ADMIN, POLICY_REVIEW, {1, 1, 1, 1}},
        {ROLE_ADMIN, POLICY_ADMINISTER, {1, 1, 1, 1}},
};

#define EXPECTED (sizeof(expected) / sizeof(expected[0]))

/* Asserts the decision, and that a denial always comes with a reason. */
static void check_decision(const struct principal *p, enum policy_action a,
                           const struct policy_scope *s, int want, const char *what)
{
	const char *reason = NULL;
	int got = policy_allows(p, a, s, &reason);
	ck_assert_msg(got == want, "%s: %s %s got %s, want %s", what, principal_role_name(p->role),
	              action_names[a], got ? "allow" : "deny", want ? "allow" : "deny");
	if (!got) {
		ck_assert_msg(reason != NULL && reason[0] != '\0',
		              "%s: %s %s denied without reason", what, principal_role_name(p->role),
		              action_names[a]);
	}
}

START_TEST(test_matrix)
{
	int seen[4][POLICY_ACTION_COUNT] = {{0}};

	for (size_t i = 0; i < EXPECTED; i++) {
		struct principal p = principal_of(expected[i].role, OWN);
		seen[expected[i].role][expected[i].action]++;
		for (int rel = 0; rel < REL_COUNT; rel++) {
			struct policy_scope s = scope_for((enum relation)rel);
			check_decision(&p, expected[i].action, &s, expected[i].want[rel],
			               relation_names[rel]);
		}
	}
	/* The table names every role × action exactly once. */
	for (int r = 0; r < 4; r++)
		for (int a = 0; a < POLICY_ACTION_COUNT; a++)
			ck_assert_msg(seen[r][a] == 1, "role %d action %d listed %d times", r, a,
			              seen[r][a]);
}
END_TEST

START_TEST(test_reporter_acting_unit)
{
	struct principal p = principal_of(ROLE_REPORTER, OWN);
	struct policy_scope s = scope_for(REL_DIRECT);
	const char *reason = NULL;

	s.acting_unit = NULL; /* the handler writes as the token's unit */
	check_decision(&p, POLICY_REPORT, &s, 1, "acting unit unset");
	s.acting_unit = OWN;
	check_decision(&p, POLICY_REPORT, &s, 1, "acting as own unit");
	s.acting_unit = OTHER;
	ck_assert_int_eq(policy_allows(&p, POLICY_REPORT, &s, &reason), 0);
	ck_assert_ptr_nonnull(reason);
	ck_assert_ptr_nonnull(strstr(reason, "own unit"));
	s.acting_unit = "";
	check_decision(&p, POLICY_REPORT, &s, 0, "acting as the empty unit");
	/* Even as lead, a reporter writes only as itself. */
	s = scope_for(REL_LEAD);
	s.acting_unit = OTHER;
	check_decision(&p, POLICY_REPORT, &s, 0, "lead acting as another unit");
	/* An admin may write on behalf of any unit. */
	struct principal admin = principal_of(ROLE_ADMIN, "");
	check_decision(&admin, POLICY_REPORT, &s, 1, "admin acting as another unit");
}
END_TEST

START_TEST(test_reporter_amend_own_records_only)
{
	struct principal p = principal_of(ROLE_REPORTER, OWN);
	struct policy_scope s = scope_for(REL_DIRECT);

	s.record_unit = OTHER;
	check_decision(&p, POLICY_AMEND, &s, 0, "record of another unit");
	s = scope_for(REL_LEAD);
	s.record_unit = OTHER;
	check_decision(&p, POLICY_AMEND, &s, 0, "lead amending another unit's record");
	s.record_unit = NULL;
	check_decision(&p, POLICY_AMEND, &s, 0, "record unit unknown");
	s.record_unit = OWN;
	s.assigned = 0;
	s.lead = 0;
	check_decision(&p, POLICY_AMEND, &s, 0, "own record, no longer assigned");
}
END_TEST

START_TEST(test_missing_scope_and_reason)
{
	struct principal reporter = principal_of(ROLE_REPORTER, OWN);
	struct principal supervisor = principal_of(ROLE_SUPERVISOR, "");
	struct principal reader = principal_of(ROLE_READER, "");
	const char *reason = NULL;

	/* A NULL scope means "no relation at all". */
	ck_assert_int_eq(policy_allows(&reader, POLICY_READ, NULL, &reason), 1);
	ck_assert_int_eq(policy_allows(&supervisor, POLICY_REVIEW, NULL, &reason), 1);
	ck_assert_int_eq(policy_allows(&reporter, POLICY_REPORT, NULL, &reason), 0);
	ck_assert_ptr_nonnull(reason);
	reason = NULL;
	ck_assert_int_eq(policy_allows(&reporter, POLICY_REVIEW, NULL, &reason), 0);
	ck_assert_ptr_nonnull(reason);
	/* The caller may not want the reason. */
	ck_assert_int_eq(policy_allows(&reader, POLICY_ADMINISTER, NULL, NULL), 0);
	ck_assert_int_eq(policy_allows(&reader, POLICY_READ, NULL, NULL), 1);
}
END_TEST

START_TEST(test_out_of_range_denied)
{
	struct principal admin = principal_of(ROLE_ADMIN, "");
	struct principal odd = principal_of(ROLE_ADMIN, "");
	struct policy_scope s = scope_for(REL_LEAD);
	const char *reason = NULL;

	ck_assert_int_eq(policy_allows(&admin, POLICY_ACTION_COUNT, &s, &reason), 0);
	ck_assert_ptr_nonnull(reason);
	reason = NULL;
	ck_assert_int_eq(policy_allows(&admin, (enum policy_action) - 1, &s, &reason), 0);
	ck_assert_ptr_nonnull(reason);
	reason = NULL;
	odd.role = (enum principal_role)(ROLE_ADMIN + 1);
	ck_assert_int_eq(policy_allows(&odd, POLICY_READ, &s, &reason), 0);
	ck_assert_ptr_nonnull(reason);
	reason = NULL;
	odd.role = (enum principal_role) - 1;
	ck_assert_int_eq(policy_allows(&odd, POLICY_READ, &s, &reason), 0);
	ck_assert_ptr_nonnull(reason);
}
END_TEST

/*
 * The seed's own cases, with the scope the handler's query would produce from the seed's
 * assignments (groups expanded).
 */
struct yunfu_case {
	const char *unit;
	const char *name;
	int measure;
	int assigned, lead;
	int may_report;
};

static const struct yunfu_case yunfu_cases[] = {
        /* 市财政局: related unit of measure 3, not assigned to measure 2 */
        {"finance", "市财政局", 3, 1, 0, 1},
        {"finance", "市财政局", 2, 0, 0, 0},
        /* 云浮技师学院: measure 2 through 各职业院校 (related) */
        {"yunfu-technician-college", "云浮技师学院", 2, 1, 0, 1},
        /* 云安区人民政府: 17 via the county group; measure 1 names the other four */
        {"yunan-district-gov", "云安区人民政府", 17, 1, 0, 1},
        {"yunan-district-gov", "云安区人民政府", 1, 0, 0, 0},
        /* 市人力资源社会保障局 leads measure 2 */
        {"hrss", "市人力资源社会保障局", 2, 1, 1, 1},
};

START_TEST(test_yunfu_cases)
{
	for (size_t i = 0; i < sizeof(yunfu_cases) / sizeof(yunfu_cases[0]); i++) {
		const struct yunfu_case *c = &yunfu_cases[i];
		struct principal p = principal_of(ROLE_REPORTER, c->unit);
		struct policy_scope s = {c->assigned, c->lead, NULL, NULL};
		const char *reason = NULL;
		char what[256];

		snprintf(what, sizeof(what), "%s (%s) on measure %d", c->name, c->unit, c->measure);
		int got = policy_allows(&p, POLICY_REPORT, &s, &reason);
		ck_assert_msg(got == c->may_report, "%s: report %s", what,
		              got ? "allowed" : "denied");
		if (!got)
			ck_assert_msg(reason != NULL && reason[0] != '\0', "%s: no reason", what);
		/* As its own unit explicitly: same answer. */
		s.acting_unit = c->unit;
		check_decision(&p, POLICY_REPORT, &s, c->may_report, what);
		/* Review only where it leads. */
		check_decision(&p, POLICY_REVIEW, &s, c->lead, what);
		/* Never as another unit. */
		s.acting_unit = strcmp(c->unit, "finance") == 0 ? "education" : "finance";
		check_decision(&p, POLICY_REPORT, &s, 0, what);
	}
}
END_TEST

START_TEST(test_acting_unit)
{
	struct principal rep = principal_of(ROLE_REPORTER, OWN);
	struct principal admin = principal_of(ROLE_ADMIN, OWN);
	ck_assert_str_eq(policy_acting_unit(&rep, NULL), OWN);
	ck_assert_str_eq(policy_acting_unit(&rep, OTHER), OTHER); /* and REPORT refuses it */
	ck_assert_str_eq(policy_acting_unit(&admin, OTHER), OTHER);
	ck_assert_ptr_null(policy_acting_unit(&admin, NULL)); /* an admin must name one */
}
END_TEST

/* policy_grant_of (what GET /v1/me reports) says what policy_allows does: granted is allowed
 * whatever the relation, denied never, unit-scoped only with some relation and never with
 * none. */
START_TEST(test_grant_agrees_with_allows)
{
	for (int r = ROLE_READER; r <= ROLE_ADMIN; r++) {
		for (int a = 0; a < POLICY_ACTION_COUNT; a++) {
			struct principal p = principal_of((enum principal_role)r, OWN);
			enum policy_grant g =
			        policy_grant_of((enum principal_role)r, (enum policy_action)a);
			int allowed_some = 0, allowed_all = 1;
			for (int rel = 0; rel < REL_COUNT; rel++) {
				struct policy_scope s = scope_for((enum relation)rel);
				int ok = policy_allows(&p, (enum policy_action)a, &s, NULL);
				allowed_some |= ok;
				allowed_all &= ok;
			}
			int none = policy_allows(&p, (enum policy_action)a, NULL, NULL);
			ck_assert_msg(g != POLICY_GRANTED || (allowed_all && none),
			              "%s %s granted but refused", principal_role_name(p.role),
			              action_names[a]);
			ck_assert_msg(g != POLICY_DENIED || (!allowed_some && !none),
			              "%s %s denied but allowed", principal_role_name(p.role),
			              action_names[a]);
			ck_assert_msg(g != POLICY_UNIT_SCOPED || (allowed_some && !none),
			              "%s %s unit-scoped but not decided by the unit",
			              principal_role_name(p.role), action_names[a]);
		}
	}
	ck_assert_int_eq(policy_grant_of((enum principal_role)(ROLE_ADMIN + 1), POLICY_READ),
	                 POLICY_DENIED);
	ck_assert_int_eq(policy_grant_of(ROLE_ADMIN, POLICY_ACTION_COUNT), POLICY_DENIED);
}
END_TEST

/* Every action has a distinct name and endpoints no other action claims; a unit scope is
 * named exactly for the actions some role holds unit-scoped. */
START_TEST(test_action_info)
{
	ck_assert_ptr_null(policy_action_info(POLICY_ACTION_COUNT));
	for (int a = 0; a < POLICY_ACTION_COUNT; a++) {
		const struct policy_action_info *info = policy_action_info((enum policy_action)a);
		ck_assert_ptr_nonnull(info);
		ck_assert_ptr_nonnull(info->name);
		ck_assert_ptr_nonnull(info->endpoints[0]);
		int scoped = 0;
		for (int r = ROLE_READER; r <= ROLE_ADMIN; r++)
			scoped |= policy_grant_of((enum principal_role)r, (enum policy_action)a) ==
			          POLICY_UNIT_SCOPED;
		ck_assert_int_eq(scoped, info->unit_scope != NULL);
		for (int b = a + 1; b < POLICY_ACTION_COUNT; b++) {
			const struct policy_action_info *other =
			        policy_action_info((enum policy_action)b);
			ck_assert_str_ne(info->name, other->name);
			for (size_t i = 0; info->endpoints[i] != NULL; i++)
				for (size_t j = 0; other->endpoints[j] != NULL; j++)
					ck_assert_str_ne(info->endpoints[i], other->endpoints[j]);
		}
	}
}
END_TEST

Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, test_matrix);
	tcase_add_test(tc, test_reporter_acting_unit);
	tcase_add_test(tc, test_reporter_amend_own_records_only);
	tcase_add_test(tc, test_missing_scope_and_reason);
	tcase_add_test(tc, test_out_of_range_denied);
	tcase_add_test(tc, test_yunfu_cases);
	tcase_add_test(tc, test_acting_unit);
	tcase_add_test(tc, test_grant_agrees_with_allows);
	tcase_add_test(tc, test_action_info);
	suite_add_tcase(s, tc);
	return s;
}
