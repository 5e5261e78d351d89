/*
 * plan.c - load and check every input of a run (machines, config, tool
 * archive) before anything is sent, and print the plan for --dry-run.
 */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "lib/lib.h"
#include "run/run-internal.h"

void
dist_opts_init(struct dist_opts *o)
{
	memset(o, 0, sizeof *o);
	o->results_dir = DEFAULT_RESULTS;
	o->config.split = SPLIT_RUNS;
	o->ssh.connect_timeout = 30;
	o->ssh.keepalive = 15;
	o->progress = -1;
	o->min_change = 1.0;
	o->limit = -1;
	o->older_than = 7 * 86400;
	notify_opts_init(&o->notify);
	isolation_opts_init(&o->iso);
}

void
dist_opts_free(struct dist_opts *o)
{
	sv_clear(&o->config.benchexec_args);
	sv_clear(&o->ssh.identities);
	free(o->argv_line);
	sv_clear(&o->only_jobs);
	notify_opts_free(&o->notify);
}

static char *
default_name(const char *config_path)
{
	char *copy = xstrdup(config_path), *base, *dot, *name;

	base = basename(copy);
	if ((dot = strrchr(base, '.')) != NULL && dot != base)
		*dot = '\0';
	name = xstrdup(base);
	free(copy);
	return name;
}

static int
check_name(const char *name, char **cause)
{
	const char *p;

	if (*name == '\0')
		return set_cause(cause, "run name is empty");
	if (*name == '-')
		return set_cause(cause, "run name '%s' starts with '-'", name);
	if (strlen(name) > 64)
		return set_cause(cause, "run name '%s' is longer than 64 bytes",
		    name);
	for (p = name; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == '/' || *p == 0x7f)
			return set_cause(cause, "run name '%s' contains '/' "
			    "or a control character", name);
	}
	return 0;
}

static int
plan_archive(const struct dist_opts *o, struct dist_plan *p, char **cause)
{
	if (o->archive_path == NULL) {
		if (p->config.needs_archive)
			return set_cause(cause, "%s: a %s config needs a tool "
			    "archive (distribute --config %s TOOL_ARCHIVE)",
			    o->config_path, config_kind_name(p->config.kind),
			    o->config_path);
		return 0;
	}
	if (archive_check(o->archive_path, &p->archive, cause) == -1)
		return -1;
	p->have_archive = 1;
	return 0;
}

int
plan_load(const struct dist_opts *o, struct dist_plan *p, char **cause)
{
	struct dist_config_opts copts;
	size_t i;

	memset(p, 0, sizeof *p);
	p->opts = o;
	if (o->machines_path == NULL)
		return set_cause(cause, "no machines file (--machines FILE)");
	if (o->config_path == NULL)
		return set_cause(cause, "no config (--config FILE)");
	if (o->revision_date != 0 && o->revision == NULL)
		return set_cause(cause, "--revision-date without --revision "
		    "(the date of which revision?)");
	p->name = o->name != NULL ? xstrdup(o->name) :
	    default_name(o->config_path);
	if (check_name(p->name, cause) == -1)
		return -1;
	if (machines_load(o->machines_path, &p->machines, cause) == -1)
		return -1;
	copts = o->config;
	copts.name = p->name;
	if (config_load(o->config_path, &copts, &p->config, cause) == -1)
		return -1;
	if (o->only_jobs.n > 0 &&
	    config_keep_jobs(&p->config, &o->only_jobs, cause) == -1)
		return -1;
	if (plan_archive(o, p, cause) == -1)
		return -1;
	if (o->archive_sha256 != NULL && (!p->have_archive ||
	    strcmp(p->archive.sha256, o->archive_sha256) != 0))
		return set_cause(cause, "%s: the tool archive changed since "
		    "the first run (sha256 %s, recorded %s): refused",
		    o->archive_path != NULL ? o->archive_path : "(none)",
		    p->have_archive ? p->archive.sha256 : "none",
		    o->archive_sha256);
	for (i = 0; i < p->machines.n; i++) {
		if (isolation_check_machine(o, &p->machines.v[i], cause) == -1)
			return -1;
		p->total_slots += (size_t)p->machines.v[i].slots;
	}
	return 0;
}

void
plan_free(struct dist_plan *p)
{
	free(p->name);
	machines_free(&p->machines);
	config_free(&p->config);
	if (p->have_archive)
		archive_info_free(&p->archive);
	memset(p, 0, sizeof *p);
}

char *
machine_key(const struct dist_machine *m)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s;

	for (s = m->name; *s != '\0'; s++) {
		char c = *s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '@')
			sb_addc(&sb, c);
		else if (c == ':')
			sb_addc(&sb, '_');
		else if (c != '[' && c != ']')
			sb_addc(&sb, '_');
	}
	return sb_detach(&sb);
}

char *
machine_workdir(const struct dist_plan *p, const struct dist_machine *m,
    const char *login_user)
{
	const char *w = machine_attr(m, "workdir");

	if (w == NULL)
		w = p->opts->workdir;
	if (w != NULL)
		return xstrdup(w);
	return xasprintf("/var/tmp/distribute-%s",
	    login_user != NULL ? login_user : "$USER");
}

char *
machine_config_path(const struct dist_plan *p, const struct dist_machine *m,
    const char *rundir)
{
	const char *bd = machine_attr(m, "benchdir");
	size_t len;

	if (bd == NULL)
		bd = p->opts->config.benchdir;
	if (bd == NULL)
		return xasprintf("%s/config/%s", rundir, p->config.basename);
	len = strlen(bd);
	while (len > 1 && bd[len - 1] == '/')
		len--;
	return xasprintf("%.*s/%s", (int)len, bd, p->config.basename);
}

const char *
machine_lockfile(const struct dist_plan *p, const struct dist_machine *m)
{
	const char *l = machine_attr(m, "lockfile");

	if (l == NULL)
		l = p->opts->lockfile;
	return l != NULL ? l : DEFAULT_LOCKFILE;
}

/* The config path machine m gets, with its workdir as known before
 * connecting (RUN-ID for the run's id; "~" is the login's home there). */
static char *
plan_machine_config(const struct dist_plan *p, const struct dist_machine *m,
    const char *user)
{
	char *wd = machine_workdir(p, m, user);
	char *rundir = xasprintf("%s/runs/RUN-ID", wd);
	char *path = machine_config_path(p, m, rundir);

	free(rundir);
	free(wd);
	return path;
}

/* The config path of every machine when they agree, else NULL. */
static char *
plan_common_config(const struct dist_plan *p, const struct dssh_target *t)
{
	char *first = NULL, *path;
	size_t i;

	for (i = 0; i < p->machines.n; i++) {
		path = plan_machine_config(p, &p->machines.v[i], t[i].user);
		if (first == NULL)
			first = path;
		else {
			int same = strcmp(first, path) == 0;

			free(path);
			if (!same) {
				free(first);
				return NULL;
			}
		}
	}
	return first;
}

static struct dssh_target *
plan_targets(const struct dist_plan *p)
{
	struct dssh_target *t = xcalloc(p->machines.n + 1, sizeof *t);
	size_t i;

	for (i = 0; i < p->machines.n; i++)
		dssh_resolve(&p->machines.v[i], &p->opts->ssh, &t[i]);
	return t;
}

static void
plan_targets_free(const struct dist_plan *p, struct dssh_target *t)
{
	size_t i;

	for (i = 0; i < p->machines.n; i++)
		dssh_target_free(&t[i]);
	free(t);
}

/* "host user port" as far as they came from ssh_config, else "". */
static const char *
from_config(unsigned f)
{
	static const char *const names[] = { "", "host", "user", "host user",
	    "port", "host port", "user port", "host user port" };

	return names[f & 7];
}

static void
print_argv_text(FILE *f, const struct strvec *argv, int config_arg,
    const char *config)
{
	size_t i;

	for (i = 0; i < argv->n; i++) {
		const char *w = (int)i == config_arg ? config : argv->v[i];
		char *q = sh_quote(w);
		int plain = *w != '\0' && strspn(w, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/=:,+@%-") ==
		    strlen(w);

		fprintf(f, "%s%s", i > 0 ? " " : "", plain ? w : q);
		free(q);
	}
}

/* Host, user and port as ssh_config makes them, the attributes, and the
 * config path this machine gets. */
static void
print_machines_text(const struct dist_plan *p, const struct dssh_target *t,
    FILE *f)
{
	size_t i, j;

	fprintf(f, "machines (%zu, %zu slots) from %s:\n", p->machines.n,
	    p->total_slots, p->opts->machines_path);
	for (i = 0; i < p->machines.n; i++) {
		const struct dist_machine *m = &p->machines.v[i];
		char *config = plan_machine_config(p, m, t[i].user);

		fprintf(f, "  %-28s host=%s user=%s port=%d slots=%d",
		    m->name, t[i].host, t[i].user, t[i].port, m->slots);
		for (j = 0; j < m->nattrs; j++)
			fprintf(f, " %s=%s", m->attrs[j].key, m->attrs[j].value);
		fprintf(f, " config=%s", config);
		if (t[i].from_config != 0)
			fprintf(f, " (%s from ssh config)",
			    from_config(t[i].from_config));
		fputc('\n', f);
		free(config);
	}
}

static void
print_jobs_text(const struct dist_plan *p, const char *config, FILE *f)
{
	size_t i;

	fprintf(f, "jobs (%zu) from %s (%s):\n", p->config.njobs,
	    p->opts->config_path, config_kind_name(p->config.kind));
	for (i = 0; i < p->config.njobs; i++) {
		const struct dist_job *j = &p->config.jobs[i];

		fprintf(f, "  %s\n", j->id);
		if (j->rundef != NULL || j->tasks != NULL)
			fprintf(f, "    rundefinition: %s  tasks: %s\n",
			    j->rundef != NULL ? j->rundef : "(all)",
			    j->tasks != NULL ? j->tasks : "(all)");
		if (j->revision != NULL)
			fprintf(f, "    revision: %s\n", j->revision);
		fputs("    argv: ", f);
		print_argv_text(f, &j->argv, j->config_arg, config != NULL ?
		    config : "{config=}");
		fputc('\n', f);
	}
}

/* "revision: COMMIT  project: P  date: D", each when given. */
static void
print_revision_text(const struct dist_opts *o, FILE *f)
{
	char *date;

	if (o->revision == NULL && o->project == NULL)
		return;
	fprintf(f, "revision: %s", o->revision != NULL ? o->revision :
	    "(per job)");
	if (o->project != NULL)
		fprintf(f, "  project: %s", o->project);
	if (o->revision_date != 0) {
		date = format_utc_ns(o->revision_date);
		fprintf(f, "  date: %s", date);
		free(date);
	}
	fputc('\n', f);
}

void
plan_print_text(const struct dist_plan *p, FILE *f)
{
	struct dssh_target *t = plan_targets(p);
	char *config = plan_common_config(p, t);

	fprintf(f, "run: %s\n", p->name);
	print_revision_text(p->opts, f);
	print_machines_text(p, t, f);
	if (config == NULL)
		fputs("(the config path differs between machines: {config=} "
		    "in an argv is each machine's config= above)\n", f);
	print_jobs_text(p, config, f);
	plan_fit_text(p, f);
	free(config);
	plan_targets_free(p, t);
	if (!p->have_archive) {
		fputs("archive: none\n", f);
		return;
	}
	fprintf(f, "archive: %s\n  format: %s (%s)\n  entries: %zu\n"
	    "  bytes: %llu (unpacked %llu)\n  sha256: %s\n", p->archive.path,
	    p->archive.format, p->archive.filter, p->archive.entries,
	    (unsigned long long)p->archive.size,
	    (unsigned long long)p->archive.unpacked, p->archive.sha256);
}

static void
json_strvec(struct json *j, const char *key, const struct strvec *sv)
{
	size_t i;

	json_arr_open(j, key);
	for (i = 0; i < sv->n; i++)
		json_str(j, NULL, sv->v[i]);
	json_arr_close(j);
}

static void
json_machine(struct json *j, const struct dist_plan *p,
    const struct dist_machine *m, const struct dssh_target *t)
{
	char *config = plan_machine_config(p, m, t->user);
	size_t i;

	json_obj_open(j, NULL);
	json_str(j, "name", m->name);
	json_str(j, "host", t->host);
	json_str(j, "user", t->user);
	json_int(j, "port", t->port);
	json_int(j, "slots", m->slots);
	json_obj_open(j, "attributes");
	for (i = 0; i < m->nattrs; i++)
		json_str(j, m->attrs[i].key, m->attrs[i].value);
	json_obj_close(j);
	json_str(j, "config", config);
	free(config);
	json_arr_open(j, "from_ssh_config");
	if (t->from_config & DSSH_FROM_HOST)
		json_str(j, NULL, "host");
	if (t->from_config & DSSH_FROM_USER)
		json_str(j, NULL, "user");
	if (t->from_config & DSSH_FROM_PORT)
		json_str(j, NULL, "port");
	json_arr_close(j);
	json_str(j, "file", m->file);
	json_int(j, "line", m->line);
	json_obj_close(j);
}

static void
json_job(struct json *j, const struct dist_job *job)
{
	json_obj_open(j, NULL);
	json_str(j, "id", job->id);
	json_str(j, "name", job->name);
	json_str(j, "rundefinition", job->rundef);
	json_str(j, "tasks", job->tasks);
	json_strvec(j, "argv", &job->argv);
	if (job->config_arg >= 0)
		json_int(j, "config_arg", job->config_arg);
	json_strvec(j, "env", &job->env);
	if (job->revision != NULL)
		json_str(j, "revision", job->revision);
	json_obj_close(j);
}

void
plan_revision_json(const struct dist_opts *o, struct json *j, const char *key)
{
	char *date;

	if (o->revision == NULL && o->project == NULL) {
		json_null(j, key);
		return;
	}
	json_obj_open(j, key);
	json_str(j, "project", o->project);
	json_str(j, "commit", o->revision);
	json_null(j, "branch");
	if (o->revision_date != 0) {
		date = format_utc_ns(o->revision_date);
		json_str(j, "date", date);
		free(date);
	} else
		json_null(j, "date");
	json_null(j, "label");
	json_obj_close(j);
}

static void
json_archive(struct json *j, const struct dist_plan *p)
{
	if (!p->have_archive) {
		json_null(j, "archive");
		return;
	}
	json_obj_open(j, "archive");
	json_str(j, "path", p->archive.path);
	json_str(j, "format", p->archive.format);
	json_str(j, "filter", p->archive.filter);
	json_uint(j, "entries", p->archive.entries);
	json_uint(j, "bytes", p->archive.size);
	json_uint(j, "unpacked_bytes", p->archive.unpacked);
	json_str(j, "sha256", p->archive.sha256);
	json_obj_close(j);
}

void
plan_print_json(const struct dist_plan *p, FILE *f)
{
	struct dssh_target *t = plan_targets(p);
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	size_t i;

	json_init(&j, &sb, 1);
	json_obj_open(&j, NULL);
	json_str(&j, "name", p->name);
	json_str(&j, "config", p->opts->config_path);
	json_str(&j, "kind", config_kind_name(p->config.kind));
	json_str(&j, "config_sha256", p->config.sha256);
	plan_revision_json(p->opts, &j, "revision");
	json_arr_open(&j, "machines");
	for (i = 0; i < p->machines.n; i++)
		json_machine(&j, p, &p->machines.v[i], &t[i]);
	json_arr_close(&j);
	plan_targets_free(p, t);
	json_arr_open(&j, "jobs");
	for (i = 0; i < p->config.njobs; i++)
		json_job(&j, &p->config.jobs[i]);
	json_arr_close(&j);
	json_archive(&j, p);
	plan_fit_json(p, &j);
	json_obj_close(&j);
	fputs(sb_str(&sb), f);
	sb_release(&sb);
}
