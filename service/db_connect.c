/* db_connect.c — opening a connection: the service's defaults for what the conninfo leaves
 * unsaid, and a connection attempt bounded in milliseconds by what a request has left. */
#include "db_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Defaults for what the conninfo (dbname, expanded) leaves unsaid, so an unreachable or silently
 * vanished server costs seconds, not the kernel's minutes: requests then get 503 instead of
 * hanging, and the cache listener notices a dead connection. The user's settings win, but for
 * the encoding after it: the service speaks UTF-8, said in the startup packet rather than set
 * with a round trip after. */
static const char *const db_connect_keys[] = {"connect_timeout",
                                              "keepalives",
                                              "keepalives_idle",
                                              "keepalives_interval",
                                              "keepalives_count",
                                              "tcp_user_timeout",
                                              "dbname",
                                              "client_encoding",
                                              NULL};
#define DB_CONNECT_VALUES(conninfo) "3", "1", "20", "5", "3", "30000", conninfo, "UTF8", NULL

static void db_connect_error(PGconn *pg, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", pg != NULL ? PQerrorMessage(pg) : "out of memory");
	size_t n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
}

/* The conninfo's connect_timeout in ms (libpq's own reading of it, the default above when
 * unsaid); -1 when it sets none (0: wait as long as it takes). */
static long long db_connect_timeout_ms(PGconn *pg)
{
	PQconninfoOption *opts = PQconninfo(pg);
	long long ms = -1;
	for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 && o->val != NULL &&
		    *o->val != '\0') {
			long long s = atoll(o->val);
			ms = s > 0 ? s * 1000 : -1;
		}
	PQconninfoFree(opts);
	return ms;
}

/* Drives a started connection to the end, waiting at most ms in all; 0 when it is open. */
static int db_connect_poll(PGconn *pg, long long ms)
{
	long long until = clock_now_ms() + ms;
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED)
			return -1;
		long long left = until - clock_now_ms();
		struct pollfd p = {.fd = PQsocket(pg),
		                   .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT};
		int n = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		st = PQconnectPoll(pg);
	}
	return 0;
}

PGconn *db_connect_within(const char *conninfo, long long ms, char *err, size_t errlen)
{
	const char *values[] = {DB_CONNECT_VALUES(conninfo)};
	if (ms < 0) {
		PGconn *pg = PQconnectdbParams(db_connect_keys, values, 1);
		if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
			db_connect_error(pg, err, errlen);
			PQfinish(pg);
			return NULL;
		}
		return pg;
	}
	/* Started and polled here, libpq leaves connect_timeout to the caller: the smaller of
	 * it and what the caller has left. */
	if (ms == 0) {
		snprintf(err, errlen, "no time left to connect");
		return NULL;
	}
	PGconn *pg = PQconnectStartParams(db_connect_keys, values, 1);
	if (pg == NULL || PQstatus(pg) == CONNECTION_BAD) {
		db_connect_error(pg, err, errlen);
		PQfinish(pg);
		return NULL;
	}
	long long cap = db_connect_timeout_ms(pg);
	long long bound = cap > 0 && cap < ms ? cap : ms;
	int rc = db_connect_poll(pg, bound);
	if (rc != 0) {
		if (rc > 0)
			snprintf(err, errlen, "no connection within %lld ms", bound);
		else
			db_connect_error(pg, err, errlen);
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

PGconn *db_connect_once(const char *conninfo, char *err, size_t errlen)
{
	return db_connect_within(conninfo, -1, err, errlen);
}
