-- Accounts, roles and disabled users (issue 15; PostgreSQL, same tables as
-- sqlite/010). Every organization has a default account whose id is the
-- organization's id; sub-accounts take their ids from the organizations'
-- sequence, so account and organization ids never collide.
CREATE TABLE accounts (
    id          BIGINT PRIMARY KEY DEFAULT nextval('orgs_id_seq'),
    org_id      BIGINT NOT NULL REFERENCES orgs(id),
    name        TEXT NOT NULL,
    description TEXT,
    external_id TEXT,
    is_default  INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX accounts_org ON accounts (org_id);
INSERT INTO accounts (id, org_id, name, is_default, created_at, updated_at)
    SELECT id, id, name, 1, created_at, created_at FROM orgs;

ALTER TABLE users ADD COLUMN account_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'org-admin'
    CHECK (role IN ('org-admin', 'account-admin', 'user'));
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
UPDATE users SET account_id = org_id;
CREATE INDEX users_account ON users (account_id);

ALTER TABLE instances ADD COLUMN account_id BIGINT NOT NULL DEFAULT 0;
UPDATE instances SET account_id = org_id;
CREATE INDEX instances_account ON instances (account_id);
