/* sheet_util.c — libzip and string surgery on an .xlsx, for tests. */
#include "sheet_util.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

void sheet_save(const char *body, size_t len, char *path)
{
	snprintf(path, PATH_MAX, "/tmp/zeren-sheet-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, body, len), (ssize_t)len);
	close(fd);
}

char *sheet_member(const char *file, const char *member)
{
	int err = 0;
	zip_t *za = zip_open(file, ZIP_RDONLY, &err);
	ck_assert_ptr_nonnull(za);
	zip_stat_t st;
	char *text = NULL;
	if (zip_stat(za, member, 0, &st) == 0) {
		zip_file_t *f = zip_fopen(za, member, 0);
		ck_assert_ptr_nonnull(f);
		text = calloc(1, (size_t)st.size + 1);
		ck_assert_int_eq(zip_fread(f, text, st.size), (zip_int64_t)st.size);
		zip_fclose(f);
	}
	zip_discard(za);
	return text;
}

void sheet_replace(const char *file, const char *member, const char *text)
{
	int err = 0;
	zip_t *za = zip_open(file, 0, &err);
	ck_assert_ptr_nonnull(za);
	char *copy = strdup(text);
	zip_source_t *src = zip_source_buffer(za, copy, strlen(copy), 1);
	ck_assert_ptr_nonnull(src);
	ck_assert_int_ge(zip_file_add(za, member, src, ZIP_FL_OVERWRITE), 0);
	ck_assert_int_eq(zip_close(za), 0);
}

char *sheet_read(const char *file, size_t *len)
{
	FILE *f = fopen(file, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The cell element of ref: its start and end (one past it). */
static void sheet_cell_span(const char *xml, const char *ref, const char **start, const char **end)
{
	char open[32];
	snprintf(open, sizeof(open), "<c r=\"%s\"", ref);
	*start = strstr(xml, open);
	ck_assert_msg(*start != NULL, "no cell %s", ref);
	const char *close = strchr(*start, '>');
	if (close[-1] == '/') {
		*end = close + 1;
	} else {
		*end = strstr(*start, "</c>");
		ck_assert_ptr_nonnull(*end);
		*end += 4;
	}
}

void sheet_fill(char **xml, const char *ref, const char *text, int number)
{
	const char *start, *end;
	sheet_cell_span(*xml, ref, &start, &end);
	/* keep the cell's style attribute */
	char style[32] = "";
	const char *s = strstr(start, " s=\"");
	if (s != NULL && s < end)
		snprintf(style, sizeof(style), " s=\"%.*s\"", (int)strcspn(s + 4, "\""), s + 4);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	fprintf(f, "%.*s", (int)(start - *xml), *xml);
	if (number)
		fprintf(f, "<c r=\"%s\"%s><v>%s</v></c>", ref, style, text);
	else
		fprintf(f, "<c r=\"%s\"%s t=\"inlineStr\"><is><t>%s</t></is></c>", ref, style,
		        text);
	fputs(end, f);
	fclose(f);
	free(*xml);
	*xml = out;
}

const char *sheet_value(const char *xml, const char *ref, char *out, size_t len)
{
	const char *start, *end;
	sheet_cell_span(xml, ref, &start, &end);
	const char *v = strstr(start, "<v>");
	out[0] = '\0';
	if (v != NULL && v < end)
		snprintf(out, len, "%.*s", (int)strcspn(v + 3, "<"), v + 3);
	return out;
}
