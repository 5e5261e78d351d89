/*
 * store-import.c - a whole run directory into the store (distribute
 * import, and what a run's writer could not write): the run row, every
 * job's row, and each job that has a result, one transaction per job.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "store/store-internal.h"
#include "store/store.h"

/* Was job jb collected (it has a results.json)? */
static int
job_has_result(const char *run_dir, const struct jv *jb)
{
	const char *id = jv_str(jv_get(jb, "id"));
	char *path;
	int r;

	if (id == NULL || !safe_name(id))
		return 0;
	path = xasprintf("%s/jobs/%s/results.json", run_dir, id);
	r = access(path, F_OK) == 0;
	free(path);
	return r;
}

int
store_import_run_n(struct db *db, const char *run_dir, size_t *njobs,
    size_t *nresults, char **cause)
{
	const struct jv *jobs;
	struct jv *run;
	size_t i, n;
	int rc = 0;

	*njobs = *nresults = 0;
	if ((run = store_load_run(run_dir, cause)) == NULL)
		return -1;
	if (store_put_run_jv(db, run_dir, run, cause) == -1) {
		jv_free(run);
		return -1;
	}
	jobs = jv_get(run, "jobs");
	for (i = 0; jv_is(jobs, JV_ARRAY) && i < jobs->n && rc == 0; i++) {
		if (!job_has_result(run_dir, &jobs->v[i]))
			continue;
		rc = store_put_job_jb(db, run_dir, run, &jobs->v[i], &n,
		    cause);
		if (rc == 0) {
			(*njobs)++;
			*nresults += n;
		}
	}
	jv_free(run);
	return rc;
}

int
store_import_run(struct db *db, const char *run_dir, char **cause)
{
	size_t j, r;

	return store_import_run_n(db, run_dir, &j, &r, cause);
}

int
store_put_job(struct db *db, const char *run_dir, const char *job_id,
    char **cause)
{
	return store_put_job_n(db, run_dir, job_id, NULL, cause);
}
