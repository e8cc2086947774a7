-- Events, webhook ingress (evb): HubSpot's verified webhook batches, stored
-- as received before the request is answered, then processed on the events
-- loop (routed to instances, queued in the outbox). A row is claimed for
-- a lease (claimed_until, epoch ms) by the node processing it and marked
-- processed_at once its notifications are committed in the outbox; a
-- claim that expires (a crash) is taken again by the sweep.
CREATE TABLE events_inbox (
    id            INTEGER PRIMARY KEY,
    element_key   TEXT NOT NULL,
    body          TEXT NOT NULL,
    received_at   INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    processed_at  INTEGER
);
CREATE INDEX events_inbox_pending ON events_inbox(claimed_until)
    WHERE processed_at IS NULL;
CREATE INDEX events_inbox_processed ON events_inbox(processed_at)
    WHERE processed_at IS NOT NULL;

-- The HubSpot portal (hub id) and app of each instance, as learnt from
-- HubSpot's token metadata at provisioning (provider_meta: hub_id,
-- app_id): generated from provider_meta, so every write of the metadata
-- (create, re-authentication) keeps them right and existing rows have
-- them at once. Webhook batches are routed by (app_id, portal_id).
ALTER TABLE instances ADD COLUMN portal_id INTEGER GENERATED ALWAYS AS (
    CASE WHEN json_valid(provider_meta)
         AND json_type(provider_meta, '$.hub_id') = 'integer'
    THEN json_extract(provider_meta, '$.hub_id') END) VIRTUAL;
ALTER TABLE instances ADD COLUMN app_id INTEGER GENERATED ALWAYS AS (
    CASE WHEN json_valid(provider_meta)
         AND json_type(provider_meta, '$.app_id') = 'integer'
    THEN json_extract(provider_meta, '$.app_id') END) VIRTUAL;
CREATE INDEX instances_hubspot_app ON instances(app_id, portal_id);
