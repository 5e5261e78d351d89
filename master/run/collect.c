/*
 * collect.c - bring a job's results back from the worker into
 * RESULTS/<run-id>/jobs/<job-id>/, safely: into a fresh temporary
 * directory first, renamed into place only when complete.  A small result
 * is copied from the job's directory over SFTP (collect-walk.c: no tar on
 * the worker) or read as one file the worker helper made of it
 * (collect-bundle.c), a big one is packed there and unpacked here
 * (archive-extract.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/input.h"
#include "lib/lib.h"
#include "run/request.h"
#include "run/run-internal.h"

#define RESULT_MAX_BYTES	((uint64_t)8 << 30)	/* packed or unpacked */
#define RESULT_MAX_ENTRIES	1000000

#define STATUS_MAX_BYTES	65536	/* the job can append to it */

/* The worker's own times and reason from the job's status file; a bad
 * value is reported (an event naming the machine and the job) and
 * ignored. */
static void
read_status(struct run_ctx *ctx, const char *dir, const char *job_id,
    struct request_info *ri)
{
	char *path = xasprintf("%s/status", dir), *data = NULL, *cause = NULL;
	struct strvec bad = STRVEC_INIT;
	size_t i;

	if (read_file_max(path, STATUS_MAX_BYTES, &data, NULL, &cause) == 0)
		request_parse_status(data, ri, &bad);
	else if (access(path, F_OK) == 0)
		post_event(ctx, "%s: %s: status file ignored: %s", ri->machine,
		    job_id, cause);
	for (i = 0; i < bad.n; i++)
		post_event(ctx, "%s: %s: bad value in the status file ignored: "
		    "'%s'", ri->machine, job_id, bad.v[i]);
	sv_clear(&bad);
	free(cause);
	free(data);
	free(path);
}

/* Entries of the result that could not be kept safely (symlinks, FIFOs,
 * devices...): listed in SKIPPED_FILE, one a line; the rest of the result
 * is kept. */
static int
write_skipped(const char *dir, struct request_info *ri,
    const struct strvec *skipped, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	char *path;
	size_t i;
	int rc;

	ri->skipped = skipped->n;
	if (skipped->n == 0)
		return 0;
	for (i = 0; i < skipped->n; i++)
		sb_addf(&sb, "%s\n", skipped->v[i]);
	path = xasprintf("%s/%s", dir, SKIPPED_FILE);
	rc = write_file_unsynced(path, sb.buf, sb.len, cause);
	free(path);
	sb_release(&sb);
	return rc;
}

/* The event of a result kept without some entries: "ok, N entries
 * skipped", the first of them, and where the list is. */
static void
skipped_event(struct run_ctx *ctx, const char *job_id,
    const struct request_info *ri, const struct strvec *skipped)
{
	if (skipped->n == 0)
		return;
	post_event(ctx, "%s: %s: %s, %zu %s skipped (listed in %s): %s%s",
	    ri->machine, job_id, ri->ok ? "ok" : "failed", skipped->n,
	    skipped->n == 1 ? "entry" : "entries", SKIPPED_FILE,
	    skipped->v[0], skipped->n > 1 ? ", ..." : "");
}

/* What the worker made of the master's lines, not fetched by a walk. */
static const char *const sent_names[] = { "argv", "argc", "env", NULL };

/* A new file dir/name holding len bytes of data. */
static int
put_file(const char *dir, const char *name, const char *data, size_t len,
    char **cause)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd == -1 || write_all(fd, data, len) == -1)
		rc = set_cause(cause, "%s: %s", path, strerror(errno));
	if (fd != -1 && close(fd) == -1 && rc == 0)
		rc = set_cause(cause, "%s: %s", path, strerror(errno));
	free(path);
	return rc;
}

/* A variable name the agent takes ("env" lines; others it refuses). */
static int
env_name_ok(const char *name)
{
	const char *p;

	if (*name == '\0' || (*name >= '0' && *name <= '9'))
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

/* argv/N, argc and env/NAME as the agent wrote them from the lines the
 * master sent (send_job): argv[config_arg] is the config's worker path. */
static int
put_sent(const char *tmp, const struct dist_job *job, const char *config,
    char **cause)
{
	char *argv = xasprintf("%s/argv", tmp), *env = xasprintf("%s/env", tmp);
	char name[32], *eq;
	const char *a;
	size_t i;
	int rc = -1;

	if (mkdir(argv, 0755) == -1 || mkdir(env, 0755) == -1) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	for (i = 0; i < job->argv.n; i++) {
		a = (int)i == job->config_arg ? config : job->argv.v[i];
		snprintf(name, sizeof name, "%zu", i);
		if (put_file(argv, name, a, strlen(a), cause) == -1)
			goto out;
	}
	snprintf(name, sizeof name, "%zu\n", job->argv.n);
	if (put_file(tmp, "argc", name, strlen(name), cause) == -1)
		goto out;
	for (i = 0; i < job->env.n; i++) {
		if ((eq = strchr(job->env.v[i], '=')) == NULL)
			continue;
		char *var = xstrndup(job->env.v[i],
		    (size_t)(eq - job->env.v[i]));

		if (env_name_ok(var) && put_file(env, var, eq + 1,
		    strlen(eq + 1), cause) == -1) {
			free(var);
			goto out;
		}
		free(var);
	}
	rc = 0;
out:
	free(argv);
	free(env);
	return rc;
}

/* Did the packed result bring argv/, argc or env/ from the worker? */
static int
sent_packed(const char *tmp)
{
	const char *const *n;
	char *p;
	int found = 0;

	for (n = sent_names; *n != NULL && !found; n++) {
		p = xasprintf("%s/%s", tmp, *n);
		found = access(p, F_OK) == 0;
		free(p);
	}
	return found;
}

/* The bundle (JOBDIR.bundle, or the one the "done" line brought) into
 * tmp; 0 done, 1 not usable: *dir is the directory to walk instead. */
static int
fetch_bundle(struct dist_ssh *ssh, const struct collect_from *from,
    const char *tmp, const char *machine, char **dir, char **cause)
{
	const char *remote = from->remote;
	char *why = NULL;
	int rc;

	if (from->inline_b64 != NULL)
		rc = bundle_unpack_base64(from->inline_b64, tmp, sent_names,
		    &why);
	else
		rc = collect_bundle(ssh, remote, tmp, sent_names, &why);
	if (rc == 0)
		debug("%s: %s: results by bundle%s", machine, remote,
		    from->inline_b64 != NULL ? " (in the done line)" : "");
	else if (rc == 1) {
		debug("%s: %s: bundle not used (%s): walked", machine, remote,
		    why);
		*dir = xstrndup(remote, strlen(remote) - strlen(".bundle"));
	} else
		set_cause(cause, "%s", why);
	free(why);
	return rc;
}

/* The results into tmp (fresh): unpacked from the packed result or the
 * bundle, or walked; 1 too big to walk. */
static int
fetch_results(struct dist_ssh *ssh, const struct collect_from *from,
    const char *config, const struct dist_job *job,
    struct request_info *ri, const char *incoming, const char *tmp,
    struct strvec *skipped, char **cause)
{
	const char *remote = from->remote;
	enum collect_how how = from->how;
	char *dir = NULL;
	int rc = 1;

	if (how == COLLECT_BUNDLE)
		rc = fetch_bundle(ssh, from, tmp, ri->machine, &dir, cause);
	if (how == COLLECT_WALK || dir != NULL) {
		rc = collect_walk(ssh, dir != NULL ? dir : remote, tmp,
		    sent_names, COLLECT_WALK_BYTES, COLLECT_WALK_ENTRIES,
		    skipped, cause);
		if (rc == 0)
			debug("%s: %s: results by walk", ri->machine,
			    dir != NULL ? dir : remote);
	}
	free(dir);
	if (how != COLLECT_PACKED) {
		if (rc == 0)
			rc = put_sent(tmp, job, config, cause);
		return rc;
	}
	debug("%s: %s: results packed", ri->machine, remote);
	if (dssh_sftp_get_file(ssh, remote, incoming, RESULT_MAX_BYTES, NULL,
	    cause) == -1)
		return -1;
	rc = archive_extract_safe(incoming, tmp, RESULT_MAX_BYTES,
	    RESULT_MAX_ENTRIES, skipped, cause);
	unlink(incoming);
	/* the worker helper's spawner writes no argv/ for a job whose argv
	 * it runs directly: the master writes what it sent */
	if (rc == 0 && !sent_packed(tmp))
		rc = put_sent(tmp, job, config, cause);
	return rc;
}

int
collect_job(struct run_ctx *ctx, struct dist_ssh *ssh,
    const struct collect_from *from, const char *config,
    const struct dist_job *job, struct request_info *ri, char **cause)
{
	int attempt = ri->attempt;
	char *incoming, *tmp, *final;
	struct strvec skipped = STRVEC_INIT;
	int rc = -1, got;

	incoming = xasprintf("%s/.incoming/%s.%d.tar", ctx->run_dir, job->id,
	    attempt);
	tmp = xasprintf("%s/jobs/.tmp-%s.%d", ctx->run_dir, job->id, attempt);
	final = xasprintf("%s/jobs/%s", ctx->run_dir, job->id);
	if (rm_rf(tmp, cause) == -1 || mkdir_p(tmp, 0755, cause) == -1)
		goto out;
	got = fetch_results(ssh, from, config, job, ri, incoming, tmp,
	    &skipped, cause);
	if (got != 0 || write_skipped(tmp, ri, &skipped, cause) == -1) {
		rm_rf(tmp, NULL);
		rc = got == 1 ? 1 : -1;
		goto out;
	}
	read_status(ctx, tmp, job->id, ri);
	skipped_event(ctx, job->id, ri, &skipped);
	if (ri->end <= 0)
		ri->end = clock_wall_ns();
	if (request_write(tmp, ri, cause) == -1) {
		rm_rf(tmp, NULL);
		goto out;
	}
	/* a newer attempt's results replace an older one's */
	if (rm_rf(final, cause) == -1)
		goto out;
	if (rename(tmp, final) == -1) {
		set_cause(cause, "rename '%s': %s", final, strerror(errno));
		goto out;
	}
	rc = 0;	/* on disk with the group's syncfs (commit.c) */
out:
	sv_clear(&skipped);
	unlink(incoming);
	free(incoming);
	free(tmp);
	free(final);
	return rc;
}
