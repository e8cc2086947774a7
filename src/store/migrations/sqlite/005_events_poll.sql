-- Events poller (issue 11): one row per polled instance and resource.
-- watermark_ms: the poll instant up to which changes are in the outbox (the
-- next poll asks for changes since watermark_ms - pollDelay); seen: the
-- changes already reported that the next window can return again, as a
-- JSON object {"<objectId>": <updated ms>}; due_ms: when the next poll is
-- due (the schedule survives restarts); lease_*: the node running it.
CREATE TABLE event_polls (
    instance_id    INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    resource       TEXT NOT NULL,
    interval_ms    INTEGER NOT NULL,
    due_ms         INTEGER NOT NULL,
    watermark_ms   INTEGER NOT NULL,
    seen           TEXT NOT NULL DEFAULT '{}',
    lease_until_ms INTEGER NOT NULL DEFAULT 0,
    lease_owner    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (instance_id, resource)
);
CREATE INDEX event_polls_due ON event_polls(due_ms);
