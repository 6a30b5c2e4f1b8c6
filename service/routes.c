/* routes.c — the list of route tables; adding a resource means adding its table here. */
#include "routes.h"

/* One table a line, so adding a resource is a one-line change. */
/* clang-format off */
const struct route *const route_tables[] = {
	health_routes,
	plans_routes,
	tasks_routes,
	measures_routes,
	targets_routes,
	units_routes,
	progress_routes,
	imports_parse_routes,
	imports_routes,
	reports_routes,
	exports_routes,
	changes_routes,
	me_routes,
	subscriptions_routes,
	timeliness_routes,
	NULL,
};
/* clang-format on */
