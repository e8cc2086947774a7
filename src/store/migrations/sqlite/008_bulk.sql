-- Bulk jobs (issue 13): one row per job. Times are epoch milliseconds (0 =
-- not yet). options: JSON object text (lastRunDate, from, to, fields,
-- metaData, callback url...); checkpoint: JSON object text written by the
-- engine at each step (cursor or last id, file length); claimed_by and
-- lease_until: the node running it (a lease that ran out is claimable again).
CREATE TABLE bulk_jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id        INTEGER NOT NULL,
    instance_id   INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    direction     TEXT NOT NULL CHECK (direction IN ('DOWNLOAD','UPLOAD')),
    object_name   TEXT NOT NULL,
    status        TEXT NOT NULL,
    query         TEXT NOT NULL DEFAULT '',
    options       TEXT NOT NULL DEFAULT '{}',
    checkpoint    TEXT NOT NULL DEFAULT '{}',
    records_count INTEGER NOT NULL DEFAULT 0,
    failed_count  INTEGER NOT NULL DEFAULT 0,
    message       TEXT,
    claimed_by    TEXT NOT NULL DEFAULT '',
    lease_until   INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER NOT NULL DEFAULT 0,
    finished_at   INTEGER NOT NULL DEFAULT 0,
    file_name     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX bulk_jobs_org ON bulk_jobs(org_id, instance_id, id);
CREATE INDEX bulk_jobs_runnable ON bulk_jobs(status, lease_until);
-- Rejected records of a job, keyed by row (1-based position in the input).
CREATE TABLE bulk_errors (
    job_id  INTEGER NOT NULL REFERENCES bulk_jobs(id) ON DELETE CASCADE,
    row_no  INTEGER NOT NULL,
    message TEXT NOT NULL,
    record  TEXT,
    PRIMARY KEY (job_id, row_no)
);
