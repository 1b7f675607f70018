-- 0008: the message center (§3-1-1-6): templates, applications, the
-- persistent send queue with its delivery log, in-app inboxes, and each
-- citizen's notification preferences.

-- Business systems that send through the platform. key_enc is the
-- application's signing secret, SM4-encrypted (shown once when issued; the
-- server needs it to check request signatures); templates: ",code,…,".
CREATE TABLE msg_apps (
    code         TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    key_enc      TEXT NOT NULL,
    templates    TEXT NOT NULL DEFAULT '',
    callback_url TEXT,
    per_minute   INTEGER NOT NULL DEFAULT 600,
    status       TEXT NOT NULL DEFAULT 'active',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- Versioned templates per channel; body uses {{name}} variables.
CREATE TABLE msg_templates (
    code       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    channel    TEXT NOT NULL,          -- sms | email | inapp
    name       TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL,
    variables  TEXT NOT NULL DEFAULT '[]',
    status     TEXT NOT NULL DEFAULT 'active',
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (code, version)
);

-- The queue and the delivery log in one table. status: accepted → sending
-- → delivered | failed (retried with backoff until max attempts) → dead.
-- recipient_enc holds the phone or e-mail address (SM4); recipient_bidx
-- its blind index for search and per-recipient limits.
CREATE TABLE messages (
    id              @ID@,
    app             TEXT NOT NULL,
    idem_key        TEXT,
    template        TEXT,
    template_version INTEGER,
    channel         TEXT NOT NULL,
    recipient_enc   TEXT NOT NULL,
    recipient_bidx  TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    purpose         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    send_at         BIGINT NOT NULL,
    next_at         BIGINT NOT NULL,
    lease_until     BIGINT,
    provider        TEXT,
    error           TEXT,
    created_at      BIGINT NOT NULL,
    sending_at      BIGINT,
    delivered_at    BIGINT,
    failed_at       BIGINT
);
CREATE UNIQUE INDEX messages_idem ON messages(app, idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX messages_due ON messages(status, next_at);
CREATE INDEX messages_recipient ON messages(recipient_bidx, id);
CREATE INDEX messages_app ON messages(app, created_at);

-- In-app inboxes of citizens and staff.
CREATE TABLE inbox (
    id         @ID@,
    realm      TEXT NOT NULL,          -- citizen | staff
    subject_id BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT,
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX inbox_owner ON inbox(realm, subject_id, id);

-- A citizen's choice per kind of notice: SMS on or off (in-app always on).
-- Security notices (kind 'account', 'security') cannot be turned off.
CREATE TABLE notify_prefs (
    citizen_id BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    sms        INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (citizen_id, kind)
);
