/* test_document.h — shared by the document tests: finding files and reading them whole. */
#ifndef ZEREN_TEST_DOCUMENT_H
#define ZEREN_TEST_DOCUMENT_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The source root: the first of ".", "..", "../.." holding db/seed/yunfu-gdjg.json. */
static inline const char *doc_test_root(void)
{
	static const char *const roots[] = {".", "..", "../.."};
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		char p[512];
		struct stat st;
		snprintf(p, sizeof(p), "%s/db/seed/yunfu-gdjg.json", roots[i]);
		if (stat(p, &st) == 0)
			return roots[i];
	}
	ck_abort_msg("source root not found (no db/seed/yunfu-gdjg.json above the working "
	             "directory)");
	return NULL;
}

/* Path of rel under the source root (rel may start with ../shared) in a static buffer. */
static inline const char *doc_test_path(const char *rel)
{
	static char p[1024];
	snprintf(p, sizeof(p), "%s/%s", doc_test_root(), rel);
	return p;
}

/* The whole file at path; fails the test when it is missing. Caller frees. */
static inline char *doc_test_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "missing test file %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#endif
