/* health.c — liveness, readiness, metrics and the served OpenAPI document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db.h"
#include "../embedded.h"
#include "../http.h"
#include "../metrics.h"

static void health_live(struct http_ctx *ctx)
{
	static const char body[] = "{\"status\":\"ok\"}";
	http_reply_json_text(ctx, 200, body, sizeof(body) - 1);
}

/* Ready means a pooled connection to the primary answers a query now; the body says where
 * reads go (a replica that is down or lagging only sends them to the primary). */
static void health_ready(struct http_ctx *ctx)
{
	struct db_conn *conn = NULL;
	enum svc_error err = db_acquire(ctx->app->pool, &conn);
	if (err == SVC_OK) {
		PGresult *r = db_exec(conn, STMT_HEALTH_PING, 0, NULL);
		err = db_result_error(conn, r);
		PQclear(r);
		db_release(ctx->app->pool, conn);
	}
	if (err != SVC_OK) {
		http_reply_problem(ctx, SVC_UNAVAILABLE, "the database is not answering");
		return;
	}
	/* borrowing from the read pool looks at the replica when its view is due */
	if (ctx->app->read_pool != ctx->app->pool &&
	    db_acquire(ctx->app->read_pool, &conn) == SVC_OK)
		db_release(ctx->app->read_pool, conn);
	char body[64];
	int n = snprintf(body, sizeof(body), "{\"status\":\"ready\",\"replica\":\"%s\"}",
	                 db_replica_state(ctx->app->read_pool));
	http_reply_json_text(ctx, 200, body, (size_t)n);
}

static void health_metrics(struct http_ctx *ctx)
{
	if (ctx->app->cfg.metrics_address != NULL && ctx->app->cfg.metrics_address[0] != '\0') {
		http_reply_problem(ctx, SVC_NOT_FOUND,
		                   "metrics are served on ZEREN_METRICS_ADDRESS");
		return;
	}
	char *text = metrics_render();
	if (text == NULL) {
		http_reply_problem(ctx, SVC_INTERNAL, "metrics unavailable");
		return;
	}
	http_reply_body(ctx, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
	free(text);
}

static void health_openapi(struct http_ctx *ctx)
{
	http_reply_body(ctx, 200, "application/yaml; charset=utf-8", embedded_openapi_yaml,
	                embedded_openapi_yaml_len);
}

const struct route health_routes[] = {
        {"GET", "/healthz", health_live, ROUTE_PUBLIC},
        {"GET", "/readyz", health_ready, ROUTE_PUBLIC},
        {"GET", "/metrics", health_metrics, ROUTE_PUBLIC},
        {"GET", "/openapi.yaml", health_openapi, ROUTE_PUBLIC},
        {NULL, NULL, NULL, 0},
};
