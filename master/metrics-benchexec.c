/*
 * metrics-benchexec.c - rows and verdict counts from BenchExec result
 * files (<result><run name=..><column title=.. value=../></run></result>),
 * parsed safely: no network, no DTD, no entity declarations.
 */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "metrics.h"

struct bx_parse {
	char	*error;
	int	 line;
};

struct bx_doc {
	const char	*path;
	xmlDocPtr	 doc;
	char		*rundef;	/* run definition name, "" if none */
};

struct bx_run {
	double		 cputime, walltime, memory;	/* NAN: absent */
	char		*category;
};

static pthread_once_t bx_once = PTHREAD_ONCE_INIT;

static void
bx_init(void)
{
	xmlInitParser();
}

static void
bx_record(void *data, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = data;
	struct bx_parse *st = ctxt->_private;
	size_t n;

	if (e == NULL || e->level < XML_ERR_ERROR || st->error != NULL)
		return;
	st->error = xstrdup(e->message != NULL ? e->message : "malformed XML");
	n = strlen(st->error);
	while (n > 0 && (st->error[n - 1] == '\n' || st->error[n - 1] == ' '))
		st->error[--n] = '\0';
	st->line = e->line;
}

static void
bx_silent(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* Result files declare no entities: any declaration stops the parse. */
static void
bx_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *pubid,
    const xmlChar *sysid, xmlChar *content)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct bx_parse *st = ctxt->_private;

	(void)type;
	(void)pubid;
	(void)sysid;
	(void)content;
	if (st->error == NULL) {
		st->error = xasprintf("entity declaration '%s' is not allowed",
		    (const char *)name);
		st->line = xmlSAX2GetLineNumber(ctx);
	}
	xmlStopParser(ctxt);
}

static void
bx_unparsed_decl(void *ctx, const xmlChar *name, const xmlChar *pubid,
    const xmlChar *sysid, const xmlChar *notation)
{
	(void)notation;
	bx_entity_decl(ctx, name, XML_EXTERNAL_GENERAL_UNPARSED_ENTITY, pubid,
	    sysid, NULL);
}

static xmlDocPtr
bx_parse_mem(const char *path, const char *data, size_t len, char **cause)
{
	struct bx_parse st = { NULL, 0 };
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc = NULL;

	pthread_once(&bx_once, bx_init);
	if (len > INT_MAX) {
		set_cause(cause, "%s: too large", path);
		return NULL;
	}
	if ((ctxt = xmlNewParserCtxt()) == NULL) {
		set_cause(cause, "%s: cannot create an XML parser", path);
		return NULL;
	}
	ctxt->_private = &st;
	ctxt->sax->serror = bx_record;
	ctxt->sax->error = bx_silent;
	ctxt->sax->warning = bx_silent;
	ctxt->sax->fatalError = bx_silent;
	ctxt->sax->entityDecl = bx_entity_decl;
	ctxt->sax->unparsedEntityDecl = bx_unparsed_decl;
	ctxt->vctxt.error = bx_silent;
	ctxt->vctxt.warning = bx_silent;
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, path, NULL,
	    XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	if (doc != NULL && (st.error != NULL || !ctxt->wellFormed)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (doc == NULL)
		set_cause(cause, "%s:%d: %s", path, st.line, st.error != NULL ?
		    st.error : "malformed XML");
	free(st.error);
	xmlFreeParserCtxt(ctxt);
	return doc;
}

static int
bx_is(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

static char *
bx_attr(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (v == NULL)
		return NULL;
	s = xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

/* The run definition: <result name="RUNDEF.BLOCK" block="BLOCK"> in a
 * task-set file, name="RUNDEF" in the run definition's own file. */
static char *
bx_rundef(const xmlNode *root)
{
	char *name = bx_attr(root, "name"), *block = bx_attr(root, "block");
	size_t n, b;

	if (name == NULL)
		name = xstrdup("");
	if (block != NULL) {
		n = strlen(name);
		b = strlen(block);
		if (n == b && strcmp(name, block) == 0)
			name[0] = '\0';
		else if (n > b && name[n - b - 1] == '.' &&
		    strcmp(name + n - b, block) == 0)
			name[n - b - 1] = '\0';
	}
	free(block);
	return name;
}

static int
bx_load(struct metric_table *t, const char *path, struct bx_doc *d)
{
	char *data = NULL, *cause = NULL;
	xmlNodePtr root;
	size_t len;

	d->path = path;
	if (metrics_load_file(path, &data, &len, &cause) == -1 ||
	    (d->doc = bx_parse_mem(path, data, len, &cause)) == NULL) {
		metrics_warn(t, "%s", cause);
		free(cause);
		free(data);
		return -1;
	}
	free(data);
	root = xmlDocGetRootElement(d->doc);
	if (!bx_is(root, "result")) {
		metrics_warn(t, "%s: not a BenchExec result file (root "
		    "element <%s>)", path, root != NULL ?
		    (const char *)root->name : "");
		xmlFreeDoc(d->doc);
		d->doc = NULL;
		return -1;
	}
	d->rundef = bx_rundef(root);
	return 0;
}

/* "1.23s" -> 1.23 with unit "s"; a bare number is accepted too. */
static double
bx_number(const char *s, const char *unit)
{
	char *end;
	double v;

	if (s == NULL)
		return NAN;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || (*end != '\0' && strcmp(end, unit) != 0))
		return NAN;
	return v;
}

static void
bx_columns(const xmlNode *run, struct bx_run *r)
{
	const xmlNode *c;
	char *title, *value;

	r->cputime = r->walltime = r->memory = NAN;
	r->category = NULL;
	for (c = run->children; c != NULL; c = c->next) {
		if (!bx_is(c, "column") || (title = bx_attr(c, "title")) == NULL)
			continue;
		value = bx_attr(c, "value");
		if (strcmp(title, "cputime") == 0)
			r->cputime = bx_number(value, "s");
		else if (strcmp(title, "walltime") == 0)
			r->walltime = bx_number(value, "s");
		else if (strcmp(title, "memory") == 0 ||
		    strcmp(title, "memUsage") == 0)
			r->memory = bx_number(value, "B");
		else if (strcmp(title, "category") == 0 && r->category == NULL) {
			r->category = value;
			value = NULL;
		}
		free(title);
		free(value);
	}
}

static void
bx_count(struct metric_counts *c, const struct bx_run *r)
{
	const char *cat = r->category != NULL ? r->category : "missing";

	c->tasks++;
	if (strcmp(cat, "correct") == 0)
		c->correct++;
	else if (strcmp(cat, "correct-unconfirmed") == 0)
		c->correct_unconfirmed++;
	else if (strcmp(cat, "wrong") == 0)
		c->wrong++;
	else if (strcmp(cat, "unknown") == 0)
		c->unknown++;
	else if (strcmp(cat, "error") == 0)
		c->error++;
	else
		c->missing++;
	if (!isnan(r->cputime))
		c->cputime += r->cputime;
	if (!isnan(r->walltime))
		c->walltime += r->walltime;
}

struct bx_ctx {
	struct metric_table	*t;
	const char		*job;
	const char		*machine;
	int			 prefix;	/* several run definitions */
};

static void
bx_value(const struct bx_ctx *c, const char *bench, const char *metric,
    const char *unit, double v)
{
	if (!isnan(v))
		metrics_add_value(metrics_row(c->t, c->job, c->machine, bench,
		    metric, unit, TREND_LOWER), v);
}

static void
bx_run(const struct bx_ctx *c, const struct bx_doc *d, const xmlNode *run)
{
	char *name = bx_attr(run, "name"), *props, *key, *bench;
	struct bx_run r;

	if (name == NULL) {
		metrics_warn(c->t, "%s:%ld: <run> without a name", d->path,
		    xmlGetLineNo(run));
		return;
	}
	props = bx_attr(run, "properties");
	key = xasprintf("bx\x1f%s\x1f%s\x1f%s\x1f%s", c->job, d->rundef, name,
	    props != NULL ? props : "");
	if (metrics_first_seen(c->t, key)) {
		bx_columns(run, &r);
		bench = c->prefix && *d->rundef != '\0' ?
		    xasprintf("%s:%s", d->rundef, name) : xstrdup(name);
		bx_value(c, bench, "cputime", "s", r.cputime);
		bx_value(c, bench, "walltime", "s", r.walltime);
		bx_value(c, bench, "memory", "B", r.memory);
		bx_count(metrics_counts(c->t, c->job, c->machine), &r);
		free(r.category);
		free(bench);
	}
	free(key);
	free(props);
	free(name);
}

static void
bx_systeminfo(const struct bx_ctx *c, const xmlNode *root)
{
	const xmlNode *si, *n;
	char *model = NULL, *cores = NULL, *os = NULL;

	for (si = root->children; si != NULL && !bx_is(si, "systeminfo");
	    si = si->next)
		;
	if (si == NULL)
		return;
	for (n = si->children; n != NULL; n = n->next) {
		if (bx_is(n, "cpu") && model == NULL) {
			model = bx_attr(n, "model");
			cores = bx_attr(n, "cores");
		} else if (bx_is(n, "os") && os == NULL)
			os = bx_attr(n, "name");
	}
	metrics_set_host(c->t, c->job, c->machine, model,
	    cores != NULL ? strtol(cores, NULL, 10) : -1, os);
	free(model);
	free(cores);
	free(os);
}

static void
bx_extract(const struct bx_ctx *c, const struct bx_doc *d)
{
	const xmlNode *root = xmlDocGetRootElement(d->doc), *n;

	bx_systeminfo(c, root);
	metrics_counts(c->t, c->job, c->machine);
	for (n = root->children; n != NULL; n = n->next)
		if (bx_is(n, "run"))
			bx_run(c, d, n);
}

static int
bx_several_rundefs(const struct bx_doc *docs, size_t n)
{
	const char *first = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (docs[i].doc == NULL)
			continue;
		if (first == NULL)
			first = docs[i].rundef;
		else if (strcmp(first, docs[i].rundef) != 0)
			return 1;
	}
	return 0;
}

void
metrics_read_benchexec(struct metric_table *t, const struct strvec *paths,
    const char *job, const char *machine)
{
	struct bx_ctx c = { t, job, machine, 0 };
	struct bx_doc *docs = xcalloc(paths->n, sizeof *docs);
	size_t i;

	for (i = 0; i < paths->n; i++)
		bx_load(t, paths->v[i], &docs[i]);
	c.prefix = bx_several_rundefs(docs, paths->n);
	for (i = 0; i < paths->n; i++) {
		if (docs[i].doc == NULL)
			continue;
		bx_extract(&c, &docs[i]);
		xmlFreeDoc(docs[i].doc);
		free(docs[i].rundef);
	}
	free(docs);
}
