/* test_encoding.c — service/encoding.c: hex, and base64url both ways with RFC 4648 vectors. */
#include "encoding.h"

#include <check.h>
#include <string.h>

START_TEST(test_hex)
{
	const unsigned char raw[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	char out[ENCODING_HEX_LEN(sizeof(raw))];
	ck_assert_uint_eq(encoding_hex(raw, sizeof(raw), out, sizeof(out)), 12);
	ck_assert_str_eq(out, "00017f80abff");
	ck_assert_uint_eq(encoding_hex(raw, 0, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_hex_only_whole_bytes_fit)
{
	const unsigned char raw[] = {0xde, 0xad, 0xbe, 0xef};
	char out[6];
	ck_assert_uint_eq(encoding_hex(raw, sizeof(raw), out, sizeof(out)), 4);
	ck_assert_str_eq(out, "dead");
	ck_assert_uint_eq(encoding_hex(raw, sizeof(raw), out, 2), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(encoding_hex(raw, sizeof(raw), out, 0), 0);
}
END_TEST

/* RFC 4648 §10, without padding. */
static const char *const vectors[][2] = {
        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
};

START_TEST(test_b64url_vectors)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const char *plain = vectors[i][0], *text = vectors[i][1];
		char enc[16];
		unsigned char dec[16];
		ck_assert_uint_eq(
		        encoding_b64url_encode((const unsigned char *)plain, strlen(plain), enc),
		        strlen(text));
		ck_assert_str_eq(enc, text);
		long n = encoding_b64url_decode(text, strlen(text), dec, sizeof(dec));
		ck_assert_int_eq(n, (long)strlen(plain));
		ck_assert_mem_eq(dec, plain, strlen(plain));
	}
}
END_TEST

START_TEST(test_b64url_url_alphabet)
{
	const unsigned char raw[] = {0xfb, 0xff, 0xbf};
	char enc[8];
	unsigned char dec[3];
	encoding_b64url_encode(raw, sizeof(raw), enc);
	ck_assert_str_eq(enc, "-_-_");
	ck_assert_int_eq(encoding_b64url_decode(enc, 4, dec, sizeof(dec)), 3);
	ck_assert_mem_eq(dec, raw, 3);
	ck_assert_int_eq(encoding_b64url_decode("+/+/", 4, dec, sizeof(dec)), -1);
}
END_TEST

START_TEST(test_b64url_strict)
{
	unsigned char dec[16];
	ck_assert_int_eq(encoding_b64url_decode("Zm9vY", 5, dec, sizeof(dec)), -1); /* length */
	ck_assert_int_eq(encoding_b64url_decode("Zm9=", 4, dec, sizeof(dec)), -1);  /* padding */
	ck_assert_int_eq(encoding_b64url_decode("Zh", 2, dec, sizeof(dec)), -1);    /* bits */
	ck_assert_int_eq(encoding_b64url_decode("Zm8", 3, dec, sizeof(dec)), 2);
	ck_assert_int_eq(encoding_b64url_decode("Zm9", 3, dec, sizeof(dec)), -1); /* bits */
	ck_assert_int_eq(encoding_b64url_decode("Zm-", 3, dec, sizeof(dec)), -1); /* bits */
	ck_assert_int_eq(encoding_b64url_decode("Zm 9", 4, dec, sizeof(dec)), -1);
	ck_assert_int_eq(encoding_b64url_decode("Zm\0v", 4, dec, sizeof(dec)), -1);
	/* only len characters are read */
	ck_assert_int_eq(encoding_b64url_decode("Zm9v!!", 4, dec, sizeof(dec)), 3);
}
END_TEST

START_TEST(test_b64url_cap)
{
	unsigned char dec[3];
	ck_assert_int_eq(encoding_b64url_decode("Zm9vYg", 6, dec, 3), -1);
	ck_assert_int_eq(encoding_b64url_decode("Zm9v", 4, dec, 3), 3);
	ck_assert_int_eq(encoding_b64url_decode("Zm9v", 4, dec, 2), -1);
	ck_assert_int_eq(encoding_b64url_decode("", 0, dec, 0), 0);
}
END_TEST

Suite *encoding_suite(void)
{
	Suite *s = suite_create("encoding");
	TCase *tc = tcase_create("encoding");
	tcase_add_test(tc, test_hex);
	tcase_add_test(tc, test_hex_only_whole_bytes_fit);
	tcase_add_test(tc, test_b64url_vectors);
	tcase_add_test(tc, test_b64url_url_alphabet);
	tcase_add_test(tc, test_b64url_strict);
	tcase_add_test(tc, test_b64url_cap);
	suite_add_tcase(s, tc);
	return s;
}
