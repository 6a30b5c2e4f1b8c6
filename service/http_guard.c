/* http_guard.c — libmicrohttpd under http.c: per-client caps, head and body deadlines kept by
 * a watchdog, refusal from the head, a budget for bodies in memory, and a graceful drain. */
#include "http_guard.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "log.h"

#define GUARD_TICK_MS     50 /* how often the watchdog looks at every connection */
#define GUARD_WORKER_NICE 5  /* workers' nice value, above (below in priority) the I/O threads */

/* Where a connection is in its current request, for the watchdog. */
enum guard_phase {
	GUARD_HEAD,    /* request line and headers arriving: head deadline */
	GUARD_BODY,    /* body arriving: minimum rate after the grace */
	GUARD_SERVING, /* the request is in; the handler or the reply is running */
	GUARD_IDLE,    /* between requests on a kept-alive connection */
};

/* One accepted socket (MHD's socket context), listed in g->conns while it is open. */
struct guard_conn {
	struct guard_conn *prev, *next; /* under g->lock */
	int fd;
	int cut;                 /* the watchdog has shut it down (under g->lock) */
	atomic_int phase;        /* enum guard_phase */
	atomic_llong since_ms;   /* when the phase began */
	atomic_llong body_bytes; /* received in GUARD_BODY */
	struct guard_req *req;   /* the request being read or served; MHD does not report the
	                          * end of one it gave up on, so the close frees it */
};

/* One request (MHD's con_cls): the ulfius structures handlers see, owned here. */
struct guard_req {
	struct http_guard *g;
	struct guard_conn *conn; /* NULL if the socket context was not made */
	struct _u_request req;
	struct _u_response res;
	int head_seen;  /* the access handler has had the head */
	int counted;    /* in g->in_flight: from a complete head to the end */
	int answered;   /* a response is queued, or was written directly */
	int mhd_queued; /* ...through MHD */
	int overflow;   /* a chunked body went past limit: the rest is read and dropped */
	size_t limit;   /* most body bytes this request may send */
	size_t cap;     /* bytes allocated for req.binary_body */
	size_t held;    /* bytes of the body budget this request holds */
	struct MHD_Connection *mhd;  /* set while suspended */
	struct guard_req *next_wait; /* in g->waiting or g->jobs (under g->lock) */
	long long wait_since_ms;     /* first HTTP_GUARD_WAIT or OFFLOAD; 0 before */
	struct http_guard_call call; /* what dispatch keeps between calls */
	int ready;                   /* a worker has filled res: queue it when resumed */
};

struct http_guard {
	struct MHD_Daemon *daemon;
	struct http_guard_limits limits;
	struct http_guard_handlers handlers;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a request finished, or the watchdog must stop */
	struct guard_conn *conns;
	int in_flight;             /* requests from request line to completion (under lock) */
	int stopping;              /* the watchdog ends (under lock) */
	int closing;               /* waiting requests must be answered now (under lock) */
	int wake;                  /* resume the waiting requests at once (under lock) */
	struct guard_req *waiting; /* suspended, to be resumed and retried (under lock) */
	struct guard_req *jobs, *jobs_tail; /* suspended, for a worker, oldest first (lock) */
	int running_jobs;                   /* jobs a worker is running (under lock) */
	pthread_cond_t job;                 /* a job came, or the workers must stop */
	pthread_t *workers;
	unsigned workers_started;
	atomic_int draining;
	atomic_llong body_used; /* bytes of the budget held by all requests */
	pthread_t watchdog;
	int watchdog_started;
};

static long long guard_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void guard_phase_set(struct guard_conn *c, enum guard_phase p)
{
	if (c == NULL)
		return;
	atomic_store(&c->since_ms, guard_now_ms());
	atomic_store(&c->body_bytes, 0);
	atomic_store(&c->phase, (int)p);
}

/* --- the body budget --- */

static int guard_budget_take(struct guard_req *r, size_t n)
{
	struct http_guard *g = r->g;
	long long want = (long long)n;
	long long used = atomic_fetch_add(&g->body_used, want) + want;
	if (used > g->limits.body_budget) {
		atomic_fetch_sub(&g->body_used, want);
		return -1;
	}
	r->held += n;
	return 0;
}

static void guard_budget_return(struct guard_req *r)
{
	if (r->held > 0)
		atomic_fetch_sub(&r->g->body_used, (long long)r->held);
	r->held = 0;
}

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
	case GUARD_SERVING:
		break;
	}
	return 0;
}

static void *guard_watchdog(void *arg)
{
	struct http_guard *g = arg;
	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		struct timespec wake;
		clock_gettime(CLOCK_REALTIME, &wake);
		wake.tv_nsec += GUARD_TICK_MS * 1000000L;
		if (wake.tv_nsec >= 1000000000L) {
			wake.tv_sec++;
			wake.tv_nsec -= 1000000000L;
		}
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
		long long now = guard_now_ms();
		for (struct guard_conn *c = g->conns; c != NULL && !g->stopping; c = c->next) {
			const char *why = NULL;
			if (c->cut || !guard_overdue(&g->limits, c, now, &why))
				continue;
			/* MHD sees the end of the stream on its next poll and closes it; the
			 * socket stays open (and listed) until MHD's close notification. */
			c->cut = 1;
			shutdown(c->fd, SHUT_RDWR);
			if (strcmp(why, "idle") != 0)
				log_msg("warn", "connection_cut", "%s", why);
		}
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* --- MHD callbacks --- */

static void guard_req_free(struct guard_req *r);

/* Fills r->call for the next dispatch at now. */
static void guard_call_prepare(struct guard_req *r, long long now, int on_worker)
{
	pthread_mutex_lock(&r->g->lock);
	int closing = r->g->closing;
	pthread_mutex_unlock(&r->g->lock);
	r->call.on_worker = on_worker;
	r->call.waited_ms = closing ? -1 : r->wait_since_ms > 0 ? now - r->wait_since_ms : 0;
}

static void guard_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
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

static struct guard_conn *guard_conn_of(struct MHD_Connection *connection)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/* A target with too many parameters is answered here, before MHD parses it: its argument
 * table lives in the connection's memory pool, and a few thousand parameters exhaust it and
 * leave the connection with no answer at all. Nothing has been written for this request
 * yet (MHD reads a request only after the previous reply is out), so the reply is written
 * to the socket directly, which is then closed for writing. */
static int guard_target_too_big(const struct http_guard *g, const char *uri)
{
	size_t len = strlen(uri);
	if (len > g->limits.max_target)
		return 1;
	const char *q = strchr(uri, '?');
	unsigned params = q != NULL && q[1] != '\0';
	for (const char *p = q; p != NULL && *p != '\0'; p++)
		params += *p == '&' || *p == ';';
	return params > g->limits.max_params;
}

static void guard_reply_raw(struct guard_req *r, struct MHD_Connection *connection)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
	r->answered = 1;
	if (ci == NULL)
		return;
	struct _u_response *res = &r->res;
	char head[2048];
	unsigned int status = (unsigned int)res->status;
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %u %s\r\n", status,
	                 MHD_get_reason_phrase_for(status));
	const char **keys = u_map_enum_keys(res->map_header);
	for (size_t i = 0; keys != NULL && keys[i] != NULL && n > 0 && (size_t)n < sizeof(head);
	     i++)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "%s: %s\r\n", keys[i],
		              u_map_get(res->map_header, keys[i]));
	if (n > 0 && (size_t)n < sizeof(head))
		n += snprintf(head + n, sizeof(head) - (size_t)n,
		              "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		              res->binary_body_length);
	if (n <= 0 || (size_t)n >= sizeof(head))
		return;
	if (send(ci->connect_fd, head, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n &&
	    res->binary_body != NULL)
		(void)!send(ci->connect_fd, res->binary_body, res->binary_body_length,
		            MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(ci->connect_fd, SHUT_WR);
}

/* Called with the raw request target, before MHD parses it: the request begins. */
static void *guard_request_begin(void *cls, const char *uri, struct MHD_Connection *connection)
{
	struct http_guard *g = cls;
	struct guard_req *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->g = g;
	r->conn = guard_conn_of(connection);
	if (ulfius_init_request(&r->req) != U_OK || ulfius_init_response(&r->res) != U_OK) {
		ulfius_clean_request(&r->req);
		free(r);
		return NULL;
	}
	const char *q = strchr(uri, '?');
	r->req.http_url = strdup(uri);
	r->req.url_path = q != NULL ? strndup(uri, (size_t)(q - uri)) : strdup(uri);
	/* a kept-alive connection's next request: its head deadline starts now */
	if (r->conn != NULL && atomic_load(&r->conn->phase) == GUARD_IDLE)
		guard_phase_set(r->conn, GUARD_HEAD);
	if (r->conn != NULL)
		r->conn->req = r;
	if (r->req.http_url != NULL && r->req.url_path != NULL && guard_target_too_big(g, uri)) {
		r->req.http_verb = strdup("GET"); /* not known yet; for the log line */
		g->handlers.refuse(g->handlers.cls, &r->req, &r->res, HTTP_GUARD_URI);
		guard_reply_raw(r, connection);
		/* MHD parses the arguments after this call, from the '?' it has already found, in
		 * its own (writable) read buffer: end them there, so that the thousands it would
		 * store never reach its pool. The target was copied above. */
		char *args = strchr((char *)(uintptr_t)uri, '?');
		if (args != NULL)
			args[1] = '\0';
	}
	return r;
}

static void guard_req_free(struct guard_req *r)
{
	struct http_guard *g = r->g;
	if (r->conn != NULL) {
		r->conn->req = NULL;
		guard_phase_set(r->conn, GUARD_IDLE);
	}
	guard_budget_return(r);
	if (r->res.free_shared_data != NULL && r->res.shared_data != NULL)
		r->res.free_shared_data(r->res.shared_data);
	r->res.shared_data = NULL;
	ulfius_clean_request(&r->req);
	ulfius_clean_response(&r->res);
	int counted = r->counted;
	free(r);
	if (!counted)
		return;
	pthread_mutex_lock(&g->lock);
	g->in_flight--;
	pthread_cond_broadcast(&g->changed);
	pthread_mutex_unlock(&g->lock);
}

static void guard_request_end(void *cls, struct MHD_Connection *connection, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)connection;
	(void)toe;
	struct guard_req *r = *con_cls;
	if (r == NULL)
		return;
	guard_req_free(r);
	*con_cls = NULL;
}

/* Header and argument values into a ulfius map; repeated names are joined with commas, as
 * ulfius does. Counts the framing headers on the way. */
struct guard_fill {
	struct _u_map *map;
	int content_lengths, transfer_encodings;
};

static enum MHD_Result guard_fill_map(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
	(void)kind;
	struct guard_fill *f = cls;
	if (key == NULL)
		return MHD_YES;
	if (strcasecmp(key, "Content-Length") == 0)
		f->content_lengths++;
	if (strcasecmp(key, "Transfer-Encoding") == 0)
		f->transfer_encodings++;
	if (value == NULL)
		value = "";
	const char *old = u_map_get(f->map, key);
	if (old == NULL)
		return u_map_put(f->map, key, value) == U_OK ? MHD_YES : MHD_NO;
	size_t n = strlen(old) + strlen(value) + 2;
	char *joined = malloc(n);
	if (joined == NULL)
		return MHD_NO;
	snprintf(joined, n, "%s,%s", old, value);
	int rc = u_map_put(f->map, key, joined);
	free(joined);
	return rc == U_OK ? MHD_YES : MHD_NO;
}

/* Turns r->res into an MHD response and queues it. */
static enum MHD_Result guard_queue(struct guard_req *r, struct MHD_Connection *connection,
                                   int close_after)
{
	struct _u_response *res = &r->res;
	struct MHD_Response *m;
	if (res->stream_callback != NULL) {
		m = MHD_create_response_from_callback(res->stream_size, res->stream_block_size,
		                                      res->stream_callback, res->stream_user_data,
		                                      res->stream_callback_free);
		/* the MHD response owns the stream now */
		res->stream_callback = NULL;
		res->stream_callback_free = NULL;
		res->stream_user_data = NULL;
	} else if (res->binary_body != NULL && res->binary_body_length > 0) {
		m = MHD_create_response_from_buffer_with_free_callback(res->binary_body_length,
		                                                       res->binary_body, free);
		res->binary_body = NULL;
		res->binary_body_length = 0;
	} else {
		m = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	}
	if (m == NULL)
		return MHD_NO;
	const char **keys = u_map_enum_keys(res->map_header);
	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
		MHD_add_response_header(m, keys[i], u_map_get(res->map_header, keys[i]));
	if (close_after || atomic_load(&r->g->draining))
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONNECTION, "close");
	unsigned int status = res->status > 0 ? (unsigned int)res->status : 200u;
	enum MHD_Result rc = MHD_queue_response(connection, status, m);
	MHD_destroy_response(m);
	r->answered = 1;
	r->mhd_queued = 1;
	return rc;
}

/* The head is in: copy it for the handlers, then refuse or admit before any body. */
static enum MHD_Result guard_head(struct guard_req *r, struct MHD_Connection *connection,
                                  const char *method, const char *version)
{
	struct http_guard *g = r->g;
	r->counted = 1;
	pthread_mutex_lock(&g->lock);
	g->in_flight++;
	pthread_mutex_unlock(&g->lock);
	r->req.http_verb = strdup(method);
	r->req.http_protocol = strdup(version);
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	r->req.client_address = malloc(sizeof(struct sockaddr));
	if (r->req.http_verb == NULL || r->req.http_protocol == NULL ||
	    r->req.client_address == NULL || r->req.http_url == NULL || r->req.url_path == NULL)
		return MHD_NO;
	if (ci != NULL)
		memcpy(r->req.client_address, ci->client_addr, sizeof(struct sockaddr));
	struct guard_fill headers = {r->req.map_header, 0, 0};
	struct guard_fill args = {r->req.map_url, 0, 0};
	MHD_get_connection_values(connection, MHD_HEADER_KIND, guard_fill_map, &headers);
	MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, guard_fill_map, &args);

	/* RFC 9112 6.3: a length with a transfer coding (or two lengths) is how requests are
	 * smuggled past a proxy; answer and close, reading nothing after the head. */
	if ((headers.content_lengths > 0 && headers.transfer_encodings > 0) ||
	    headers.content_lengths > 1) {
		g->handlers.refuse(g->handlers.cls, &r->req, &r->res, HTTP_GUARD_FRAMING);
		return guard_queue(r, connection, 1);
	}
	r->limit = g->limits.max_body;
	if (g->handlers.admit(g->handlers.cls, &r->req, &r->res, &r->limit) != 0)
		return guard_queue(r, connection, 1);
	const char *cl = u_map_get_case(r->req.map_header, "Content-Length");
	if (cl != NULL) {
		char *end = NULL;
		errno = 0;
		unsigned long long n = strtoull(cl, &end, 10);
		if (errno != 0 || end == cl || *end != '\0' || cl[0] == '-' || n > r->limit) {
			g->handlers.refuse(g->handlers.cls, &r->req, &r->res, HTTP_GUARD_TOO_LARGE);
			return guard_queue(r, connection, 1);
		}
		if (n > 0 && guard_budget_take(r, (size_t)n) != 0) {
			g->handlers.refuse(g->handlers.cls, &r->req, &r->res, HTTP_GUARD_BUDGET);
			return guard_queue(r, connection, 1);
		}
	}
	int has_body = (cl != NULL && strcmp(cl, "0") != 0) || headers.transfer_encodings > 0;
	guard_phase_set(r->conn, has_body ? GUARD_BODY : GUARD_SERVING);
	return MHD_YES;
}

/* A piece of the body: kept within the request's limit and the budget. */
static enum MHD_Result guard_body(struct guard_req *r, const char *data, size_t *size)
{
	size_t have = r->req.binary_body_length, n = *size;
	if (r->conn != NULL)
		atomic_fetch_add(&r->conn->body_bytes, (long long)n);
	*size = 0;
	/* Only a chunked body gets past its limit (a declared length was checked at the head);
	 * MHD cannot answer before the body ends, so the rest is dropped and 413 sent then. */
	if (r->overflow || n > r->limit - have) {
		r->overflow = 1;
		return MHD_YES;
	}
	if (have + n > r->cap) {
		size_t cap = r->cap > 0 ? r->cap : 16384;
		while (cap < have + n)
			cap *= 2;
		if (cap > r->limit)
			cap = r->limit;
		/* a declared length was taken from the budget at the head; growth beyond it is
		 * taken here, and a body that outgrows the budget is cut */
		if (cap > r->held && guard_budget_take(r, cap - r->held) != 0)
			return MHD_NO;
		void *grown = realloc(r->req.binary_body, cap);
		if (grown == NULL)
			return MHD_NO;
		r->req.binary_body = grown;
		r->cap = cap;
	}
	memcpy((char *)r->req.binary_body + have, data, n);
	r->req.binary_body_length = have + n;
	return MHD_YES;
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
	if (r->answered)
		return r->mhd_queued ? MHD_YES : MHD_NO;
	if (!r->head_seen) {
		r->head_seen = 1;
		return guard_head(r, connection, method, version);
	}
	if (*upload_data_size != 0)
		return guard_body(r, upload_data, upload_data_size);
	guard_phase_set(r->conn, GUARD_SERVING);
	if (r->overflow) {
		r->g->handlers.refuse(r->g->handlers.cls, &r->req, &r->res, HTTP_GUARD_TOO_LARGE);
		return guard_queue(r, connection, 1);
	}
	if (r->ready)
		return guard_queue(r, connection, 0);
	struct http_guard *g = r->g;
	long long now = guard_now_ms();
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
		guard_call_prepare(r, guard_now_ms(), 1);
		g->handlers.dispatch(g->handlers.cls, &r->req, &r->res, &r->call);
		r->ready = 1;
		MHD_resume_connection(r->mhd);
		pthread_mutex_lock(&g->lock);
		g->running_jobs--;
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
	pthread_cond_init(&g->changed, NULL);
	pthread_cond_init(&g->job, NULL);
	atomic_init(&g->draining, 0);
	atomic_init(&g->body_used, 0);
	/* *out is set before the daemon starts: its threads may dispatch a request (a balancer's
	 * health check) before this returns, and the handlers reach the guard through it.
	 * MHD's own idle timer stays as a backstop; the memory limit bounds one connection's
	 * head (MHD answers 431 past it). ITC is what MHD_quiesce_daemon needs. */
	g->daemon = MHD_start_daemon(
	        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME, 0, NULL,
	        NULL, guard_access, g, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)limits->threads,
	        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)limits->idle_timeout_s,
	        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)limits->max_connections,
	        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)limits->max_per_client,
	        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024), MHD_OPTION_SOCK_ADDR,
	        addr, MHD_OPTION_NOTIFY_CONNECTION, guard_connection, g,
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
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&g->lock);
	while (g->in_flight > 0 &&
	       pthread_cond_timedwait(&g->changed, &g->lock, &until) != ETIMEDOUT) {
	}
	int left = g->in_flight;
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
	g->closing = 1;
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
