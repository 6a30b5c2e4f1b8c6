/* reminders.c — the reminders check: each plan's periods near their due date, computed with
 * report.c's calendar, handed to one statement that inserts what is owed. */
#include "reminders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Periods one plan can have in a check's window (monthly, ten years of look-back at most). */
#define REMINDERS_MAX_PERIODS 128

/* The three array parameters of STMT_REMINDER_EMIT, as PostgreSQL array text. */
struct reminders_arrays {
	char *text[3];
	size_t len[3];
	FILE *f[3];
	size_t n; /* periods written */
};

static int reminders_arrays_open(struct reminders_arrays *a)
{
	memset(a, 0, sizeof(*a));
	int ok = 1;
	for (int k = 0; k < 3; k++) {
		a->f[k] = open_memstream(&a->text[k], &a->len[k]);
		ok = ok && a->f[k] != NULL && fputc('{', a->f[k]) != EOF;
	}
	return ok ? 0 : -1;
}

/* Closes the arrays; 0 when every text is complete. */
static int reminders_arrays_close(struct reminders_arrays *a)
{
	int ok = 1;
	for (int k = 0; k < 3; k++) {
		if (a->f[k] == NULL) {
			ok = 0;
			continue;
		}
		ok = fputc('}', a->f[k]) != EOF && ok;
		ok = fclose(a->f[k]) == 0 && ok;
		a->f[k] = NULL;
	}
	return ok ? 0 : -1;
}

static void reminders_arrays_free(struct reminders_arrays *a)
{
	for (int k = 0; k < 3; k++) {
		if (a->f[k] != NULL)
			fclose(a->f[k]);
		free(a->text[k]);
	}
	memset(a, 0, sizeof(*a));
}

/* Adds plan row i of r's periods in the window to a; -1 when the row cannot be read. */
static int reminders_add_plan(struct reminders_arrays *a, const PGresult *r, int i,
                              report_day today, int lookback_days)
{
	enum report_cadence cadence;
	report_day start;
	if (report_cadence_parse(PQgetvalue(r, i, STMT_REMINDER_PLANS_COL_CADENCE), &cadence) !=
	            0 ||
	    report_date_parse(PQgetvalue(r, i, STMT_REMINDER_PLANS_COL_START_DATE), &start) != 0)
		return -1;
	int due_days = atoi(PQgetvalue(r, i, STMT_REMINDER_PLANS_COL_REPORT_DUE_DAYS));
	int warn_days = atoi(PQgetvalue(r, i, STMT_REMINDER_PLANS_COL_WARN_DAYS));
	const char *plan = PQgetvalue(r, i, STMT_REMINDER_PLANS_COL_ID);
	struct report_period *periods = calloc(REMINDERS_MAX_PERIODS, sizeof(*periods));
	if (periods == NULL)
		return -1;
	size_t n = report_periods(cadence, due_days, start, today + warn_days, periods,
	                          REMINDERS_MAX_PERIODS);
	for (size_t k = 0; k < n; k++) {
		if (periods[k].due < today - lookback_days)
			continue;
		char due[11];
		report_date_format(periods[k].due, due);
		const char *sep = a->n > 0 ? "," : "";
		fprintf(a->f[0], "%s%s", sep, plan);
		fprintf(a->f[1], "%s%s", sep, periods[k].label);
		fprintf(a->f[2], "%s%s", sep, due);
		a->n++;
	}
	free(periods);
	return 0;
}

/* Emits what the plans in r owe, on c. */
static enum svc_error reminders_emit(struct db_conn *c, const PGresult *plans, report_day today,
                                     int lookback_days, long long *emitted)
{
	struct reminders_arrays a;
	enum svc_error err = SVC_INTERNAL;
	if (reminders_arrays_open(&a) != 0)
		goto cleanup;
	for (int i = 0; i < PQntuples(plans); i++)
		if (reminders_add_plan(&a, plans, i, today, lookback_days) != 0)
			goto cleanup;
	size_t n = a.n;
	if (reminders_arrays_close(&a) != 0)
		goto cleanup;
	err = SVC_OK;
	if (n == 0)
		goto cleanup;
	char day[11];
	report_date_format(today, day);
	const char *p[] = {a.text[0], a.text[1], a.text[2], day};
	PGresult *r = db_exec(c, STMT_REMINDER_EMIT, 4, p);
	if ((err = db_result_error(c, r)) == SVC_OK && PQntuples(r) == 1)
		*emitted = atoll(PQgetvalue(r, 0, STMT_REMINDER_EMIT_COL_EMITTED));
	PQclear(r);
cleanup:
	reminders_arrays_free(&a);
	return err;
}

enum svc_error reminders_run(struct db_pool *pool, report_day today, int lookback_days,
                             long long *emitted)
{
	*emitted = 0;
	struct db_conn *c = NULL;
	enum svc_error err = db_acquire(pool, &c);
	if (err != SVC_OK)
		return err;
	PGresult *plans = db_exec(c, STMT_REMINDER_PLANS, 0, NULL);
	if ((err = db_result_error(c, plans)) == SVC_OK)
		err = reminders_emit(c, plans, today, lookback_days, emitted);
	PQclear(plans);
	db_release(pool, c);
	return err;
}

report_day reminders_today(void)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	return report_day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}
