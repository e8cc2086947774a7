-- Bulk workflows (issue 13; PostgreSQL, same tables as sqlite/009): steps is a JSON array
-- text (each {type, instanceId, q | objectName, options}); schedule a
-- Quartz cron ('' for a one-shot workflow), fired in UTC. status: ONCE,
-- SCHEDULED or STOPPED. next_fire_at: the next due time (epoch ms, 0 =
-- none). A fire is one transaction that moves next_fire_at on only if it
-- still holds the value the node read, so a due time fires once across
-- nodes, and survives restarts. A fire while a run is still going is
-- skipped and counted (skipped_count, last_skipped_at).
CREATE TABLE bulk_workflows (
    id              BIGSERIAL PRIMARY KEY,
    org_id          BIGINT NOT NULL,
    instance_id     BIGINT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    steps           TEXT NOT NULL,
    schedule        TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    next_fire_at    BIGINT NOT NULL DEFAULT 0,
    skipped_count   BIGINT NOT NULL DEFAULT 0,
    last_skipped_at BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    stopped_at      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX bulk_workflows_due ON bulk_workflows(next_fire_at);
-- One run of a workflow: step is the index of the current step, job_id its
-- bulk job (0 = not made yet), jobs a JSON array text of the job id of each
-- step so far (null: a step skipped because the query before it found no
-- rows). status RUNNING, COMPLETED or FAILED (message says why). A run
-- moves on in one transaction that also makes the next step's job, only
-- if it is still at the step and job the node read.
CREATE TABLE bulk_runs (
    id          BIGSERIAL PRIMARY KEY,
    workflow_id BIGINT NOT NULL REFERENCES bulk_workflows(id) ON DELETE CASCADE,
    org_id      BIGINT NOT NULL,
    status      TEXT NOT NULL,
    step        BIGINT NOT NULL DEFAULT 0,
    job_id      BIGINT NOT NULL DEFAULT 0,
    jobs        TEXT NOT NULL DEFAULT '[]',
    message     TEXT,
    fired_at    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX bulk_runs_org ON bulk_runs(org_id, workflow_id, id);
CREATE INDEX bulk_runs_status ON bulk_runs(status, id);
-- one run at a time per workflow
CREATE UNIQUE INDEX bulk_runs_one ON bulk_runs(workflow_id) WHERE status = 'RUNNING';
