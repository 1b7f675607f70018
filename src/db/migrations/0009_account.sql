-- 0009: account maintenance and the personal space (§1-1-3-7): the SMS second
-- factor on sessions, profile fields, login history, relatives and agents,
-- delivery addresses, favourite matters and browsing footprints, and what a
-- deregistered account keeps.

-- The elevated window of a session (SMS second factor, §1-1-3-7-4-12) and the
-- window in which the old phone has been verified during a phone change.
ALTER TABLE sessions ADD COLUMN elevated_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN phone_verified_until BIGINT NOT NULL DEFAULT 0;

-- profile_enc: the 完善个人信息 fields as one SM4-encrypted JSON object.
-- Deregistration moves the blind indexes into released_* (not unique), so the
-- person may register again while a login with the old account is answered
-- ACCOUNT_DEREGISTERED (only after the right password).
ALTER TABLE citizens ADD COLUMN profile_enc TEXT;
ALTER TABLE citizens ADD COLUMN deregistered_at BIGINT;
ALTER TABLE citizens ADD COLUMN released_id_bidx TEXT;
ALTER TABLE citizens ADD COLUMN released_phone_bidx TEXT;
ALTER TABLE citizens ADD COLUMN released_uscc TEXT;
CREATE INDEX citizens_released_id ON citizens(released_id_bidx);
CREATE INDEX citizens_released_phone ON citizens(released_phone_bidx);
CREATE INDEX citizens_released_uscc ON citizens(released_uscc);

-- Every citizen login attempt on a known account (result ok | failed | locked |
-- deregistered); ip_prefix = IPv4 /24 or IPv6 /64; ua_digest = keyed digest of
-- the User-Agent (the device).
CREATE TABLE login_history (
    id          @ID@,
    citizen_id  BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    ip          TEXT NOT NULL,
    ip_prefix   TEXT NOT NULL,
    ua_digest   TEXT NOT NULL,
    device      TEXT NOT NULL,
    result      TEXT NOT NULL,
    alerted     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX login_history_citizen ON login_history(citizen_id, id);

-- 我的亲属: delegated agents (委托代办人) and emergency contacts (紧急联系人).
CREATE TABLE citizen_contacts (
    id              @ID@,
    citizen_id      BIGINT NOT NULL,
    kind            TEXT NOT NULL,      -- agent | emergency
    name            TEXT NOT NULL,
    relation        TEXT NOT NULL,
    id_number_enc   TEXT,
    id_number_bidx  TEXT,
    phone_enc       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX citizen_contacts_owner ON citizen_contacts(citizen_id, id);

-- 我的地址: delivery addresses; phone and detail encrypted.
CREATE TABLE citizen_addresses (
    id          @ID@,
    citizen_id  BIGINT NOT NULL,
    name        TEXT NOT NULL,
    phone_enc   TEXT NOT NULL,
    region      TEXT NOT NULL,
    detail_enc  TEXT NOT NULL,
    postcode    TEXT,
    is_default  INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX citizen_addresses_owner ON citizen_addresses(citizen_id, id);

-- 我的收藏 and 我的足迹 (one row per matter; the newest visit wins).
CREATE TABLE citizen_favorites (
    citizen_id  BIGINT NOT NULL,
    matter_code TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (citizen_id, matter_code)
);
CREATE INDEX citizen_favorites_time ON citizen_favorites(citizen_id, created_at);

CREATE TABLE citizen_footprints (
    citizen_id  BIGINT NOT NULL,
    matter_code TEXT NOT NULL,
    visited_at  BIGINT NOT NULL,
    visits      INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (citizen_id, matter_code)
);
CREATE INDEX citizen_footprints_time ON citizen_footprints(citizen_id, visited_at);
