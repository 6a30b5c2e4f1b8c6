/* doc_zip.c — libzip over a memory buffer, with entry-size and expansion-ratio limits. */
#include "document/doc_zip.h"

#include <stdlib.h>
#include <zip.h>

struct doc_zip {
	zip_t *za;
	size_t len; /* bytes of the whole archive: no entry has more compressed data than that */
};

enum doc_error doc_zip_open(const void *bytes, size_t len, struct doc_zip **out)
{
	*out = NULL;
	if (len < 4 || ((const unsigned char *)bytes)[0] != 'P' ||
	    ((const unsigned char *)bytes)[1] != 'K')
		return DOC_FORMAT;
	zip_error_t err;
	zip_error_init(&err);
	zip_source_t *src = zip_source_buffer_create(bytes, len, 0, &err);
	if (src == NULL) {
		zip_error_fini(&err);
		return DOC_NOMEM;
	}
	zip_t *za = zip_open_from_source(src, ZIP_RDONLY, &err);
	zip_error_fini(&err);
	if (za == NULL) {
		zip_source_free(src);
		return DOC_FORMAT;
	}
	struct doc_zip *z = malloc(sizeof(*z));
	if (z == NULL) {
		zip_discard(za);
		return DOC_NOMEM;
	}
	z->za = za;
	z->len = len;
	*out = z;
	return DOC_OK;
}

void doc_zip_close(struct doc_zip *z)
{
	if (z == NULL)
		return;
	zip_discard(z->za);
	free(z);
}

int doc_zip_has(struct doc_zip *z, const char *name)
{
	return zip_name_locate(z->za, name, 0) >= 0;
}

/* The most an entry may expand to: DOC_MAX_ENTRY, and once over 1 MiB DOC_MAX_RATIO times its
 * compressed bytes. The headers' compressed size is only a claim, so it counts for no more
 * than the archive holds (a bomb that claims a hundred times its real size is still one). */
static zip_uint64_t expand_limit(const struct doc_zip *z, const zip_stat_t *st)
{
	zip_uint64_t comp = st->valid & ZIP_STAT_COMP_SIZE ? st->comp_size : 0;
	if (comp > z->len)
		comp = z->len;
	zip_uint64_t limit =
	        comp > DOC_MAX_ENTRY / DOC_MAX_RATIO ? DOC_MAX_ENTRY : comp * DOC_MAX_RATIO;
	return limit < 1024 * 1024 ? 1024 * 1024 : limit;
}

enum doc_error doc_zip_read(struct doc_zip *z, const char *name, char **out, size_t *out_len)
{
	*out = NULL;
	zip_stat_t st;
	zip_stat_init(&st);
	if (zip_stat(z->za, name, 0, &st) != 0)
		return DOC_FORMAT;
	if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
		return DOC_ENCRYPTED;
	zip_uint64_t limit = expand_limit(z, &st);
	if (!(st.valid & ZIP_STAT_SIZE) || st.size > limit)
		return DOC_TOO_LARGE;
	zip_file_t *f = zip_fopen(z->za, name, 0);
	if (f == NULL)
		return DOC_FORMAT;
	/* Read one byte more than claimed, so an entry larger than its header says is caught. */
	size_t cap = (size_t)st.size + 1;
	char *buf = malloc(cap + 1);
	enum doc_error e = buf == NULL ? DOC_NOMEM : DOC_OK;
	size_t got = 0;
	while (e == DOC_OK && got < cap) {
		zip_int64_t n = zip_fread(f, buf + got, cap - got);
		if (n < 0)
			e = DOC_FORMAT;
		else if (n == 0)
			break;
		else
			got += (size_t)n;
	}
	zip_fclose(f);
	if (e == DOC_OK && got != st.size)
		e = DOC_TOO_LARGE;
	if (e != DOC_OK) {
		free(buf);
		return e;
	}
	buf[got] = '\0';
	*out = buf;
	*out_len = got;
	return DOC_OK;
}
