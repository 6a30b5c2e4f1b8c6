/* metrics_http.c — a one-route ulfius instance that renders metrics_render(). */
#include "metrics_http.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ulfius.h>

#include "log.h"
#include "metrics.h"

struct metrics_http {
	struct _u_instance instance;
	struct sockaddr_in addr;
};

static int metrics_http_serve(const struct _u_request *req, struct _u_response *res, void *data)
{
	(void)data;
	if (req->url_path == NULL || strcmp(req->url_path, "/metrics") != 0 ||
	    strcmp(req->http_verb, "GET") != 0) {
		ulfius_set_string_body_response(res, 404, "not found: only GET /metrics here\n");
		return U_CALLBACK_COMPLETE;
	}
	char *text = metrics_render();
	if (text == NULL) {
		ulfius_set_string_body_response(res, 500, "metrics unavailable\n");
		return U_CALLBACK_COMPLETE;
	}
	u_map_put(res->map_header, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ulfius_set_binary_body_response(res, 200, text, strlen(text));
	free(text);
	return U_CALLBACK_COMPLETE;
}

struct metrics_http *metrics_http_start(const char *address, int *port)
{
	struct metrics_http *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	char host[16];
	const char *colon = strrchr(address, ':');
	size_t hlen = colon != NULL ? (size_t)(colon - address) : 0;
	int want = colon != NULL ? atoi(colon + 1) : -1;
	if (hlen == 0 || hlen >= sizeof(host) || want < 0 || want > 65535) {
		log_msg("error", "metrics_start_failed",
		        "ZEREN_METRICS_ADDRESS %s is not HOST:PORT", address);
		free(s);
		return NULL;
	}
	memcpy(host, address, hlen);
	host[hlen] = '\0';
	s->addr.sin_family = AF_INET;
	s->addr.sin_port = htons((uint16_t)want);
	if (inet_pton(AF_INET, host, &s->addr.sin_addr) != 1 ||
	    ulfius_init_instance(&s->instance, (unsigned int)(want ? want : 1), &s->addr, NULL) !=
	            U_OK) {
		log_msg("error", "metrics_start_failed", "cannot use %s", address);
		free(s);
		return NULL;
	}
	ulfius_set_default_endpoint(&s->instance, metrics_http_serve, NULL);
	struct MHD_OptionItem ops[] = {
	        {MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
	        {MHD_OPTION_CONNECTION_LIMIT, 16, NULL},
	        {MHD_OPTION_SOCK_ADDR, 0, &s->addr},
	        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL},
	        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL},
	        {MHD_OPTION_END, 0, NULL},
	};
	if (ulfius_start_framework_with_mhd_options(&s->instance, MHD_USE_INTERNAL_POLLING_THREAD,
	                                            ops) != U_OK) {
		log_msg("error", "metrics_start_failed", "cannot listen on %s", address);
		ulfius_clean_instance(&s->instance);
		free(s);
		return NULL;
	}
	const union MHD_DaemonInfo *info =
	        MHD_get_daemon_info(s->instance.mhd_daemon, MHD_DAEMON_INFO_LISTEN_FD);
	struct sockaddr_in bound;
	socklen_t blen = sizeof(bound);
	*port = want;
	if (info != NULL && getsockname(info->listen_fd, (struct sockaddr *)&bound, &blen) == 0)
		*port = ntohs(bound.sin_port);
	return s;
}

void metrics_http_stop(struct metrics_http *server)
{
	if (server == NULL)
		return;
	ulfius_stop_framework(&server->instance);
	ulfius_clean_instance(&server->instance);
	free(server);
}
