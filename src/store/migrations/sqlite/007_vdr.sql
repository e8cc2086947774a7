-- Virtual data resources (issue 12, spec §7): object definitions and
-- transformations, one row per document, stored as the JSON text a GET
-- returns. level is 'organization', 'account' or 'instance'; owner_id the
-- organization, account (= organization until sub-accounts exist) or
-- instance id. Integer ids for the VDR v2 calls. An instance's documents
-- go with it, in the transaction that deletes it (trigger below).
CREATE TABLE vdr_definitions (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    level      TEXT NOT NULL
               CHECK (level IN ('organization', 'account', 'instance')),
    owner_id   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    doc        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, level, owner_id, name)
);

CREATE TABLE vdr_transformations (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    level       TEXT NOT NULL
                CHECK (level IN ('organization', 'account', 'instance')),
    owner_id    INTEGER NOT NULL,
    element_key TEXT NOT NULL,
    name        TEXT NOT NULL,
    doc         TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (org_id, level, owner_id, element_key, name)
);

CREATE TRIGGER vdr_instance_deleted AFTER DELETE ON instances
BEGIN
    DELETE FROM vdr_definitions
     WHERE org_id = OLD.org_id AND level = 'instance' AND owner_id = OLD.id;
    DELETE FROM vdr_transformations
     WHERE org_id = OLD.org_id AND level = 'instance' AND owner_id = OLD.id;
END;
