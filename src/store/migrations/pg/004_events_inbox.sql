-- Events, webhook ingress (evb): HubSpot's verified webhook batches, stored
-- as received before the request is answered, then processed on the events
-- loop (routed to instances, queued in the outbox). A row is claimed for
-- a lease (claimed_until, epoch ms) by the node processing it (FOR UPDATE
-- SKIP LOCKED: one node per row) and marked processed_at once its
-- notifications are committed in the outbox; a claim that expires (a
-- crashed node) is taken again by the sweep of any node.
CREATE TABLE events_inbox (
    id            BIGSERIAL PRIMARY KEY,
    element_key   TEXT NOT NULL,
    body          TEXT NOT NULL,
    received_at   BIGINT NOT NULL,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    processed_at  BIGINT
);
CREATE INDEX events_inbox_pending ON events_inbox (claimed_until)
    WHERE processed_at IS NULL;
CREATE INDEX events_inbox_processed ON events_inbox (processed_at)
    WHERE processed_at IS NOT NULL;

-- The HubSpot portal (hub id) and app of each instance, as learnt from
-- HubSpot's token metadata at provisioning (provider_meta: hub_id,
-- app_id): generated from provider_meta, so every write of the metadata
-- (create, re-authentication) keeps them right and existing rows are
-- filled by this migration. Webhook batches are routed by (app_id,
-- portal_id).
ALTER TABLE instances ADD COLUMN portal_id BIGINT GENERATED ALWAYS AS (
    CASE WHEN jsonb_typeof(provider_meta::jsonb -> 'hub_id') = 'number'
    THEN CASE WHEN abs((provider_meta::jsonb ->> 'hub_id')::numeric) < 9e18
         THEN trunc((provider_meta::jsonb ->> 'hub_id')::numeric)::bigint END END)
    STORED;
ALTER TABLE instances ADD COLUMN app_id BIGINT GENERATED ALWAYS AS (
    CASE WHEN jsonb_typeof(provider_meta::jsonb -> 'app_id') = 'number'
    THEN CASE WHEN abs((provider_meta::jsonb ->> 'app_id')::numeric) < 9e18
         THEN trunc((provider_meta::jsonb ->> 'app_id')::numeric)::bigint END END)
    STORED;
CREATE INDEX instances_hubspot_app ON instances (app_id, portal_id);
