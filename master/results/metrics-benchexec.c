/*
 * metrics-benchexec.c - rows and verdict counts from BenchExec result
 * files (<result><run name=..><column title=.. value=../></run></result>),
 * parsed safely: no network, no DTD, no entity declarations.
 *
 * BenchExec names a run by its task's path relative to the result file's
 * directory, which depends on where the job ran ("../../../../../tasks/
 * arrays/array-1.yml"); the benchmark is named instead by the path
 * relative to the directory of the benchmark definition, as written in
 * it ("../tasks/arrays/array-1.yml").  That takes the job's working
 * directory on the worker (env.json "cwd") and the definition's path
 * there (argv/1 of the job); without them the run's name is kept.
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

#include "lib/lib.h"
#include "results/benchexec-xml.h"
#include "results/metrics.h"

struct bx_parse {
	char	*error;
	int	 line;
};

struct bx_doc {
	const char	*path;
	xmlDocPtr	 doc;
	char		*rundef;	/* run definition name, "" if none */
	char		*block;		/* tasks set (block), "" if none */
	char		*wdir;		/* its directory on the worker, or NULL */
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

xmlDocPtr
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

int
bx_is(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

char *
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
 * task-set file, name="RUNDEF" in the run definition's own file; the
 * block into *blockp ("" for none) unless blockp is NULL. */
char *
bx_rundef(const xmlNode *root, char **blockp)
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
	if (blockp != NULL)
		*blockp = block != NULL ? block : xstrdup("");
	else
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
	d->rundef = bx_rundef(root, &d->block);
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
	char			*cwd;		/* the job's directory on the
						   worker, or NULL */
	char			*defdir;	/* the definition's, or NULL */
};

/* Lexically normalized absolute path ("/a/./b/../c" -> "/a/c"), or NULL
 * when path is not absolute. */
char *
bx_normpath(const char *path)
{
	struct strvec comps = STRVEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	const char *p = path, *e;
	size_t i;

	if (*path != '/')
		return NULL;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		e = strchr(p, '/');
		if (e == NULL)
			e = p + strlen(p);
		if (e - p == 2 && strncmp(p, "..", 2) == 0) {
			if (comps.n > 0) {
				free(comps.v[--comps.n]);
				comps.v[comps.n] = NULL;
			}
		} else if (!(e - p == 1 && *p == '.'))
			sv_pushf(&comps, "%.*s", (int)(e - p), p);
		p = e;
	}
	for (i = 0; i < comps.n; i++)
		sb_addf(&sb, "/%s", comps.v[i]);
	if (comps.n == 0)
		sb_addc(&sb, '/');
	sv_clear(&comps);
	return sb_detach(&sb);
}

/* Path of the normalized absolute to relative to the normalized absolute
 * directory from ("/r/tasks/a.c" from "/r/defs": "../tasks/a.c"). */
char *
bx_relpath(const char *to, const char *from)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i = 0, common = 0;
	const char *p;

	/* the longest common prefix ending at a component boundary */
	for (;; i++) {
		int tend = to[i] == '\0' || to[i] == '/';
		int fend = from[i] == '\0' || from[i] == '/';

		if (tend && fend)
			common = i;
		if (to[i] != from[i] || to[i] == '\0')
			break;
	}
	for (p = from + common; *p != '\0'; p++) {
		if (*p == '/' && p[1] != '\0')
			sb_adds(&sb, sb.len > 0 ? "/.." : "..");
	}
	p = to + common;
	if (*p == '/')
		p++;
	if (*p != '\0')
		sb_addf(&sb, "%s%s", sb.len > 0 ? "/" : "", p);
	return sb.len > 0 ? sb_detach(&sb) : (sb_release(&sb), xstrdup("."));
}

/* The run's name relative to the definition's directory, when known. */
static char *
bx_task_name(const struct bx_ctx *c, const struct bx_doc *d,
    const char *name)
{
	char *full, *abs, *rel;

	if (c->defdir == NULL || d->wdir == NULL || *name == '/')
		return xstrdup(name);
	full = xasprintf("%s/%s", d->wdir, name);
	abs = bx_normpath(full);
	rel = abs != NULL ? bx_relpath(abs, c->defdir) : xstrdup(name);
	free(full);
	free(abs);
	return rel;
}

static void
bx_value(const struct bx_ctx *c, const struct bx_doc *d, const char *task,
    const char *bench, const char *metric, const char *unit, double v)
{
	struct metric_row *r;

	if (isnan(v))
		return;
	r = metrics_row(c->t, c->job, c->machine, bench, metric, unit,
	    TREND_LOWER);
	if (r->task == NULL) {
		r->rundef = xstrdup(d->rundef);
		r->tasks_set = xstrdup(d->block);
		r->task = xstrdup(task);
	}
	metrics_add_value(r, v);
}

/* The job's run definition and tasks set: "" once they differ. */
static void
bx_counts_set(struct metric_counts *mc, const struct bx_doc *d)
{
	if (mc->rundef == NULL) {
		mc->rundef = xstrdup(d->rundef);
		mc->tasks_set = xstrdup(d->block);
	}
	if (strcmp(mc->rundef, d->rundef) != 0)
		mc->rundef[0] = '\0';
	if (strcmp(mc->tasks_set, d->block) != 0)
		mc->tasks_set[0] = '\0';
}

static void
bx_run(const struct bx_ctx *c, const struct bx_doc *d, const xmlNode *run)
{
	char *name = bx_attr(run, "name"), *props, *key, *bench, *task;
	struct bx_run r;

	if (name == NULL) {
		metrics_warn(c->t, "%s:%ld: <run> without a name", d->path,
		    xmlGetLineNo(run));
		return;
	}
	props = bx_attr(run, "properties");
	task = bx_task_name(c, d, name);
	free(name);
	name = task;
	key = xasprintf("bx\x1f%s\x1f%s\x1f%s\x1f%s", c->job, d->rundef, name,
	    props != NULL ? props : "");
	if (metrics_first_seen(c->t, key)) {
		bx_columns(run, &r);
		bench = c->prefix && *d->rundef != '\0' ?
		    xasprintf("%s:%s", d->rundef, name) : xstrdup(name);
		bx_value(c, d, name, bench, "cputime", "s", r.cputime);
		bx_value(c, d, name, bench, "walltime", "s", r.walltime);
		bx_value(c, d, name, bench, "memory", "B", r.memory);
		bx_count(metrics_counts(c->t, c->job, c->machine), &r);
		bx_counts_set(metrics_counts(c->t, c->job, c->machine), d);
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

/* A small file of the job directory, without its trailing newline. */
static char *
bx_job_file(const char *job_dir, const char *name, size_t max)
{
	char *path = xasprintf("%s/%s", job_dir, name), *data = NULL;
	size_t len;

	if (read_file(path, &data, &len, NULL) == -1 || len > max ||
	    memchr(data, '\0', len) != NULL) {
		free(data);
		data = NULL;
	} else {
		while (len > 0 && data[len - 1] == '\n')
			data[--len] = '\0';
	}
	free(path);
	return data;
}

/* c->cwd from env.json, c->defdir from argv/1 (relative: to the cwd). */
static void
bx_worker_dirs(struct bx_ctx *c, const char *job_dir)
{
	char *env = bx_job_file(job_dir, "env.json", 1 << 20), *def, *slash;
	struct jv *jv = env != NULL ? jv_parse(env, strlen(env), NULL, NULL) :
	    NULL;
	const char *cwd = jv_str(jv_get(jv, "cwd"));

	c->cwd = cwd != NULL ? bx_normpath(cwd) : NULL;
	jv_free(jv);
	free(env);
	def = bx_job_file(job_dir, "argv/1", 8192);
	if (c->cwd != NULL && def != NULL) {
		char *full = *def == '/' ? xstrdup(def) :
		    xasprintf("%s/%s", c->cwd, def);

		if ((slash = strrchr(full, '/')) != NULL)
			*slash = '\0';
		c->defdir = bx_normpath(*full != '\0' ? full : "/");
		free(full);
	}
	free(def);
}

void
bx_job_dirs(const char *job_dir, char **cwd, char **defdir)
{
	struct bx_ctx c = { NULL, NULL, NULL, 0, NULL, NULL };

	bx_worker_dirs(&c, job_dir);
	*cwd = c.cwd;
	*defdir = c.defdir;
}

/* d->wdir: where BenchExec wrote the result file (the same place under
 * the job directory, on the worker). */
static void
bx_doc_wdir(const struct bx_ctx *c, struct bx_doc *d, const char *job_dir)
{
	size_t n = strlen(job_dir);
	const char *rel, *slash;

	if (c->cwd == NULL || strncmp(d->path, job_dir, n) != 0 ||
	    d->path[n] != '/')
		return;
	rel = d->path + n + 1;
	slash = strrchr(rel, '/');
	d->wdir = slash == NULL ? xstrdup(c->cwd) :
	    xasprintf("%s/%.*s", c->cwd, (int)(slash - rel), rel);
}

void
metrics_read_benchexec(struct metric_table *t, const struct strvec *paths,
    const char *job_dir, const char *job, const char *machine)
{
	struct bx_ctx c = { t, job, machine, 0, NULL, NULL };
	struct bx_doc *docs = xcalloc(paths->n, sizeof *docs);
	size_t i;

	if (job_dir != NULL)
		bx_worker_dirs(&c, job_dir);
	for (i = 0; i < paths->n; i++) {
		bx_load(t, paths->v[i], &docs[i]);
		if (job_dir != NULL)
			bx_doc_wdir(&c, &docs[i], job_dir);
	}
	c.prefix = bx_several_rundefs(docs, paths->n);
	for (i = 0; i < paths->n; i++) {
		if (docs[i].doc == NULL)
			continue;
		bx_extract(&c, &docs[i]);
		xmlFreeDoc(docs[i].doc);
		free(docs[i].rundef);
		free(docs[i].block);
	}
	for (i = 0; i < paths->n; i++)
		free(docs[i].wdir);
	free(docs);
	free(c.cwd);
	free(c.defdir);
}
