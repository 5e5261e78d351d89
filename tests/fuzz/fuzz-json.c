/*
 * fuzz-json.c - libFuzzer target for the JSON reader (make fuzz):
 * jv_parse() and jv_parse_multi() over any bytes give a value or an
 * error, never both nor neither; a value read is written back through
 * json.h (pretty or compact) and what is written must read again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json-parse.h"
#include "lib/json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
rewrite(struct json *j, const struct jv *v, const char *key)
{
	size_t i;

	switch (v->type) {
	case JV_NULL:
		json_null(j, key);
		break;
	case JV_BOOL:
		json_bool(j, key, v->boolean);
		break;
	case JV_NUMBER:
		json_double(j, key, v->number);
		break;
	case JV_STRING:
		json_str(j, key, v->str);
		break;
	case JV_ARRAY:
		json_arr_open(j, key);
		for (i = 0; i < v->n; i++)
			rewrite(j, &v->v[i], NULL);
		json_arr_close(j);
		break;
	case JV_OBJECT:
		json_obj_open(j, key);
		for (i = 0; i < v->n; i++)
			rewrite(j, &v->v[i], v->k[i]);
		json_obj_close(j);
		break;
	}
}

static void
write_back(const struct jv *v, int pretty)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	char *cause = NULL;
	struct jv *back;

	json_init(&j, &sb, pretty);
	rewrite(&j, v, NULL);
	if ((back = jv_parse(sb.buf, sb.len, "back", &cause)) == NULL)
		abort();
	jv_free(back);
	free(cause);
	sb_release(&sb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *cause = NULL, *buf = malloc(size ? size : 1);
	struct jv *v;

	memcpy(buf, data, size);	/* exactly size bytes, for ASan */
	v = jv_parse(buf, size, "f", &cause);
	if ((v == NULL) == (cause == NULL))
		abort();
	if (v != NULL && (v->type == JV_OBJECT || v->type == JV_ARRAY))
		write_back(v, (int)(size % 2));
	jv_free(v);
	free(cause);
	cause = NULL;
	v = jv_parse_multi(buf, size, "m", &cause);
	if ((v == NULL) == (cause == NULL))
		abort();
	jv_free(v);
	free(cause);
	free(buf);
	return 0;
}
