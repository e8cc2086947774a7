-- Organizations, users and bearer sessions. Secrets are stored sealed
-- (secret_ct) and found by a keyed hash (secret_hash); never in clear.
CREATE TABLE orgs (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    secret_hash BLOB NOT NULL UNIQUE,
    secret_ct   BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    first_name    TEXT,
    last_name     TEXT,
    password_hash TEXT NOT NULL,
    secret_hash   BLOB NOT NULL UNIQUE,
    secret_ct     BLOB NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);
