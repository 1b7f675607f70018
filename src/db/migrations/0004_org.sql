-- Work portal organisation (src/mod/org): departments, staff profiles, roles
-- with function permissions and data scopes, groups, unban approvals, and the
-- staff sign-in second factor. Access-control rows (roles, role_permissions,
-- role_scope_departments, staff_roles) carry `mac` = HMAC-SM3 over their
-- content, computed by the server (the migration cannot: it has no key), and
-- checked on every access decision; a row whose MAC fails grants nothing.

CREATE TABLE departments (
    id          @ID@,
    name        TEXT NOT NULL,            -- full name 哈尔滨市公安局出入境管理支队
    short_name  TEXT NOT NULL,            -- 出入境支队
    level       INTEGER NOT NULL,         -- 1 province, 2 city, 3 branch/detachment, 4 section
    parent_id   BIGINT,                   -- NULL for the root
    region      TEXT NOT NULL,            -- GB/T 2260
    sort_order  INTEGER NOT NULL DEFAULT 0,
    head_staff_id BIGINT,                 -- approves unbans of the department's staff
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX departments_name ON departments(name);
CREATE INDEX departments_parent ON departments(parent_id, sort_order);
CREATE INDEX departments_region ON departments(region);

ALTER TABLE staff ADD COLUMN department_id BIGINT;
ALTER TABLE staff ADD COLUMN police_no TEXT;
ALTER TABLE staff ADD COLUMN phone_enc TEXT;
ALTER TABLE staff ADD COLUMN phone_bidx TEXT;
ALTER TABLE staff ADD COLUMN totp_enc TEXT;                      -- SM4-encrypted base32 secret
ALTER TABLE staff ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0; -- replay guard (RFC 6238 §5.2)
ALTER TABLE staff ADD COLUMN retired_at BIGINT;
ALTER TABLE staff ADD COLUMN former_department TEXT;             -- name kept for the retired archive
CREATE INDEX staff_department ON staff(department_id);
CREATE UNIQUE INDEX staff_police_no ON staff(police_no);

CREATE TABLE roles (
    id          @ID@,
    code        TEXT NOT NULL UNIQUE,     -- accept_officer (used by flow definitions)
    name        TEXT NOT NULL,            -- 受理民警
    kind        TEXT NOT NULL,            -- business | system | security | audit
    scope       TEXT NOT NULL,            -- all | region | dept_tree | dept | self | custom
    mfa         INTEGER NOT NULL DEFAULT 1,
    mac         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE TABLE role_permissions (
    id          @ID@,
    role_id     BIGINT NOT NULL,
    perm        TEXT NOT NULL,
    mac         TEXT NOT NULL,
    UNIQUE (role_id, perm)
);
CREATE TABLE role_scope_departments (
    id            @ID@,
    role_id       BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    mac           TEXT NOT NULL,
    UNIQUE (role_id, department_id)
);
CREATE TABLE staff_roles (
    id          @ID@,
    staff_id    BIGINT NOT NULL,
    role_id     BIGINT NOT NULL,
    mac         TEXT NOT NULL,
    UNIQUE (staff_id, role_id)
);
CREATE INDEX staff_roles_role ON staff_roles(role_id);

CREATE TABLE staff_groups (
    id          @ID@,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE TABLE staff_group_members (
    group_id    BIGINT NOT NULL,
    staff_id    BIGINT NOT NULL,
    PRIMARY KEY (group_id, staff_id)
);
CREATE INDEX staff_group_members_staff ON staff_group_members(staff_id);

-- 解封 needs the head of the staff member's department: request, then decision.
CREATE TABLE unban_requests (
    id            @ID@,
    staff_id      BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    requested_by  BIGINT NOT NULL,
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending', -- pending | approved | refused
    decided_by    BIGINT,
    decided_at    BIGINT,
    note          TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE INDEX unban_requests_staff ON unban_requests(staff_id, status);

-- Password accepted, second factor pending: a random token (digest stored)
-- valid five minutes; the SMS code, when one was sent, as a keyed digest.
CREATE TABLE staff_mfa_challenges (
    token_digest  TEXT PRIMARY KEY,
    staff_id      BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    sms_digest    TEXT,
    sms_expires   BIGINT NOT NULL DEFAULT 0
);
