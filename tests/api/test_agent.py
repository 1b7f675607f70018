"""人工客服 (§2-1-3-3-5) through the API: the queue and its fairness and
channel capacity, transfer to an expert, idle prompt and close, sensitive
words both ways, unread sessions on top, owner-only streams, resuming an
event stream with Last-Event-ID, the visitor's 48-hour history, canned
phrases, the supervisor's view and rating.

Runs on servers of its own (an empty queue; short idle times on one), on
SQLite or, with TB_TEST_PG, on scratch PostgreSQL databases."""
import os
import time

import pytest

from conftest import (TB_TEST_PG, Client, Server, expect_error, make_citizen, new_staff, pg_scratch_database,
                      staff_login)
from sse import SSE

WORDS = "敏感测试词\n法轮功\n"


def start_server(tmp, tag, extra):
    words = os.path.join(tmp, "words.txt")
    with open(words, "w", encoding="utf-8") as f:
        f.write(WORDS)
    env = {"TONGBAN_SENSITIVE_WORDS_FILE": words, "TONGBAN_AGENT_SWEEP_MS": "200",
           "TONGBAN_AGENT_QUEUE_NOTIFY_SECONDS": "1", "TONGBAN_SSE_POLL_MS": "100"}
    env.update(extra)
    database = pg_scratch_database(f"tongban_{tag}") if TB_TEST_PG else os.path.join(tmp, f"{tag}.db")
    srv = Server(tmp, database=database, extra_env=env)
    srv.start()
    return srv


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    srv = start_server(str(tmp_path_factory.mktemp("agent")), "agent", {})
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def idle_desk(tmp_path_factory):
    srv = start_server(str(tmp_path_factory.mktemp("agent_idle")), "agent_idle",
                       {"TONGBAN_AGENT_IDLE_PROMPT_SECONDS": "2", "TONGBAN_AGENT_IDLE_CLOSE_SECONDS": "4",
                        "TONGBAN_AGENT_SESSIONS_PER_IP_HOUR": "3"})
    yield srv
    srv.stop()


def agent(srv, role="cs_agent"):
    login, password = new_staff(srv, role, prefix="ag")
    c = staff_login(srv.base, login, password)
    r = c.get("/api/v1/agent/me")
    assert r.status_code == 200, r.text
    c.staff_id = r.json()["staff_id"]
    return c


def set_status(c, status):
    r = c.put("/api/v1/agent/me/status", json={"status": status})
    assert r.status_code == 200, r.text
    return r.json()


def visitor(srv, question="我想咨询护照加急办理"):
    c = Client(srv.base)
    r = c.post("/api/v1/agent/sessions", json={"question": question, "source": "assistant"})
    assert r.status_code == 201, r.text
    c.session = r.json()
    return c


def session(c):
    r = c.get(f"/api/v1/agent/sessions/{c.session['id']}")
    assert r.status_code == 200, r.text
    return r.json()


def wait_until(fn, timeout=15, what="condition"):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s (last: {v!r})")
        time.sleep(0.1)


def console_ids(c):
    r = c.get("/api/v1/agent/console")
    assert r.status_code == 200, r.text
    return [s["id"] for s in r.json()["sessions"]]


def drain(srv, sup):
    """Closes every open session of the desk (each test starts with an empty queue)."""
    r = sup.get("/api/v1/agent/monitor")
    assert r.status_code == 200, r.text
    for s in r.json()["sessions"]:
        srv.sql("UPDATE agent_sessions SET status = 'closed', close_reason = 'agent' WHERE id = ?", (s["id"],))
    for a in r.json()["agents"]:
        srv.sql("UPDATE agent_profiles SET status = 'away' WHERE staff_id = ?", (a["staff_id"],))


@pytest.fixture(scope="module")
def supervisor(desk):
    return agent(desk, "cs_supervisor")


@pytest.fixture
def clean(desk, supervisor):
    drain(desk, supervisor)
    return supervisor


# ---------------------------------------------------------------- queue

def test_queue_fairness_and_capacity(desk, clean):
    sup = clean
    a, b = agent(desk), agent(desk)
    assert sup.put(f"/api/v1/agent/agents/{a.staff_id}", json={"max_sessions": 1}).status_code == 200
    assert sup.put(f"/api/v1/agent/agents/{b.staff_id}", json={"max_sessions": 2}).status_code == 200
    citizens = [visitor(desk, f"问题{i}") for i in range(4)]
    # nobody online: all wait, in the order they came
    assert [session(c)["position"] for c in citizens] == [1, 2, 3, 4]
    assert all(session(c)["status"] == "waiting" for c in citizens)
    last = SSE(desk.base, f"/api/v1/agent/sessions/{citizens[3].session['id']}/events", citizens[3])
    assert last.status == 200 and last.headers["content-type"].startswith("text/event-stream")
    last.wait(lambda e, d: e == "queue" and d["position"] == 4, what="position 4")

    set_status(a, "online")   # the longest waiting goes to the first free agent
    assert wait_until(lambda: console_ids(a)) == [citizens[0].session["id"]]
    set_status(b, "online")   # a is full (one channel): the next two go to b
    wait_until(lambda: len(console_ids(b)) == 2, what="b takes two")
    assert sorted(console_ids(b)) == sorted([citizens[1].session["id"], citizens[2].session["id"]])
    assert session(citizens[3])["status"] == "waiting" and session(citizens[3])["position"] == 1
    last.wait(lambda e, d: e == "queue" and d["position"] == 1, what="position 1")

    # a frees its channel: the one still waiting goes to a (b is full)
    r = a.post(f"/api/v1/agent/work/sessions/{citizens[0].session['id']}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed", r.text
    assert wait_until(lambda: console_ids(a)) == [citizens[3].session["id"]]
    _, d, _ = last.wait(lambda e, d: e == "assigned", what="assigned")
    assert d["agent_name"]
    last.close()


def test_least_loaded_agent_first_and_busy_takes_none(desk, clean):
    a, b, c = agent(desk), agent(desk), agent(desk)
    set_status(a, "online")
    first = visitor(desk)
    wait_until(lambda: console_ids(a), what="a takes the first")
    set_status(c, "busy")      # busy: keeps its sessions, takes no new ones
    set_status(b, "online")
    second = visitor(desk)     # b has none, a has one: b
    wait_until(lambda: console_ids(b) == [second.session["id"]], what="least loaded takes it")
    assert console_ids(c) == []
    assert console_ids(a) == [first.session["id"]]


# ---------------------------------------------------------------- transfer

def test_transfer_to_expert_group_and_named_agent(desk, clean):
    a, expert, named = agent(desk), agent(desk, "cs_expert"), agent(desk)
    assert expert.get("/api/v1/agent/me").json()["skill"] == "expert"
    set_status(a, "online")
    cz = visitor(desk, "出入境特殊问题")
    sid = cz.session["id"]
    wait_until(lambda: console_ids(a) == [sid])
    stream = SSE(desk.base, f"/api/v1/agent/sessions/{sid}/events", cz)

    # to a skill group: back to the queue for an expert only
    r = a.post(f"/api/v1/agent/work/sessions/{sid}/transfer", json={"skill": "expert", "reason": "需专家解答"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "waiting"
    assert console_ids(a) == []
    r = a.post(f"/api/v1/agent/work/sessions/{sid}/messages", json={"text": "还在吗"})
    assert r.status_code in (404, 409), r.text       # no longer a's session
    stream.wait(lambda e, d: e == "transfer", what="transfer notice")
    set_status(expert, "online")
    wait_until(lambda: console_ids(expert) == [sid], what="the expert takes it")
    _, d, _ = stream.wait(lambda e, d: e == "assigned", what="assigned to the expert")

    # to a named agent: refused while they are away, immediate when online
    r = expert.post(f"/api/v1/agent/work/sessions/{sid}/transfer", json={"staff_id": named.staff_id})
    expect_error(r, 409, "AGENT_NOT_AVAILABLE")
    set_status(named, "online")
    r = expert.post(f"/api/v1/agent/work/sessions/{sid}/transfer", json={"staff_id": named.staff_id})
    assert r.status_code == 200 and r.json()["agent_id"] == named.staff_id, r.text
    assert console_ids(named) == [sid] and console_ids(expert) == []
    r = expert.post(f"/api/v1/agent/work/sessions/{sid}/transfer", json={"staff_id": 1, "skill": "expert"})
    assert r.status_code in (400, 404, 422), r.text
    stream.close()


# ---------------------------------------------------------------- idle

def test_idle_prompt_then_close_then_rating(idle_desk):
    a = agent(idle_desk)
    set_status(a, "online")
    cz = visitor(idle_desk)
    sid = cz.session["id"]
    stream = SSE(idle_desk.base, f"/api/v1/agent/sessions/{sid}/events", cz)
    stream.wait(lambda e, d: e == "assigned", what="assigned")
    _, d, _ = stream.wait(lambda e, d: e == "idle", what="idle prompt")
    assert "自动结束" in d["text"]
    _, d, _ = stream.wait(lambda e, d: e == "closed", what="idle close")
    assert d["reason"] == "idle"
    s = session(cz)
    assert s["status"] == "closed" and s["close_reason"] == "idle"
    assert console_ids(a) == []
    expect_error(cz.post(f"/api/v1/agent/sessions/{sid}/messages", json={"text": "在的"}), 409, "AGENT_SESSION_CLOSED")
    # rating: a reason is needed for 不满意, from the list; once only
    expect_error(cz.post(f"/api/v1/agent/sessions/{sid}/rating", json={"result": "unsatisfied"}), 422,
                 "EVALUATION_REASON_REQUIRED", "reason")
    expect_error(cz.post(f"/api/v1/agent/sessions/{sid}/rating", json={"result": "unsatisfied", "reason": "随便"}),
                 400, "INVALID_FIELD", "reason")
    r = cz.post(f"/api/v1/agent/sessions/{sid}/rating", json={"result": "unsatisfied", "reason": "问题未解决"})
    assert r.status_code == 200 and r.json()["rating"]["result"] == "unsatisfied", r.text
    expect_error(cz.post(f"/api/v1/agent/sessions/{sid}/rating", json={"result": "satisfied"}), 409,
                 "AGENT_RATING_NOT_ALLOWED")
    stream.close()


def test_rating_only_after_close(desk, clean):
    cz = visitor(desk)
    expect_error(cz.post(f"/api/v1/agent/sessions/{cz.session['id']}/rating", json={"result": "satisfied"}), 409,
                 "AGENT_RATING_NOT_ALLOWED")
    r = cz.post(f"/api/v1/agent/sessions/{cz.session['id']}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = cz.post(f"/api/v1/agent/sessions/{cz.session['id']}/rating", json={"result": "satisfied"})
    assert r.status_code == 200 and r.json()["rating"]["result"] == "satisfied", r.text


# ---------------------------------------------------------------- sensitive words

def test_sensitive_words_both_ways(desk, clean):
    a = agent(desk)
    set_status(a, "online")
    cz = visitor(desk)
    sid = cz.session["id"]
    wait_until(lambda: console_ids(a) == [sid])
    e = expect_error(cz.post(f"/api/v1/agent/sessions/{sid}/messages", json={"text": "请问敏感测试词怎么办"}), 422,
                     "AGENT_SENSITIVE_WORD", "text")
    assert "敏感测试词" in e["message"]
    e = expect_error(a.post(f"/api/v1/agent/work/sessions/{sid}/messages", json={"text": "法 轮 功"}), 422,
                     "AGENT_SENSITIVE_WORD", "text")
    expect_error(Client(desk.base).post("/api/v1/agent/sessions", json={"question": "敏感测试词"}), 422,
                 "AGENT_SENSITIVE_WORD", "question")
    texts = [m["text"] for m in session(cz)["messages"]]
    assert not any("敏感测试词" in t or "法 轮 功" in t for t in texts)
    assert cz.post(f"/api/v1/agent/sessions/{sid}/messages", json={"text": "正常的问题"}).status_code == 201
    assert a.post(f"/api/v1/agent/work/sessions/{sid}/messages", json={"text": "正常的回答"}).status_code == 201


# ---------------------------------------------------------------- unread

def test_unread_sessions_on_top(desk, clean):
    a = agent(desk)
    set_status(a, "online")
    one, two = visitor(desk, "一"), visitor(desk, "二")
    wait_until(lambda: len(console_ids(a)) == 2)
    for c in (one, two):
        assert a.post(f"/api/v1/agent/work/sessions/{c.session['id']}/read").status_code == 200
    assert two.post(f"/api/v1/agent/sessions/{two.session['id']}/messages", json={"text": "在吗"}).status_code == 201
    doc = a.get("/api/v1/agent/console").json()
    assert doc["sessions"][0]["id"] == two.session["id"] and doc["sessions"][0]["unread"] == 1
    assert doc["sessions"][1]["unread"] == 0
    assert one.post(f"/api/v1/agent/sessions/{one.session['id']}/messages", json={"text": "你好"}).status_code == 201
    assert a.post(f"/api/v1/agent/work/sessions/{two.session['id']}/read").status_code == 200
    doc = a.get("/api/v1/agent/console").json()
    assert [s["id"] for s in doc["sessions"]][0] == one.session["id"]
    assert {s["id"]: s["unread"] for s in doc["sessions"]} == {one.session["id"]: 1, two.session["id"]: 0}


# ---------------------------------------------------------------- streams

def test_streams_are_owner_only(desk, clean):
    cz = visitor(desk)
    sid = cz.session["id"]
    other = Client(desk.base)
    assert other.post("/api/v1/agent/sessions", json={"question": "我的问题"}).status_code == 201
    for c in (other, Client(desk.base)):
        s = SSE(desk.base, f"/api/v1/agent/sessions/{sid}/events", c)
        assert s.status == 404, s.status
        assert s.body_error()["error"]["code"] == "AGENT_SESSION_NOT_FOUND"
        s.close()
        expect_error(c.get(f"/api/v1/agent/sessions/{sid}"), 404, "AGENT_SESSION_NOT_FOUND")
        expect_error(c.post(f"/api/v1/agent/sessions/{sid}/messages", json={"text": "x"}), 404, "AGENT_SESSION_NOT_FOUND")
    # HEAD answers the headers and does not hold a stream open
    r = cz.request("HEAD", f"/api/v1/agent/sessions/{sid}/events", timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/event-stream"), r.headers
    # a signed-in citizen's session is theirs only
    citizen = make_citizen(desk.base)
    r = citizen.post("/api/v1/agent/sessions", json={"question": "登录用户的问题"})
    assert r.status_code == 201, r.text
    csid = r.json()["id"]
    assert citizen.get(f"/api/v1/agent/sessions/{csid}").status_code == 200
    expect_error(other.get(f"/api/v1/agent/sessions/{csid}"), 404, "AGENT_SESSION_NOT_FOUND")
    # staff: only the session's agent (or a supervisor) reads it
    a, stranger = agent(desk), agent(desk)
    set_status(a, "online")
    wait_until(lambda: sid in console_ids(a))
    expect_error(stranger.get(f"/api/v1/agent/work/sessions/{sid}"), 404, "AGENT_SESSION_NOT_FOUND")
    expect_error(stranger.post(f"/api/v1/agent/work/sessions/{sid}/messages", json={"text": "x"}), 404,
                 "AGENT_SESSION_NOT_FOUND")
    assert clean.get(f"/api/v1/agent/work/sessions/{sid}").status_code == 200
    # citizens are not agents
    assert citizen.get("/api/v1/agent/console").status_code in (401, 403)


def test_stream_resumes_after_last_event_id(desk, clean):
    a = agent(desk)
    set_status(a, "online")
    cz = visitor(desk)
    sid = cz.session["id"]
    wait_until(lambda: console_ids(a) == [sid])
    s = SSE(desk.base, f"/api/v1/agent/sessions/{sid}/events", cz)
    assert a.post(f"/api/v1/agent/work/sessions/{sid}/messages", json={"text": "第一条回复"}).status_code == 201
    _, _, seen = s.wait(lambda e, d: e == "message" and d["text"] == "第一条回复", what="first reply")
    assert seen and seen > 0
    s.close()   # the browser reloads; meanwhile the agent answers twice
    for text in ("第二条回复", "第三条回复"):
        assert a.post(f"/api/v1/agent/work/sessions/{sid}/messages", json={"text": text}).status_code == 201
    s = SSE(desk.base, f"/api/v1/agent/sessions/{sid}/events", cz, last_event_id=seen)
    s.wait(lambda e, d: e == "message" and d["text"] == "第三条回复", what="missed replies")
    texts = [ev["data"] for ev in s.events if ev["event"] == "message"]
    assert not any("第一条回复" in t for t in texts), texts        # nothing before Last-Event-ID again
    assert any("第二条回复" in t for t in texts), texts
    assert all(ev["id"] > seen for ev in s.events if ev["id"])
    # and live events keep coming on the resumed stream
    assert cz.post(f"/api/v1/agent/sessions/{sid}/messages", json={"text": "收到"}).status_code == 201
    s.wait(lambda e, d: e == "message" and d["text"] == "收到" and d["sender"] == "citizen", what="own message echo")
    s.close()
    # the agent's stream sees the citizen's message
    ag = SSE(desk.base, "/api/v1/agent/events", a)
    assert ag.status == 200
    assert cz.post(f"/api/v1/agent/sessions/{sid}/messages", json={"text": "再问一个"}).status_code == 201
    ag.wait(lambda e, d: e == "message" and d["text"] == "再问一个" and d["session_id"] == sid, what="agent event")
    ag.close()


# ---------------------------------------------------------------- history, phrases, supervisor

def test_history_of_the_last_48_hours(desk, clean):
    cz = visitor(desk, "上一次的问题")
    first = cz.session["id"]
    assert cz.post(f"/api/v1/agent/sessions/{first}/close").status_code == 200
    r = cz.post("/api/v1/agent/sessions", json={"question": "这一次的问题"})
    assert r.status_code == 201, r.text
    second = r.json()["id"]
    a = agent(desk)
    set_status(a, "online")
    wait_until(lambda: console_ids(a) == [second])
    r = a.get(f"/api/v1/agent/work/sessions/{second}/history")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["id"] for i in items] == [first]
    assert any(m["text"] == "上一次的问题" for m in items[0]["messages"])
    # 47 hours ago: still shown; 49 hours ago: not
    now = int(time.time())
    desk.sql("UPDATE agent_sessions SET created_at = ? WHERE id = ?", (now - 47 * 3600, first))
    assert [i["id"] for i in a.get(f"/api/v1/agent/work/sessions/{second}/history").json()["items"]] == [first]
    desk.sql("UPDATE agent_sessions SET created_at = ? WHERE id = ?", (now - 49 * 3600, first))
    assert a.get(f"/api/v1/agent/work/sessions/{second}/history").json()["items"] == []


def test_canned_phrases(desk, clean):
    a, b = agent(desk), agent(desk)
    r = a.post("/api/v1/agent/phrases", json={"category": "问候语", "text": "您好，很高兴为您服务！", "sort": 1})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = a.put(f"/api/v1/agent/phrases/{pid}", json={"category": "问候语", "text": "您好，请问有什么可以帮您？"})
    assert r.status_code == 200, r.text
    assert [p["text"] for p in a.get("/api/v1/agent/phrases").json()["items"]] == ["您好，请问有什么可以帮您？"]
    assert b.get("/api/v1/agent/phrases").json()["items"] == []
    r = a.post("/api/v1/agent/phrases", json={"category": "结束语", "text": "感谢您的咨询，再见！"})
    assert r.status_code == 201, r.text
    bye = r.json()["id"]
    assert [p["id"] for p in a.get("/api/v1/agent/phrases?category=结束语").json()["items"]] == [bye]
    assert [p["id"] for p in a.get("/api/v1/agent/phrases?q=有什么").json()["items"]] == [pid]
    assert a.get("/api/v1/agent/phrases?q=%25").json()["items"] == []     # a literal %, not a wildcard
    assert a.delete(f"/api/v1/agent/phrases/{bye}").status_code == 200
    expect_error(b.put(f"/api/v1/agent/phrases/{pid}", json={"text": "改"}), 404, "AGENT_PHRASE_NOT_FOUND")
    expect_error(a.post("/api/v1/agent/phrases", json={"text": "法轮功"}), 422, "AGENT_SENSITIVE_WORD", "text")
    set_status(a, "online")
    cz = visitor(desk)
    sid = cz.session["id"]
    wait_until(lambda: console_ids(a) == [sid])
    r = a.post(f"/api/v1/agent/work/sessions/{sid}/messages", json={"phrase_id": pid})
    assert r.status_code == 201 and r.json()["text"] == "您好，请问有什么可以帮您？", r.text
    assert any(m["text"] == "您好，请问有什么可以帮您？" and m["sender"] == "agent" for m in session(cz)["messages"])
    assert a.delete(f"/api/v1/agent/phrases/{pid}").status_code == 200
    expect_error(a.post(f"/api/v1/agent/work/sessions/{sid}/messages", json={"phrase_id": pid}), 404,
                 "AGENT_PHRASE_NOT_FOUND", "phrase_id")
    r = a.post(f"/api/v1/agent/work/sessions/{sid}/unresolved", json={"question": "港澳通行证团队旅游签注的特殊情况"})
    assert r.status_code == 201, r.text


def test_supervisor_live_view_and_permissions(desk, clean):
    a = agent(desk)
    r = a.put(f"/api/v1/agent/agents/{a.staff_id}", json={"max_sessions": 1})
    assert r.status_code == 403, r.text
    assert a.get("/api/v1/agent/monitor").status_code == 403
    assert clean.put(f"/api/v1/agent/agents/{a.staff_id}", json={"max_sessions": 1}).status_code == 200
    set_status(a, "online")
    cz = visitor(desk)
    wait_until(lambda: console_ids(a) == [cz.session["id"]])
    waiting = visitor(desk)   # a's one channel is taken: this one waits
    doc = clean.get("/api/v1/agent/monitor").json()
    me = [x for x in doc["agents"] if x["staff_id"] == a.staff_id][0]
    assert me["status"] == "online" and me["load"] == 1 and me["max_sessions"] == 1
    by_id = {s["id"]: s for s in doc["sessions"]}
    assert by_id[cz.session["id"]]["status"] == "active" and by_id[cz.session["id"]]["agent_id"] == a.staff_id
    assert by_id[waiting.session["id"]]["status"] == "waiting"
    assert doc["totals"]["waiting"] >= 1 and doc["totals"]["active"] >= 1
    # 历史聊天记录: by a word of a message, by agent and status, by date
    assert cz.post(f"/api/v1/agent/sessions/{cz.session['id']}/messages", json={"text": "户口迁移要带什么"}).status_code == 201
    doc = clean.get("/api/v1/agent/records", params={"q": "户口迁移"}).json()
    assert [i["id"] for i in doc["items"]] == [cz.session["id"]] and doc["total"] == 1
    doc = clean.get("/api/v1/agent/records", params={"agent_id": a.staff_id, "status": "active"}).json()
    assert [i["id"] for i in doc["items"]] == [cz.session["id"]]
    today = time.strftime("%Y-%m-%d", time.localtime(time.time() + 8 * 3600 - time.localtime().tm_gmtoff))
    assert cz.session["id"] in [i["id"] for i in clean.get("/api/v1/agent/records", params={
        "from": today, "to": today, "page_size": 100}).json()["items"]]
    assert clean.get("/api/v1/agent/records", params={"to": "2000-01-01"}).json()["total"] == 0
    expect_error(clean.get("/api/v1/agent/records", params={"from": "昨天"}), 400, "INVALID_FIELD", "from")
    assert a.get("/api/v1/agent/records").status_code == 403
    expect_error(clean.put("/api/v1/agent/agents/99999999", json={"max_sessions": 2}), 404, "AGENT_NOT_FOUND")
    expect_error(clean.put(f"/api/v1/agent/agents/{a.staff_id}", json={"max_sessions": 0}), 400, "INVALID_FIELD")


def test_new_sessions_per_address_are_limited(idle_desk):
    ip = "127.77.0.1"
    for i in range(3):    # each a new visitor (own cookie jar) from the same address
        r = Client(idle_desk.base, source_ip=ip).post("/api/v1/agent/sessions", json={"question": f"第{i}个"})
        assert r.status_code == 201, r.text
        assert r.json()["status"] in ("waiting", "active")
    expect_error(Client(idle_desk.base, source_ip=ip).post("/api/v1/agent/sessions", json={"question": "又一个"}), 429,
                 "RATE_LIMITED")
    r = Client(idle_desk.base, source_ip="127.77.0.2").post("/api/v1/agent/sessions", json={"question": "别的地址"})
    assert r.status_code == 201, r.text
