/* test_webhook.c — service/webhook_url.c, webhook_sign.c and the worker's backoff: which URLs
 * the allowed hosts admit, the signature against a value computed elsewhere (Python's hmac),
 * secrets, and delays that double, cap and jitter. */
#include <check.h>
#include <string.h>

#include "webhook_sign.h"
#include "webhook_url.h"
#include "webhook_worker.h"

static const char *const allowed = "hooks.example.org, api.example.org:8443 "
                                   "http://127.0.0.1:*,http://intranet.example.org:8080";

static int admits(const char *url)
{
	const char *why = NULL;
	int rc = webhook_url_check(allowed, url, &why);
	ck_assert(rc == 0 || why != NULL);
	return rc == 0;
}

START_TEST(allowed_hosts_admit_exactly_what_they_list)
{
	ck_assert(admits("https://hooks.example.org/zeren"));
	ck_assert(admits("https://HOOKS.example.org:9443/x?y=1"));
	ck_assert(admits("https://api.example.org:8443/x"));
	ck_assert(admits("http://127.0.0.1:5000/hook"));
	ck_assert(admits("https://127.0.0.1/hook"));
	ck_assert(admits("http://intranet.example.org:8080/h"));
	ck_assert(!admits("http://hooks.example.org/zeren"));      /* https only */
	ck_assert(!admits("https://api.example.org/x"));           /* 443, not 8443 */
	ck_assert(!admits("http://intranet.example.org/h"));       /* port 80 */
	ck_assert(!admits("https://evil.hooks.example.org/"));     /* no sub-domains */
	ck_assert(!admits("https://hooks.example.org.evil.com/")); /* no suffixes */
	ck_assert(!admits("https://hooks.example.org@evil.com/")); /* the host is evil.com */
	ck_assert(!admits("https://user:pw@hooks.example.org/"));  /* no credentials */
	ck_assert(!admits("http://127.0.0.2:5000/"));
	ck_assert(!admits("http://localhost:5000/")); /* not listed as such */
	ck_assert(!admits("ftp://hooks.example.org/"));
	ck_assert(!admits("hooks.example.org/x"));
	ck_assert(!admits("https:///x"));
	const char *why = NULL;
	ck_assert_int_eq(webhook_url_check("", "https://hooks.example.org/", &why), -1);
	ck_assert_int_eq(webhook_url_check(NULL, "https://hooks.example.org/", &why), -1);
	ck_assert_int_eq(webhook_url_check("bad:port:x, :1", "https://bad/", &why), -1);
	ck_assert_int_eq(webhook_url_check("http://[::1]:*", "http://[::1]:8080/", &why), 0);
}
END_TEST

START_TEST(signature_is_hmac_sha256_of_t_dot_body)
{
	char sig[WEBHOOK_SIGNATURE_SIZE];
	const char *body = "{\"event\":\"unit.created\"}";
	ck_assert_int_eq(webhook_sign("whsec_test_secret", 1700000000, body, strlen(body), sig), 0);
	ck_assert_str_eq(sig,
	                 "t=1700000000,v1=dcd33cec06273e7ee3a12cf8b371ec7eb9a0df42f7fead50f840b"
	                 "5bd72bb8457");
	char a[WEBHOOK_SECRET_SIZE], b[WEBHOOK_SECRET_SIZE];
	ck_assert_int_eq(webhook_secret_new(a), 0);
	ck_assert_int_eq(webhook_secret_new(b), 0);
	ck_assert_uint_eq(strlen(a), 6 + 64);
	ck_assert_int_eq(strncmp(a, "whsec_", 6), 0);
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(backoff_doubles_caps_and_jitters)
{
	ck_assert_int_eq(webhook_backoff_ms(1, 1000, 60000, 1.0), 1000);
	ck_assert_int_eq(webhook_backoff_ms(1, 1000, 60000, 0.0), 500);
	ck_assert_int_eq(webhook_backoff_ms(2, 1000, 60000, 1.0), 2000);
	ck_assert_int_eq(webhook_backoff_ms(4, 1000, 60000, 1.0), 8000);
	ck_assert_int_eq(webhook_backoff_ms(10, 1000, 60000, 1.0), 60000);
	ck_assert_int_eq(webhook_backoff_ms(1000, 1000, 60000, 0.0), 30000);
	long long d = webhook_backoff_ms(3, 1000, 60000, 0.5);
	ck_assert(d >= 2000 && d <= 4000);
}
END_TEST

Suite *webhook_suite(void)
{
	Suite *s = suite_create("webhook");
	TCase *tc = tcase_create("webhook");
	tcase_add_test(tc, allowed_hosts_admit_exactly_what_they_list);
	tcase_add_test(tc, signature_is_hmac_sha256_of_t_dot_body);
	tcase_add_test(tc, backoff_doubles_caps_and_jitters);
	suite_add_tcase(s, tc);
	return s;
}
