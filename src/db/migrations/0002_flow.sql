-- 0002: workflow engine (src/flow). Times are epoch seconds; JSON is TEXT.
-- Crash safety comes from one transaction per transition; the partial unique
-- indexes below make a duplicated open task or a second completion of the
-- same task impossible even if a bug tried.

-- A deployed definition never changes: the engine has no UPDATE for it.
CREATE TABLE flow_defs (
    id          @ID@,
    def_key     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    deployed_by TEXT NOT NULL,
    deployed_at BIGINT NOT NULL,
    UNIQUE (def_key, version)
);

-- `version` is bumped by every transition (UPDATE ... RETURNING takes the row
-- lock on PostgreSQL, so transitions of one instance are serialised).
CREATE TABLE flow_instances (
    id             @ID@,
    def_id         BIGINT NOT NULL REFERENCES flow_defs(id),
    def_key        TEXT NOT NULL,
    business_key   TEXT,
    status         TEXT NOT NULL,          -- running | suspended | completed | cancelled | failed
    variables      TEXT NOT NULL,
    initiator      BIGINT NOT NULL,
    initiator_dept BIGINT NOT NULL DEFAULT 0,
    region         TEXT,
    parent_id      BIGINT REFERENCES flow_instances(id),
    parent_token   BIGINT,
    version        BIGINT NOT NULL DEFAULT 1,
    last_task      BIGINT,                 -- completed task that may still be withdrawn
    incident       TEXT,
    started_at     BIGINT NOT NULL,
    ended_at       BIGINT,
    suspended_at   BIGINT,
    suspended_secs BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX flow_instances_bkey ON flow_instances(business_key);
CREATE INDEX flow_instances_parent ON flow_instances(parent_id);

-- Positions that wait: a user task, a sub-process, a join, a failed automatic
-- task. Gateways and automatic tasks are passed inside the transition.
CREATE TABLE flow_tokens (
    id          @ID@,
    instance_id BIGINT NOT NULL REFERENCES flow_instances(id),
    node_id     TEXT NOT NULL,
    state       TEXT NOT NULL,             -- active | waiting | failed | done | cancelled
    via_flow    TEXT,
    cause_task  BIGINT,                    -- completion that created it
    consumed_by BIGINT,                    -- completion that consumed it
    mi_users    TEXT,                      -- multi-instance: JSON array of user ids
    created_at  BIGINT NOT NULL
);
CREATE INDEX flow_tokens_instance ON flow_tokens(instance_id, state);

CREATE TABLE flow_tasks (
    id           @ID@,
    instance_id  BIGINT NOT NULL REFERENCES flow_instances(id),
    token_id     BIGINT NOT NULL REFERENCES flow_tokens(id),
    mi_index     INTEGER NOT NULL DEFAULT 0,
    node_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    state        TEXT NOT NULL,            -- open | completed | cancelled | returned | withdrawn
    assignee     BIGINT,
    owner        BIGINT,                   -- the delegator while delegated
    claimed_at   BIGINT,
    due_at       BIGINT,
    overdue      INTEGER NOT NULL DEFAULT 0,
    decision     TEXT,
    comment      TEXT,
    cause_task   BIGINT,
    cancelled_by BIGINT,
    created_at   BIGINT NOT NULL,
    ended_at     BIGINT
);
CREATE INDEX flow_tasks_instance ON flow_tasks(instance_id, state);
CREATE INDEX flow_tasks_assignee ON flow_tasks(assignee, state);
CREATE INDEX flow_tasks_due ON flow_tasks(state, overdue, due_at);
CREATE UNIQUE INDEX flow_tasks_one_open ON flow_tasks(token_id, mi_index) WHERE state = 'open';
CREATE UNIQUE INDEX flow_tasks_one_done ON flow_tasks(token_id, mi_index) WHERE state = 'completed';

-- Candidate keys: u:<user> r:<role> g:<group> d:<department> r:<role>@<department>.
CREATE TABLE flow_task_candidates (
    task_id   BIGINT NOT NULL REFERENCES flow_tasks(id),
    ckey      TEXT NOT NULL,
    escalated INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (task_id, ckey)
);
CREATE INDEX flow_task_candidates_key ON flow_task_candidates(ckey);

CREATE TABLE flow_history (
    id          @ID@,
    instance_id BIGINT NOT NULL REFERENCES flow_instances(id),
    task_id     BIGINT,
    node_id     TEXT,
    action      TEXT NOT NULL,   -- start claim complete resolve return transfer delegate withdraw suspend
                                 -- resume cancel overdue due incident retry end
    actor       BIGINT NOT NULL DEFAULT 0,
    target      TEXT,
    decision    TEXT,
    comment     TEXT,
    vars_before TEXT,            -- complete: the variables before, for withdraw
    at          BIGINT NOT NULL
);
CREATE INDEX flow_history_instance ON flow_history(instance_id, id);

-- The path taken: nodes and flows in the order they were passed.
CREATE TABLE flow_path (
    id          @ID@,
    instance_id BIGINT NOT NULL REFERENCES flow_instances(id),
    kind        TEXT NOT NULL,   -- node | flow
    ref         TEXT NOT NULL,
    cause_task  BIGINT,
    at          BIGINT NOT NULL
);
CREATE INDEX flow_path_instance ON flow_path(instance_id, id);
