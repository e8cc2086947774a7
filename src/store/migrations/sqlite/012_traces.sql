-- Per-instance traces (issue 15; src/traces/). instances.trace_logging is
-- the instance's traceLoggingEnabled. One instance_traces row per traced hub
-- call: doc is the trace as JSON object text (method, path, query, status,
-- timings, bodies and HubSpot calls, secrets already redacted), created_at
-- epoch ms. At most --trace-max-calls rows per instance (older ones are
-- deleted with each insert) and none older than --trace-ttl-s (swept).
ALTER TABLE instances ADD COLUMN trace_logging INTEGER NOT NULL DEFAULT 0;
CREATE TABLE instance_traces (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX instance_traces_instance ON instance_traces(instance_id, id);
CREATE INDEX instance_traces_created ON instance_traces(created_at);
