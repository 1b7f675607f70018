-- 0017: face verification as the second factor of sensitive pages
-- (§1-1-3-7-4-12 人脸识别认证). The page shows a QR code holding a one-time
-- token; the mobile app scans it, runs live face comparison against the
-- trusted identity service and reports the result in a signed callback. Only
-- the token's digest is stored. status: pending | passed | failed; a passed
-- challenge opens the elevated window of the session that asked for it.
CREATE TABLE face_challenges (
    id              @ID@,
    token_digest    TEXT NOT NULL UNIQUE,
    citizen_id      BIGINT NOT NULL,
    session_digest  TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    reason          TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    result_at       BIGINT
);
CREATE INDEX face_challenges_citizen ON face_challenges(citizen_id, id);
