/*
 * config.c - load a config file: safe XML parsing with libxml2, dispatch on
 * the root element to the parser of its kind, the XML helpers the parsers
 * share, config_free().
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "input/config.h"
#include "lib/lib.h"

#define CONFIG_MAX_BYTES (64 * 1024 * 1024)

/* First error libxml2 reported for the document itself. */
struct parse_state {
	char		*error;
	int		 line;
	char		*fallback;	/* first error inside an entity */
};

static pthread_once_t config_once = PTHREAD_ONCE_INIT;

const char *
config_kind_name(enum dist_config_kind kind)
{
	switch (kind) {
	case CONFIG_BENCHEXEC:
		return "benchexec";
	case CONFIG_JOBS:
		return "jobs";
	case CONFIG_PYPERFORMANCE:
		return "pyperformance";
	}
	return "unknown";
}

/* No external entity, DTD or XInclude is ever read. */
static xmlParserInputPtr
refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static void
config_init_once(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(refuse_loader);
}

void
config_init(void)
{
	pthread_once(&config_once, config_init_once);
}

/* libxml2's message without its newline, first letter lowercased. */
static char *
clean_message(const char *msg)
{
	char *s = xstrdup(msg != NULL ? msg : "malformed XML");
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	if (isupper((unsigned char)s[0]) && islower((unsigned char)s[1]))
		s[0] = (char)tolower((unsigned char)s[0]);
	return s;
}

static void
record_error(void *data, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = data;
	struct parse_state *st = ctxt->_private;

	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	if (e->file == NULL) {
		/* Inside an entity's text: keep the line of the reference. */
		if (st->fallback == NULL)
			st->fallback = clean_message(e->message);
		return;
	}
	if (st->error != NULL)
		return;
	st->error = clean_message(st->fallback != NULL ? st->fallback :
	    e->message);
	st->line = e->line;
}

static void
silent(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* External entities are refused where they are declared. */
static void
refuse_entity(void *ctx, const xmlChar *name)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *st = ctxt->_private;

	if (st->error == NULL) {
		st->error = xasprintf("external entity '%s' is not allowed",
		    (const char *)name);
		st->line = xmlSAX2GetLineNumber(ctx);
	}
	xmlStopParser(ctxt);
}

static void
entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *pubid,
    const xmlChar *sysid, xmlChar *content)
{
	if (type == XML_INTERNAL_GENERAL_ENTITY ||
	    type == XML_INTERNAL_PARAMETER_ENTITY)
		xmlSAX2EntityDecl(ctx, name, type, pubid, sysid, content);
	else
		refuse_entity(ctx, name);
}

static void
unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *pubid,
    const xmlChar *sysid, const xmlChar *notation)
{
	(void)pubid;
	(void)sysid;
	(void)notation;
	refuse_entity(ctx, name);
}

static xmlParserCtxtPtr
new_context(struct parse_state *st)
{
	xmlParserCtxtPtr ctxt;

	if ((ctxt = xmlNewParserCtxt()) == NULL)
		return NULL;
	ctxt->_private = st;
	ctxt->sax->initialized = XML_SAX2_MAGIC;
	ctxt->sax->serror = record_error;
	ctxt->sax->error = silent;
	ctxt->sax->warning = silent;
	ctxt->sax->fatalError = silent;
	ctxt->sax->entityDecl = entity_decl;
	ctxt->sax->unparsedEntityDecl = unparsed_entity_decl;
	ctxt->vctxt.error = silent;
	ctxt->vctxt.warning = silent;
	return ctxt;
}

/*
 * No XML_PARSE_NOENT (entities stay references), no DTDLOAD/DTDVALID (the
 * DOCTYPE of a BenchExec file is never fetched), no HUGE (libxml2 keeps its
 * limits on entity amplification), no NOBLANKS (text is kept as written).
 */
static xmlDocPtr
parse_xml(const char *path, const char *data, size_t len, char **cause)
{
	struct parse_state st = { NULL, 0, NULL };
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	int options = XML_PARSE_NONET | XML_PARSE_BIG_LINES;

	if ((ctxt = new_context(&st)) == NULL) {
		set_cause(cause, "%s: cannot create an XML parser", path);
		return NULL;
	}
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, path, NULL, options);
	if (doc != NULL && (st.error != NULL || !ctxt->wellFormed)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (doc == NULL) {
		if (st.error == NULL)
			st.error = xstrdup(st.fallback != NULL ? st.fallback :
			    "malformed XML");
		if (st.line > 0)
			set_cause(cause, "%s:%d: %s", path, st.line, st.error);
		else
			set_cause(cause, "%s: %s", path, st.error);
	}
	free(st.error);
	free(st.fallback);
	xmlFreeParserCtxt(ctxt);
	return doc;
}

static char *
config_basename(const char *path, enum dist_config_kind kind)
{
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	if (safe_name(base))
		return xstrdup(base);
	return xstrdup(kind == CONFIG_BENCHEXEC ? "benchmark.xml" : "jobs.xml");
}

static int
config_parse_root(xmlDocPtr doc, const struct dist_config_opts *opts,
    struct dist_config *cfg, char **cause)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);

	if (root == NULL)
		return set_cause(cause, "%s: no root element", cfg->path);
	if (config_is(root, "benchmark"))
		cfg->kind = CONFIG_BENCHEXEC;
	else if (config_is(root, "jobs"))
		cfg->kind = CONFIG_JOBS;
	else if (config_is(root, "pyperformance"))
		cfg->kind = CONFIG_PYPERFORMANCE;
	else
		return config_error(cfg, root, cause, "unknown root element "
		    "<%s>: expected <benchmark>, <jobs> or <pyperformance>",
		    (const char *)root->name);
	cfg->basename = config_basename(cfg->path, cfg->kind);
	if (cfg->kind == CONFIG_BENCHEXEC)
		return config_benchexec_parse(doc, opts, cfg, cause);
	if (cfg->kind == CONFIG_PYPERFORMANCE)
		return config_pyperformance_parse(doc, opts, cfg, cause);
	return config_jobs_parse(doc, opts, cfg, cause);
}

/* The config's sha256, of the bytes read (run.json, the results store). */
static void
config_digest(struct dist_config *cfg, const char *data, size_t len)
{
	struct sha256_ctx sc;
	unsigned char md[32];

	sha256_init(&sc);
	sha256_update(&sc, data, len);
	sha256_final(&sc, md);
	sha256_hex(md, cfg->sha256);
}

int
config_load_mem(const char *path, const char *data, size_t len,
    const struct dist_config_opts *opts, struct dist_config *cfg,
    char **cause)
{
	xmlDocPtr doc = NULL;
	int rc = -1;

	memset(cfg, 0, sizeof *cfg);
	cfg->path = xstrdup(path);
	config_init();
	if (len > CONFIG_MAX_BYTES || len > INT_MAX) {
		set_cause(cause, "%s: larger than %d bytes", path,
		    CONFIG_MAX_BYTES);
		goto out;
	}
	config_digest(cfg, data, len);
	if ((doc = parse_xml(path, data, len, cause)) == NULL)
		goto out;
	if (config_parse_root(doc, opts, cfg, cause) == -1)
		goto out;
	job_ids_dedup(cfg->jobs, cfg->njobs);
	for (size_t i = 0; i < cfg->warnings.n; i++)
		warn("%s", cfg->warnings.v[i]);
	if (cfg->warnings_dropped > 0)
		warn("%s: %zu more warnings", cfg->path, cfg->warnings_dropped);
	rc = 0;
out:
	if (doc != NULL)
		xmlFreeDoc(doc);
	if (rc == -1)
		config_free(cfg);
	return rc;
}

int
config_load(const char *path, const struct dist_config_opts *opts,
    struct dist_config *cfg, char **cause)
{
	char *data;
	size_t len;
	int rc;

	memset(cfg, 0, sizeof *cfg);
	if (read_file(path, &data, &len, cause) == -1)
		return -1;
	rc = config_load_mem(path, data, len, opts, cfg, cause);
	free(data);
	return rc;
}

int
config_is(const struct _xmlNode *node, const char *name)
{
	return node != NULL && node->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)node->name, name) == 0;
}

int
config_error(const struct dist_config *cfg, const struct _xmlNode *node,
    char **cause, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	long line = node != NULL ? xmlGetLineNo(node) : -1;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (line > 0)
		set_cause(cause, "%s:%ld: %s", cfg->path, line, msg);
	else
		set_cause(cause, "%s: %s", cfg->path, msg);
	free(msg);
	return -1;
}

void
config_warn(struct dist_config *cfg, const struct _xmlNode *node,
    const char *fmt, ...)
{
	va_list ap;
	char *msg;
	long line = node != NULL ? xmlGetLineNo(node) : -1;

	if (cfg->warnings.n >= CONFIG_MAX_WARNINGS) {
		cfg->warnings_dropped++;
		return;
	}
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (line > 0)
		sv_pushf(&cfg->warnings, "%s:%ld: %s", cfg->path, line, msg);
	else
		sv_pushf(&cfg->warnings, "%s: %s", cfg->path, msg);
	free(msg);
}

/* The value of an attribute without namespace, or NULL. */
char *
config_attr(const struct _xmlNode *node, const char *name)
{
	const xmlAttr *a;
	xmlChar *v;
	char *s;

	for (a = node->properties; a != NULL; a = a->next) {
		if (a->ns != NULL || strcmp((const char *)a->name, name) != 0)
			continue;
		v = xmlNodeListGetString(node->doc, a->children, 1);
		s = xstrdup(v != NULL ? (const char *)v : "");
		xmlFree(v);
		return s;
	}
	return NULL;
}

int
config_check_attrs(const struct dist_config *cfg, const struct _xmlNode *node,
    const char *const *allowed, char **cause)
{
	const xmlAttr *a;
	size_t i;

	for (a = node->properties; a != NULL; a = a->next) {
		if (a->ns != NULL)
			continue;
		for (i = 0; allowed[i] != NULL; i++) {
			if (strcmp((const char *)a->name, allowed[i]) == 0)
				break;
		}
		if (allowed[i] == NULL)
			return config_error(cfg, node, cause, "unknown attribute "
			    "'%s' on <%s>", (const char *)a->name,
			    (const char *)node->name);
	}
	return 0;
}

/* The text of an element that may hold only text. */
int
config_text(const struct dist_config *cfg, const struct _xmlNode *node,
    char **text, char **cause)
{
	const xmlNode *n;
	xmlChar *v;

	*text = NULL;
	for (n = node->children; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE)
			return config_error(cfg, n, cause, "<%s> may only "
			    "contain text, not <%s>", (const char *)node->name,
			    (const char *)n->name);
	}
	v = xmlNodeGetContent(node);
	*text = xstrdup(v != NULL ? (const char *)v : "");
	xmlFree(v);
	return 0;
}

/* libxml2 gives a text node the line where it ends: report the line of
 * its first non-blank character p instead. */
static int
text_error(const struct dist_config *cfg, const struct _xmlNode *node,
    const xmlChar *p, char **cause)
{
	long line = xmlGetLineNo(node);

	for (; *p != '\0'; p++) {
		if (*p == '\n' && line > 1)
			line--;
	}
	if (line < xmlGetLineNo(node->parent))
		line = xmlGetLineNo(node->parent);
	if (line <= 0)
		return config_error(cfg, node, cause, "unexpected text in <%s>",
		    (const char *)node->parent->name);
	return set_cause(cause, "%s:%ld: unexpected text in <%s>", cfg->path,
	    line, (const char *)node->parent->name);
}

/* A non-element child of an element that holds elements: only blank text,
 * comments and processing instructions are allowed. */
int
config_blank(const struct dist_config *cfg, const struct _xmlNode *node,
    char **cause)
{
	const xmlChar *p;

	switch (node->type) {
	case XML_COMMENT_NODE:
	case XML_PI_NODE:
		return 0;
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		for (p = node->content; p != NULL && *p != '\0'; p++) {
			if (!isspace(*p))
				return text_error(cfg, node, p, cause);
		}
		return 0;
	default:
		return config_error(cfg, node, cause, "unexpected %s in <%s>",
		    node->type == XML_ENTITY_REF_NODE ? "entity reference" :
		    "node", (const char *)node->parent->name);
	}
}

unsigned long long
config_count_add(unsigned long long a, unsigned long long b)
{
	return a > ULLONG_MAX - b ? ULLONG_MAX : a + b;
}

unsigned long long
config_count_mul(unsigned long long a, unsigned long long b)
{
	return b != 0 && a > ULLONG_MAX / b ? ULLONG_MAX : a * b;
}

int
config_check_count(const struct dist_config *cfg,
    const struct dist_config_opts *opts, unsigned long long count,
    char **cause)
{
	unsigned long long max = opts != NULL && opts->max_jobs > 0 ?
	    (unsigned long long)opts->max_jobs : CONFIG_MAX_JOBS;

	if (count <= max)
		return 0;
	if (count == ULLONG_MAX)
		return set_cause(cause, "%s: expands to too many jobs (more than "
		    "%llu), more than the limit of %llu (--max-jobs N raises "
		    "it)", cfg->path, ULLONG_MAX - 1, max);
	return set_cause(cause, "%s: expands to %llu jobs, more than the limit "
	    "of %llu (--max-jobs N raises it)", cfg->path, count, max);
}

struct dist_job *
config_add_job(struct dist_config *cfg)
{
	struct dist_job *job;

	/* The array doubles whenever njobs reaches a power of two. */
	if (cfg->njobs == 0 || (cfg->njobs & (cfg->njobs - 1)) == 0)
		cfg->jobs = xreallocarray(cfg->jobs,
		    cfg->njobs == 0 ? 1 : cfg->njobs * 2, sizeof *cfg->jobs);
	job = &cfg->jobs[cfg->njobs++];
	memset(job, 0, sizeof *job);
	job->config_arg = -1;
	job->req = -1;
	return job;
}

static void
job_free(struct dist_job *job)
{
	free(job->id);
	free(job->name);
	free(job->rundef);
	free(job->tasks);
	sv_clear(&job->argv);
	sv_clear(&job->env);
	for (size_t i = 0; i < job->nexits; i++)
		free(job->exits[i].meaning);
	free(job->exits);
	free(job->revision);
	free(job->branch);
}

int
config_keep_jobs(struct dist_config *cfg, const struct strvec *ids,
    char **cause)
{
	size_t i, k, n = 0;

	for (k = 0; k < ids->n; k++) {
		for (i = 0; i < cfg->njobs; i++)
			if (strcmp(cfg->jobs[i].id, ids->v[k]) == 0)
				break;
		if (i == cfg->njobs)
			return set_cause(cause, "%s: no job '%s' in it",
			    cfg->path, ids->v[k]);
	}
	for (i = 0; i < cfg->njobs; i++) {
		for (k = 0; k < ids->n; k++)
			if (strcmp(cfg->jobs[i].id, ids->v[k]) == 0)
				break;
		if (k < ids->n)
			cfg->jobs[n++] = cfg->jobs[i];
		else
			job_free(&cfg->jobs[i]);
	}
	cfg->njobs = n;
	return 0;
}

void
config_free(struct dist_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->njobs; i++)
		job_free(&cfg->jobs[i]);
	free(cfg->jobs);
	free(cfg->path);
	free(cfg->basename);
	free(cfg->tool);
	sv_clear(&cfg->warnings);
	config_require_free(cfg);
	memset(cfg, 0, sizeof *cfg);
}

static int
origin_cmp(const void *a, const void *b)
{
	const struct config_origin *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

int
config_names_unique(const struct dist_config *cfg,
    struct config_origin *origins, size_t n, const char *what,
    const char *hint, char **cause)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(origins, n, sizeof *origins, origin_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(origins[i - 1].name, origins[i].name) != 0)
			continue;
		return set_cause(cause, "%s:%ld: duplicate %s '%s' (also at "
		    "line %ld)%s", cfg->path, origins[i].line, what,
		    origins[i].name, origins[i - 1].line, hint);
	}
	return 0;
}

static int
env_name_ok(const char *s)
{
	const char *p;

	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return 0;
	return 1;
}

static int
env_has(const struct strvec *env, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < env->n; i++)
		if (strncmp(env->v[i], name, len) == 0 &&
		    env->v[i][len] == '=')
			return 1;
	return 0;
}

int
config_env(const struct dist_config *cfg, const xmlNode *node,
    struct strvec *env, const char *reserved, char **cause)
{
	static const char *const attrs[] = { "name", NULL };
	char *name = NULL, *value = NULL;
	int rc = -1;

	if (config_check_attrs(cfg, node, attrs, cause) == -1)
		goto out;
	if ((name = config_attr(node, "name")) == NULL)
		config_error(cfg, node, cause, "<env> has no name attribute");
	else if (!env_name_ok(name))
		config_error(cfg, node, cause, "bad environment variable name "
		    "'%s'", name);
	else if (reserved != NULL && strcmp(name, reserved) == 0)
		config_error(cfg, node, cause, "<env> '%s' is reserved", name);
	else if (env_has(env, name))
		config_error(cfg, node, cause, "duplicate <env> '%s'", name);
	else if (config_text(cfg, node, &value, cause) == 0) {
		sv_pushf(env, "%s=%s", name, value);
		rc = 0;
	}
out:
	free(name);
	free(value);
	return rc;
}
