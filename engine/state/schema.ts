// The SQLite state file's schema, applied in order by PRAGMA user_version.
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    config TEXT NOT NULL,
    phase TEXT NOT NULL DEFAULT 'pending',   -- pending | preflight | copying | done
    state TEXT NOT NULL DEFAULT 'idle',      -- idle | running | stopped | failed | done
    error TEXT,
    pid INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER
  );
  CREATE TABLE job_tables (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    src_db TEXT NOT NULL,
    src_table TEXT NOT NULL,
    sink_db TEXT NOT NULL,
    sink_table TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',   -- pending | copying | done | failed
    key_columns TEXT NOT NULL DEFAULT '[]',
    estimated_rows INTEGER NOT NULL DEFAULT 0,
    rows_copied INTEGER NOT NULL DEFAULT 0,
    bytes_copied INTEGER NOT NULL DEFAULT 0,
    chunks_done INTEGER NOT NULL DEFAULT 0,
    chunks_planned INTEGER NOT NULL DEFAULT 0,
    planned_all INTEGER NOT NULL DEFAULT 0,
    plan_cursor TEXT,
    schema_created INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    started_at INTEGER,
    finished_at INTEGER,
    UNIQUE (job_id, src_db, src_table)
  );
  CREATE TABLE chunks (
    id INTEGER PRIMARY KEY,
    table_id INTEGER NOT NULL REFERENCES job_tables(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    lower_key TEXT,
    upper_key TEXT,
    state TEXT NOT NULL DEFAULT 'pending',   -- pending | done
    rows INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    finished_at INTEGER,
    UNIQUE (table_id, seq)
  );
  CREATE INDEX chunks_state ON chunks (table_id, state);
  CREATE TABLE logs (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    level TEXT NOT NULL,
    job TEXT,
    tbl TEXT,
    message TEXT NOT NULL
  );
  CREATE INDEX logs_job ON logs (job, id);
  CREATE TABLE metric_samples (
    job_id INTEGER NOT NULL,
    table_id INTEGER,                        -- NULL: the whole job
    ts INTEGER NOT NULL,                     -- unix seconds
    rows_per_s REAL NOT NULL,
    bytes_per_s REAL NOT NULL
  );
  CREATE INDEX metric_samples_job ON metric_samples (job_id, table_id, ts);
  `,
  `
  -- The source's binlog position when the copy started (JSON BinlogStatus); streaming starts from here.
  ALTER TABLE jobs ADD COLUMN copy_start_position TEXT;
  `,
  `
  -- Secondary indexes to add once the table's rows are loaded (JSON array of definitions).
  ALTER TABLE job_tables ADD COLUMN deferred_indexes TEXT NOT NULL DEFAULT '[]';
  `,
  `
  -- Binlog streaming (see engine/pipeline/stream-runner.ts).
  ALTER TABLE jobs ADD COLUMN copy_end_position TEXT;   -- JSON BinlogStatus when the copy finished: the catch-up target
  ALTER TABLE jobs ADD COLUMN stream_state TEXT;        -- JSON StreamState, rewritten every second while streaming
  ALTER TABLE jobs ADD COLUMN pending_ddl TEXT;         -- JSON: the DDL statement the job paused at
  ALTER TABLE job_tables ADD COLUMN snapshot_position TEXT;  -- keyless tables: binlog position of the copy's snapshot
  ALTER TABLE job_tables ADD COLUMN inserts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE job_tables ADD COLUMN updates INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE job_tables ADD COLUMN deletes INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE stream_samples (
    job_id INTEGER NOT NULL,
    ts INTEGER NOT NULL,                     -- unix seconds
    lag_seconds REAL,                        -- source commit time of the last applied transaction vs. now (0 when caught up)
    heartbeat_lag_ms REAL,                   -- end-to-end lag measured by the source heartbeat (when enabled)
    behind_bytes INTEGER,                    -- binlog bytes between the applied position and the source's current one
    behind_txs INTEGER,                      -- transactions behind (GTID sequence numbers), when known
    txs_per_s REAL NOT NULL,
    inserts_per_s REAL NOT NULL,
    updates_per_s REAL NOT NULL,
    deletes_per_s REAL NOT NULL,
    ddl_per_s REAL NOT NULL
  );
  CREATE INDEX stream_samples_job ON stream_samples (job_id, ts);
  CREATE TABLE schema_history (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    src_db TEXT NOT NULL,
    src_table TEXT NOT NULL,
    file TEXT NOT NULL,                      -- the definition holds from this binlog position on
    pos INTEGER NOT NULL,
    ddl TEXT,                                -- the statement that made it (NULL: as read when streaming started)
    info TEXT,                               -- JSON TableInfo; NULL when the statement dropped the table
    created_at INTEGER NOT NULL
  );
  CREATE INDEX schema_history_job ON schema_history (job_id, id);
  `,
  `
  -- Errors stay on the dashboard until the operator dismisses them.
  ALTER TABLE logs ADD COLUMN dismissed_at INTEGER;
  CREATE INDEX logs_level ON logs (level, id);
  `,
  `
  -- Kafka sinks without transactions: the position of the last binlog change the brokers acknowledged
  -- (JSON {file, pos, gtid}); with exactlyOnce the position lives in Kafka and this mirrors it.
  ALTER TABLE jobs ADD COLUMN sink_checkpoint TEXT;
  `,
  `
  -- Saved connection profiles (engine/connections/profile-store.ts): settings in clear, secrets
  -- (passwords, passphrases) encrypted with the installation's key (AES-256-GCM, base64).
  CREATE TABLE profiles (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                      -- mysql | kafka
    settings TEXT NOT NULL,                  -- JSON Profile (shared/profiles.ts), no secrets
    secrets TEXT,                            -- encrypted JSON ProfileSecrets
    updated_at INTEGER NOT NULL,
    last_test_at INTEGER,
    last_test_ok INTEGER
  );
  -- The migration wizard's draft (one per installation), encrypted like the secrets: it survives a restart.
  CREATE TABLE wizard_drafts (
    id TEXT PRIMARY KEY,
    draft TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  -- Verification runs (engine/verify/): source vs. sink checksums per key range, mismatched row keys, repairs.
  CREATE TABLE verifications (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    state TEXT NOT NULL,                     -- running | pass | fail | error | stopped
    pid INTEGER,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    report TEXT NOT NULL                     -- JSON VerifyReport (shared/verify.ts), rewritten as tables finish
  );
  CREATE INDEX verifications_job ON verifications (job_id, id);
  -- The cutover assistant's checklist: one row per step and job, its latest result.
  CREATE TABLE cutover_steps (
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    state TEXT NOT NULL,                     -- running | done | failed | skipped | undone
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    operator TEXT NOT NULL,                  -- user@host that ran it
    result TEXT NOT NULL,                    -- JSON: what the step found or did
    PRIMARY KEY (job_id, step)
  );
  `,
  `
  -- Passwords written in a job file's URLs (engine/connections/job-secrets.ts): jobs.config keeps the
  -- job file without them; here each is encrypted with the installation's key, JSON {"source": "v1:…", "sink": "v1:…"}.
  CREATE TABLE job_secrets (
    job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    secrets TEXT NOT NULL
  );
`,
  `
  -- Who owns a MySQL sink's checkpoint row (engine/state/identity.ts, engine/sink/mysql/checkpoint-owner.ts):
  -- a random id made once per state file, and a random id per job (made when the job first runs).
  CREATE TABLE installation (id TEXT NOT NULL);
  ALTER TABLE jobs ADD COLUMN instance_id TEXT;
  `,
  `
  -- DDL policy "pause-table" (engine/pipeline/held-tables.ts): a table paused at a DDL statement while the
  -- others stream on, and its row changes held in binlog order until the operator resumes or skips it.
  CREATE TABLE held_tables (
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    tbl TEXT NOT NULL,                       -- source "db.table"
    file TEXT NOT NULL,                      -- the end of the DDL statement it paused at: later changes are held
    pos INTEGER NOT NULL,
    ddl TEXT NOT NULL,                       -- the statement(s) met while paused, one per line
    reason TEXT NOT NULL,
    request TEXT,                            -- NULL (paused) | resume | skip: what the operator chose
    created_at INTEGER NOT NULL,
    PRIMARY KEY (job_id, tbl)
  );
  CREATE TABLE held_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,    -- source order; never reused (the sink records the last one applied)
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    tbl TEXT NOT NULL,
    file TEXT NOT NULL,                      -- the end of the source transaction
    pos INTEGER NOT NULL,
    idx INTEGER NOT NULL,                    -- the change's place in that transaction
    reconcile INTEGER NOT NULL,              -- 1: inside the copy's reconcile window
    change TEXT NOT NULL,                    -- JSON RowChange, binary values as {"b64": …}
    UNIQUE (job_id, tbl, file, pos, idx)
  );
  CREATE INDEX held_changes_tbl ON held_changes (job_id, tbl, id);
  `,
  `
  -- A copy write the sink has not answered past the warning threshold (engine/pipeline/sink-watch.ts):
  -- when that write began (ms), for the job status the dashboard shows; NULL once the sink answers.
  -- (The stream keeps its own wait in stream_state.)
  ALTER TABLE jobs ADD COLUMN sink_waiting_since INTEGER;
  `,
];
