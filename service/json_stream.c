/* json_stream.c — a small scanner for the array's punctuation; jansson parses each element
 * (JSON_DISABLE_EOF_CHECK stops it after the element's closing brace and reports how far it
 * read). Anything the scanner does not expect is left to a whole-document parse, so errors
 * read exactly as they would without streaming. */
#include "json_stream.h"

static size_t json_stream_space(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

int json_stream_array(const char *text, size_t len, size_t flags, json_element_fn fn, void *arg,
                      size_t *handled)
{
	*handled = 0;
	size_t i = json_stream_space(text, len, 0);
	if (i == len || text[i] != '[')
		return 1;
	i = json_stream_space(text, len, i + 1);
	if (i < len && text[i] == ']')
		return json_stream_space(text, len, i + 1) == len ? 0 : 1;
	for (;;) {
		if (i == len || text[i] != '{')
			return 1;
		json_error_t err;
		json_t *element =
		        json_loadb(text + i, len - i, flags | JSON_DISABLE_EOF_CHECK, &err);
		if (element == NULL || err.position <= 0) {
			json_decref(element);
			return 1;
		}
		i += (size_t)err.position;
		int stop = fn(element, (*handled)++, arg);
		json_decref(element);
		if (stop)
			return 0;
		i = json_stream_space(text, len, i);
		if (i < len && text[i] == ',') {
			i = json_stream_space(text, len, i + 1);
			continue;
		}
		if (i < len && text[i] == ']' && json_stream_space(text, len, i + 1) == len)
			return 0;
		return 1;
	}
}
