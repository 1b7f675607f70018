-- 0001: foundation schema. Times are epoch seconds (BIGINT); booleans are
-- INTEGER 0/1; JSON documents are TEXT. Personal data (ID numbers, phones,
-- case form data) is stored SM4-encrypted (`*_enc`) with an HMAC-SM3 blind
-- index (`*_bidx`) for exact lookups.

CREATE TABLE regions (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    level   INTEGER NOT NULL,
    parent  TEXT,
    sort    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX regions_parent ON regions(parent);

CREATE TABLE meta_codes (
    kind    TEXT NOT NULL,
    code    TEXT NOT NULL,
    name    TEXT NOT NULL,
    sort    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, code)
);

-- The matter guide is one JSON document (the API's full guide); the columns
-- beside it are the filterable facts, kept in step by catalog/store.c.
CREATE TABLE matters (
    id              @ID@,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    police_category TEXT NOT NULL,
    theme           TEXT,
    online_level    TEXT NOT NULL,
    appointment     INTEGER NOT NULL DEFAULT 0,
    service_objects TEXT NOT NULL,      -- ",1,2,"
    channels        TEXT NOT NULL,      -- ",pc,mobile,kiosk,"
    regions         TEXT NOT NULL,      -- ",230000,"
    status          TEXT NOT NULL,      -- draft | published | unpublished
    hot             INTEGER,
    sort            INTEGER NOT NULL DEFAULT 0,
    form_version    INTEGER NOT NULL DEFAULT 1,
    guide           TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE matter_forms (
    matter_code TEXT NOT NULL,
    version     INTEGER NOT NULL,
    schema_json TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (matter_code, version)
);

-- Change counters that invalidate in-memory caches on every node.
CREATE TABLE cache_epochs (
    name  TEXT PRIMARY KEY,
    epoch BIGINT NOT NULL
);
INSERT INTO cache_epochs(name, epoch) VALUES ('catalog', 1);

CREATE TABLE citizens (
    id              @ID@,
    type            TEXT NOT NULL,       -- person | legal
    name            TEXT NOT NULL,       -- person name, or organisation name
    id_number_enc   TEXT,
    id_number_bidx  TEXT UNIQUE,
    phone_enc       TEXT NOT NULL,
    phone_bidx      TEXT NOT NULL UNIQUE,
    uscc            TEXT UNIQUE,
    legal_rep       TEXT,
    contact_name    TEXT,
    password_hash   TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'active',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);

CREATE TABLE staff (
    id              @ID@,
    login           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'active',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- Sessions are rows so any node can serve any request. The cookie holds a
-- random token; only its keyed digest is stored.
CREATE TABLE sessions (
    token_digest    TEXT PRIMARY KEY,
    realm           TEXT NOT NULL,       -- citizen | staff
    subject_id      BIGINT NOT NULL,
    csrf            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_seen       BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    ip              TEXT
);
CREATE INDEX sessions_subject ON sessions(realm, subject_id);

CREATE TABLE sms_codes (
    id          @ID@,
    phone_bidx  TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    code_digest TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    used        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sms_codes_phone ON sms_codes(phone_bidx, purpose, created_at);

CREATE TABLE sms_outbox (
    id          @ID@,
    phone_enc   TEXT NOT NULL,
    phone_bidx  TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    text        TEXT NOT NULL,
    provider    TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX sms_outbox_phone ON sms_outbox(phone_bidx, id);

-- Sliding-window counters for login failures and rate limits.
CREATE TABLE rate_hits (
    bucket  TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX rate_hits_bucket ON rate_hits(bucket, at);

CREATE TABLE uploads (
    id           TEXT PRIMARY KEY,
    owner_id     BIGINT NOT NULL,
    sm3          TEXT NOT NULL,
    size         BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX uploads_owner ON uploads(owner_id);

CREATE TABLE serial_counters (
    prefix  TEXT PRIMARY KEY,
    value   BIGINT NOT NULL
);

CREATE TABLE cases (
    id              @ID@,
    serial          TEXT NOT NULL UNIQUE,
    matter_code     TEXT NOT NULL,
    matter_name     TEXT NOT NULL,
    region          TEXT NOT NULL,
    applicant_id    BIGINT NOT NULL,
    applicant_name  TEXT NOT NULL,
    applicant_id_number_enc TEXT,
    applicant_id_number_bidx TEXT,
    case_type       INTEGER NOT NULL,
    form_version    INTEGER NOT NULL,
    form_enc        TEXT NOT NULL,
    query_digest    TEXT NOT NULL,
    status          TEXT NOT NULL,
    current_step    TEXT NOT NULL,
    payment_status  TEXT,
    delivery_status TEXT,
    idem_key        TEXT,
    idem_response_enc TEXT,             -- the first answer, replayed for a repeated Idempotency-Key
    submitted_at    BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (applicant_id, idem_key)
);

CREATE TABLE case_materials (
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    material_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    upload_id   TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    size        BIGINT NOT NULL,
    sm3         TEXT NOT NULL,
    PRIMARY KEY (case_id, material_id, upload_id)
);

CREATE TABLE case_history (
    id          @ID@,
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    at          BIGINT NOT NULL,
    step        TEXT NOT NULL,
    action      TEXT NOT NULL,
    status      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_history_case ON case_history(case_id, id);

-- Append-only audit trail, chained: mac = HMAC-SM3(key, prev_mac | fields).
-- audit_head is the single row every writer updates first, which serialises
-- appenders on PostgreSQL as SQLite's writer lock does.
CREATE TABLE audit_log (
    id          @ID@,
    at          BIGINT NOT NULL,
    realm       TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object      TEXT NOT NULL,
    result      TEXT NOT NULL,
    ip          TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_mac    TEXT NOT NULL,
    mac         TEXT NOT NULL
);
CREATE TABLE audit_head (
    id      INTEGER PRIMARY KEY,
    seq     BIGINT NOT NULL,
    mac     TEXT NOT NULL
);
INSERT INTO audit_head(id, seq, mac) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
