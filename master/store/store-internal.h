/*
 * store-internal.h - what the files of store/ share; internal to store/.
 */
#ifndef DIST_STORE_INTERNAL_H
#define DIST_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/lib.h"
#include "store/db.h"

/* schema.c */
#define STORE_SCHEMA_VERSION	2	/* == schema_version_latest() */
int	schema_version_latest(void);
const char *schema_migration(int to);

/* store-put.c */
struct store_job_row {
	int64_t		 run, revision;		/* 0: NULL */
	const char	*id, *name, *status, *rundef, *tasks_set;
};
/* Upsert a job row (NULL run definition / tasks set: kept): its id. */
int64_t	store_put_job_row(struct db *, const struct store_job_row *,
	    char **cause);
/* A JSON file of ours: NULL if absent (*cause NULL) or bad (*cause). */
struct jv *store_read_json(const char *path, char **cause);
/* "2026-12-03T13:11:01Z" -> UTC ns; -1 if not such a time. */
int64_t	store_utc_ns(const char *);
/* s is one or more decimal digits (a store id, maybe). */
int	store_all_digits(const char *s);
/* RUN_DIR/run.json parsed; NULL with *cause (also when absent). */
struct jv *store_load_run(const char *run_dir, char **cause);
/* run.json's entry of job id (tried first at index hint), or NULL. */
const struct jv *store_run_job(const struct jv *run, const char *id,
	    size_t hint);
/* store_put_run and store_put_job_n with run.json parsed already (the
 * writer and import parse it once, not once per job). */
int	store_put_run_jv(struct db *, const char *run_dir, const struct jv *run,
	    char **cause);
int	store_put_job_jb(struct db *, const char *run_dir, const struct jv *run,
	    const struct jv *jb, size_t *nresults, char **cause);

/* store-job.c: inside the caller's transaction, the collected job jb
 * (run.json's entry) of run row run_id: job row, machine, attempt and
 * its results (every earlier result of the job replaced). */
int	store_job_write(struct db *, const char *run_dir, const struct jv *jb,
	    int64_t run_id, int64_t revision, size_t *nresults, char **cause);

#endif
