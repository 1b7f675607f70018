-- 0010: consultations (咨询), complaints (投诉) and suggestions (建议)
-- (§1-1-3-7-4-3/4/5, §2-1-6-3). Times are epoch seconds.
--
-- kind: consultation | suggestion | complaint. channel: web | mobile (the
-- citizen's own submission) | phone | visit (typed in by staff).
-- status: consultation and suggestion: submitted → replied; complaint:
-- submitted → registered → investigated → reviewed → (instructed) →
-- concluded (a review that sends the case back returns it to registered).
-- citizen_id is NULL for a phone or visit complaint of someone without an
-- account; contact_phone_enc and email_enc are SM4 field-encrypted.
-- due_at: the deadline in working days (calendar), set at submission.
-- finding (complaints): founded 成立 | partly 部分成立 | unfounded 不成立;
-- target_department_id / target_staff_id: the department and officer
-- complained about, counted in performance assessment.
CREATE TABLE feedback (
    id                   @ID@,
    kind                 TEXT NOT NULL,
    channel              TEXT NOT NULL,
    citizen_id           BIGINT,
    contact_name         TEXT NOT NULL,
    contact_phone_enc    TEXT,
    email_enc            TEXT,
    title                TEXT NOT NULL,
    content              TEXT NOT NULL,
    department_id        BIGINT NOT NULL,
    matter_code          TEXT,
    matter_name          TEXT,
    status               TEXT NOT NULL,
    reply                TEXT,
    replied_at           BIGINT,
    replied_by           BIGINT,
    finding              TEXT,
    target_department_id BIGINT,
    target_staff_id      BIGINT,
    concluded_at         BIGINT,
    due_at               BIGINT NOT NULL,
    created_by           BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX feedback_citizen ON feedback(citizen_id, kind, created_at);
CREATE INDEX feedback_department ON feedback(department_id, kind, status);
CREATE INDEX feedback_target ON feedback(target_department_id, concluded_at);
CREATE INDEX feedback_target_staff ON feedback(target_staff_id);

-- Every step with its actor, time and opinion (全程留痕). step: submit |
-- typed | reply | register | investigate | review | return | instruct |
-- conclude. actor_realm citizen | staff; actor_id the account id.
CREATE TABLE feedback_steps (
    id          @ID@,
    feedback_id BIGINT NOT NULL,
    step        TEXT NOT NULL,
    actor_realm TEXT NOT NULL,
    actor_id    BIGINT,
    actor_name  TEXT NOT NULL,
    opinion     TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE INDEX feedback_steps_of ON feedback_steps(feedback_id, id);
