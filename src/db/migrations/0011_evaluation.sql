-- 0011: 好差评 (§3-1-1-7). One row per evaluation a case owes: a 承诺件 owes
-- one at acceptance (stage accept) and one at completion (stage finish), a
-- 即办件 only the one at completion. The rating is stored by meaning (level:
-- very_satisfied satisfied basic dissatisfied very_dissatisfied); the GB/T
-- 39046 satisfaction code (1…5) is derived for export. The case's serial,
-- matter, department and region are copied at creation so the aggregates and
-- the export need no join with the case tables. Times are epoch seconds.
--
-- review: the text (content and follow-up) is reviewed before it is shown
--   publicly: none (no text) | pending | approved | rejected.
-- verify: a bad rating checked by staff: NULL | verified | unfounded.
CREATE TABLE evaluations (
    id            @ID@,
    case_id       BIGINT NOT NULL,
    serial        TEXT NOT NULL,
    stage         TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    citizen_id    BIGINT NOT NULL,
    matter_code   TEXT NOT NULL,
    matter_name   TEXT NOT NULL,
    department_id BIGINT,
    region        TEXT NOT NULL,
    case_type     INTEGER NOT NULL,
    created_at    BIGINT NOT NULL,
    level         TEXT,
    channel       TEXT,
    tags          TEXT NOT NULL DEFAULT '[]',
    content       TEXT NOT NULL DEFAULT '',
    is_default    INTEGER NOT NULL DEFAULT 0,
    rated_at      BIGINT,
    changes       INTEGER NOT NULL DEFAULT 0,
    followup      TEXT,
    followup_at   BIGINT,
    review        TEXT NOT NULL DEFAULT 'none',
    review_due_at BIGINT,
    reviewed_at   BIGINT,
    reviewed_by   TEXT,
    review_note   TEXT,
    verify        TEXT,
    verified_at   BIGINT,
    verified_by   TEXT,
    verify_note   TEXT,
    UNIQUE (case_id, stage)
);
CREATE INDEX evaluations_citizen ON evaluations(citizen_id, id);
CREATE INDEX evaluations_pending ON evaluations(level, created_at);
CREATE INDEX evaluations_matter ON evaluations(matter_code, level);
CREATE INDEX evaluations_department ON evaluations(department_id, id);

-- 整改: opened when a bad rating is verified; due after
-- evaluation_rectify_days natural days, moved by an extension (延期) with its
-- reason; done when the fix is recorded and the rater told.
-- status: open | extended | done
CREATE TABLE evaluation_rectifications (
    id               @ID@,
    evaluation_id    BIGINT NOT NULL UNIQUE,
    department_id    BIGINT,
    status           TEXT NOT NULL,
    opened_at        BIGINT NOT NULL,
    opened_by        TEXT NOT NULL,
    requirement      TEXT NOT NULL DEFAULT '',
    due_at           BIGINT NOT NULL,
    extended_at      BIGINT,
    extension_reason TEXT,
    original_due_at  BIGINT,
    fix              TEXT,
    feedback         TEXT,
    done_at          BIGINT,
    done_by          TEXT
);
CREATE INDEX evaluation_rectifications_dept ON evaluation_rectifications(department_id, status);
