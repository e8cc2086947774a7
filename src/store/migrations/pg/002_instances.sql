-- Element instances (PostgreSQL). Same table as
-- migrations/sqlite/002_instances.sql: non-secret configuration is plain
-- JSON text; every secret value lives in secrets_ct, sealed as one JSON
-- object. The instance token is sealed (token_ct) and found by keyed hash.
-- cred_version increments on every credential change (compare-and-swap).
CREATE TABLE instances (
    id                BIGSERIAL PRIMARY KEY,
    org_id            BIGINT NOT NULL REFERENCES orgs(id),
    user_id           BIGINT NOT NULL REFERENCES users(id),
    element_key       TEXT NOT NULL,
    name              TEXT NOT NULL,
    tags              TEXT NOT NULL DEFAULT '[]',
    config            TEXT NOT NULL DEFAULT '{}',
    secrets_ct        BYTEA,
    token_hash        BYTEA NOT NULL UNIQUE,
    token_ct          BYTEA NOT NULL,
    auth_type         TEXT NOT NULL,
    external_auth     TEXT NOT NULL DEFAULT 'none',
    valid             INTEGER NOT NULL DEFAULT 1,
    disabled          INTEGER NOT NULL DEFAULT 0,
    invalid_reason    TEXT,
    provider_meta     TEXT NOT NULL DEFAULT '{}',
    access_expires_at BIGINT NOT NULL DEFAULT 0,
    refreshed_at      BIGINT NOT NULL DEFAULT 0,
    cred_version      BIGINT NOT NULL DEFAULT 1,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX instances_org ON instances (org_id);
CREATE INDEX instances_user ON instances (user_id);
CREATE INDEX instances_refresh ON instances (auth_type, valid, refreshed_at);
