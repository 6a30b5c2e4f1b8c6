/* webhook_url.h — which URLs a subscription may name: ZEREN_WEBHOOK_ALLOWED_HOSTS, parsed and
 * matched exactly (no wildcards in host names, no suffix matching), https unless an entry
 * allows plain http. Pure: no network (webhook_url_resolves is the one exception). */
#ifndef ZEREN_WEBHOOK_URL_H
#define ZEREN_WEBHOOK_URL_H

#include <stddef.h>

/* The longest subscription URL accepted. */
#define WEBHOOK_URL_MAX 2000

/* Checks url against allowed (the setting's text: entries separated by commas or spaces,
 * each "host", "host:port", "https://host[:port|:*]" or "http://host[:port|:*]"; no port or
 * ":*" means any port; only an http:// entry allows plain http, to that host and port).
 * Returns 0 when allowed, else -1 with a static reason for a 422 in *reason. */
int webhook_url_check(const char *allowed, const char *url, const char **reason)
        __attribute__((warn_unused_result));

/* 0 when url's host resolves to at least one address, else -1 with a static reason. */
int webhook_url_resolves(const char *url, const char **reason) __attribute__((warn_unused_result));

#endif
