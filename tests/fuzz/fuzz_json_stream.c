/* fuzz_json_stream.c — json_stream_array on any text. When it says it read an array of objects
 * to its end, one parse of the whole document must agree element by element: the batch trusts
 * the stream and parses the document only when the stream gives up. */
#include "fuzz.h"
#include "json_stream.h"

struct collected {
	json_t *elements;
	size_t stop_at;
};

static int on_element(json_t *element, size_t index, void *arg)
{
	struct collected *c = arg;
	FUZZ_CHECK(json_is_object(element));
	FUZZ_CHECK(index == json_array_size(c->elements));
	json_array_append(c->elements, element);
	return json_array_size(c->elements) == c->stop_at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct collected c = {json_array(), 0};
	size_t handled = 0;
	int rc = json_stream_array(text, size, JSON_REJECT_DUPLICATES, on_element, &c, &handled);
	FUZZ_CHECK(handled == json_array_size(c.elements));
	if (rc == 0) {
		json_error_t err;
		json_t *doc = json_loadb(text, size, JSON_REJECT_DUPLICATES, &err);
		FUZZ_CHECK(doc != NULL);
		FUZZ_CHECK(json_equal(doc, c.elements));
		json_decref(doc);
	}
	json_decref(c.elements);
	/* stopped after the first element */
	struct collected one = {json_array(), 1};
	rc = json_stream_array(text, size, 0, on_element, &one, &handled);
	FUZZ_CHECK(json_array_size(one.elements) <= 1);
	json_decref(one.elements);
	return 0;
}
