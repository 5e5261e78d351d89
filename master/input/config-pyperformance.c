/*
 * config-pyperformance.c - a pyperformance campaign: one job per revision,
 * each running "pyperformance compile" on the worker with a compile config
 * generated there from the campaign's settings.
 *
 * Schema (root <pyperformance>; anything not listed is an error with its
 * line):
 *
 *	<pyperformance python="python3" template="benchmark.conf">
 *	  <env name="PYTHONPATH">/opt/pyperformance</env>
 *	  <section name="compile">
 *	    <option name="lto">yes</option>
 *	    <option name="pgo">no</option>
 *	  </section>
 *	  <benchmarks>pyflate,nbody</benchmarks>
 *	  <revision commit="8f3a1c2d9e4b"/>
 *	  <revision branch="main" remote="origin"/>
 *	  <revision name="3.12-fix" commit="0c1d2e3f" branch="3.12"/>
 *	</pyperformance>
 *
 * <pyperformance>: python= the interpreter on the worker that runs
 *	pyperformance (default "python3", found on the worker's PATH; one
 *	word not starting with '-');
 *	template= an ini file in pyperformance's format, read on the master
 *	when the run is planned, relative to this file's directory (at most
 *	64 KiB); needs-archive="yes|no" (default no) as for <jobs>: with yes,
 *	a tool archive is required and its bin/ is on PATH.
 * <env name="NAME">VALUE</env>: set for every job (NAME as for <jobs>;
 *	DIST_PYPERF_INI is reserved).
 * <section name="S"><option name="K">VALUE</option>...</section>: options
 *	of section [S] of the compile config, S one of config, scm, compile,
 *	run_benchmark, upload, compile_all, compile_all_revisions.  Options
 *	given here override the template's, section by section, option by
 *	option.  K matches [A-Za-z0-9_.-]+ and is lowercased (as Python's
 *	configparser does); VALUE is the text with surrounding blanks removed,
 *	on one line.
 * <benchmarks>LIST</benchmarks>: [run_benchmark] benchmarks=, names
 *	separated by commas or blanks ("-name" excludes one); wins over the
 *	same option given otherwise.
 * <revision commit="REV" branch="BRANCH" remote="REMOTE" name="NAME"/>:
 *	one job, at least one per campaign.  commit= or branch= is required;
 *	with both, "compile ... REV BRANCH" is run, with branch= alone
 *	"compile ... BRANCH".  remote= sets git_remote = remotes/REMOTE (in
 *	[config], where pyperformance reads it, and [scm], where its sample
 *	puts it).  Revisions, branches and remotes are single words not
 *	starting with '-'.  The job's name is name=, else the commit, else
 *	the branch; names must be unique (give name= to run one revision
 *	twice).
 *
 * The template file holds sections [S] (the names above), "key = value"
 * or "key: value" lines, indented continuation lines and full-line
 * comments starting with '#' or ';' (CRLF accepted); a section or key
 * given twice in it is an error, as in configparser's strict mode.  Its
 * errors read "XML:LINE: TEMPLATE:LINE: message".  The merged config is
 * written again section by section, in the order above (comments
 * dropped; at most 100 KiB, as it travels in the environment).
 * Defaults when not given: [config] json_dir = {job_dir}/json,
 * [scm] repo_dir = {workdir}/cpython, [compile] bench_dir =
 * {workdir}/pyperf-bench.
 *
 * Paths refer to the worker: the config is written on the worker, as
 * ./compile.ini in the directory the job runs in (so it comes back with
 * the job), replacing {job_dir} with that directory ($PWD: the job's
 * directory, or its tmpfs copy with tmpfs=), {workdir} with the machine's
 * workdir ($DIST_WORKDIR) and {home} with $HOME, each with '%' doubled
 * for configparser's interpolation.  A replacement that is empty or holds
 * a newline or '#' (pyperformance cuts values at '#') stops the job with
 * exit 2 and a message on stderr, as does a missing DIST_PYPERF_INI.  Keep
 * json_dir under {job_dir}, or the results stay on the worker.
 *
 * Placeholders follow the rule of every config (placeholders.h): in the
 * compile config (template and <option> values) and <env> values,
 * {revision} is the job's revision (commit=, else branch=), replaced on
 * the master; {job_dir}, {workdir} and {home} (compile config only) are
 * declared too, filled on the worker; {{ and }} are literal braces,
 * ${...} is untouched, any other {...} is kept as written (a {NAME} with
 * a warning).  The text sent to the worker has every literal '{' doubled
 * and the program turns "{{" back into '{', so that a literal
 * "{{job_dir}}" stays "{job_dir}".  Jobs of one machine share repo_dir and
 * bench_dir: give pyperformance machines one slot ("1/host").
 *
 * Each job runs, in its directory, a fixed sh program with the data as
 * its arguments, and the config text (with the placeholders) in the
 * environment variable DIST_PYPERF_INI:
 *
 *	sh -c PROGRAM sh PYTHON REV [BRANCH]
 *	   -> PYTHON -m pyperformance compile $PWD/compile.ini REV [BRANCH]
 *
 * Exit codes: 10 "result already exists" counts as success, 11 "compile
 * error" and 12 "benchmark error" are failures with that meaning.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "input/config.h"
#include "input/placeholders.h"

#define PP_NSECTIONS	7
#define PP_TEMPLATE_MAX	(64 * 1024)
/* Linux caps one environment string at 128 KiB (MAX_ARG_STRLEN). */
#define PP_INI_MAX	(100 * 1024)
#define PP_INI_VAR	"DIST_PYPERF_INI"

static const char *const pp_sections[PP_NSECTIONS + 1] = { "config", "scm",
	"compile", "run_benchmark", "upload", "compile_all",
	"compile_all_revisions", NULL };
#define PP_SECTION_LIST "config, scm, compile, run_benchmark, upload, " \
	"compile_all or compile_all_revisions"

static const char *const root_attrs[] = { "python", "template",
	"needs-archive", NULL };
static const char *const name_attrs[] = { "name", NULL };
static const char *const no_attrs[] = { NULL };
static const char *const revision_attrs[] = { "commit", "branch", "remote",
	"name", NULL };

/* Options set when the campaign gives none. */
static const struct {
	const char	*section;
	const char	*key;
	const char	*value;
} pp_defaults[] = {
	{ "config", "json_dir", "{job_dir}/json" },
	{ "scm", "repo_dir", "{workdir}/cpython" },
	{ "compile", "bench_dir", "{workdir}/pyperf-bench" },
};

/* The names a campaign declares: revision (the job's), then those the
 * program fills on the worker, in the compile config only. */
static const char *const pp_ph_names[] = { "revision", "job_dir", "workdir",
	"home" };
#define PP_PH_ENV	1	/* <env> values: revision only */
#define PP_PH_INI	4
#define PP_PH_DECLARED	"{revision}, {job_dir}, {workdir} or {home}"

/*
 * The job's program: writes ./compile.ini from $DIST_PYPERF_INI with the
 * placeholders replaced (parameter expansion only: no eval, no sed), then
 * runs pyperformance.  $1 is the interpreter, the rest its arguments.
 */
static const char pp_program[] =
"# distribute: write ./compile.ini from $DIST_PYPERF_INI, run pyperformance\n"
"nl=\"\n"
"\"\n"
"fail() { printf \"distribute: %s\\n\" \"$1\" >&2; exit 2; }\n"
"val() {\n"
"\tcase $1 in\n"
"\t\"\") fail \"$2 is empty\" ;;\n"
"\t*\"$nl\"*|*\"#\"*) fail \"$2 \\\"$1\\\" holds a newline or #\" ;;\n"
"\tesac\n"
"\tv=\"\" w=$1\n"
"\twhile :; do\n"
"\t\tcase $w in\n"
"\t\t*%*) v=$v${w%%\"%\"*}%%; w=${w#*\"%\"} ;;\n"
"\t\t*) v=$v$w; return 0 ;;\n"
"\t\tesac\n"
"\tdone\n"
"}\n"
"[ -n \"${DIST_PYPERF_INI+x}\" ] || fail \"DIST_PYPERF_INI is not set\"\n"
"r=$DIST_PYPERF_INI o=\"\"\n"
"while :; do\n"
"\tcase $r in\n"
"\t*\"{\"*) ;;\n"
"\t*) o=$o$r; break ;;\n"
"\tesac\n"
"\to=$o${r%%\"{\"*}\n"
"\tr=${r#*\"{\"}\n"
"\tcase $r in\n"
"\t\"job_dir}\"*) val \"$PWD\" \"the job directory\" ;;\n"
"\t\"workdir}\"*) val \"${DIST_WORKDIR-}\" DIST_WORKDIR ;;\n"
"\t\"home}\"*) val \"${HOME-}\" HOME ;;\n"
"\t\"{\"*) o=$o\"{\"; r=${r#\"{\"}; continue ;;\n"
"\t*) o=$o\"{\"; continue ;;\n"
"\tesac\n"
"\to=$o$v\n"
"\tr=${r#*\"}\"}\n"
"done\n"
"printf %s \"$o\" >compile.ini || fail \"cannot write compile.ini\"\n"
"py=$1\n"
"shift\n"
"exec \"$py\" -m pyperformance compile \"$PWD/compile.ini\" \"$@\"\n";

/* The compile config: per section, keys (lowercase) and their values. */
struct pp_ini {
	struct strvec	keys[PP_NSECTIONS];
	struct strvec	values[PP_NSECTIONS];
};

/* What every job of the campaign shares. */
struct pp_campaign {
	struct pp_ini	 ini;
	struct strvec	 env;
	char		*python;
	long		 section_line[PP_NSECTIONS];	/* XML <section> */
	long		 benchmarks_line;
	struct config_origin *origins;
};

/* A template being read. */
struct pp_reader {
	struct dist_config *cfg;	/* for warnings */
	const xmlNode	*root;
	const char	*path;
	long		 line;
	int		 sec;		/* current section, or -1 */
	long		 last;		/* its last option, or -1 */
	long		 seen[PP_NSECTIONS];	/* line of each [section] */
};

/* --- the ini model -------------------------------------------------- */

static int
pp_section_index(const char *name)
{
	int i;

	for (i = 0; i < PP_NSECTIONS; i++)
		if (strcmp(pp_sections[i], name) == 0)
			return i;
	return -1;
}

static long
pp_ini_find(const struct pp_ini *ini, int sec, const char *key)
{
	size_t i;

	for (i = 0; i < ini->keys[sec].n; i++)
		if (strcmp(ini->keys[sec].v[i], key) == 0)
			return (long)i;
	return -1;
}

/* Set key (already lowercase) in section sec, replacing its value. */
static void
pp_ini_set(struct pp_ini *ini, int sec, const char *key, const char *value)
{
	long i = pp_ini_find(ini, sec, key);

	if (i >= 0) {
		free(ini->values[sec].v[i]);
		ini->values[sec].v[i] = xstrdup(value);
		return;
	}
	sv_push(&ini->keys[sec], key);
	sv_push(&ini->values[sec], value);
}

static void
pp_ini_copy(struct pp_ini *dst, const struct pp_ini *src)
{
	int i;

	for (i = 0; i < PP_NSECTIONS; i++) {
		sv_copy(&dst->keys[i], &src->keys[i]);
		sv_copy(&dst->values[i], &src->values[i]);
	}
}

static void
pp_ini_clear(struct pp_ini *ini)
{
	int i;

	for (i = 0; i < PP_NSECTIONS; i++) {
		sv_clear(&ini->keys[i]);
		sv_clear(&ini->values[i]);
	}
}

/* "key = value", continuation lines indented with a tab. */
static void
pp_ini_render_value(struct strbuf *sb, const char *key, const char *value)
{
	const char *p;

	sb_addf(sb, "%s =%s", key, *value != '\0' && *value != '\n' ? " " :
	    "");
	for (p = value; *p != '\0'; p++) {
		sb_addc(sb, *p);
		if (*p == '\n')
			sb_addc(sb, '\t');
	}
	sb_addc(sb, '\n');
}

/* The config text: the sections that have options, in a fixed order. */
static char *
pp_ini_render(const struct pp_ini *ini)
{
	struct strbuf sb = STRBUF_INIT;
	size_t k;
	int i;

	for (i = 0; i < PP_NSECTIONS; i++) {
		if (ini->keys[i].n == 0)
			continue;
		if (sb.len > 0)
			sb_addc(&sb, '\n');
		sb_addf(&sb, "[%s]\n", pp_sections[i]);
		for (k = 0; k < ini->keys[i].n; k++)
			pp_ini_render_value(&sb, ini->keys[i].v[k],
			    ini->values[i].v[k]);
	}
	return sb_detach(&sb);
}

/* [A-Za-z0-9_.-]+, lowercased in place. */
static int
pp_key_ok(char *key)
{
	char *p;

	if (*key == '\0')
		return 0;
	for (p = key; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' &&
		    *p != '-')
			return 0;
		*p = (char)tolower((unsigned char)*p);
	}
	return 1;
}

/* s without leading and trailing blanks, allocated. */
static char *
pp_strip(const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return xstrndup(s, len);
}

/* --- placeholders --------------------------------------------------- */

/* Report each {NAME} of text that no job will replace; where names it. */
static void
pp_ph_check(struct dist_config *cfg, const xmlNode *node, const char *where,
    const char *text, size_t nnames)
{
	static const char *const late[PP_PH_INI] = { NULL, NULL, NULL, NULL };
	const struct ph_vars v = { pp_ph_names, late, nnames };
	struct strvec unknown = STRVEC_INIT;

	free(ph_expand(text, &v, NULL, &unknown));
	ph_warn_unknown(cfg, node, where, nnames == PP_PH_ENV ? "{revision}" :
	    PP_PH_DECLARED, &unknown);
	sv_clear(&unknown);
}

/* A job's compile config: {revision} replaced, the worker's names kept,
 * literal braces doubled for the program. */
static char *
pp_ph_ini(const char *ini, const char *revision)
{
	const char *const values[PP_PH_INI] = { revision, NULL, NULL, NULL };
	const struct ph_vars v = { pp_ph_names, values, PP_PH_INI };

	return ph_expand_late(ini, &v, NULL);
}

/* A job's env: each NAME=VALUE with {revision} replaced in VALUE. */
static void
pp_ph_env(struct strvec *out, const struct strvec *in, const char *revision)
{
	const char *const values[PP_PH_ENV] = { revision };
	const struct ph_vars v = { pp_ph_names, values, PP_PH_ENV };
	size_t i;

	for (i = 0; i < in->n; i++) {
		const char *eq = strchr(in->v[i], '=');
		char *s = ph_expand(eq + 1, &v, NULL, NULL);

		sv_pushf(out, "%.*s=%s", (int)(eq - in->v[i]), in->v[i], s);
		free(s);
	}
}

/* --- the template file ---------------------------------------------- */

/* A template value's {NAME}s: "XML:LINE: TEMPLATE:LINE: {x} is not ...". */
static void
pp_tmpl_check(const struct pp_reader *r, const char *value)
{
	char *where = xasprintf("%s:%ld", r->path, r->line);

	pp_ph_check(r->cfg, r->root, where, value, PP_PH_INI);
	free(where);
}

static int PRINTFLIKE(3, 4)
pp_tmpl_error(const struct pp_reader *r, char **cause, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	set_cause(cause, "%s:%ld: %s", r->path, r->line, msg);
	free(msg);
	return -1;
}

static int
pp_tmpl_header(struct pp_reader *r, const char *line, size_t len,
    char **cause)
{
	char *name;
	int sec, rc = -1;

	if (len < 3 || line[len - 1] != ']')
		return pp_tmpl_error(r, cause, "bad section header '%s'", line);
	name = xstrndup(line + 1, len - 2);
	if ((sec = pp_section_index(name)) == -1) {
		pp_tmpl_error(r, cause, "unknown section [%s]: expected "
		    PP_SECTION_LIST, name);
		goto out;
	}
	if (r->seen[sec] != 0) {
		pp_tmpl_error(r, cause, "duplicate section [%s] (also at line "
		    "%ld)", name, r->seen[sec]);
		goto out;
	}
	r->seen[sec] = r->line;
	r->sec = sec;
	r->last = -1;
	rc = 0;
out:
	free(name);
	return rc;
}

static int
pp_tmpl_option(struct pp_reader *r, struct pp_ini *ini, const char *line,
    size_t len, char **cause)
{
	size_t klen = strcspn(line, "=:");
	char *key = NULL, *value = NULL;
	int rc = -1;

	if (r->sec == -1)
		return pp_tmpl_error(r, cause, "'%s' is outside a section",
		    line);
	if (klen == len)
		return pp_tmpl_error(r, cause, "expected 'key = value', not "
		    "'%s'", line);
	key = pp_strip(line, klen);
	value = pp_strip(line + klen + 1, len - klen - 1);
	if (!pp_key_ok(key)) {
		pp_tmpl_error(r, cause, "bad option name '%s'", key);
		goto out;
	}
	if (pp_ini_find(ini, r->sec, key) != -1) {
		pp_tmpl_error(r, cause, "duplicate option '%s' in [%s]", key,
		    pp_sections[r->sec]);
		goto out;
	}
	pp_tmpl_check(r, value);
	pp_ini_set(ini, r->sec, key, value);
	r->last = (long)ini->keys[r->sec].n - 1;
	rc = 0;
out:
	free(key);
	free(value);
	return rc;
}

/* An indented line continues the last option's value. */
static int
pp_tmpl_continue(struct pp_reader *r, struct pp_ini *ini, const char *line,
    size_t len, char **cause)
{
	char *more, *joined, **v;

	if (r->sec == -1 || r->last == -1)
		return pp_tmpl_error(r, cause, "indented line '%s' continues "
		    "no option", line);
	more = pp_strip(line, len);
	pp_tmpl_check(r, more);
	v = &ini->values[r->sec].v[r->last];
	joined = xasprintf("%s\n%s", *v, more);
	free(more);
	free(*v);
	*v = joined;
	return 0;
}

/* One line (without its newline, may end with \r). */
static int
pp_tmpl_line(struct pp_reader *r, struct pp_ini *ini, const char *line,
    size_t len, char **cause)
{
	const char *p = line;
	char *s;
	int rc;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	while (p < line + len && isspace((unsigned char)*p))
		p++;
	if (p == line + len || *p == '#' || *p == ';')
		return 0;
	s = xstrndup(line, len);
	if (p != line)
		rc = pp_tmpl_continue(r, ini, s, len, cause);
	else if (*s == '[')
		rc = pp_tmpl_header(r, s, strlen(s), cause);
	else
		rc = pp_tmpl_option(r, ini, s, len, cause);
	free(s);
	return rc;
}

/* Parse a template's text into ini (which must be empty). */
static int
pp_tmpl_parse(struct dist_config *cfg, const xmlNode *root, const char *path,
    const char *data, size_t len, struct pp_ini *ini, char **cause)
{
	struct pp_reader r;
	const char *p = data, *end = data + len, *nl;

	memset(&r, 0, sizeof r);
	r.cfg = cfg;
	r.root = root;
	r.path = path;
	r.sec = -1;
	r.last = -1;
	if (strlen(data) != len)
		return set_cause(cause, "%s: contains a NUL byte", path);
	while (p < end) {
		r.line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (pp_tmpl_line(&r, ini, p, (size_t)(nl - p), cause) == -1)
			return -1;
		p = nl + 1;
	}
	return 0;
}

/* The template file, relative to the XML file's directory. */
static char *
pp_tmpl_path(const struct dist_config *cfg, const char *file)
{
	const char *slash = strrchr(cfg->path, '/');

	if (*file == '/' || slash == NULL)
		return xstrdup(file);
	return xasprintf("%.*s/%s", (int)(slash - cfg->path), cfg->path, file);
}

static int
pp_tmpl_stat(const struct dist_config *cfg, const xmlNode *root,
    const char *path, char **cause)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return config_error(cfg, root, cause, "template '%s': %s", path,
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return config_error(cfg, root, cause, "template '%s': not a "
		    "regular file", path);
	if (st.st_size > PP_TEMPLATE_MAX)
		return config_error(cfg, root, cause, "template '%s': larger "
		    "than %d bytes", path, PP_TEMPLATE_MAX);
	return 0;
}

static int
pp_template(struct dist_config *cfg, const xmlNode *root,
    struct pp_ini *ini, char **cause)
{
	char *file = config_attr(root, "template"), *path = NULL, *data = NULL;
	size_t len;
	int rc = -1;

	if (file == NULL)
		return 0;
	if (*file == '\0') {
		config_error(cfg, root, cause, "template= is empty");
		goto out;
	}
	path = pp_tmpl_path(cfg, file);
	if (pp_tmpl_stat(cfg, root, path, cause) == -1)
		goto out;
	if (read_file(path, &data, &len, cause) == -1) {
		prefix_cause(cause, "%s:%ld: template", cfg->path,
		    xmlGetLineNo(root));
		goto out;
	}
	if (pp_tmpl_parse(cfg, root, path, data, len, ini, cause) == -1) {
		prefix_cause(cause, "%s:%ld", cfg->path, xmlGetLineNo(root));
		goto out;
	}
	rc = 0;
out:
	free(file);
	free(path);
	free(data);
	return rc;
}

/* --- XML settings --------------------------------------------------- */

static int
pp_option(struct dist_config *cfg, const xmlNode *node, int sec,
    struct pp_ini *ini, struct strvec *here, char **cause)
{
	char *key = NULL, *text = NULL, *value = NULL, *where;
	size_t i;
	int rc = -1;

	if (config_check_attrs(cfg, node, name_attrs, cause) == -1)
		goto out;
	if ((key = config_attr(node, "name")) == NULL) {
		config_error(cfg, node, cause, "<option> has no name attribute");
		goto out;
	}
	if (!pp_key_ok(key)) {
		config_error(cfg, node, cause, "bad option name '%s'", key);
		goto out;
	}
	for (i = 0; i < here->n; i++) {
		if (strcmp(here->v[i], key) == 0) {
			config_error(cfg, node, cause, "duplicate <option> '%s' "
			    "in <section> '%s'", key, pp_sections[sec]);
			goto out;
		}
	}
	if (config_text(cfg, node, &text, cause) == -1)
		goto out;
	value = pp_strip(text, strlen(text));
	if (strchr(value, '\n') != NULL) {
		config_error(cfg, node, cause, "<option> '%s' holds a newline",
		    key);
		goto out;
	}
	where = xasprintf("<option> '%s'", key);
	pp_ph_check(cfg, node, where, value, PP_PH_INI);
	free(where);
	sv_push(here, key);
	pp_ini_set(ini, sec, key, value);
	rc = 0;
out:
	free(key);
	free(text);
	free(value);
	return rc;
}

static int
pp_section_name(const struct dist_config *cfg, const xmlNode *node,
    struct pp_campaign *c, int *sec, char **cause)
{
	char *name = config_attr(node, "name");
	int rc = -1;

	if (name == NULL) {
		config_error(cfg, node, cause, "<section> has no name "
		    "attribute");
		goto out;
	}
	if ((*sec = pp_section_index(name)) == -1) {
		config_error(cfg, node, cause, "unknown section '%s': expected "
		    PP_SECTION_LIST, name);
		goto out;
	}
	if (c->section_line[*sec] != 0) {
		config_error(cfg, node, cause, "duplicate <section> '%s' (also "
		    "at line %ld)", name, c->section_line[*sec]);
		goto out;
	}
	c->section_line[*sec] = xmlGetLineNo(node);
	rc = 0;
out:
	free(name);
	return rc;
}

static int
pp_section(struct dist_config *cfg, const xmlNode *node,
    struct pp_campaign *c, char **cause)
{
	struct strvec here = STRVEC_INIT;
	const xmlNode *n;
	int sec, rc;

	if (config_check_attrs(cfg, node, name_attrs, cause) == -1 ||
	    pp_section_name(cfg, node, c, &sec, cause) == -1)
		return -1;
	rc = 0;
	for (n = node->children; n != NULL && rc == 0; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			rc = config_blank(cfg, n, cause);
		else if (config_is(n, "option"))
			rc = pp_option(cfg, n, sec, &c->ini, &here, cause);
		else
			rc = config_error(cfg, n, cause, "unknown element <%s> "
			    "in <section>", (const char *)n->name);
	}
	sv_clear(&here);
	return rc;
}

/* Names separated by commas or blanks, joined with commas. */
static int
pp_benchmark_list(const char *text, struct strbuf *sb, char **bad)
{
	const char *p = text, *sep = ", \t\r\n";
	size_t n, i;

	while (*(p += strspn(p, sep)) != '\0') {
		n = strcspn(p, sep);
		for (i = 0; i < n; i++) {
			if (!isalnum((unsigned char)p[i]) && p[i] != '_' &&
			    p[i] != '.' && (p[i] != '-' || n == 1)) {
				*bad = xstrndup(p, n);
				return -1;
			}
		}
		if (sb->len > 0)
			sb_addc(sb, ',');
		sb_add(sb, p, n);
		p += n;
	}
	return 0;
}

static int
pp_benchmarks(const struct dist_config *cfg, const xmlNode *node,
    struct pp_campaign *c, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	char *text = NULL, *bad = NULL;
	int rc = -1;

	if (c->benchmarks_line != 0) {
		config_error(cfg, node, cause, "duplicate <benchmarks> (also "
		    "at line %ld)", c->benchmarks_line);
		goto out;
	}
	c->benchmarks_line = xmlGetLineNo(node);
	if (config_check_attrs(cfg, node, no_attrs, cause) == -1 ||
	    config_text(cfg, node, &text, cause) == -1)
		goto out;
	if (pp_benchmark_list(text, &sb, &bad) == -1)
		config_error(cfg, node, cause, "bad benchmark name '%s'", bad);
	else if (sb.len == 0)
		config_error(cfg, node, cause, "<benchmarks> is empty");
	else {
		pp_ini_set(&c->ini, pp_section_index("run_benchmark"),
		    "benchmarks", sb.buf);
		rc = 0;
	}
out:
	sb_release(&sb);
	free(text);
	free(bad);
	return rc;
}

/* <env>: as for <jobs>, its value's {NAME}s reported. */
static int
pp_env(struct dist_config *cfg, const xmlNode *node, struct pp_campaign *c,
    char **cause)
{
	const char *value;

	if (config_env(cfg, node, &c->env, PP_INI_VAR, cause) == -1)
		return -1;
	value = strchr(c->env.v[c->env.n - 1], '=') + 1;
	pp_ph_check(cfg, node, "<env>", value, PP_PH_ENV);
	return 0;
}

/* Everything but the revisions, in document order. */
static int
pp_settings(struct dist_config *cfg, const xmlNode *root,
    struct pp_campaign *c, char **cause)
{
	const xmlNode *n;
	int rc = 0;

	for (n = root->children; n != NULL && rc == 0; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			rc = config_blank(cfg, n, cause);
		else if (config_is(n, "env"))
			rc = pp_env(cfg, n, c, cause);
		else if (config_is(n, "section"))
			rc = pp_section(cfg, n, c, cause);
		else if (config_is(n, "benchmarks"))
			rc = pp_benchmarks(cfg, n, c, cause);
		else if (!config_is(n, "revision"))
			rc = config_error(cfg, n, cause, "unknown element <%s> "
			    "in <pyperformance>", (const char *)n->name);
	}
	return rc;
}

static void
pp_set_defaults(struct pp_ini *ini)
{
	size_t i;
	int sec;

	for (i = 0; i < ARRAY_SIZE(pp_defaults); i++) {
		sec = pp_section_index(pp_defaults[i].section);
		if (pp_ini_find(ini, sec, pp_defaults[i].key) == -1)
			pp_ini_set(ini, sec, pp_defaults[i].key,
			    pp_defaults[i].value);
	}
}

/* --- revisions ------------------------------------------------------ */

/* A revision, branch or remote: one word, not an option. */
static int
pp_word_ok(const char *s, int remote)
{
	const unsigned char *p;

	if (*s == '\0' || *s == '-')
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f)
			return 0;
		if (remote && !isalnum(*p) && strchr("._/-", *p) == NULL)
			return 0;
	}
	return 1;
}

/* One attribute of <revision>, NULL when absent. */
static int
pp_rev_attr(const struct dist_config *cfg, const xmlNode *node,
    const char *attr, char **value, char **cause)
{
	int remote = strcmp(attr, "remote") == 0;

	if ((*value = config_attr(node, attr)) == NULL)
		return 0;
	if (strcmp(attr, "name") == 0) {
		if (**value == '\0')
			return config_error(cfg, node, cause, "name= is empty");
		return 0;
	}
	if (!pp_word_ok(*value, remote))
		return config_error(cfg, node, cause, "bad %s '%s': expected "
		    "one word%s, not starting with '-'", attr, *value,
		    remote ? " of [A-Za-z0-9._/-]" : "");
	return 0;
}

static void
pp_job_exits(struct dist_job *job)
{
	static const struct { int code, ok; const char *meaning; } ex[] = {
		{ 10, 1, "result already exists" },
		{ 11, 0, "compile error" },
		{ 12, 0, "benchmark error" },
	};
	size_t i;

	job->exits = xcalloc(ARRAY_SIZE(ex), sizeof *job->exits);
	job->nexits = ARRAY_SIZE(ex);
	for (i = 0; i < ARRAY_SIZE(ex); i++) {
		job->exits[i].code = ex[i].code;
		job->exits[i].ok = ex[i].ok;
		job->exits[i].meaning = xstrdup(ex[i].meaning);
	}
}

/* The config text of one revision: the campaign's, with its remote,
 * placeholders as the program wants them. */
static char *
pp_job_ini(const struct pp_campaign *c, const char *remote,
    const char *revision)
{
	struct pp_ini ini;
	char *text, *gr, *late;

	memset(&ini, 0, sizeof ini);
	pp_ini_copy(&ini, &c->ini);
	if (remote != NULL) {
		gr = xasprintf("remotes/%s", remote);
		pp_ini_set(&ini, pp_section_index("config"), "git_remote", gr);
		pp_ini_set(&ini, pp_section_index("scm"), "git_remote", gr);
		free(gr);
	}
	text = pp_ini_render(&ini);
	pp_ini_clear(&ini);
	late = pp_ph_ini(text, revision);
	free(text);
	return late;
}

static void
pp_add_job(struct dist_config *cfg, const struct pp_campaign *c,
    const char *name, const char *commit, const char *branch, char *ini)
{
	struct dist_job *job = config_add_job(cfg);
	const char *parts[1];

	job->name = xstrdup(name);
	parts[0] = name;
	job->id = make_job_id(parts, 1);
	job->revision = xstrdup(commit != NULL ? commit : branch);
	job->branch = branch != NULL ? xstrdup(branch) : NULL;
	sv_push(&job->argv, "sh");
	sv_push(&job->argv, "-c");
	sv_push(&job->argv, pp_program);
	sv_push(&job->argv, "sh");
	sv_push(&job->argv, c->python);
	sv_push(&job->argv, job->revision);
	if (commit != NULL && branch != NULL)
		sv_push(&job->argv, branch);
	pp_ph_env(&job->env, &c->env, job->revision);
	sv_pushf(&job->env, "%s=%s", PP_INI_VAR, ini);
	pp_job_exits(job);
}

static int
pp_revision(struct dist_config *cfg, const xmlNode *node,
    struct pp_campaign *c, char **cause)
{
	char *commit = NULL, *branch = NULL, *remote = NULL, *name = NULL;
	char *ini = NULL;
	const xmlNode *n;
	int rc = -1;

	if (config_check_attrs(cfg, node, revision_attrs, cause) == -1 ||
	    pp_rev_attr(cfg, node, "commit", &commit, cause) == -1 ||
	    pp_rev_attr(cfg, node, "branch", &branch, cause) == -1 ||
	    pp_rev_attr(cfg, node, "remote", &remote, cause) == -1 ||
	    pp_rev_attr(cfg, node, "name", &name, cause) == -1)
		goto out;
	for (n = node->children; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE) {
			config_error(cfg, n, cause, "unknown element <%s> in "
			    "<revision>", (const char *)n->name);
			goto out;
		}
		if (config_blank(cfg, n, cause) == -1)
			goto out;
	}
	if (commit == NULL && branch == NULL) {
		config_error(cfg, node, cause, "<revision> needs commit= or "
		    "branch=");
		goto out;
	}
	ini = pp_job_ini(c, remote, commit != NULL ? commit : branch);
	if (strlen(ini) > PP_INI_MAX) {
		config_error(cfg, node, cause, "the compile config is larger "
		    "than %d bytes", PP_INI_MAX);
		goto out;
	}
	pp_add_job(cfg, c, name != NULL ? name : commit != NULL ? commit :
	    branch, commit, branch, ini);
	c->origins = xreallocarray(c->origins, cfg->njobs, sizeof *c->origins);
	c->origins[cfg->njobs - 1].name = cfg->jobs[cfg->njobs - 1].name;
	c->origins[cfg->njobs - 1].line = xmlGetLineNo(node);
	rc = 0;
out:
	free(commit);
	free(branch);
	free(remote);
	free(name);
	free(ini);
	return rc;
}

/* --- the campaign --------------------------------------------------- */

static int
pp_root(struct dist_config *cfg, const xmlNode *root, struct pp_campaign *c,
    char **cause)
{
	char *s;
	int rc = 0;

	if (config_check_attrs(cfg, root, root_attrs, cause) == -1)
		return -1;
	if ((c->python = config_attr(root, "python")) == NULL)
		c->python = xstrdup("python3");
	else if (!pp_word_ok(c->python, 0))
		return config_error(cfg, root, cause, "bad python '%s': "
		    "expected a command without blanks", c->python);
	if ((s = config_attr(root, "needs-archive")) == NULL ||
	    strcmp(s, "no") == 0 || strcmp(s, "false") == 0)
		cfg->needs_archive = 0;
	else if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0)
		cfg->needs_archive = 1;
	else
		rc = config_error(cfg, root, cause, "needs-archive='%s': "
		    "expected yes or no", s);
	free(s);
	return rc;
}

/* One job per <revision>, counted before any is made. */
static unsigned long long
pp_count(const xmlNode *root)
{
	const xmlNode *n;
	unsigned long long total = 0;

	for (n = root->children; n != NULL; n = n->next)
		total += config_is(n, "revision");
	return total;
}

int
config_pyperformance_parse(struct _xmlDoc *doc,
    const struct dist_config_opts *opts, struct dist_config *cfg,
    char **cause)
{
	const xmlNode *root = xmlDocGetRootElement(doc), *n;
	struct pp_campaign c;
	int rc = -1;

	memset(&c, 0, sizeof c);
	if (config_check_count(cfg, opts, pp_count(root), cause) == -1 ||
	    pp_root(cfg, root, &c, cause) == -1 ||
	    pp_template(cfg, root, &c.ini, cause) == -1 ||
	    pp_settings(cfg, root, &c, cause) == -1)
		goto out;
	pp_set_defaults(&c.ini);
	for (n = root->children; n != NULL; n = n->next) {
		if (config_is(n, "revision") &&
		    pp_revision(cfg, n, &c, cause) == -1)
			goto out;
	}
	if (cfg->njobs == 0) {
		config_error(cfg, root, cause, "no <revision> in "
		    "<pyperformance>");
		goto out;
	}
	rc = config_names_unique(cfg, c.origins, cfg->njobs, "revision",
	    ": give one a name=", cause);
out:
	pp_ini_clear(&c.ini);
	sv_clear(&c.env);
	free(c.python);
	free(c.origins);
	return rc;
}
