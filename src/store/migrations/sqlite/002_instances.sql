-- Element instances. Non-secret configuration is plain JSON; every secret
-- configuration value (client secret, API key, access and refresh tokens,
-- signature keys) lives in secrets_ct, sealed as one JSON object. The
-- instance token is sealed (token_ct) and found by keyed hash.
-- cred_version increments on every credential change (compare-and-swap).
CREATE TABLE instances (
    id                INTEGER PRIMARY KEY,
    org_id            INTEGER NOT NULL REFERENCES orgs(id),
    user_id           INTEGER NOT NULL REFERENCES users(id),
    element_key       TEXT NOT NULL,
    name              TEXT NOT NULL,
    tags              TEXT NOT NULL DEFAULT '[]',
    config            TEXT NOT NULL DEFAULT '{}',
    secrets_ct        BLOB,
    token_hash        BLOB NOT NULL UNIQUE,
    token_ct          BLOB NOT NULL,
    auth_type         TEXT NOT NULL,
    external_auth     TEXT NOT NULL DEFAULT 'none',
    valid             INTEGER NOT NULL DEFAULT 1,
    disabled          INTEGER NOT NULL DEFAULT 0,
    invalid_reason    TEXT,
    provider_meta     TEXT NOT NULL DEFAULT '{}',
    access_expires_at INTEGER NOT NULL DEFAULT 0,
    refreshed_at      INTEGER NOT NULL DEFAULT 0,
    cred_version      INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX instances_org ON instances(org_id);
CREATE INDEX instances_refresh ON instances(auth_type, valid, refreshed_at);
