/*
 * json.h - JSON written with jansson, through a small streaming interface.
 *
 *	struct json j; json_init(&j, &sb, 1);
 *	json_obj_open(&j, NULL);
 *	json_str(&j, "name", "x"); json_int(&j, "n", 3);
 *	json_arr_open(&j, "list"); json_str(&j, NULL, "a"); json_arr_close(&j);
 *	json_obj_close(&j);
 *
 * Keys are given inside objects and NULL inside arrays; members keep the
 * order they are written in.  jansson escapes and formats: pretty output
 * is indented by 2 and ends with a newline, reals have 12 significant
 * digits (always with a '.' or an exponent: 2 is written 2.0), NaN and
 * infinities are null.  Text that is not valid UTF-8 (from workers) has
 * each bad byte replaced by U+FFFD first.
 *
 * The document goes out as it is written, never as one tree: the outer
 * value and its direct members (such as run.json's "jobs" array) are
 * written straight into sb, and each value below them (one job) is built
 * as a jansson tree and dumped into sb when it is closed.  Close what you
 * open: a value left open is never written (nor freed).
 */
#ifndef DIST_JSON_H
#define DIST_JSON_H

#include <stdint.h>

#include "lib/util.h"

#define JSON_MAX_DEPTH 32

struct json_t;		/* jansson's value */

struct json {
	struct strbuf	*sb;
	int		 pretty;
	int		 depth;			/* open containers */
	int		 lost;			/* opened past JSON_MAX_DEPTH */
	struct json_t	*tree[JSON_MAX_DEPTH];	/* NULL: written as it goes */
	int		 count[JSON_MAX_DEPTH];	/* members written so far */
	char		 object[JSON_MAX_DEPTH];
};

void	json_init(struct json *, struct strbuf *, int pretty);
void	json_obj_open(struct json *, const char *key);
void	json_obj_close(struct json *);
void	json_arr_open(struct json *, const char *key);
void	json_arr_close(struct json *);
void	json_str(struct json *, const char *key, const char *value); /* NULL -> null */
void	json_int(struct json *, const char *key, int64_t);
void	json_uint(struct json *, const char *key, uint64_t);	/* past 2^63: a real */
void	json_double(struct json *, const char *key, double);
void	json_bool(struct json *, const char *key, int);
/* jansson owns the symbol json_null(): ours is jw_null() under this name. */
void	jw_null(struct json *, const char *key);
#define json_null(j, key)	jw_null(j, key)
/* Append s as a quoted, escaped JSON string. */
void	json_quote(struct strbuf *, const char *s);

#endif
