/* http_guard_conn.c — the guard's connections: each open socket listed with where its
 * request is, and the watchdog that cuts one past its phase's deadline (a head that takes too
 * long, a body below the minimum rate, an idle kept-alive socket) and retries waiting ones. */
#include "http_guard_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "log.h"

#define GUARD_TICK_MS 50 /* how often the watchdog looks at every connection */
/* How long the sender of a refused body may go on sending (dropped) before the connection is
 * cut: closing a socket with unread input resets it, and the client could lose the reply. */
#define GUARD_LINGER_MS 2000

/* --- the watchdog --- */

/* 1 when c has overrun its phase's deadline at now. */
static int guard_overdue(const struct http_guard_limits *l, struct guard_conn *c, long long now,
                         const char **why)
{
	long long elapsed = now - atomic_load(&c->since_ms);
	switch ((enum guard_phase)atomic_load(&c->phase)) {
	case GUARD_HEAD:
		*why = "request head not complete in time";
		return elapsed > (long long)l->head_timeout_s * 1000;
	case GUARD_IDLE:
		*why = "idle";
		return elapsed > (long long)l->idle_timeout_s * 1000;
	case GUARD_BODY: {
		long long late = elapsed - (long long)l->body_grace_s * 1000;
		*why = "request body slower than the minimum rate";
		return late > 0 && atomic_load(&c->body_bytes) < l->body_min_rate * late / 1000;
	}
	case GUARD_LINGER:
		*why = "refused body lingered";
		return elapsed > GUARD_LINGER_MS;
	case GUARD_SERVING:
		break;
	}
	return 0;
}

void *guard_watchdog(void *arg)
{
	struct http_guard *g = arg;
	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		struct timespec wake = clock_after_ms(GUARD_TICK_MS);
		if (!g->wake)
			pthread_cond_timedwait(&g->changed, &g->lock, &wake);
		g->wake = 0;
		/* every waiting request tries again; one that still finds no turn comes back */
		for (struct guard_req *w = g->waiting; w != NULL;) {
			struct guard_req *next = w->next_wait;
			w->next_wait = NULL;
			MHD_resume_connection(w->mhd);
			w = next;
		}
		g->waiting = NULL;
		atomic_store(&g->any_waiting, 0);
		long long now = clock_now_ms();
		for (struct guard_conn *c = g->conns; c != NULL && !g->stopping; c = c->next) {
			const char *why = NULL;
			if (c->cut || !guard_overdue(&g->limits, c, now, &why))
				continue;
			/* MHD sees the end of the stream on its next poll and closes it; the
			 * socket stays open (and listed) until MHD's close notification. */
			c->cut = 1;
			shutdown(c->fd, SHUT_RDWR);
			if (strcmp(why, "idle") != 0 && strcmp(why, "refused body lingered") != 0)
				log_msg("warn", "connection_cut", "%s", why);
		}
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* --- the list of open connections --- */

void guard_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                      enum MHD_ConnectionNotificationCode toe)
{
	struct http_guard *g = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		struct guard_conn *c = calloc(1, sizeof(*c));
		const union MHD_ConnectionInfo *ci =
		        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (c == NULL || ci == NULL) {
			free(c);
			return;
		}
		c->fd = ci->connect_fd;
		guard_phase_set(c, GUARD_HEAD);
		pthread_mutex_lock(&g->lock);
		c->next = g->conns;
		if (g->conns != NULL)
			g->conns->prev = c;
		g->conns = c;
		pthread_mutex_unlock(&g->lock);
		*socket_context = c;
		return;
	}
	struct guard_conn *c = *socket_context;
	if (c == NULL)
		return;
	if (c->req != NULL)
		guard_req_free(c->req);
	pthread_mutex_lock(&g->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		g->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&g->lock);
	free(c);
	*socket_context = NULL;
}
