/*
 * schema.c - the store's schema, as the migrations that build it: a new
 * store gets them all, an old one those past its meta.schema_version.
 * Written once for both dialects: {id} and {blob} become each one's
 * types (dialect.c).  Times are UTC nanoseconds (BIGINT).
 *
 * A new version appends a migration here and never edits an older one.
 */
#include "lib/lib.h"
#include "store/store-internal.h"

/* v1: runs, jobs, attempts, machines, revisions, results. */
static const char v1[] =
"CREATE TABLE machines (\n"
"  id {id},\n"
"  hostname TEXT NOT NULL,\n"
"  arch TEXT NOT NULL DEFAULT '',\n"
"  cpu_model TEXT NOT NULL DEFAULT '',\n"
"  cores INTEGER NOT NULL DEFAULT 0,\n"
"  memory_gib INTEGER NOT NULL DEFAULT 0,\n"
"  UNIQUE (hostname, arch, cpu_model, cores, memory_gib));\n"
"CREATE TABLE revisions (\n"
"  id {id},\n"
"  project TEXT NOT NULL DEFAULT '',\n"
"  commit_id TEXT NOT NULL,\n"
"  branch TEXT,\n"
"  commit_date BIGINT,\n"
"  label TEXT,\n"
"  UNIQUE (project, commit_id));\n"
"CREATE TABLE runs (\n"
"  id {id},\n"
"  master TEXT NOT NULL,\n"
"  run_id TEXT NOT NULL,\n"
"  name TEXT NOT NULL,\n"
"  user_name TEXT NOT NULL,\n"
"  run_dir TEXT,\n"
"  config_kind TEXT,\n"
"  config_path TEXT,\n"
"  config_sha256 TEXT,\n"
"  archive_path TEXT,\n"
"  archive_sha256 TEXT,\n"
"  revision BIGINT REFERENCES revisions(id),\n"
"  start_ns BIGINT,\n"
"  end_ns BIGINT,\n"
"  state TEXT,\n"
"  exit_code INTEGER,\n"
"  UNIQUE (master, run_id));\n"
"CREATE TABLE jobs (\n"
"  id {id},\n"
"  run BIGINT NOT NULL REFERENCES runs(id),\n"
"  job_id TEXT NOT NULL,\n"
"  name TEXT,\n"
"  status TEXT,\n"
"  revision BIGINT REFERENCES revisions(id),\n"
"  rundefinition TEXT,\n"
"  tasks_set TEXT,\n"
"  UNIQUE (run, job_id));\n"
"CREATE TABLE attempts (\n"
"  id {id},\n"
"  job BIGINT NOT NULL REFERENCES jobs(id),\n"
"  attempt INTEGER NOT NULL,\n"
"  machine_name TEXT,\n"
"  machine BIGINT REFERENCES machines(id),\n"
"  slot INTEGER,\n"
"  status TEXT,\n"
"  exit_code INTEGER,\n"
"  reason TEXT,\n"
"  start_ns BIGINT,\n"
"  end_ns BIGINT,\n"
"  duration_ns BIGINT,\n"
"  kernel TEXT,\n"
"  os TEXT,\n"
"  isolation TEXT,\n"
"  load_before DOUBLE PRECISION,\n"
"  idle_load DOUBLE PRECISION,\n"
"  UNIQUE (job, attempt));\n"
"CREATE TABLE results (\n"
"  id {id},\n"
"  attempt BIGINT NOT NULL REFERENCES attempts(id),\n"
"  run BIGINT NOT NULL,\n"
"  machine BIGINT,\n"
"  revision BIGINT,\n"
"  benchmark TEXT NOT NULL,\n"
"  metric TEXT NOT NULL,\n"
"  unit TEXT,\n"
"  lower_is_better INTEGER,\n"
"  rundefinition TEXT NOT NULL DEFAULT '',\n"
"  tasks_set TEXT NOT NULL DEFAULT '',\n"
"  task TEXT NOT NULL DEFAULT '',\n"
"  n INTEGER NOT NULL,\n"
"  mean DOUBLE PRECISION,\n"
"  stdev DOUBLE PRECISION,\n"
"  min DOUBLE PRECISION,\n"
"  max DOUBLE PRECISION,\n"
"  samples {blob} NOT NULL,\n"
"  UNIQUE (attempt, rundefinition, tasks_set, task, benchmark, metric));\n"
"CREATE INDEX results_run ON results(run);\n";

/* v2: reruns linked to their first run; the series index (history). */
static const char v2[] =
"ALTER TABLE runs ADD COLUMN rerun_of BIGINT REFERENCES runs(id);\n"
"CREATE INDEX results_series ON results(benchmark, metric, machine, "
"revision);\n";

static const char *const migrations[] = { v1, v2 };

int
schema_version_latest(void)
{
	return (int)ARRAY_SIZE(migrations);
}

/* The DDL taking a store at version from - 1 to from. */
const char *
schema_migration(int to)
{
	if (to < 1 || to > (int)ARRAY_SIZE(migrations))
		return NULL;
	return migrations[to - 1];
}
