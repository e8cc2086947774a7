-- The audit log (issue 15; src/domain/audit.c): one row per change to
-- users, secrets, instances and configuration, and per refused login.
-- at is epoch milliseconds; actor_id 0 = the command line or nobody known
-- (a failed login); target_id 0 = none; outcome the HTTP status (0: none).
-- detail names what changed (field names), never a secret value. Rows are
-- read per organization, newest first (id descending).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    actor_id    INTEGER NOT NULL DEFAULT 0,
    actor_ip    TEXT,
    action      TEXT NOT NULL,
    target_type TEXT,
    target_id   INTEGER NOT NULL DEFAULT 0,
    detail      TEXT,
    request_id  TEXT,
    outcome     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX audit_log_org ON audit_log(org_id, id);
