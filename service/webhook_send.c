/* webhook_send.c — the HTTP side of deliveries, on libcurl's multi interface. */
#include "webhook_send.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

struct webhook_sender {
	CURLM *multi;
	CURL **easy; /* max handles, reused so their connections stay open */
	struct curl_slist **headers;
	int max;
	int timeout_ms;
};

struct webhook_sender *webhook_sender_create(int max, int timeout_ms)
{
	struct webhook_sender *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->max = max;
	s->timeout_ms = timeout_ms;
	s->multi = curl_multi_init();
	s->easy = calloc((size_t)max, sizeof(*s->easy));
	s->headers = calloc((size_t)max, sizeof(*s->headers));
	int ok = s->multi != NULL && s->easy != NULL && s->headers != NULL;
	for (int i = 0; ok && i < max; i++)
		ok = (s->easy[i] = curl_easy_init()) != NULL;
	if (!ok) {
		webhook_sender_destroy(s);
		return NULL;
	}
	return s;
}

void webhook_sender_destroy(struct webhook_sender *s)
{
	if (s == NULL)
		return;
	for (int i = 0; s->easy != NULL && i < s->max; i++) {
		curl_easy_cleanup(s->easy[i]);
		curl_slist_free_all(s->headers[i]);
	}
	free(s->easy);
	free(s->headers);
	curl_multi_cleanup(s->multi);
	free(s);
}

/* The receiver's body is not kept. */
static size_t webhook_discard(char *ptr, size_t size, size_t n, void *ud)
{
	(void)ptr, (void)ud;
	return size * n;
}

/* The headers of r, signed at t; NULL when out of memory (or libcrypto failed). */
static struct curl_slist *webhook_headers(const struct webhook_send *r, long long t)
{
	char sig[WEBHOOK_SIGNATURE_SIZE];
	if (webhook_sign(r->secret, t, r->body, r->len, sig) != 0)
		return NULL;
	char lines[4][160];
	snprintf(lines[0], sizeof(lines[0]), "Zeren-Event: %.100s", r->event);
	snprintf(lines[1], sizeof(lines[1]), "Zeren-Delivery: %lld", r->delivery_id);
	snprintf(lines[2], sizeof(lines[2]), "Zeren-Signature: %s", sig);
	snprintf(lines[3], sizeof(lines[3]), "User-Agent: zeren-webhooks/1");
	/* Expect: with no value: no 100-continue round trip before larger bodies */
	const char *fixed[] = {"Content-Type: application/json", "Expect:"};
	struct curl_slist *h = NULL;
	for (size_t i = 0; i < 4 + 2; i++) {
		struct curl_slist *next = curl_slist_append(h, i < 4 ? lines[i] : fixed[i - 4]);
		if (next == NULL) {
			curl_slist_free_all(h);
			return NULL;
		}
		h = next;
	}
	return h;
}

/* Sets easy handle e up for r; -1 when it cannot. */
static int webhook_prepare(struct webhook_sender *s, int i, struct webhook_send *r, long long t)
{
	CURL *e = s->easy[i];
	curl_easy_reset(e);
	curl_slist_free_all(s->headers[i]);
	if ((s->headers[i] = webhook_headers(r, t)) == NULL)
		return -1;
	int bad = curl_easy_setopt(e, CURLOPT_URL, r->url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers[i]) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->len) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)s->timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, webhook_discard) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)r) != CURLE_OK;
	if (bad)
		return -1;
	r->done = 0;
	r->status = 0;
	r->error[0] = '\0';
	r->duration_ms = 0;
	return curl_multi_add_handle(s->multi, e) == CURLM_OK ? 0 : -1;
}

/* Records the outcome of a finished transfer. */
static void webhook_finish(CURL *e, CURLcode code)
{
	struct webhook_send *r = NULL;
	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)(void *)&r);
	if (r == NULL)
		return;
	curl_off_t us = 0;
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &us);
	r->duration_ms = (int)(us / 1000);
	r->done = 1;
	if (code != CURLE_OK) {
		snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(code));
		return;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->status < 200 || r->status > 299)
		snprintf(r->error, sizeof(r->error), "the receiver answered %ld", r->status);
}

int webhook_sender_run(struct webhook_sender *s, struct webhook_send *reqs, int n,
                       const atomic_int *stop)
{
	long long t = (long long)time(NULL);
	int added = 0, rc = 0;
	for (int i = 0; rc == 0 && i < n && added < s->max; i++) {
		if (reqs[i].refused)
			reqs[i].done = 1;
		else if (webhook_prepare(s, added, &reqs[i], t) == 0)
			added++;
		else
			rc = -1;
	}
	int running = added;
	while (rc == 0 && running > 0) {
		if (atomic_load(stop) || curl_multi_perform(s->multi, &running) != CURLM_OK) {
			rc = -1;
			break;
		}
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(s->multi, &left)) != NULL)
			if (m->msg == CURLMSG_DONE)
				webhook_finish(m->easy_handle, m->data.result);
		/* wakes on activity, or after 100 ms to look at the stop flag */
		if (running > 0 && curl_multi_poll(s->multi, NULL, 0, 100, NULL) != CURLM_OK)
			rc = -1;
	}
	for (int i = 0; i < added; i++)
		curl_multi_remove_handle(s->multi, s->easy[i]);
	return rc;
}
