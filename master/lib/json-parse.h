/*
 * json-parse.h - JSON read with jansson (RFC 8259) into a tree of values.
 *
 *	struct jv *root = jv_parse(buf, len, "results.json", &cause);
 *	const char *name = jv_str(jv_get(root, "name"));
 *	jv_free(root);
 *
 * Strings are UTF-8 (\u escapes decoded, surrogate pairs joined; a lone
 * surrogate or an invalid byte becomes U+FFFD) and NUL-terminated; a
 * string holding \u0000 keeps its full length in len.  Numbers are
 * doubles (integers too: 2^64 reads as 1.8e19); one past a double's range
 * is an error.  A key given twice in an object keeps its first place and
 * its last value: the object has one member of that name.  Nesting deeper
 * than JV_MAX_DEPTH and input larger than JV_MAX_BYTES are refused before
 * jansson reads anything.  Errors say where, with jansson's words:
 * "NAME:LINE:COL: ':' expected near '2'".
 */
#ifndef DIST_JSON_PARSE_H
#define DIST_JSON_PARSE_H

#include <stddef.h>

#define JV_MAX_DEPTH	64
#define JV_MAX_BYTES	((size_t)128 << 20)

enum jv_type { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

struct jv {
	enum jv_type	 type;
	int		 boolean;	/* JV_BOOL */
	double		 number;	/* JV_NUMBER */
	char		*str;		/* JV_STRING, NUL-terminated */
	size_t		 len;		/* JV_STRING: bytes in str */
	size_t		 n;		/* JV_ARRAY, JV_OBJECT: members */
	struct jv	*v;		/* the n values */
	char		**k;		/* JV_OBJECT: the n keys */
};

/* One value filling the whole buffer (whitespace around it allowed).
 * name (may be NULL) starts error messages.  NULL with *cause on error. */
struct jv	*jv_parse(const char *buf, size_t len, const char *name,
		    char **cause);
/* Several values one after the other ("{..}\n{..}", "1 2"), as a JSON
 * array of them.  An empty or all-blank buffer gives an empty array. */
struct jv	*jv_parse_multi(const char *buf, size_t len, const char *name,
		    char **cause);
void		 jv_free(struct jv *);

/* Look-ups; each accepts NULL and returns NULL/-1 on the wrong type. */
const struct jv	*jv_get(const struct jv *obj, const char *key);
const char	*jv_str(const struct jv *);
int		 jv_num(const struct jv *, double *);
int		 jv_is(const struct jv *, enum jv_type);

#endif
