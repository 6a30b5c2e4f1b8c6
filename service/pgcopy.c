/* pgcopy.c — COPY text format: a backslash, tab, newline or carriage return inside a field is
 * escaped so that text from a client can never end a field or a row early. */
#include "pgcopy.h"

#include <string.h>

void pgcopy_field(FILE *out, const char *s, int last)
{
	if (s == NULL) {
		fputs("\\N", out);
	} else {
		for (;;) {
			size_t plain = strcspn(s, "\\\t\n\r");
			fwrite(s, 1, plain, out);
			s += plain;
			if (*s == '\0')
				break;
			fputc('\\', out);
			fputc(*s == '\\' ? '\\' : *s == '\t' ? 't' : *s == '\n' ? 'n' : 'r', out);
			s++;
		}
	}
	fputc(last ? '\n' : '\t', out);
}

void pgcopy_int(FILE *out, long long v, int last)
{
	fprintf(out, "%lld%c", v, last ? '\n' : '\t');
}
