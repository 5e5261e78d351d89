-- The store's schema version 1 in SQLite's dialect, as a distribute of
-- that version made it (t6400 migrates a store made from this file).
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE machines (
  id INTEGER PRIMARY KEY,
  hostname TEXT NOT NULL,
  arch TEXT NOT NULL DEFAULT '',
  cpu_model TEXT NOT NULL DEFAULT '',
  cores INTEGER NOT NULL DEFAULT 0,
  memory_gib INTEGER NOT NULL DEFAULT 0,
  UNIQUE (hostname, arch, cpu_model, cores, memory_gib));
CREATE TABLE revisions (
  id INTEGER PRIMARY KEY,
  project TEXT NOT NULL DEFAULT '',
  commit_id TEXT NOT NULL,
  branch TEXT,
  commit_date BIGINT,
  label TEXT,
  UNIQUE (project, commit_id));
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  master TEXT NOT NULL,
  run_id TEXT NOT NULL,
  name TEXT NOT NULL,
  user_name TEXT NOT NULL,
  run_dir TEXT,
  config_kind TEXT,
  config_path TEXT,
  config_sha256 TEXT,
  archive_path TEXT,
  archive_sha256 TEXT,
  revision BIGINT REFERENCES revisions(id),
  start_ns BIGINT,
  end_ns BIGINT,
  state TEXT,
  exit_code INTEGER,
  UNIQUE (master, run_id));
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  run BIGINT NOT NULL REFERENCES runs(id),
  job_id TEXT NOT NULL,
  name TEXT,
  status TEXT,
  revision BIGINT REFERENCES revisions(id),
  rundefinition TEXT,
  tasks_set TEXT,
  UNIQUE (run, job_id));
CREATE TABLE attempts (
  id INTEGER PRIMARY KEY,
  job BIGINT NOT NULL REFERENCES jobs(id),
  attempt INTEGER NOT NULL,
  machine_name TEXT,
  machine BIGINT REFERENCES machines(id),
  slot INTEGER,
  status TEXT,
  exit_code INTEGER,
  reason TEXT,
  start_ns BIGINT,
  end_ns BIGINT,
  duration_ns BIGINT,
  kernel TEXT,
  os TEXT,
  isolation TEXT,
  load_before DOUBLE PRECISION,
  idle_load DOUBLE PRECISION,
  UNIQUE (job, attempt));
CREATE TABLE results (
  id INTEGER PRIMARY KEY,
  attempt BIGINT NOT NULL REFERENCES attempts(id),
  run BIGINT NOT NULL,
  machine BIGINT,
  revision BIGINT,
  benchmark TEXT NOT NULL,
  metric TEXT NOT NULL,
  unit TEXT,
  lower_is_better INTEGER,
  rundefinition TEXT NOT NULL DEFAULT '',
  tasks_set TEXT NOT NULL DEFAULT '',
  task TEXT NOT NULL DEFAULT '',
  n INTEGER NOT NULL,
  mean DOUBLE PRECISION,
  stdev DOUBLE PRECISION,
  min DOUBLE PRECISION,
  max DOUBLE PRECISION,
  samples BLOB NOT NULL,
  UNIQUE (attempt, rundefinition, tasks_set, task, benchmark, metric));
CREATE INDEX results_run ON results(run);
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO runs (master, run_id, name, user_name, start_ns, state)
  VALUES ('old-master', '20250101T000000Z-ann-old', 'old', 'ann', 1735689600000000000, 'finished');
