/* fuzz_reference_input.c — the admin API's checks of reference writes (units, assignments,
 * targets, measures, tasks, plans, whole and as PATCH bodies) on any JSON body. */
#include "fuzz.h"
#include "reference_input.h"

/* A measure's items as targets_repo.c has them from the database (number as text -> text),
 * here two of measure 3's in the seed, which the target seeds quote. */
static json_t *items;

static void checked(int rc, json_t *errors)
{
	/* refused exactly when something was said about why */
	FUZZ_CHECK((rc != 0) == (json_array_size(errors) > 0));
	fuzz_check_errors(errors);
	json_array_clear(errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (items == NULL)
		items = json_pack("{ssss}", "1",
		                  "全市技工院校理论实习教学一体化教师达到技术理论课教师和实习指导教"
		                  "师总数的65%以上",
		                  "2", "到2022年评定100名首席教学能手，一次性给予2万元的资助");
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (body == NULL)
		return 0;
	json_t *errors = json_array();
	const char *unit, *role;
	checked(reference_input_unit(body, 0, errors), errors);
	checked(reference_input_unit(body, 1, errors), errors);
	checked(reference_input_assignment(body, &unit, &role, errors), errors);
	checked(reference_input_target(body, items, errors), errors);
	checked(reference_input_target_patch(body, errors), errors);
	checked(reference_input_measure(body, 0, errors), errors);
	checked(reference_input_measure(body, 1, errors), errors);
	checked(reference_input_measure_patch(body, errors), errors);
	checked(reference_input_task(body, 0, errors), errors);
	checked(reference_input_task(body, 1, errors), errors);
	checked(reference_input_task_patch(body, errors), errors);
	checked(reference_input_plan(body, errors), errors);
	checked(reference_input_plan_patch(body, errors), errors);
	json_t *in_measure = json_object();
	reference_input_unit_list(body, "lead", "/lead", 1, NULL, in_measure, errors);
	fuzz_check_errors(errors);
	json_decref(in_measure);
	json_decref(errors);
	json_decref(body);
	return 0;
}
