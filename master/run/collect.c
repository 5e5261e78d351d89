/*
 * collect.c - bring a job's packed results back from the worker and
 * unpack them into RESULTS/<run-id>/jobs/<job-id>/, safely: into a fresh
 * temporary directory first, renamed into place only when complete.
 */
#include <errno.h>
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

/* The worker's own times and reason from the job's status file. */
static void
read_status(const char *dir, struct request_info *ri)
{
	char *path = xasprintf("%s/status", dir), *data = NULL, *line, *save;

	if (read_file(path, &data, NULL, NULL) == 0) {
		for (line = strtok_r(data, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			if (strncmp(line, "start=", 6) == 0)
				ri->running = strtod(line + 6, NULL);
			else if (strncmp(line, "end=", 4) == 0)
				ri->end = strtod(line + 4, NULL);
			else if (strcmp(line, "reason=timeout") == 0) {
				ri->ok = 0;
				ri->reason = "timeout";
			}
		}
	}
	free(data);
	free(path);
}

int
collect_job(struct run_ctx *ctx, struct dist_ssh *ssh, const char *remote,
    const struct dist_job *job, struct request_info *ri, char **cause)
{
	int attempt = ri->attempt;
	char *incoming, *tmp, *final;
	int rc = -1;

	incoming = xasprintf("%s/.incoming/%s.%d.tar", ctx->run_dir, job->id,
	    attempt);
	tmp = xasprintf("%s/jobs/.tmp-%s.%d", ctx->run_dir, job->id, attempt);
	final = xasprintf("%s/jobs/%s", ctx->run_dir, job->id);
	if (dssh_sftp_get_file(ssh, remote, incoming, RESULT_MAX_BYTES, NULL,
	    cause) == -1)
		goto out;
	if (rm_rf(tmp, cause) == -1 || mkdir_p(tmp, 0755, cause) == -1)
		goto out;
	if (archive_extract_safe(incoming, tmp, RESULT_MAX_BYTES,
	    RESULT_MAX_ENTRIES, cause) == -1) {
		rm_rf(tmp, NULL);
		goto out;
	}
	read_status(tmp, ri);
	if (ri->end <= 0)
		ri->end = now_wall();
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
	rc = 0;
out:
	unlink(incoming);
	free(incoming);
	free(tmp);
	free(final);
	return rc;
}
