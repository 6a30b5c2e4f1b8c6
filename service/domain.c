/* domain.c — the domain's word lists, once; see domain.h. */
#include "domain.h"

#include <string.h>

const char *const domain_cadences[] = {"month", "quarter", "half", "year", NULL};
const char *const domain_unit_kinds[] = {
        "department", "county_government", "school", "organisation", "group", NULL};
const char *const domain_roles[] = {"lead", "related", NULL};
const char *const domain_target_kinds[] = {"quantity", "percentage", "milestone", NULL};
const char *const domain_comparators[] = {"gte", "gt", "lte", "lt", "eq", NULL};
const char *const domain_recurrences[] = {"annual", "biennial", NULL};
const char *const domain_aggregations[] = {"sum", "latest", NULL};
const char *const domain_statuses[] = {"not_started", "on_track",  "at_risk",
                                       "delayed",     "completed", NULL};
const char *const domain_review_states[] = {"submitted", "approved", "returned", NULL};

int domain_lookup(const char *const *words, const char *word)
{
	if (word == NULL)
		return -1;
	for (int i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], word) == 0)
			return i;
	return -1;
}
