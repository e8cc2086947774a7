-- The outbox claim (store_delivery_claim) reads its candidates from this
-- index alone: due order (next_at, id) and the columns it filters on
-- (lease_until, instance_id, status), so the table rows, whose 4 KB bodies
-- come before those columns, are read only for the rows claimed. Replaces
-- event_deliveries_due (its prefix).
CREATE INDEX event_deliveries_claim
    ON event_deliveries(next_at, id, lease_until, instance_id, status)
    WHERE status IN ('pending', 'retry');
DROP INDEX event_deliveries_due;
