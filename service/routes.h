/* routes.h — every resource's route table (each defined beside its handlers in
 * resources/<name>.c) and the list of them the server matches, in order. */
#ifndef ZEREN_ROUTES_H
#define ZEREN_ROUTES_H

#include "http.h"

extern const struct route health_routes[];
extern const struct route plans_routes[];
extern const struct route tasks_routes[];
extern const struct route measures_routes[];
extern const struct route targets_routes[];
extern const struct route units_routes[];
extern const struct route reports_routes[];
extern const struct route exports_routes[];
extern const struct route progress_routes[];
extern const struct route imports_routes[];
extern const struct route imports_parse_routes[];
extern const struct route changes_routes[];
extern const struct route me_routes[];
extern const struct route subscriptions_routes[];
extern const struct route timeliness_routes[];

/* The tables above, NULL-terminated, for http_server_start. Static data: nothing to free. */
extern const struct route *const route_tables[];

#endif
