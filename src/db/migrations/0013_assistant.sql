-- 0013: the smart assistant (智能客服, §1-1-3-3). Times are epoch seconds;
-- JSON is TEXT.

-- Guided multi-turn dialogues (多轮问答, §1-1-3-3-4), defined as data.
-- definition / published: {"triggers":[…],"start":"id","nodes":[{"id",
-- "prompt","options":[{"id","label","next"}]} | {"id","answer":{"text",
-- "matter_code","materials":["M01",…]}}]}. `definition` is the working
-- copy edited in the work portal; `published` the version that talks to
-- citizens (NULL: never published or withdrawn). version counts
-- publications, so a conversation started on an older version ends.
CREATE TABLE assistant_dialogues (
    id           @ID@,
    code         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    definition   TEXT NOT NULL,
    published    TEXT,
    version      INTEGER NOT NULL DEFAULT 0,
    updated_by   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    published_at BIGINT
);

-- A chat session: token_hash is the SM3 digest (hex) of the random session id
-- the browser keeps; citizen_id the signed-in owner (NULL: anonymous).
-- dialogue_*: where a guided dialogue stands (NULL: none), state_at when
-- it last moved (it expires after 30 minutes).
CREATE TABLE assistant_sessions (
    id               @ID@,
    token_hash       TEXT NOT NULL UNIQUE,
    citizen_id       BIGINT,
    region           TEXT,
    dialogue_id      BIGINT,
    dialogue_version INTEGER,
    dialogue_node    TEXT,
    state_at         BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX assistant_sessions_citizen ON assistant_sessions(citizen_id);

-- One question and the assistant's reply (reply: the JSON sent back).
-- kind: answer | matter | dialogue | chitchat | blocked | default.
-- kb_item_id: the knowledge item of the best answer; rating: satisfied |
-- unsatisfied with reasons (comma-separated tags) and text.
CREATE TABLE assistant_messages (
    id          @ID@,
    session_id  BIGINT NOT NULL,
    citizen_id  BIGINT,
    question    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    reply       TEXT NOT NULL,
    kb_item_id  BIGINT,
    matter_code TEXT,
    dialogue_id BIGINT,
    region      TEXT,
    rating      TEXT,
    reasons     TEXT,
    rating_text TEXT,
    rated_at    BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX assistant_messages_session ON assistant_messages(session_id, id);
CREATE INDEX assistant_messages_citizen ON assistant_messages(citizen_id, created_at);
CREATE INDEX assistant_messages_recent ON assistant_messages(created_at, kind);

-- Small data tables of the widget: kind chitchat (pattern → reply, 闲聊话术),
-- common (常见问题, region NULL = everywhere), guide (快速指南) and tool
-- (常用工具; reply holds the link).
CREATE TABLE assistant_phrases (
    id      @ID@,
    kind    TEXT NOT NULL,
    pattern TEXT NOT NULL,
    reply   TEXT NOT NULL DEFAULT '',
    region  TEXT,
    sort    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX assistant_phrases_kind ON assistant_phrases(kind, sort);

INSERT INTO assistant_phrases(kind, pattern, reply, sort) VALUES
 ('chitchat', '你好', '您好！我是通办智能客服，可以为您解答公安政务服务的办事问题，请直接输入您的问题。', 1),
 ('chitchat', '您好', '您好！我是通办智能客服，可以为您解答公安政务服务的办事问题，请直接输入您的问题。', 2),
 ('chitchat', 'hello', '您好！我是通办智能客服，请输入您想咨询的办事问题。', 3),
 ('chitchat', 'hi', '您好！我是通办智能客服，请输入您想咨询的办事问题。', 4),
 ('chitchat', '在吗', '在的，请问有什么可以帮您？', 5),
 ('chitchat', '早上好', '早上好！请问今天想办理什么业务？', 6),
 ('chitchat', '晚上好', '晚上好！请问有什么可以帮您？', 7),
 ('chitchat', '谢谢', '不客气，很高兴能帮到您！还有其他问题可以继续问我。', 8),
 ('chitchat', '感谢', '不客气，很高兴能帮到您！还有其他问题可以继续问我。', 9),
 ('chitchat', '多谢', '不客气，祝您办事顺利！', 10),
 ('chitchat', '再见', '再见，祝您办事顺利！', 11),
 ('chitchat', '拜拜', '再见，祝您办事顺利！', 12),
 ('chitchat', '你是谁', '我是通办智能客服，7×24小时为您解答户籍、出入境、交通管理等公安政务服务问题。', 13),
 ('chitchat', '你叫什么', '我是通办智能客服，您可以叫我“小通”。', 14),
 ('chitchat', '你真棒', '谢谢夸奖，我会继续努力！', 15),
 ('chitchat', '好的', '好的，还有其他问题可以继续问我。', 16),
 ('common', '护照过期了怎么换发？', '', 1),
 ('common', '身份证丢了怎么补办？', '', 2),
 ('common', '驾驶证到期怎么换证？', '', 3),
 ('common', '无犯罪记录证明怎么开？', '', 4),
 ('common', '新生儿怎么上户口？', '', 5),
 ('common', '港澳通行证怎么续签？', '', 6),
 ('guide', '直接输入问题，如“护照怎么办理”，我会给出答案和相关问题', '', 1),
 ('guide', '输入“我想办护照”等，我会一步步问清您的情况再告诉您要带的材料', '', 2),
 ('guide', '答案下方可以评价“满意”或“不满意”，帮助我们改进', '', 3),
 ('guide', '问题解决不了时，可以转人工客服或拨打咨询电话', '', 4),
 ('tool', '进度查询', '/progress', 1),
 ('tool', '事项搜索', '/search', 2),
 ('tool', '咨询投诉', '/feedback/new', 3),
 ('tool', '我的办件', '/my/cases', 4);
