-- Virtual data resources (issue 12, spec §7; PostgreSQL, same tables as
-- sqlite/007): object definitions and transformations, one row per
-- document, stored as the JSON text a GET returns. level is
-- 'organization', 'account' or 'instance'; owner_id the organization,
-- account (= organization until sub-accounts exist) or instance id. An
-- instance's documents go with it, in the transaction that deletes it.
CREATE TABLE vdr_definitions (
    id         BIGSERIAL PRIMARY KEY,
    org_id     BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    level      TEXT NOT NULL
               CHECK (level IN ('organization', 'account', 'instance')),
    owner_id   BIGINT NOT NULL,
    name       TEXT NOT NULL,
    doc        TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, level, owner_id, name)
);

CREATE TABLE vdr_transformations (
    id          BIGSERIAL PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    level       TEXT NOT NULL
                CHECK (level IN ('organization', 'account', 'instance')),
    owner_id    BIGINT NOT NULL,
    element_key TEXT NOT NULL,
    name        TEXT NOT NULL,
    doc         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, level, owner_id, element_key, name)
);

CREATE FUNCTION vdr_instance_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM vdr_definitions
     WHERE org_id = OLD.org_id AND level = 'instance' AND owner_id = OLD.id;
    DELETE FROM vdr_transformations
     WHERE org_id = OLD.org_id AND level = 'instance' AND owner_id = OLD.id;
    RETURN OLD;
END
$$;

CREATE TRIGGER vdr_instance_deleted AFTER DELETE ON instances
    FOR EACH ROW EXECUTE FUNCTION vdr_instance_deleted();
