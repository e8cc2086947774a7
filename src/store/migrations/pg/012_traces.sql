-- Per-instance traces (issue 15; PostgreSQL, same tables as sqlite/012).
-- instances.trace_logging is the instance's traceLoggingEnabled; one
-- instance_traces row per traced hub call (doc: the redacted trace as JSON
-- text, created_at epoch ms), at most --trace-max-calls per instance, none
-- older than --trace-ttl-s.
ALTER TABLE instances ADD COLUMN trace_logging INTEGER NOT NULL DEFAULT 0;
CREATE TABLE instance_traces (
    id          BIGSERIAL PRIMARY KEY,
    instance_id BIGINT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX instance_traces_instance ON instance_traces(instance_id, id);
CREATE INDEX instance_traces_created ON instance_traces(created_at);
