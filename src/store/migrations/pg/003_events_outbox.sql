-- The events outbox (PostgreSQL; the same table as
-- migrations/sqlite/003_events_outbox.sql, src/events/outbox.c): one row
-- per notification POSTed to an instance's event.notification.callback.url.
-- body is the exact JSON sent on every attempt (its message.eventId is event_id). status:
-- pending (never tried), retry (failed, next attempt at next_at),
-- delivered (a 2xx), queued (retries exhausted, or the instance has
-- queued deliveries; re-sent by PUT /notifications/subscriptions/deliveries).
-- An attempt holds a lease (lease_until, claim) so that one node makes it.
-- Times are epoch milliseconds.
CREATE TABLE event_deliveries (
    id            BIGSERIAL PRIMARY KEY,
    event_id      TEXT NOT NULL UNIQUE,
    org_id        BIGINT NOT NULL,
    instance_id   BIGINT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    element_key   TEXT NOT NULL,
    source        TEXT NOT NULL,
    body          TEXT NOT NULL,
    url           TEXT,
    status        TEXT NOT NULL DEFAULT 'pending',
    attempts      BIGINT NOT NULL DEFAULT 0,
    next_at       BIGINT NOT NULL,
    lease_until   BIGINT NOT NULL DEFAULT 0,
    claim         BIGINT NOT NULL DEFAULT 0,
    last_status   BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    BIGINT NOT NULL,
    delivered_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX event_deliveries_due ON event_deliveries(next_at)
    WHERE status IN ('pending', 'retry');
CREATE INDEX event_deliveries_instance ON event_deliveries(instance_id, id);
CREATE INDEX event_deliveries_org_status ON event_deliveries(org_id, status, id);
CREATE INDEX event_deliveries_queued ON event_deliveries(instance_id)
    WHERE status = 'queued';
