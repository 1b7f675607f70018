-- 0016: the bound e-mail address of a citizen account (§1-1-3-7-3 更换邮箱),
-- and the destruction mark of the retention rule.
-- email_enc: the address, lower-cased, SM4-encrypted like the phone; not a
-- login name, so neither unique nor blind-indexed. Deregistration clears it.
-- email_verified_until: the window in which the session proved it can read
-- the old address during a change (codes to the old address, then the new).
-- Codes themselves live in sms_codes, keyed by the blind index of the
-- address with the purposes email_old and email_new.
ALTER TABLE citizens ADD COLUMN email_enc TEXT;
ALTER TABLE sessions ADD COLUMN email_verified_until BIGINT NOT NULL DEFAULT 0;

-- purged_at: when `tongban retention purge` destroyed a deregistered account's
-- kept identifiers after the archive period (docs/operations.md §15).
ALTER TABLE citizens ADD COLUMN purged_at BIGINT;
