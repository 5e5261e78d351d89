/*
 * json.h - a small streaming JSON writer into a strbuf.
 *
 *	struct json j; json_init(&j, &sb, 1);
 *	json_obj_open(&j, NULL);
 *	json_str(&j, "name", "x"); json_int(&j, "n", 3);
 *	json_arr_open(&j, "list"); json_str(&j, NULL, "a"); json_arr_close(&j);
 *	json_obj_close(&j);
 *
 * Keys are given inside objects and NULL inside arrays.  Strings are
 * escaped (control characters as \u00XX, invalid UTF-8 bytes as U+FFFD).
 */
#ifndef DIST_JSON_H
#define DIST_JSON_H

#include <stdint.h>

#include "util.h"

#define JSON_MAX_DEPTH 32

struct json {
	struct strbuf	*sb;
	int		 pretty;
	int		 depth;
	int		 count[JSON_MAX_DEPTH];
};

void	json_init(struct json *, struct strbuf *, int pretty);
void	json_obj_open(struct json *, const char *key);
void	json_obj_close(struct json *);
void	json_arr_open(struct json *, const char *key);
void	json_arr_close(struct json *);
void	json_str(struct json *, const char *key, const char *value); /* NULL -> null */
void	json_int(struct json *, const char *key, int64_t);
void	json_uint(struct json *, const char *key, uint64_t);
void	json_double(struct json *, const char *key, double);
void	json_bool(struct json *, const char *key, int);
void	json_null(struct json *, const char *key);
/* Append s as a quoted, escaped JSON string. */
void	json_quote(struct strbuf *, const char *s);

#endif
