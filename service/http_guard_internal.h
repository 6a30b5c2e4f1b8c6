/* http_guard_internal.h — what the http_guard*.c files share: a connection's and a request's
 * state, the guard itself, and the MHD callbacks each file provides. Included only by
 * http_guard.c, http_guard_conn.c and http_guard_request.c. */
#ifndef ZEREN_HTTP_GUARD_INTERNAL_H
#define ZEREN_HTTP_GUARD_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include <microhttpd.h>

#include "clock.h"
#include "http_guard.h"

/* Where a connection is in its current request, for the watchdog. */
enum guard_phase {
	GUARD_HEAD,    /* request line and headers arriving: head deadline */
	GUARD_BODY,    /* body arriving: minimum rate after the grace */
	GUARD_SERVING, /* the request is in; the handler or the reply is running */
	GUARD_IDLE,    /* between requests on a kept-alive connection */
	GUARD_LINGER,  /* a body refused midway: its reply is out, the rest is dropped a moment */
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
	int head_seen;               /* the access handler has had the head */
	int counted;                 /* in g->in_flight: from a complete head to the end */
	int answered;                /* a response is queued, or was written directly */
	int mhd_queued;              /* ...through MHD */
	int refused;                 /* answered midway through the body: what follows is dropped */
	size_t limit;                /* most body bytes this request may send */
	size_t cap;                  /* bytes allocated for req.binary_body */
	size_t held;                 /* bytes of the body budget this request holds */
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
	/* Read and written on every request without the lock, which a request took three times
	 * before; a drain's wait on in_flight is safe by the handshake in guard_finished. */
	atomic_int in_flight;               /* requests from a complete head to completion */
	atomic_int closing;                 /* waiting requests must be answered now */
	atomic_int any_waiting;             /* g->waiting is not empty */
	int stopping;                       /* the watchdog ends (under lock) */
	int wake;                           /* resume the waiting requests at once (under lock) */
	struct guard_req *waiting;          /* suspended, to be resumed and retried (under lock) */
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

/* c (may be NULL) enters phase p now. */
static inline void guard_phase_set(struct guard_conn *c, enum guard_phase p)
{
	if (c == NULL)
		return;
	atomic_store(&c->since_ms, clock_now_ms());
	atomic_store(&c->body_bytes, 0);
	atomic_store(&c->phase, (int)p);
}

/* --- connections and their deadlines (http_guard_conn.c) --- */

/* MHD_OPTION_NOTIFY_CONNECTION: lists a socket in g->conns when it opens; on close frees the
 * request it still has and unlists it. */
void guard_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                      enum MHD_ConnectionNotificationCode toe);
/* The watchdog thread (arg is the guard): cuts connections past their phase's deadline and
 * resumes the waiting requests every tick. */
void *guard_watchdog(void *arg);

/* --- one request (http_guard_request.c) --- */

/* MHD_OPTION_URI_LOG_CALLBACK: the request begins (its struct guard_req, or NULL when out of
 * memory); a target too big is answered here. */
void *guard_request_begin(void *cls, const char *uri, struct MHD_Connection *connection);
/* MHD_OPTION_NOTIFY_COMPLETED: frees the request. */
void guard_request_end(void *cls, struct MHD_Connection *connection, void **con_cls,
                       enum MHD_RequestTerminationCode toe);
/* Frees r and what it holds of the body budget; the end of a counted request is signalled
 * (guard_finished). */
void guard_req_free(struct guard_req *r);
/* A request or job finished (g->lock not held). Wakes what waits on g->changed for that, the
 * watchdog when requests wait for a turn and a drain waiting for the last request, and
 * nothing otherwise, without taking the lock: waking the watchdog on every request cost
 * /healthz a seventh of its rate (a wake-up, the lock and a walk over every connection each
 * time). A request that begins to wait just after is retried on the watchdog's next tick. */
void guard_finished(struct http_guard *g);
/* The head is in: copied for the handlers, then refused (answered, to be closed) or admitted. */
enum MHD_Result guard_head(struct guard_req *r, struct MHD_Connection *connection,
                           const char *method, const char *version);
/* A piece of the body, kept within the request's limit and the budget (past either the
 * request is answered at once and the connection closed soon after); *size set to 0. */
enum MHD_Result guard_body(struct guard_req *r, struct MHD_Connection *connection, const char *data,
                           size_t *size);
/* Turns r->res into an MHD response and queues it, with Connection: close when close_after
 * or draining. */
enum MHD_Result guard_queue(struct guard_req *r, struct MHD_Connection *connection,
                            int close_after);

#endif
