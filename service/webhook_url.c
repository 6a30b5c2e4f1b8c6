/* webhook_url.c — a subscription URL checked against the allowed hosts, with libcurl's own URL
 * parser, so the host matched is the host libcurl will connect to. */
#include "webhook_url.h"

#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

/* A URL's parts as libcurl reads them. */
struct webhook_url_parts {
	char scheme[8];
	char host[256];
	long port; /* the explicit port, or the scheme's default */
};

/* One allowed-hosts entry. */
struct webhook_url_entry {
	int http;  /* plain http allowed */
	long port; /* 0: any */
	char host[256];
};

/* Parses url into p: 0, or -1 with a reason. */
static int webhook_url_parse(const char *url, struct webhook_url_parts *p, const char **reason)
{
	*reason = "must be an absolute http or https URL";
	CURLU *u = curl_url();
	if (u == NULL)
		return -1;
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
	int rc = -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto cleanup;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		*reason = "must not carry a user name or password";
		goto cleanup;
	}
	if (strlen(scheme) >= sizeof(p->scheme) || strlen(host) >= sizeof(p->host))
		goto cleanup;
	snprintf(p->scheme, sizeof(p->scheme), "%s", scheme);
	snprintf(p->host, sizeof(p->host), "%s", host);
	p->port = strtol(port, NULL, 10);
	if (strcmp(p->scheme, "http") == 0 || strcmp(p->scheme, "https") == 0)
		rc = 0;
cleanup:
	curl_free(scheme), curl_free(host), curl_free(port), curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

/* Parses one entry of len bytes at text; -1 when it is malformed (it then matches nothing). */
static int webhook_url_entry_parse(const char *text, size_t len, struct webhook_url_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (len > 7 && strncasecmp(text, "http://", 7) == 0)
		e->http = 1, text += 7, len -= 7;
	else if (len > 8 && strncasecmp(text, "https://", 8) == 0)
		text += 8, len -= 8;
	/* an IPv6 host is in brackets, its colons not a port's */
	const char *close = text[0] == '[' ? memchr(text, ']', len) : NULL;
	const char *from = close != NULL ? close : text;
	const char *colon = memchr(from, ':', len - (size_t)(from - text));
	size_t hlen = colon != NULL ? (size_t)(colon - text) : len;
	if (hlen == 0 || hlen >= sizeof(e->host))
		return -1;
	memcpy(e->host, text, hlen);
	if (colon == NULL || (len - hlen == 2 && colon[1] == '*'))
		return 0;
	for (const char *c = colon + 1; c < text + len; c++) {
		if (!isdigit((unsigned char)*c) || e->port > 65535)
			return -1;
		e->port = e->port * 10 + (*c - '0');
	}
	return e->port > 0 && e->port <= 65535 ? 0 : -1;
}

/* 1 when entry e admits p. */
static int webhook_url_entry_admits(const struct webhook_url_entry *e,
                                    const struct webhook_url_parts *p, int *host_seen)
{
	if (strcasecmp(e->host, p->host) != 0)
		return 0;
	*host_seen = 1;
	if (e->port != 0 && e->port != p->port)
		return 0;
	return strcmp(p->scheme, "https") == 0 || e->http;
}

int webhook_url_check(const char *allowed, const char *url, const char **reason)
{
	struct webhook_url_parts p;
	if (strlen(url) > WEBHOOK_URL_MAX) {
		*reason = "is longer than 2000 characters";
		return -1;
	}
	if (webhook_url_parse(url, &p, reason) != 0)
		return -1;
	int host_seen = 0;
	const char *s = allowed != NULL ? allowed : "";
	while (*s != '\0') {
		size_t skip = strspn(s, ", \t\n"), len = strcspn(s + skip, ", \t\n");
		struct webhook_url_entry e;
		if (len > 0 && webhook_url_entry_parse(s + skip, len, &e) == 0 &&
		    webhook_url_entry_admits(&e, &p, &host_seen))
			return 0;
		s += skip + len;
	}
	*reason = !host_seen ? "names a host that is not in ZEREN_WEBHOOK_ALLOWED_HOSTS"
	          : strcmp(p.scheme, "http") == 0
	                  ? "must be https: plain http is not allowed for this host and port"
	                  : "names a port that is not allowed for this host";
	return -1;
}

int webhook_url_resolves(const char *url, const char **reason)
{
	struct webhook_url_parts p;
	if (webhook_url_parse(url, &p, reason) != 0)
		return -1;
	/* libcurl gives IPv6 hosts in brackets; getaddrinfo wants them bare */
	char host[256];
	size_t n = strlen(p.host);
	if (n >= 2 && p.host[0] == '[' && p.host[n - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)(n - 2), p.host + 1);
	else
		snprintf(host, sizeof(host), "%s", p.host);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) {
		*reason = "names a host that does not resolve";
		return -1;
	}
	freeaddrinfo(res);
	return 0;
}
