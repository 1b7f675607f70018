-- 0005: the approval workbench. A matter is bound to a form version and a
-- flow version; a case remembers its handling department, its flow
-- instance and its deadline clock (paused while waiting for the citizen's
-- correction or while suspended).

CREATE TABLE matter_bindings (
    matter_code  TEXT PRIMARY KEY,
    form_version INTEGER NOT NULL,
    flow_key     TEXT NOT NULL,
    flow_version INTEGER NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL
);

ALTER TABLE cases ADD COLUMN department_id BIGINT;
ALTER TABLE cases ADD COLUMN flow_instance_id BIGINT;
ALTER TABLE cases ADD COLUMN accepted_at BIGINT;
ALTER TABLE cases ADD COLUMN due_at BIGINT;
ALTER TABLE cases ADD COLUMN statutory_due_at BIGINT;
ALTER TABLE cases ADD COLUMN paused_at BIGINT;
ALTER TABLE cases ADD COLUMN paused_seconds BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN resume_status TEXT;
ALTER TABLE cases ADD COLUMN result TEXT;
ALTER TABLE cases ADD COLUMN overdue INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN completed_at BIGINT;
CREATE INDEX cases_department ON cases(department_id, status);
CREATE INDEX cases_flow ON cases(flow_instance_id);
