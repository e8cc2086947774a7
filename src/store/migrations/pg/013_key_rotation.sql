-- Master-key rotation (issue 15; src/domain/rotate.c, docs/operations.md).
-- At most one row: the rotation under way or the last one. new_key_ct is
-- the new master key sealed with the old one, so that every node (which
-- holds the old key) learns the new key from the database; it is cleared
-- when the rotation is done, as the old key is retired. state: running
-- (ciphertexts are being re-sealed), draining (the database is done, bulk
-- files sealed with the old key remain), done. Times are epoch ms.
CREATE TABLE key_rotation (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    old_key_id   TEXT NOT NULL,
    new_key_id   TEXT NOT NULL,
    new_key_ct   BYTEA,
    state        TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    finished_at  BIGINT NOT NULL DEFAULT 0
);
