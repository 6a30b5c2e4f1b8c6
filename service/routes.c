/* routes.c — the list of route tables; adding a resource means adding its table here. */
#include "routes.h"

const struct route *const route_tables[] = {
	health_routes,
	NULL,
};
