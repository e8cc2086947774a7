-- The audit log (issue 15; src/domain/audit.c), as
-- migrations/sqlite/011_audit.sql: one row per change to users, secrets,
-- instances and configuration, and per refused login. at is epoch
-- milliseconds; actor_id 0 = the command line or nobody known; target_id
-- 0 = none; outcome the HTTP status (0: none). detail names what changed,
-- never a secret value. Read per organization, newest first.
CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    org_id      BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    actor_id    BIGINT NOT NULL DEFAULT 0,
    actor_ip    TEXT,
    action      TEXT NOT NULL,
    target_type TEXT,
    target_id   BIGINT NOT NULL DEFAULT 0,
    detail      TEXT,
    request_id  TEXT,
    outcome     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX audit_log_org ON audit_log (org_id, id);
