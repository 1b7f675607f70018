-- 0012: the knowledge base (知识库, §2-1-3-3-6) and the public content of the
-- portal (公示公告, 政策法规, 网站操作常见问题, §1-1-1-1-3). Times are epoch seconds.

-- Multi-level categories (栏目分类); parent_id NULL = a library root.
CREATE TABLE kb_categories (
    id         @ID@,
    parent_id  BIGINT,
    name       TEXT NOT NULL,
    sort       INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX kb_categories_parent ON kb_categories(parent_id);

-- A knowledge item: the working copy (question … source) and `live`, the
-- JSON of the version that answers questions (NULL until first published).
-- similar_questions: JSON array of similar questions; regions: JSON array of 6-digit
-- codes, [] = province-wide; answer: sanitized HTML.
-- status: draft 编辑中 | pending 待审核 (level 1) | pending2 待二级审核 |
-- returned 已退回 | published 已发布. Editing a published item makes a new
-- draft; the live version keeps answering until the revision is published.
CREATE TABLE kb_items (
    id              @ID@,
    category_id     BIGINT NOT NULL,
    question        TEXT NOT NULL,
    similar_questions TEXT NOT NULL DEFAULT '[]',
    answer          TEXT NOT NULL,
    regions         TEXT NOT NULL DEFAULT '[]',
    valid_from      BIGINT,
    valid_to        BIGINT,
    source          TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    return_reason   TEXT,
    return_deadline BIGINT,
    first_reviewer  BIGINT,
    live            TEXT,
    published_at    BIGINT,
    editor_id       BIGINT,
    editor_name     TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    deleted_at      BIGINT
);
CREATE INDEX kb_items_category ON kb_items(category_id);
CREATE INDEX kb_items_status ON kb_items(status, updated_at);

-- Every step of an item: create | edit | submit | approve1 | publish | return | delete | import.
CREATE TABLE kb_steps (
    id         @ID@,
    item_id    BIGINT NOT NULL,
    step       TEXT NOT NULL,
    actor_id   BIGINT,
    actor_name TEXT NOT NULL DEFAULT '',
    opinion    TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
CREATE INDEX kb_steps_item ON kb_steps(item_id, id);

-- The question log (知识查询统计, 运营管理): item_id/category_id of the best
-- answer, NULL when nothing matched.
CREATE TABLE kb_queries (
    id          @ID@,
    question    TEXT NOT NULL,
    region      TEXT,
    item_id     BIGINT,
    category_id BIGINT,
    at          BIGINT NOT NULL
);
CREATE INDEX kb_queries_at ON kb_queries(at);
CREATE INDEX kb_queries_item ON kb_queries(item_id, at);

-- Questions nobody could answer (问题知识): source assistant | agent | kb.
-- status open | resolved.
CREATE TABLE kb_unanswered (
    id          @ID@,
    question    TEXT NOT NULL,
    source      TEXT NOT NULL,
    times       INTEGER NOT NULL DEFAULT 1,
    status      TEXT NOT NULL DEFAULT 'open',
    note        TEXT NOT NULL DEFAULT '',
    handled_by  BIGINT,
    handled_at  BIGINT,
    created_at  BIGINT NOT NULL,
    last_at     BIGINT NOT NULL
);
CREATE INDEX kb_unanswered_status ON kb_unanswered(status, last_at);

-- 评价处置: 不满意 ratings of answers. status open | handled.
CREATE TABLE kb_bad_ratings (
    id          @ID@,
    item_id     BIGINT,
    question    TEXT NOT NULL,
    reason_tags TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'open',
    note        TEXT NOT NULL DEFAULT '',
    handled_by  BIGINT,
    handled_at  BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX kb_bad_ratings_status ON kb_bad_ratings(status, created_at);

-- Public content: type notice 公示公告 | policy 政策法规 | faq 网站操作常见问题;
-- body sanitized HTML; status draft | published | unpublished.
CREATE TABLE content_items (
    id           @ID@,
    type         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    source       TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    published_at BIGINT,
    created_by   BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX content_items_type ON content_items(type, status, published_at);
CREATE UNIQUE INDEX content_items_title ON content_items(type, title);

INSERT INTO cache_epochs(name, epoch) VALUES ('kb', 1);
INSERT INTO cache_epochs(name, epoch) VALUES ('content', 1);
