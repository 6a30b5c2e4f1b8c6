/* routes.h — every resource's route table, in the order they are matched. */
#ifndef ZEREN_ROUTES_H
#define ZEREN_ROUTES_H

#include "http.h"

extern const struct route *const route_tables[];

#endif
