-- Accounts, roles and disabled users (issue 15). An organization's
-- sub-accounts own instances. Every organization has a default account
-- whose id is the organization's id (virtual resources' account level uses
-- it); account and organization ids come from one id space (the store
-- picks max(orgs, accounts) + 1 for both), so they never collide.
-- users.role: org-admin (everything in the organization), account-admin
-- (its account's users and instances), user (its own instances). Existing
-- users keep what they could do: org-admin of their default account.
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs(id),
    name        TEXT NOT NULL,
    description TEXT,
    external_id TEXT,
    is_default  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX accounts_org ON accounts(org_id);
INSERT INTO accounts(id, org_id, name, is_default, created_at, updated_at)
    SELECT id, id, name, 1, created_at, created_at FROM orgs;

ALTER TABLE users ADD COLUMN account_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'org-admin'
    CHECK (role IN ('org-admin', 'account-admin', 'user'));
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
UPDATE users SET account_id = org_id;
CREATE INDEX users_account ON users(account_id);

ALTER TABLE instances ADD COLUMN account_id INTEGER NOT NULL DEFAULT 0;
UPDATE instances SET account_id = org_id;
CREATE INDEX instances_account ON instances(account_id);
