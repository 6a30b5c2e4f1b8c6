/* http_guard_request.c — one request through the guard: begun from the raw target (too big:
 * answered at once), its head copied and refused or admitted before any body, the body kept
 * within its limit and the memory budget, the reply queued, and its end. */
#include "http_guard_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

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

/* --- the request begins: its target --- */

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
void *guard_request_begin(void *cls, const char *uri, struct MHD_Connection *connection)
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

/* --- the request ends --- */

void guard_req_free(struct guard_req *r)
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
	atomic_fetch_sub(&g->in_flight, 1);
	guard_finished(g);
}

void guard_request_end(void *cls, struct MHD_Connection *connection, void **con_cls,
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

/* --- the head, the body and the reply --- */

/* Header and argument values into a ulfius map; repeated names are joined with commas, as
 * ulfius does. Counts the fields and the framing headers on the way. */
struct guard_fill {
	struct _u_map *map;
	unsigned fields;
	int content_lengths, transfer_encodings;
};

static enum MHD_Result guard_fill_map(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
	(void)kind;
	struct guard_fill *f = cls;
	if (key == NULL)
		return MHD_YES;
	f->fields++;
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
enum MHD_Result guard_queue(struct guard_req *r, struct MHD_Connection *connection, int close_after)
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
		if (m != NULL) { /* MHD owns the body now; else the request's clean-up frees it */
			res->binary_body = NULL;
			res->binary_body_length = 0;
		}
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
enum MHD_Result guard_head(struct guard_req *r, struct MHD_Connection *connection,
                           const char *method, const char *version)
{
	struct http_guard *g = r->g;
	r->counted = 1;
	atomic_fetch_add(&g->in_flight, 1);
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
	struct guard_fill headers = {r->req.map_header, 0, 0, 0};
	struct guard_fill args = {r->req.map_url, 0, 0, 0};
	MHD_get_connection_values(connection, MHD_HEADER_KIND, guard_fill_map, &headers);
	MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, guard_fill_map, &args);

	/* The service's own head limit, below what MHD's memory pool holds: a head over it is
	 * answered here as problem+json. A head over the pool never reaches this callback (see
	 * MHD_OPTION_CONNECTION_MEMORY_LIMIT in http_guard.c). */
	const union MHD_ConnectionInfo *size =
	        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if ((size != NULL && size->header_size > g->limits.max_head) ||
	    headers.fields > g->limits.max_head_fields) {
		g->handlers.refuse(g->handlers.cls, &r->req, &r->res, HTTP_GUARD_HEAD);
		return guard_queue(r, connection, 1);
	}

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

/* A body past its limit or the budget is answered now, not when it ends (a chunked one may
 * never end). MHD queues a reply only once the body is in, so the reply is written to the
 * socket directly, as for a target too big: nothing has been written for this request but
 * perhaps a 100 Continue. What the body held goes back to the budget at once; the rest of it
 * is read and dropped until the client stops or GUARD_LINGER ends, then the connection
 * closes. */
static enum MHD_Result guard_body_refuse(struct guard_req *r, struct MHD_Connection *connection,
                                         enum http_guard_refusal why)
{
	free(r->req.binary_body);
	r->req.binary_body = NULL;
	r->req.binary_body_length = 0;
	r->cap = 0;
	guard_budget_return(r);
	r->g->handlers.refuse(r->g->handlers.cls, &r->req, &r->res, why);
	guard_reply_raw(r, connection);
	r->refused = 1;
	guard_phase_set(r->conn, GUARD_LINGER);
	return MHD_YES;
}

/* A piece of the body: kept within the request's limit and the budget. */
enum MHD_Result guard_body(struct guard_req *r, struct MHD_Connection *connection, const char *data,
                           size_t *size)
{
	size_t have = r->req.binary_body_length, n = *size;
	if (r->conn != NULL)
		atomic_fetch_add(&r->conn->body_bytes, (long long)n);
	*size = 0;
	/* only a chunked body gets past its limit: a declared length was checked at the head */
	if (n > r->limit - have)
		return guard_body_refuse(r, connection, HTTP_GUARD_TOO_LARGE);
	if (have + n > r->cap) {
		size_t cap = r->cap > 0 ? r->cap : 16384;
		while (cap < have + n)
			cap *= 2;
		if (cap > r->limit)
			cap = r->limit;
		/* a declared length was taken from the budget at the head; growth beyond it is
		 * taken here */
		if (cap > r->held && guard_budget_take(r, cap - r->held) != 0)
			return guard_body_refuse(r, connection, HTTP_GUARD_BUDGET);
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
