/*
 * benchexec-merge.c - the BenchExec result files of a run's jobs merged
 * into one file per rundefinition, as BenchExec writes when it runs a
 * whole definition on one machine (RUN/benchexec/, benchexec.h).
 *
 * Each job left BENCH.DATE.results.RUNSET.xml[.bz2] files under
 * jobs/ID/output/ (<result name="RD.TASKS" block="TASKS"> for a tasks set,
 * name="RD" without block for a whole rundefinition).  A rundefinition's
 * merged file takes the first file's root attributes (name="RD", no
 * block, the earliest start and the latest end), the union of the
 * <columns>, one <systeminfo> per distinct machine, the runs of its tasks
 * sets in definition order (jobs in run.json's order: the plan's) and the
 * sums of the trailing totals.  A job's whole-rundefinition file is used
 * only when it has no tasks set file of that rundefinition; a tasks set
 * met twice is kept once.  Runs are named relative to the benchmark
 * definition's directory (as in metrics.json), so that a task has one
 * name whatever machine ran it; their logfile points to the collected
 * log (PREFIX.logfiles/RD.TASK.log, or in PREFIX.logfiles.zip as
 * table-generator reads it) relative to RUN/benchexec/.
 *
 * What a job wrote is not trusted: names that would make a path (with a
 * '/', a leading '.', control characters) skip their file with a warning.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "lib/lib.h"
#include "results/benchexec-xml.h"
#include "results/benchexec.h"
#include "results/metrics.h"

/* One collected result file. */
struct bm_input {
	char		*job;		/* job id */
	char		*file;		/* its name in jobs/ID/output/ */
	char		*path;		/* on the master */
	char		*prefix;	/* file name before ".results." */
	char		*date;		/* its last part: yyyy-mm-dd_hh-mm-ss */
	char		*bench;		/* the part before */
	char		*rundef;	/* "" if none */
	char		*block;		/* tasks set, NULL: a whole
					   rundefinition's file */
	char		*wdir;		/* its directory on the worker */
	char		*defdir;	/* the definition's there */
	int		 keep;	/* merged (not skipped, not a duplicate) */
	xmlDocPtr	 doc;	/* parsed while its rundefinition is merged */
};

struct bm_state {
	const char	*run_dir;
	struct bm_input	*in;
	size_t		 n, alloc;
	struct strvec	 rundefs;	/* in order of first appearance */
};

/* A name usable in a file name: no '/', no leading '.', printable. */
static int
bm_safe(const char *s)
{
	const unsigned char *p;

	if (*s == '.')
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static void
bm_input_free(struct bm_input *in)
{
	free(in->job);
	free(in->file);
	free(in->path);
	free(in->prefix);
	free(in->date);
	free(in->bench);
	free(in->rundef);
	free(in->block);
	free(in->wdir);
	free(in->defdir);
	if (in->doc != NULL)
		xmlFreeDoc(in->doc);
	memset(in, 0, sizeof *in);
}

/* prefix, bench and date from "BENCH.DATE.results.RUNSET.xml.bz2". */
static int
bm_split_name(struct bm_input *in)
{
	const char *r = strstr(in->file, ".results."), *dot;

	if (r == NULL)
		return -1;
	in->prefix = xstrndup(in->file, (size_t)(r - in->file));
	if ((dot = strrchr(in->prefix, '.')) == NULL || dot[1] == '\0' ||
	    dot == in->prefix)
		return -1;
	in->bench = xstrndup(in->prefix, (size_t)(dot - in->prefix));
	in->date = xstrdup(dot + 1);
	return 0;
}

/* in->doc: the file parsed, its root a <result>. */
static int
bm_parse(struct bm_input *in)
{
	char *data = NULL, *cause = NULL;
	xmlNodePtr root;
	size_t len;

	if (metrics_load_file(in->path, &data, &len, &cause) == -1 ||
	    (in->doc = bx_parse_mem(in->path, data, len, &cause)) == NULL) {
		warn("%s, skipped", cause);
		free(cause);
		free(data);
		return -1;
	}
	free(data);
	root = xmlDocGetRootElement(in->doc);
	if (!bx_is(root, "result")) {
		warn("%s: not a BenchExec result file (root element <%s>), "
		    "skipped", in->path, root != NULL ?
		    (const char *)root->name : "");
		xmlFreeDoc(in->doc);
		in->doc = NULL;
		return -1;
	}
	return 0;
}

/* Read one file: its rundefinition and tasks set (the document is
 * parsed again when its rundefinition is merged: one at a time). */
static int
bm_load(struct bm_input *in)
{
	xmlNodePtr root;
	int rc = 0;

	if (bm_split_name(in) == -1) {
		warn("%s: not a BenchExec result file name, skipped", in->path);
		return -1;
	}
	if (bm_parse(in) == -1)
		return -1;
	root = xmlDocGetRootElement(in->doc);
	in->rundef = bx_rundef(root, NULL);
	in->block = bx_attr(root, "block");
	if (!bm_safe(in->bench) || !bm_safe(in->date) ||
	    (*in->rundef != '\0' && !bm_safe(in->rundef)) ||
	    (in->block != NULL && !bm_safe(in->block))) {
		warn("%s: a name in it cannot name a file, skipped", in->path);
		rc = -1;
	}
	xmlFreeDoc(in->doc);
	in->doc = NULL;
	in->keep = rc == 0;
	return rc;
}

/* in->wdir: the directory of the file on the worker. */
static void
bm_worker_dir(struct bm_input *in, const char *cwd)
{
	if (cwd != NULL)
		in->wdir = xasprintf("%s/output", cwd);
}

static void
bm_add_rundef(struct bm_state *st, const char *rd)
{
	size_t i;

	for (i = 0; i < st->rundefs.n; i++)
		if (strcmp(st->rundefs.v[i], rd) == 0)
			return;
	sv_push(&st->rundefs, rd);
}

/* Drop a job's whole-rundefinition files that have tasks set files. */
static void
bm_drop_wholes(struct bm_state *st, size_t from)
{
	size_t i, k;

	for (i = from; i < st->n; i++) {
		if (!st->in[i].keep || st->in[i].block != NULL)
			continue;
		for (k = from; k < st->n; k++)
			if (st->in[k].keep && st->in[k].block != NULL &&
			    strcmp(st->in[k].rundef, st->in[i].rundef) == 0)
				break;
		if (k < st->n)
			st->in[i].keep = 0;
	}
}

/* A tasks set already kept from another file. */
static int
bm_duplicate(const struct bm_state *st, size_t i)
{
	const struct bm_input *a = &st->in[i];
	size_t k;

	for (k = 0; k < i; k++) {
		const struct bm_input *b = &st->in[k];

		if (b->keep && strcmp(a->rundef, b->rundef) == 0 &&
		    ((a->block == NULL && b->block == NULL) ||
		    (a->block != NULL && b->block != NULL &&
		    strcmp(a->block, b->block) == 0)))
			return 1;
	}
	return 0;
}

static int
bm_result_name(const struct dirent *d)
{
	return d->d_name[0] != '.' && metrics_is_benchexec_name(d->d_name);
}

/* The result files of one job, by name. */
static void
bm_scan_job(struct bm_state *st, const char *job)
{
	char *jdir = xasprintf("%s/jobs/%s", st->run_dir, job);
	char *odir = xasprintf("%s/output", jdir), *cwd = NULL, *defdir = NULL;
	struct dirent **ents = NULL;
	size_t from = st->n, i;
	struct stat sb;
	int k, n;

	n = scandir(odir, &ents, bm_result_name, alphasort);
	if (n > 0)
		bx_job_dirs(jdir, &cwd, &defdir);
	for (k = 0; k < n; k++) {
		struct bm_input *in;

		if (st->n == st->alloc) {
			st->alloc = st->alloc * 2 + 8;
			st->in = xreallocarray(st->in, st->alloc, sizeof *st->in);
		}
		in = &st->in[st->n];
		memset(in, 0, sizeof *in);
		in->job = xstrdup(job);
		in->file = xstrdup(ents[k]->d_name);
		in->path = xasprintf("%s/%s", odir, in->file);
		free(ents[k]);
		if (lstat(in->path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    bm_load(in) == -1) {
			bm_input_free(in);
			continue;
		}
		bm_worker_dir(in, cwd);
		in->defdir = defdir != NULL ? xstrdup(defdir) : NULL;
		st->n++;
	}
	free(ents);
	bm_drop_wholes(st, from);
	for (i = from; i < st->n; i++) {
		if (st->in[i].keep && bm_duplicate(st, i)) {
			warn("%s: rundefinition '%s' tasks '%s' met before, "
			    "skipped", st->in[i].path, st->in[i].rundef,
			    st->in[i].block != NULL ? st->in[i].block : "*");
			st->in[i].keep = 0;
		}
		if (st->in[i].keep)
			bm_add_rundef(st, st->in[i].rundef);
	}
	free(cwd);
	free(defdir);
	free(odir);
	free(jdir);
}

/* The jobs in the plan's order (run.json), else by name. */
static void
bm_job_ids(const char *run_dir, struct strvec *ids)
{
	char *path = xasprintf("%s/run.json", run_dir), *data = NULL;
	char *jobs = xasprintf("%s/jobs", run_dir);
	struct dirent **ents = NULL;
	const struct jv *list;
	struct jv *run = NULL;
	size_t len, i;
	int k, n;

	if (metrics_load_file(path, &data, &len, NULL) == 0)
		run = jv_parse(data, len, path, NULL);
	list = jv_get(run, "jobs");
	for (i = 0; jv_is(list, JV_ARRAY) && i < list->n; i++) {
		const char *id = jv_str(jv_get(&list->v[i], "id"));

		if (id != NULL && safe_name(id))
			sv_push(ids, id);
	}
	if (ids->n == 0 && (n = scandir(jobs, &ents, NULL, alphasort)) > 0) {
		for (k = 0; k < n; k++) {
			if (safe_name(ents[k]->d_name))
				sv_push(ids, ents[k]->d_name);
			free(ents[k]);
		}
		free(ents);
	}
	jv_free(run);
	free(data);
	free(path);
	free(jobs);
}

/* --- the merged document ------------------------------------------- */

/* A path written by BenchExec relative to the worker's file, made
 * relative to the definition's directory (or, unknown, to where the
 * file is on the master, from RUN/benchexec). */
static char *
bm_rebase(const struct bm_input *in, const char *name)
{
	char *full, *abs, *rel;

	if (*name == '/' || strstr(name, "://") != NULL)
		return xstrdup(name);
	if (in->wdir != NULL && in->defdir != NULL) {
		full = xasprintf("%s/%s", in->wdir, name);
		abs = bx_normpath(full);
		rel = abs != NULL ? bx_relpath(abs, in->defdir) :
		    xstrdup(name);
	} else {
		full = xasprintf("/R/jobs/%s/output/%s", in->job, name);
		abs = bx_normpath(full);
		rel = bx_relpath(abs, "/R/" BX_MERGE_DIR);
	}
	free(full);
	free(abs);
	return rel;
}

/* "[a, b]" with each path rebased. */
static char *
bm_rebase_list(const struct bm_input *in, const char *list)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(list);
	char *copy, *p, *next, *r;

	if (len < 2 || list[0] != '[' || list[len - 1] != ']')
		return xstrdup(list);
	copy = xstrndup(list + 1, len - 2);
	sb_addc(&sb, '[');
	for (p = copy; p != NULL && *p != '\0'; p = next) {
		next = strstr(p, ", ");
		if (next != NULL) {
			*next = '\0';
			next += 2;
		}
		r = bm_rebase(in, p);
		sb_addf(&sb, "%s%s", sb.len > 1 ? ", " : "", r);
		free(r);
	}
	sb_addc(&sb, ']');
	free(copy);
	return sb_detach(&sb);
}

/* The run's log on the master, relative to RUN/benchexec: its logfile
 * attribute, else where BenchExec puts it (table-generator's rule). */
static char *
bm_logfile(const struct bm_state *st, const struct bm_input *in,
    const char *name, const char *given, int *found)
{
	const char *base = strrchr(name, '/');
	char *rel, *full, *abs, *out, *zip;
	struct stat sb;

	if (given != NULL && (*given == '/' || strstr(given, "://") != NULL)) {
		*found = 1;
		return xstrdup(given);
	}
	rel = given != NULL ? xstrdup(given) : xasprintf("%s.logfiles/%s%s%s.log",
	    in->prefix, in->rundef, *in->rundef != '\0' ? "." : "",
	    base != NULL ? base + 1 : name);
	full = xasprintf("/R/jobs/%s/output/%s", in->job, rel);
	abs = bx_normpath(full);
	out = bx_relpath(abs, "/R/" BX_MERGE_DIR);
	free(full);
	*found = 0;
	if (strncmp(abs, "/R/", 3) == 0) {	/* "/R" -> the run directory */
		full = xasprintf("%s%s", st->run_dir, abs + 2);
		zip = xasprintf("%.*s.zip", (int)(strrchr(full, '/') - full),
		    full);
		*found = stat(full, &sb) == 0 || stat(zip, &sb) == 0;
		free(zip);
		free(full);
	}
	free(abs);
	free(rel);
	return out;
}

static void
bm_set(xmlNodePtr n, const char *attr, const char *value)
{
	xmlSetProp(n, (const xmlChar *)attr, (const xmlChar *)value);
}

/* A copy of a run for the merged document, paths rebased. */
static xmlNodePtr
bm_run(const struct bm_state *st, const struct bm_input *in,
    const xmlNode *run, xmlDocPtr doc, size_t *lost)
{
	xmlNodePtr copy = xmlDocCopyNode((xmlNodePtr)run, doc, 1);
	char *name = bx_attr(run, "name"), *v, *r, *log;
	int found;

	if (copy == NULL || name == NULL) {
		if (copy != NULL)
			xmlFreeNode(copy);
		free(name);
		return NULL;
	}
	r = bm_rebase(in, name);
	bm_set(copy, "name", r);
	free(r);
	if ((v = bx_attr(run, "files")) != NULL) {
		r = bm_rebase_list(in, v);
		bm_set(copy, "files", r);
		free(r);
		free(v);
	}
	if ((v = bx_attr(run, "propertyFile")) != NULL) {
		r = bm_rebase(in, v);
		bm_set(copy, "propertyFile", r);
		free(r);
		free(v);
	}
	v = bx_attr(run, "logfile");
	log = bm_logfile(st, in, name, v, &found);
	bm_set(copy, "logfile", log);
	*lost += !found;
	free(log);
	free(v);
	free(name);
	return copy;
}

/* A root attribute of the input whose own is least (or greatest). */
static const struct bm_input *
bm_extreme(const struct bm_input *const *ins, size_t n, const char *attr,
    int greatest)
{
	const struct bm_input *best = NULL;
	char *bv = NULL, *v;
	size_t i;

	for (i = 0; i < n; i++) {
		v = bx_attr(xmlDocGetRootElement(ins[i]->doc), attr);
		if (v != NULL && (bv == NULL ||
		    (greatest ? strcmp(v, bv) > 0 : strcmp(v, bv) < 0))) {
			free(bv);
			bv = v;
			best = ins[i];
		} else
			free(v);
	}
	free(bv);
	return best;
}

static void
bm_copy_attr(xmlNodePtr to, const struct bm_input *from, const char *attr)
{
	char *v;

	if (from == NULL ||
	    (v = bx_attr(xmlDocGetRootElement(from->doc), attr)) == NULL)
		return;
	bm_set(to, attr, v);
	free(v);
}

/* The first input with the root attribute, or NULL. */
static const struct bm_input *
bm_having(const struct bm_input *const *ins, size_t n, const char *attr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (xmlHasProp(xmlDocGetRootElement(ins[i]->doc),
		    (const xmlChar *)attr) != NULL)
			return ins[i];
	return NULL;
}

/* The root: the first file's attributes, name="RD", no block, the
 * earliest start and the latest end, an error when one had one. */
static xmlNodePtr
bm_root(const struct bm_input *const *ins, size_t n, const char *rd,
    xmlDocPtr doc)
{
	xmlNodePtr root = xmlNewDocNode(doc, NULL, (const xmlChar *)"result",
	    NULL);
	const xmlNode *first = xmlDocGetRootElement(ins[0]->doc);
	const struct bm_input *early;

	xmlDocSetRootElement(doc, root);
	root->properties = xmlCopyPropList(root, first->properties);
	xmlUnsetProp(root, (const xmlChar *)"block");
	if (*rd != '\0')
		bm_set(root, "name", rd);
	else
		xmlUnsetProp(root, (const xmlChar *)"name");
	early = bm_extreme(ins, n, "starttime", 0);
	bm_copy_attr(root, early, "starttime");
	bm_copy_attr(root, early, "date");
	bm_copy_attr(root, bm_extreme(ins, n, "endtime", 1), "endtime");
	bm_copy_attr(root, bm_having(ins, n, "error"), "error");
	return root;
}

static xmlNodePtr
bm_child(const xmlNode *parent, const char *name)
{
	xmlNodePtr c;

	for (c = parent->children; c != NULL; c = c->next)
		if (bx_is(c, name))
			return c;
	return NULL;
}

/* <columns>: every title once, in order of first appearance. */
static void
bm_columns(const struct bm_input *const *ins, size_t n, xmlNodePtr root)
{
	xmlNodePtr cols = xmlNewChild(root, NULL, (const xmlChar *)"columns",
	    NULL), c, k;
	struct strvec seen = STRVEC_INIT;
	size_t i, s;
	char *t;

	for (i = 0; i < n; i++) {
		k = bm_child(xmlDocGetRootElement(ins[i]->doc), "columns");
		for (c = k != NULL ? k->children : NULL; c != NULL; c = c->next) {
			if (!bx_is(c, "column") || (t = bx_attr(c, "title")) == NULL)
				continue;
			for (s = 0; s < seen.n && strcmp(seen.v[s], t) != 0; s++)
				;
			if (s == seen.n) {
				sv_push(&seen, t);
				xmlAddChild(cols, xmlDocCopyNode(c, root->doc, 1));
			}
			free(t);
		}
	}
	sv_clear(&seen);
}

static char *
bm_dump(xmlNodePtr n)
{
	xmlBufferPtr buf = xmlBufferCreate();
	char *s;

	xmlNodeDump(buf, n->doc, n, 0, 0);
	s = xstrdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return s;
}

/* <description> of the first that has one; <systeminfo> per distinct
 * machine. */
static void
bm_systeminfo(const struct bm_input *const *ins, size_t n, xmlNodePtr root)
{
	struct strvec seen = STRVEC_INIT;
	xmlNodePtr c, d = NULL;
	size_t i, s;
	char *dump;

	for (i = 0; i < n && d == NULL; i++)
		if ((d = bm_child(xmlDocGetRootElement(ins[i]->doc),
		    "description")) != NULL)
			xmlAddPrevSibling(root->children,
			    xmlDocCopyNode(d, root->doc, 1));
	for (i = 0; i < n; i++) {
		for (c = xmlDocGetRootElement(ins[i]->doc)->children; c != NULL;
		    c = c->next) {
			if (!bx_is(c, "systeminfo"))
				continue;
			dump = bm_dump(c);
			for (s = 0; s < seen.n && strcmp(seen.v[s], dump) != 0; s++)
				;
			if (s == seen.n) {
				sv_push(&seen, dump);
				xmlAddChild(root, xmlDocCopyNode(c, root->doc, 1));
			}
			free(dump);
		}
	}
	sv_clear(&seen);
}

/* The sum of one trailing total (<column title value="Ns"/> after the
 * runs) over the files: 0, or -1 when none has it or one is not seconds. */
static int
bm_total(const struct bm_input *const *ins, size_t n, const char *title,
    double *sum)
{
	int any = 0, bad = 0;
	xmlNodePtr c;
	char *t, *v, *end;
	double x;
	size_t i;

	*sum = 0;
	for (i = 0; i < n; i++) {
		for (c = xmlDocGetRootElement(ins[i]->doc)->children; c != NULL;
		    c = c->next) {
			if (!bx_is(c, "column") || (t = bx_attr(c, "title")) == NULL)
				continue;
			if (strcmp(t, title) == 0) {
				v = bx_attr(c, "value");
				x = v != NULL ? strtod(v, &end) : NAN;
				if (v == NULL || end == v || strcmp(end, "s") != 0 ||
				    !isfinite(x))
					bad = 1;
				else
					*sum += x;
				any = 1;
				free(v);
			}
			free(t);
		}
	}
	return any && !bad ? 0 : -1;
}

/* The totals of cputime and walltime, summed. */
static void
bm_totals(const struct bm_input *const *ins, size_t n, xmlNodePtr root)
{
	static const char *const titles[] = { "cputime", "walltime" };
	xmlNodePtr c;
	double sum;
	size_t t;
	char *v;

	for (t = 0; t < ARRAY_SIZE(titles); t++) {
		if (bm_total(ins, n, titles[t], &sum) == -1)
			continue;
		v = xasprintf("%.9gs", sum);
		c = xmlNewChild(root, NULL, (const xmlChar *)"column", NULL);
		bm_set(c, "title", titles[t]);
		bm_set(c, "value", v);
		free(v);
	}
}

/* The merged document of one rundefinition. */
static xmlDocPtr
bm_document(const struct bm_state *st, const struct bm_input *const *ins,
    size_t n, const char *rd, size_t *runs)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlDtdPtr dtd = ins[0]->doc->intSubset;
	xmlNodePtr root, c, r;
	size_t i, lost = 0;

	root = bm_root(ins, n, rd, doc);
	if (dtd != NULL && dtd->ExternalID != NULL && dtd->SystemID != NULL)
		xmlCreateIntSubset(doc, (const xmlChar *)"result",
		    dtd->ExternalID, dtd->SystemID);
	bm_columns(ins, n, root);
	bm_systeminfo(ins, n, root);
	for (i = 0; i < n; i++) {
		for (c = xmlDocGetRootElement(ins[i]->doc)->children; c != NULL;
		    c = c->next) {
			if (!bx_is(c, "run") ||
			    (r = bm_run(st, ins[i], c, doc, &lost)) == NULL)
				continue;
			xmlAddChild(root, r);
			(*runs)++;
		}
	}
	bm_totals(ins, n, root);
	if (lost > 0)
		warn("%s: %zu run log%s not found on the master (rundefinition "
		    "'%s')", st->run_dir, lost, lost == 1 ? "" : "s", rd);
	return doc;
}

/* --- the files ------------------------------------------------------ */

static int
bm_write_doc(xmlDocPtr doc, const char *path, char **cause)
{
	xmlChar *mem = NULL;
	int len = 0, rc;

	xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
	if (mem == NULL || len <= 0) {
		xmlFree(mem);
		return set_cause(cause, "%s: cannot serialize", path);
	}
	rc = write_bz2_file(path, mem, (size_t)len, cause);
	xmlFree(mem);
	return rc;
}

/* A relative symlink, made beside and renamed into place. */
static int
bm_link(const char *target, const char *path, char **cause)
{
	char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());

	unlink(tmp);
	if (symlink(target, tmp) == -1 || rename(tmp, path) == -1) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* The file's compression suffix (".xml.bz2", ".xml.gz", ".xml"). */
static const char *
bm_suffix(const char *file)
{
	const char *s = strstr(file, ".xml");

	while (s != NULL && strstr(s + 1, ".xml") != NULL)
		s = strstr(s + 1, ".xml");
	return s != NULL ? s : ".xml";
}

static char *
bm_name(const struct bx_merged *m, const char *rd, const char *block,
    const char *suffix)
{
	return xasprintf("%s.results.%s%s%s%s", m->name, rd,
	    *rd != '\0' && block != NULL ? "." : "",
	    block != NULL ? block : "", suffix);
}

/* The rundefinition's merged file and its tasks sets' links. */
static int
bm_write_rundef(struct bm_state *st, struct bx_merged *m, const char *rd,
    char **cause)
{
	struct bm_input **ins = xcalloc(st->n + 1, sizeof *ins);
	char *file, *path, *target;
	size_t i, n = 0;
	xmlDocPtr doc;
	int rc = 0;

	for (i = 0; i < st->n; i++)
		if (st->in[i].keep && strcmp(st->in[i].rundef, rd) == 0 &&
		    bm_parse(&st->in[i]) == 0)
			ins[n++] = &st->in[i];
	if (n == 0) {
		free(ins);
		return set_cause(cause, "rundefinition '%s': its result files "
		    "cannot be read any more", rd);
	}
	doc = bm_document(st, (const struct bm_input *const *)ins, n, rd,
	    &m->runs);
	file = *rd != '\0' ? bm_name(m, rd, NULL, ".xml.bz2") :
	    xasprintf("%s.results.xml.bz2", m->name);
	path = xasprintf("%s/%s", m->dir, file);
	if (bm_write_doc(doc, path, cause) == 0)
		sv_push(&m->files, path);
	else
		rc = -1;
	for (i = 0; rc == 0 && i < n; i++) {
		if (ins[i]->block == NULL)
			continue;
		free(path);
		free(file);
		file = bm_name(m, rd, ins[i]->block, bm_suffix(ins[i]->file));
		path = xasprintf("%s/%s", m->dir, file);
		target = xasprintf("../jobs/%s/output/%s", ins[i]->job,
		    ins[i]->file);
		if ((rc = bm_link(target, path, cause)) == 0)
			sv_push(&m->links, path);
		free(target);
	}
	xmlFreeDoc(doc);
	for (i = 0; i < n; i++) {
		xmlFreeDoc(ins[i]->doc);
		ins[i]->doc = NULL;
	}
	free(path);
	free(file);
	free(ins);
	return rc;
}

/* A file name as a literal in table-generator's glob patterns. */
static void
bm_glob_escape(struct strbuf *sb, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '*' || *s == '?' || *s == '[')
			sb_addf(sb, "[%c]", *s);
		else
			sb_addc(sb, *s);
	}
}

/* table.xml: one <union> per rundefinition, its merged file in it. */
static int
bm_write_table(const struct bm_state *st, struct bx_merged *m, char **cause)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = xmlNewDocNode(doc, NULL, (const xmlChar *)"table",
	    NULL), u, r;
	struct strbuf sb = STRBUF_INIT;
	xmlChar *mem = NULL;
	size_t i;
	int len = 0, rc;

	xmlDocSetRootElement(doc, root);
	xmlCreateIntSubset(doc, (const xmlChar *)"table", (const xmlChar *)
	    "+//IDN sosy-lab.org//DTD BenchExec table 1.0//EN",
	    (const xmlChar *)"https://www.sosy-lab.org/benchexec/table-1.0.dtd");
	for (i = 0; i < m->files.n; i++) {
		const char *base = strrchr(m->files.v[i], '/') + 1;

		u = xmlNewChild(root, NULL, (const xmlChar *)"union", NULL);
		if (i < st->rundefs.n && *st->rundefs.v[i] != '\0')
			bm_set(u, "title", st->rundefs.v[i]);
		r = xmlNewChild(u, NULL, (const xmlChar *)"result", NULL);
		sb_reset(&sb);
		bm_glob_escape(&sb, base);
		bm_set(r, "filename", sb_str(&sb));
	}
	xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
	rc = mem != NULL && len > 0 ?
	    write_file_atomic(m->table, mem, (size_t)len, cause) :
	    set_cause(cause, "%s: cannot serialize", m->table);
	xmlFree(mem);
	xmlFreeDoc(doc);
	sb_release(&sb);
	return rc;
}

/* m->name: BENCH.DATE, the earliest date of all files. */
static void
bm_name_run(const struct bm_state *st, struct bx_merged *m)
{
	const struct bm_input *best = NULL;
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->in[i].keep && (best == NULL ||
		    strcmp(st->in[i].date, best->date) < 0))
			best = &st->in[i];
	m->name = xasprintf("%s.%s", best->bench, best->date);
}

static void
bm_free(struct bm_state *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		bm_input_free(&st->in[i]);
	free(st->in);
	sv_clear(&st->rundefs);
}

int
bx_merge_run(const char *run_dir, struct bx_merged *m, char **cause)
{
	struct bm_state st = { run_dir, NULL, 0, 0, STRVEC_INIT };
	struct strvec ids = STRVEC_INIT;
	size_t i;
	int rc = -1;

	memset(m, 0, sizeof *m);
	m->dir = xasprintf("%s/%s", run_dir, BX_MERGE_DIR);
	m->table = xasprintf("%s/%s", m->dir, BX_TABLE_FILE);
	bm_job_ids(run_dir, &ids);
	for (i = 0; i < ids.n; i++)
		bm_scan_job(&st, ids.v[i]);
	if (st.rundefs.n == 0) {
		set_cause(cause, "%s: no BenchExec result file in jobs/*/output/",
		    run_dir);
		goto out;
	}
	bm_name_run(&st, m);
	if (mkdir_p(m->dir, 0755, cause) == -1)
		goto out;
	for (i = 0; i < st.rundefs.n; i++)
		if (bm_write_rundef(&st, m, st.rundefs.v[i], cause) == -1)
			goto out;
	rc = bm_write_table(&st, m, cause);
out:
	sv_clear(&ids);
	bm_free(&st);
	return rc;
}

void
bx_merged_free(struct bx_merged *m)
{
	free(m->dir);
	free(m->table);
	free(m->name);
	sv_clear(&m->files);
	sv_clear(&m->links);
	memset(m, 0, sizeof *m);
}
