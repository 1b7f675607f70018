-- 人工客服 (§2-1-3-3-5): agents and their channels, sessions with a
-- citizen or an anonymous visitor, messages, canned phrases, transfers, and
-- the event log that feeds the server-sent event streams (docs/adr/0007).

-- One row per staff member who has opened the agent console.
-- status: online (takes new sessions) | busy (keeps its sessions, takes no
-- new ones) | away. max_sessions: the agent's channels (通道).
-- skill: the skill group ('' = general); transfers may target a group.
CREATE TABLE agent_profiles (
    staff_id         BIGINT PRIMARY KEY,
    status           TEXT NOT NULL DEFAULT 'away',
    max_sessions     INTEGER NOT NULL,
    skill            TEXT NOT NULL DEFAULT '',
    status_at        BIGINT NOT NULL,
    last_assigned_at BIGINT NOT NULL DEFAULT 0
);

-- status: waiting (in the queue) | active (with agent_id) | closed.
-- owner: 'c:<citizen id>' or 'v:<digest of the visitor cookie>'.
-- skill / want_agent: which agents may take it from the queue (a transfer).
-- close_reason: citizen | agent | idle.
CREATE TABLE agent_sessions (
    id               @ID@,
    owner            TEXT NOT NULL,
    citizen_id       BIGINT,
    name             TEXT NOT NULL DEFAULT '',
    question         TEXT NOT NULL DEFAULT '',
    source           TEXT NOT NULL DEFAULT 'portal',
    status           TEXT NOT NULL,
    skill            TEXT NOT NULL DEFAULT '',
    want_agent       BIGINT NOT NULL DEFAULT 0,
    prev_agent       BIGINT NOT NULL DEFAULT 0,
    agent_id         BIGINT,
    created_at       BIGINT NOT NULL,
    queued_at        BIGINT NOT NULL,
    accepted_at      BIGINT,
    closed_at        BIGINT,
    close_reason     TEXT,
    last_citizen_at  BIGINT NOT NULL,
    idle_prompted    INTEGER NOT NULL DEFAULT 0,
    agent_unread     INTEGER NOT NULL DEFAULT 0,
    last_pos         INTEGER NOT NULL DEFAULT 0,
    pos_sent_at      BIGINT NOT NULL DEFAULT 0,
    rating           TEXT,
    rating_reason    TEXT,
    rating_comment   TEXT,
    rated_at         BIGINT
);
CREATE INDEX agent_sessions_status ON agent_sessions(status, queued_at);
CREATE INDEX agent_sessions_agent ON agent_sessions(agent_id, status);
CREATE INDEX agent_sessions_owner ON agent_sessions(owner, created_at);

-- sender: citizen | agent | system
CREATE TABLE agent_messages (
    id          @ID@,
    session_id  BIGINT NOT NULL,
    sender      TEXT NOT NULL,
    staff_id    BIGINT NOT NULL DEFAULT 0,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX agent_messages_session ON agent_messages(session_id, id);

-- What the streams deliver, in id order: to the citizen of session_id when
-- citizen = 1, to the agent staff_id when staff_id <> 0.
CREATE TABLE agent_events (
    id          @ID@,
    session_id  BIGINT NOT NULL DEFAULT 0,
    citizen     INTEGER NOT NULL DEFAULT 0,
    staff_id    BIGINT NOT NULL DEFAULT 0,
    event       TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX agent_events_session ON agent_events(session_id, id);
CREATE INDEX agent_events_staff ON agent_events(staff_id, id);

-- 常用语, per agent
CREATE TABLE agent_phrases (
    id          @ID@,
    staff_id    BIGINT NOT NULL,
    category    TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL,
    sort        INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX agent_phrases_staff ON agent_phrases(staff_id, sort, id);

CREATE TABLE agent_transfers (
    id          @ID@,
    session_id  BIGINT NOT NULL,
    from_staff  BIGINT NOT NULL,
    to_staff    BIGINT NOT NULL DEFAULT 0,
    to_skill    TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

-- One row; every transaction that assigns sessions or writes agent_events
-- updates it first, so that they run one after the other on all nodes (a
-- row lock on PostgreSQL, the writer lock on SQLite): assignments never
-- race, and event ids become visible in id order (the streams' cursors
-- only move forward).
CREATE TABLE agent_dispatch_lock (
    id  INTEGER PRIMARY KEY,
    n   BIGINT NOT NULL
);
INSERT INTO agent_dispatch_lock(id, n) VALUES (1, 0);
