/* http_guard.h — the socket layer under the http_*.c files: libmicrohttpd with a per-client
 * connection cap, deadlines for a request's head and body that trickled bytes do not reset, refusal
 * from the head (before any body is read), a memory budget for bodies and a graceful drain.
 * ulfius provides the request and response structures; this file owns their lifecycle. */
#ifndef ZEREN_HTTP_GUARD_H
#define ZEREN_HTTP_GUARD_H

#include <stddef.h>
#include <sys/socket.h>

#include <ulfius.h>

struct http_guard;

/* How the guard protects the instance; every field must be positive. */
struct http_guard_limits {
	unsigned threads;         /* MHD worker threads (epoll each) */
	unsigned max_connections; /* all clients together */
	unsigned max_per_client;  /* connections from one IP address */
	unsigned idle_timeout_s;  /* MHD's idle timer: any byte resets it */
	unsigned head_timeout_s;  /* request line and headers, from accept or the last reply */
	unsigned body_grace_s;    /* a body may start slowly for this long... */
	long long body_min_rate;  /* ...then must average this many bytes per second */
	long long body_budget;    /* bytes of request bodies held in memory at once */
	size_t max_body;          /* largest body any route takes */
	size_t max_target;        /* longest request target (path and query) */
	unsigned max_params;      /* most query parameters in one request target */
	size_t max_head;          /* bytes of request line and header fields (under MHD's pool) */
	unsigned max_head_fields; /* header fields in one head */
	unsigned workers;         /* threads for work that may block (the database) */
};

enum { HTTP_GUARD_DONE = 0, HTTP_GUARD_WAIT = 1, HTTP_GUARD_OFFLOAD = 2 };

/* What one dispatch call is told, and keeps for the next call of the same request. */
struct http_guard_call {
	long long waited_ms; /* since the first WAIT or OFFLOAD; -1: stopping, answer now */
	int on_worker;       /* 1 on a worker thread (after OFFLOAD) */
	unsigned marks;      /* the caller's own bits, kept between calls of one request */
};

/* Why the guard refused a request from its head (or midway through its body); http_dispatch.c
 * turns it into a problem body. */
enum http_guard_refusal {
	HTTP_GUARD_FRAMING,   /* Content-Length with Transfer-Encoding, or two lengths: 400 */
	HTTP_GUARD_TOO_LARGE, /* the declared length, or a chunked body so far, is over the limit:
	                         413 */
	HTTP_GUARD_BUDGET, /* the memory budget for bodies is spent (at the head or midway): 503 */
	HTTP_GUARD_URI,    /* the request target is too long or has too many parameters: 414 */
	HTTP_GUARD_HEAD,   /* the head is over max_head bytes or max_head_fields fields: 431 */
};

/* What http_server.c supplies (the callbacks are in http_dispatch.c). req and res are the ulfius
 * structures the guard made; the callbacks fill res (status, headers, body or stream) and must not
 * keep pointers to either. */
struct http_guard_handlers {
	/* Called when the head is complete, before a byte of the body is read. Returns 0 to go
	 * on (with *body_limit set to the most body bytes this request may send), or non-zero
	 * after filling res: it is sent at once and the connection closed. */
	int (*admit)(void *cls, const struct _u_request *req, struct _u_response *res,
	             size_t *body_limit);
	/* Fills res for a refusal of the guard's own (see enum http_guard_refusal). */
	void (*refuse)(void *cls, const struct _u_request *req, struct _u_response *res,
	               enum http_guard_refusal why);
	/* The whole request, body included; see struct http_guard_call. Returns
	 * HTTP_GUARD_DONE after filling res, or (res untouched) HTTP_GUARD_WAIT to be called
	 * again after http_guard_wake or a watchdog tick, or HTTP_GUARD_OFFLOAD to be called
	 * again on a worker thread, where it may block. Neither holds an I/O thread. */
	int (*dispatch)(void *cls, const struct _u_request *req, struct _u_response *res,
	                struct http_guard_call *call);
	void *cls; /* borrowed; outlives the guard */
};

/* Listens on addr (borrowed) with limits and handlers (copied). The guard is written to *out
 * before the first request can be dispatched (handlers may read it from there); 0, or -1 with
 * *out NULL when the socket cannot be bound. The bound port is written to *port. Stop with
 * http_guard_stop. */
int http_guard_start(struct http_guard **out, const struct sockaddr *addr,
                     const struct http_guard_limits *limits,
                     const struct http_guard_handlers *handlers, int *port)
        __attribute__((warn_unused_result));

/* Stops accepting connections, lets the requests in flight finish and deliver their replies
 * for at most seconds, then returns the number still unfinished (0 when all were served).
 * Replies sent while draining carry Connection: close. Call at most once, before stop. */
int http_guard_drain(struct http_guard *g, int seconds);
/* 1 once http_guard_drain has begun. Thread-safe. */
int http_guard_draining(const struct http_guard *g);

/* Something a waiting request may want came free: retry the waiting ones now. Thread-safe. */
void http_guard_wake(struct http_guard *g);

/* Closes every connection and frees the guard; NULL is a no-op. */
void http_guard_stop(struct http_guard *g);

#endif
