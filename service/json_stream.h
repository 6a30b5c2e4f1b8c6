/* json_stream.h — the objects of a JSON array text, parsed one at a time, so that a large
 * array never becomes one tree in memory. */
#ifndef ZEREN_JSON_STREAM_H
#define ZEREN_JSON_STREAM_H

#include <stddef.h>

#include <jansson.h>

/* Gets each element in turn (borrowed: it is freed after the call). Returns 0 to go on,
 * non-zero to stop reading. */
typedef int (*json_element_fn)(json_t *element, size_t index, void *arg);

/* Parses the array text's elements one by one with json_loadb(flags) and hands each to fn.
 * Returns 0 when the array was read to its closing bracket with only white space after it,
 * or fn stopped it. Returns 1 when the text is something else from some point on — not an
 * array, an element that is not an object, malformed, text after the array: *handled then
 * says how many elements fn has had, and the caller decides with a whole-document parse. */
int json_stream_array(const char *text, size_t len, size_t flags, json_element_fn fn, void *arg,
                      size_t *handled);

#endif
