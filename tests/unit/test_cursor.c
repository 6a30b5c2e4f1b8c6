/* test_cursor.c — service/cursor.c: round trips, kind and arity checks, strict decoding. */
#include "cursor.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Cursor text for arbitrary bytes, so tests can build cursors the encoder never would. */
static void b64(const char *plain, char *out)
{
	cursor_b64_encode((const unsigned char *)plain, strlen(plain), out);
}

static void assert_alphabet(const char *text)
{
	ck_assert_uint_gt(strlen(text), 0);
	ck_assert_uint_lt(strlen(text), CURSOR_TEXT_MAX);
	for (const char *c = text; *c != '\0'; c++)
		ck_assert_msg(strchr(b64url, *c) != NULL, "cursor \"%s\" has '%c'", text, *c);
}

static void assert_round_trip(const char *kind, const long long *keys, int nkeys)
{
	char text[CURSOR_TEXT_MAX];
	long long got[CURSOR_MAX_KEYS] = {0};

	memset(text, '#', sizeof(text));
	cursor_encode(kind, keys, nkeys, text);
	ck_assert_ptr_nonnull(memchr(text, '\0', sizeof(text)));
	assert_alphabet(text);
	ck_assert_msg(cursor_decode(text, kind, got, nkeys) == 0,
	              "kind %s, %d keys starting %lld: \"%s\" refused", kind, nkeys, keys[0], text);
	for (int i = 0; i < nkeys; i++)
		ck_assert_msg(got[i] == keys[i], "kind %s key %d: got %lld, want %lld", kind, i,
		              got[i], keys[i]);
}

START_TEST(test_round_trip)
{
	static const long long values[] = {
	        0, 1, -1, 42, -987654321, INT64_MAX, INT64_MIN + 1, 1700000000123LL};
	static const char *const kinds[] = {"tasks", "measures", "progress"};
	const size_t nv = sizeof(values) / sizeof(values[0]);

	for (size_t k = 0; k < 3; k++) {
		for (int nkeys = 1; nkeys <= CURSOR_MAX_KEYS; nkeys++) {
			for (size_t v = 0; v < nv; v++) {
				long long keys[CURSOR_MAX_KEYS];
				for (int i = 0; i < nkeys; i++)
					keys[i] = values[(v + (size_t)i * 3) % nv];
				assert_round_trip(kinds[k], keys, nkeys);
			}
		}
	}
}
END_TEST

/* The widest keys: every slot at the extremes, for every kind the service lists. */
START_TEST(test_round_trip_extremes)
{
	static const char *const kinds[] = {"tasks", "measures", "progress", "units"};
	const long long max3[] = {INT64_MAX, INT64_MAX, INT64_MAX};
	const long long min3[] = {INT64_MIN + 1, INT64_MIN + 1, INT64_MIN + 1};
	const long long mix3[] = {INT64_MIN + 1, 0, INT64_MAX};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		assert_round_trip(kinds[k], max3, 3);
		assert_round_trip(kinds[k], min3, 3);
		assert_round_trip(kinds[k], mix3, 3);
	}
}
END_TEST

START_TEST(test_other_kind_refused)
{
	char text[CURSOR_TEXT_MAX];
	long long keys[2] = {17, 3}, got[2];

	cursor_encode("measures", keys, 2, text);
	ck_assert_int_eq(cursor_decode(text, "measures", got, 2), 0);
	ck_assert_int_eq(cursor_decode(text, "tasks", got, 2), -1);
	ck_assert_int_eq(cursor_decode(text, "measure", got, 2), -1); /* a prefix of the kind */
	ck_assert_int_eq(cursor_decode(text, "measuresx", got, 2), -1);
	ck_assert_int_eq(cursor_decode(text, "", got, 2), -1);
}
END_TEST

START_TEST(test_wrong_key_count_refused)
{
	char text[CURSOR_TEXT_MAX];
	long long keys[3] = {5, 6, 7}, got[3];

	cursor_encode("tasks", keys, 2, text);
	ck_assert_int_eq(cursor_decode(text, "tasks", got, 2), 0);
	ck_assert_int_eq(cursor_decode(text, "tasks", got, 1), -1);
	ck_assert_int_eq(cursor_decode(text, "tasks", got, 3), -1);
	cursor_encode("tasks", keys, 1, text);
	ck_assert_int_eq(cursor_decode(text, "tasks", got, 2), -1);
}
END_TEST

START_TEST(test_tampered_refused)
{
	char text[CURSOR_TEXT_MAX], bad[CURSOR_TEXT_MAX];
	long long keys[2] = {123456, 789}, got[2];

	cursor_encode("measures", keys, 2, text);
	size_t n = strlen(text);
	/* One character changed in the version/kind part, at several places. */
	for (size_t pos = 0; pos < 12 && pos < n; pos++) {
		strcpy(bad, text);
		bad[pos] = bad[pos] == 'A' ? 'B' : 'A';
		ck_assert_msg(cursor_decode(bad, "measures", got, 2) == -1,
		              "\"%s\" (position %zu changed) accepted", bad, pos);
	}
}
END_TEST

START_TEST(test_truncated_and_padded_refused)
{
	char text[CURSOR_TEXT_MAX], bad[CURSOR_TEXT_MAX + 8];
	long long keys[1] = {99}, got[1];

	cursor_encode("tasks", keys, 1, text);
	size_t n = strlen(text);
	for (size_t cut = 0; cut < n; cut++) {
		memcpy(bad, text, cut);
		bad[cut] = '\0';
		ck_assert_msg(cursor_decode(bad, "tasks", got, 1) == -1, "\"%s\" accepted", bad);
	}
	snprintf(bad, sizeof(bad), "%s=", text);
	ck_assert_int_eq(cursor_decode(bad, "tasks", got, 1), -1);
	snprintf(bad, sizeof(bad), "%s==", text);
	ck_assert_int_eq(cursor_decode(bad, "tasks", got, 1), -1);
	snprintf(bad, sizeof(bad), "%sA", text);
	ck_assert_int_eq(cursor_decode(bad, "tasks", got, 1), -1);
	snprintf(bad, sizeof(bad), "%sAAAA", text); /* zero bits past the end */
	ck_assert_int_eq(cursor_decode(bad, "tasks", got, 1), -1);
}
END_TEST

/*
 * The header promises that tampered and truncated cursors are refused. Digits are only a few
 * bits apart, so this needs an integrity check in the encoding, not just strict parsing.
 */
START_TEST(test_single_edits_and_cuts_refused)
{
	char text[CURSOR_TEXT_MAX], bad[CURSOR_TEXT_MAX];
	long long keys[1] = {123}, got[1];

	cursor_encode("tasks", keys, 1, text);
	size_t n = strlen(text);
	for (size_t cut = 1; cut < n; cut++) {
		memcpy(bad, text, cut);
		bad[cut] = '\0';
		ck_assert_msg(cursor_decode(bad, "tasks", got, 1) == -1,
		              "\"%s\" (cursor for 123 cut to %zu chars) accepted as %lld", bad, cut,
		              got[0]);
	}
	for (size_t pos = 0; pos < n; pos++) {
		for (const char *c = b64url; *c != '\0'; c++) {
			if (*c == text[pos])
				continue;
			strcpy(bad, text);
			bad[pos] = *c;
			ck_assert_msg(
			        cursor_decode(bad, "tasks", got, 1) == -1,
			        "\"%s\" (cursor for 123, position %zu changed) accepted as %lld",
			        bad, pos, got[0]);
		}
	}
}
END_TEST

START_TEST(test_non_alphabet_refused)
{
	char text[CURSOR_TEXT_MAX], bad[CURSOR_TEXT_MAX];
	long long keys[1] = {7}, got[1];
	const char odd[] = {'+', '/', '=', '.', ' ', '%', '\n', '~', '\x80'};

	cursor_encode("units", keys, 1, text);
	for (size_t i = 0; i < sizeof(odd); i++) {
		for (size_t pos = 0; pos < strlen(text); pos += 3) {
			strcpy(bad, text);
			bad[pos] = odd[i];
			ck_assert_msg(cursor_decode(bad, "units", got, 1) == -1,
			              "char 0x%02x at %zu accepted", (unsigned char)odd[i], pos);
		}
	}
}
END_TEST

START_TEST(test_degenerate_inputs_refused)
{
	long long got[3];
	char big[4096];

	ck_assert_int_eq(cursor_decode(NULL, "tasks", got, 1), -1);
	ck_assert_int_eq(cursor_decode("", "tasks", got, 1), -1);
	ck_assert_int_eq(cursor_decode("A", "tasks", got, 1), -1);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(cursor_decode(big, "tasks", got, 1), -1);
	/* A long cursor made of a valid prefix plus many digits overflows nothing. */
	char plain[256], enc[512];
	snprintf(plain, sizeof(plain), "z1.tasks.%0120d", 1);
	b64(plain, enc);
	ck_assert_int_eq(cursor_decode(enc, "tasks", got, 1), -1);
}
END_TEST

START_TEST(test_non_canonical_bits_refused)
{
	char text[CURSOR_TEXT_MAX], bad[CURSOR_TEXT_MAX];
	long long keys[1] = {1}, got[1];

	/* Find an encoding whose length leaves spare bits in the last character. */
	for (long long k = 1; k < 1000; k++) {
		keys[0] = k;
		cursor_encode("tasks", keys, 1, text);
		if (strlen(text) % 4 != 0)
			break;
	}
	size_t n = strlen(text);
	ck_assert_uint_ne(n % 4, 0);
	ck_assert_int_eq(cursor_decode(text, "tasks", got, 1), 0);
	/* Setting the lowest bit of the last character changes only the unused bits. */
	const char *at = strchr(b64url, text[n - 1]);
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq((at - b64url) & 1, 0);
	strcpy(bad, text);
	bad[n - 1] = b64url[(at - b64url) | 1];
	ck_assert_msg(cursor_decode(bad, "tasks", got, 1) == -1, "\"%s\" accepted", bad);
}
END_TEST

/* Numbers the encoder never writes: leading zeros and a negative zero. */
START_TEST(test_non_canonical_numbers_refused)
{
	static const char *const bad[] = {"z1.tasks.07", "z1.tasks.00", "z1.tasks.-0",
	                                  "z1.tasks.-05", "z1.tasks.1.007"};
	static const int nkeys[] = {1, 1, 1, 1, 2};
	char enc[256];
	long long got[2];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b64(bad[i], enc);
		ck_assert_msg(cursor_decode(enc, "tasks", got, nkeys[i]) == -1,
		              "\"%s\" accepted as %lld", bad[i], got[0]);
	}
}
END_TEST

START_TEST(test_hand_made_plain_text)
{
	char enc[256];
	long long got[2];

	/* Without its check, even a well-formed body is refused. */
	b64("z1.tasks.5", enc);
	ck_assert_int_eq(cursor_decode(enc, "tasks", got, 1), -1);
	/* Shapes the encoder never makes. */
	static const char *const bad[] = {
	        "z2.tasks.5",
	        "z1.tasks.",
	        "z1.tasks.5.",
	        "z1.tasks.-",
	        "z1.tasks.+5",
	        "z1.tasks. 5",
	        "z1.tasks.5x",
	        "z1.tasks..5",
	        "z1.tasks.9223372036854775808",
	        "z1.tasks.99999999999999999999",
	        "Z1.tasks.5",
	        "z1.tasks",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b64(bad[i], enc);
		ck_assert_msg(cursor_decode(enc, "tasks", got, 1) == -1, "\"%s\" accepted", bad[i]);
	}
}
END_TEST

/* The tag is a MAC under the server's key: a cursor from an instance with another key, or one
 * whose tag was computed without the key (the old FNV checksum), is refused. */
START_TEST(test_other_key_refused)
{
	const long long keys[] = {42, 7};
	long long got[2];
	char text[CURSOR_TEXT_MAX], enc[256];

	cursor_key_derive("first secret, at least thirty-two bytes long");
	cursor_encode("tasks", keys, 2, text);
	ck_assert_int_eq(cursor_decode(text, "tasks", got, 2), 0);
	cursor_key_derive("second secret, at least thirty-two bytes long");
	ck_assert_int_eq(cursor_decode(text, "tasks", got, 2), -1);
	cursor_key_derive("first secret, at least thirty-two bytes long");
	ck_assert_int_eq(cursor_decode(text, "tasks", got, 2), 0);
	/* an unkeyed checksum of the same text: what anyone could compute */
	b64("z1.tasks.42.7.1f2e3d4c", enc);
	ck_assert_int_eq(cursor_decode(enc, "tasks", got, 2), -1);
}
END_TEST

Suite *cursor_suite(void)
{
	Suite *s = suite_create("cursor");
	TCase *tc = tcase_create("cursor");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_round_trip_extremes);
	tcase_add_test(tc, test_other_kind_refused);
	tcase_add_test(tc, test_wrong_key_count_refused);
	tcase_add_test(tc, test_tampered_refused);
	tcase_add_test(tc, test_truncated_and_padded_refused);
	tcase_add_test(tc, test_single_edits_and_cuts_refused);
	tcase_add_test(tc, test_non_alphabet_refused);
	tcase_add_test(tc, test_degenerate_inputs_refused);
	tcase_add_test(tc, test_non_canonical_bits_refused);
	tcase_add_test(tc, test_non_canonical_numbers_refused);
	tcase_add_test(tc, test_hand_made_plain_text);
	tcase_add_test(tc, test_other_key_refused);
	suite_add_tcase(s, tc);
	return s;
}
