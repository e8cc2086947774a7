-- Organizations, users and bearer sessions (PostgreSQL). Same tables as
-- migrations/sqlite/001_platform.sql: secrets are stored sealed (secret_ct)
-- and found by a keyed hash (secret_hash); never in clear. Emails are
-- unique case-insensitively through the index on lower(email), which the
-- lookups use.
CREATE TABLE orgs (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    secret_hash BYTEA NOT NULL UNIQUE,
    secret_ct   BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES orgs(id),
    email         TEXT NOT NULL,
    first_name    TEXT,
    last_name     TEXT,
    password_hash TEXT NOT NULL,
    secret_hash   BYTEA NOT NULL UNIQUE,
    secret_ct     BYTEA NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));
CREATE INDEX users_org ON users (org_id);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX sessions_user ON sessions (user_id);
