/* http_guard.c — libmicrohttpd under the http_*.c files: the access handler that takes each
 * request through its head, body and dispatch, suspending it while it waits or runs on a
 * worker; the workers; start, drain and stop. */
#include "http_guard_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

/* Each connection's libmicrohttpd memory pool. It must hold the largest head within every
 * limit at once (32 KiB with 256 fields and 256 query parameters: 64 KiB does not, 72 does;
 * test_limits.c) with room to spare, and no more: MHD clears the pool between the requests
 * of a kept-alive connection, and at 128 KiB that memset was 8 % of /healthz's CPU (80 KiB:
 * 3 % less CPU a /healthz, 12 % less a cached GET; README "Benchmarks"). */
#define GUARD_MHD_POOL_BYTES (80 * 1024)
#define GUARD_WORKER_NICE    5 /* workers' nice value, above (below in priority) the I/O threads */

/* --- the access handler: MHD calls it for the head, each piece of the body, and the end --- */

/* Fills r->call for the next dispatch at now. */
static void guard_call_prepare(struct guard_req *r, long long now, int on_worker)
{
	int closing = atomic_load(&r->g->closing);
	r->call.on_worker = on_worker;
	r->call.waited_ms = closing ? -1 : r->wait_since_ms > 0 ? now - r->wait_since_ms : 0;
}

static enum MHD_Result guard_access(void *cls, struct MHD_Connection *connection, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls)
{
	(void)cls;
	(void)url;
	struct guard_req *r = *con_cls;
	if (r == NULL || r->req.http_url == NULL)
		return MHD_NO; /* out of memory when the request began */
	if (r->answered && r->refused && *upload_data_size != 0) {
		*upload_data_size = 0; /* the reply is out: dropped until the client stops */
		return MHD_YES;
	}
	if (r->answered)
		return r->mhd_queued ? MHD_YES : MHD_NO;
	if (!r->head_seen) {
		r->head_seen = 1;
		return guard_head(r, connection, method, version);
	}
	if (*upload_data_size != 0)
		return guard_body(r, connection, upload_data, upload_data_size);
	guard_phase_set(r->conn, GUARD_SERVING);
	if (r->ready)
		return guard_queue(r, connection, 0);
	struct http_guard *g = r->g;
	long long now = clock_now_ms();
	guard_call_prepare(r, now, 0);
	int rc = g->handlers.dispatch(g->handlers.cls, &r->req, &r->res, &r->call);
	if (rc == HTTP_GUARD_DONE)
		return guard_queue(r, connection, 0);
	if (r->wait_since_ms == 0)
		r->wait_since_ms = now;
	/* the I/O thread goes back to its other connections; the watchdog (WAIT) or a
	 * worker (OFFLOAD) resumes this one */
	MHD_suspend_connection(connection);
	r->mhd = connection;
	pthread_mutex_lock(&g->lock);
	if (rc == HTTP_GUARD_WAIT) {
		r->next_wait = g->waiting;
		g->waiting = r;
		atomic_store(&g->any_waiting, 1);
	} else {
		r->next_wait = NULL;
		if (g->jobs_tail != NULL)
			g->jobs_tail->next_wait = r;
		else
			g->jobs = r;
		g->jobs_tail = r;
		pthread_cond_signal(&g->job);
	}
	pthread_mutex_unlock(&g->lock);
	return MHD_YES;
}

/* Whether a finished request or job must wake what waits on g->changed (guard_finished). */
static int guard_wake_needed(struct http_guard *g)
{
	return atomic_load(&g->any_waiting) || atomic_load(&g->draining);
}

void guard_finished(struct http_guard *g)
{
	/* A drain sets draining before it reads in_flight under the lock, and the count went
	 * down before this read: either the drain saw the new count or this sees it draining.
	 * The broadcast is under the lock, so it cannot fall between a drain's read and its wait.
	 */
	if (!guard_wake_needed(g))
		return;
	pthread_mutex_lock(&g->lock);
	pthread_cond_broadcast(&g->changed);
	pthread_mutex_unlock(&g->lock);
}

/* --- workers: where dispatch may block --- */

static void *guard_worker(void *arg)
{
	struct http_guard *g = arg;
	/* below the I/O threads, so that health checks and cache hits get a core first when
	 * reports and exports keep the workers busy (Linux nice values are per thread) */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), GUARD_WORKER_NICE) != 0)
		log_msg("warn", "worker_priority", "setpriority: %s", strerror(errno));
	pthread_mutex_lock(&g->lock);
	for (;;) {
		while (g->jobs == NULL && !g->stopping)
			pthread_cond_wait(&g->job, &g->lock);
		if (g->jobs == NULL)
			break;
		struct guard_req *r = g->jobs;
		g->jobs = r->next_wait;
		if (g->jobs == NULL)
			g->jobs_tail = NULL;
		r->next_wait = NULL;
		g->running_jobs++;
		pthread_mutex_unlock(&g->lock);
		guard_call_prepare(r, clock_now_ms(), 1);
		g->handlers.dispatch(g->handlers.cls, &r->req, &r->res, &r->call);
		r->ready = 1;
		MHD_resume_connection(r->mhd);
		pthread_mutex_lock(&g->lock);
		g->running_jobs--;
		if (guard_wake_needed(g)) /* guard_finished, with the lock already held */
			pthread_cond_broadcast(&g->changed);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* --- start, drain, stop --- */

/* Stops a guard that could not start and clears the caller's pointer to it. */
static int guard_start_failed(struct http_guard **out)
{
	http_guard_stop(*out);
	*out = NULL;
	return -1;
}

int http_guard_start(struct http_guard **out, const struct sockaddr *addr,
                     const struct http_guard_limits *limits,
                     const struct http_guard_handlers *handlers, int *port)
{
	struct http_guard *g = calloc(1, sizeof(*g));
	*out = g;
	if (g == NULL)
		return -1;
	g->limits = *limits;
	g->handlers = *handlers;
	pthread_mutex_init(&g->lock, NULL);
	/* its timed waits run on the monotonic clock: a wall clock stepped back would otherwise
	 * stop the watchdog (and its cuts of slow clients) for as long */
	clock_cond_init(&g->changed);
	pthread_cond_init(&g->job, NULL);
	atomic_init(&g->draining, 0);
	atomic_init(&g->in_flight, 0);
	atomic_init(&g->closing, 0);
	atomic_init(&g->any_waiting, 0);
	atomic_init(&g->body_used, 0);
	/* *out is set before the daemon starts: its threads may dispatch a request (a balancer's
	 * health check) before this returns, and the handlers reach the guard through it. */
	/* MHD's own idle timer stays as a backstop. The memory limit bounds one connection's
	 * head: past it MHD answers 431 (414 while the request line is still incomplete) itself,
	 * with its HTML page, from inside its parser and with no callback to the service. So the
	 * service's own head limits (max_head, max_head_fields) sit well inside it, and a head
	 * over them is answered as problem+json from guard_head. ITC is what MHD_quiesce_daemon
	 * needs. (MHD_USE_TURBO, tried for issue 17, lost on /healthz: README "Benchmarks".) */
	g->daemon = MHD_start_daemon(
	        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME, 0, NULL,
	        NULL, guard_access, g, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)limits->threads,
	        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)limits->idle_timeout_s,
	        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)limits->max_connections,
	        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)limits->max_per_client,
	        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)GUARD_MHD_POOL_BYTES,
	        MHD_OPTION_SOCK_ADDR, addr, MHD_OPTION_NOTIFY_CONNECTION, guard_connection, g,
	        MHD_OPTION_URI_LOG_CALLBACK, guard_request_begin, g, MHD_OPTION_NOTIFY_COMPLETED,
	        guard_request_end, g, MHD_OPTION_END);
	if (g->daemon == NULL) {
		return guard_start_failed(out);
	}
	if (pthread_create(&g->watchdog, NULL, guard_watchdog, g) != 0) {
		return guard_start_failed(out);
	}
	g->watchdog_started = 1;
	g->workers = calloc(limits->workers > 0 ? limits->workers : 1, sizeof(pthread_t));
	for (unsigned i = 0; g->workers != NULL && i < limits->workers; i++) {
		if (pthread_create(&g->workers[i], NULL, guard_worker, g) != 0)
			break;
		g->workers_started++;
	}
	if (g->workers_started == 0) {
		return guard_start_failed(out);
	}
	/* MHD reports the port it was asked for, so read the bound one from the socket. */
	const union MHD_DaemonInfo *info =
	        MHD_get_daemon_info(g->daemon, MHD_DAEMON_INFO_LISTEN_FD);
	struct sockaddr_in bound;
	socklen_t blen = sizeof(bound);
	*port = 0;
	if (info != NULL && getsockname(info->listen_fd, (struct sockaddr *)&bound, &blen) == 0)
		*port = ntohs(bound.sin_port);
	return 0;
}

int http_guard_draining(const struct http_guard *g)
{
	return atomic_load(&((struct http_guard *)g)->draining);
}

int http_guard_drain(struct http_guard *g, int seconds)
{
	atomic_store(&g->draining, 1);
	MHD_socket listen_fd = MHD_quiesce_daemon(g->daemon);
	if (listen_fd != MHD_INVALID_SOCKET)
		close(listen_fd);
	struct timespec until = clock_after_ms((long long)seconds * 1000);
	pthread_mutex_lock(&g->lock);
	while (atomic_load(&g->in_flight) > 0 &&
	       pthread_cond_timedwait(&g->changed, &g->lock, &until) != ETIMEDOUT) {
	}
	int left = atomic_load(&g->in_flight);
	pthread_mutex_unlock(&g->lock);
	return left;
}

void http_guard_wake(struct http_guard *g)
{
	pthread_mutex_lock(&g->lock);
	if (g->waiting != NULL) {
		g->wake = 1;
		pthread_cond_broadcast(&g->changed);
	}
	pthread_mutex_unlock(&g->lock);
}

void http_guard_stop(struct http_guard *g)
{
	if (g == NULL)
		return;
	/* MHD must not stop with suspended connections: answer the waiting and queued ones
	 * first (dispatch is told to answer now), and let running jobs end */
	pthread_mutex_lock(&g->lock);
	atomic_store(&g->closing, 1);
	for (int i = 0; i < 1000 && g->watchdog_started &&
	                (g->waiting != NULL || g->jobs != NULL || g->running_jobs > 0);
	     i++) {
		g->wake = 1;
		pthread_cond_broadcast(&g->changed);
		pthread_mutex_unlock(&g->lock);
		usleep(10000);
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	if (g->daemon != NULL)
		MHD_stop_daemon(g->daemon);
	pthread_mutex_lock(&g->lock);
	g->stopping = 1;
	pthread_cond_broadcast(&g->changed);
	pthread_cond_broadcast(&g->job);
	pthread_mutex_unlock(&g->lock);
	if (g->watchdog_started)
		pthread_join(g->watchdog, NULL);
	for (unsigned i = 0; i < g->workers_started; i++)
		pthread_join(g->workers[i], NULL);
	free(g->workers);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->changed);
	pthread_cond_destroy(&g->job);
	free(g);
}
