"""The smart assistant (智能客服, §1-1-3-3): answers from the knowledge base
with related questions and per-library groups, matters with their materials
and apply link, region-restricted knowledge, the sensitive-word filter,
chit-chat, the default reply that offers the human channels and records
the question, guided dialogues defined as data (the passport dialogue end to
end, bad inputs, an expired state, the editor's validation and publishing),
ratings that open a 差评 item for knowledge editors, and the history that
only its owner reads."""
import secrets
import time

import pytest

from conftest import Client, expect_error, make_citizen, new_staff, staff_login

PASSPORT = "11230000MB1917443F000117004000"
DAOLI, NANGANG = "230102", "230103"


def token():
    return "t" + secrets.token_hex(16)


class Chat:
    """One browser's conversation: a client and the session id it keeps."""

    def __init__(self, client, session=None):
        self.c = client
        self.session = session or token()

    def ask(self, text=None, status=200, **kw):
        body = {"session": self.session, **kw}
        if text is not None:
            body["text"] = text
        r = self.c.post("/api/v1/assistant/chat", json=body)
        assert r.status_code == status, f"{text!r}: {r.status_code} {r.text[:500]}"
        return r.json()

    def rate(self, answer_id, rating, reasons=None, text=None):
        body = {"session": self.session, "rating": rating}
        if reasons is not None:
            body["reasons"] = reasons
        if text is not None:
            body["text"] = text
        return self.c.post(f"/api/v1/assistant/answers/{answer_id}/rating", json=body)


def staff(server, role):
    login, password = new_staff(server, role, prefix="as")
    return staff_login(server.base, login, password)


@pytest.fixture(scope="module")
def editor(server):
    return staff(server, "kb_editor")


@pytest.fixture(scope="module")
def reviewer(server):
    return staff(server, "kb_reviewer")


@pytest.fixture(scope="module")
def dialogue_editor(server):
    return staff(server, "assistant_editor")


@pytest.fixture
def chat(anon):
    return Chat(anon)


def categories(editor):
    """{"出入境 / 护照": id, …} of the knowledge categories."""
    r = editor.get("/api/v1/work/kb/categories")
    assert r.status_code == 200, r.text
    return {c["path"]: c["id"] for c in r.json()["items"]}


def publish_item(editor, reviewer, category_id, question, answer, regions=None):
    body = {"category_id": category_id, "question": question, "answer": answer}
    if regions is not None:
        body["regions"] = regions
    r = editor.post("/api/v1/work/kb/items", json=body)
    assert r.status_code == 201, r.text
    item = r.json()
    item_id = item.get("id") or item.get("item", {}).get("id")
    r = editor.post(f"/api/v1/work/kb/items/{item_id}/submit", json={})
    assert r.status_code == 200, r.text
    r = reviewer.post(f"/api/v1/work/kb/items/{item_id}/approve", json={})
    assert r.status_code == 200, r.text
    return item_id


def wait_answer(chat, text, expect_id, region=None, timeout=10):
    """The knowledge snapshot follows publications through a cache epoch."""
    deadline = time.time() + timeout
    while True:
        kw = {"region": region} if region is not None else {}
        doc = chat.ask(text, **kw)
        ids = [it["id"] for lib in doc["libraries"] for it in lib["items"]]
        if expect_id in ids or time.time() > deadline:
            return doc
        time.sleep(0.3)


# ---------------------------------------------------------------- welcome, suggestions


def test_home(anon):
    r = anon.get("/api/v1/assistant/home")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["welcome"]
    assert isinstance(doc["hot"], list) and isinstance(doc["quick_phrases"], list)
    assert {"question": "身份证丢了怎么补办？"} in doc["common"]
    assert len(doc["guide"]) >= 3
    assert {"name": "进度查询", "url": "/progress"} in doc["tools"]
    assert "答非所问" in doc["reasons"]
    assert doc["channels"]["hotline"] == "12345"
    assert doc["region"] is None
    r = anon.get("/api/v1/assistant/home", params={"region": DAOLI})
    assert r.json()["region"] == {"code": DAOLI, "name": "道里区"}
    expect_error(anon.get("/api/v1/assistant/home", params={"region": "999999"}), 400, "INVALID_FIELD", "region")


def test_suggest(anon):
    r = anon.get("/api/v1/assistant/suggest", params={"q": "护照"})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    texts = [i["text"] for i in items]
    assert "我想办护照" in texts, texts                  # a dialogue trigger
    assert any(i["source"] == "kb" and "护照" in i["text"] for i in items), items
    assert "普通护照签发" in texts, texts                 # a matter
    assert len(items) <= 10
    assert anon.get("/api/v1/assistant/suggest", params={"q": ""}).json()["items"] == []
    assert anon.get("/api/v1/assistant/suggest", params={"q": "办假证"}).json()["items"] == []
    expect_error(anon.get("/api/v1/assistant/suggest", params={"q": "护" * 51}), 400, "INVALID_FIELD", "q")


# ---------------------------------------------------------------- answers


def test_answer_with_related_and_libraries(chat):
    doc = chat.ask("首次申请普通护照需要什么材料")
    assert doc["kind"] == "answer", doc
    assert doc["answer"]["question"] == "首次申请普通护照需要什么材料？"
    assert doc["answer"]["answer"]
    assert doc["answer"]["library"] == "出入境"
    assert doc["rateable"] is True and doc["handoff"] is False and doc["blocked"] is False
    assert isinstance(doc["id"], int)
    related = [q["id"] for q in doc["related"]]
    assert doc["answer"]["id"] not in related
    for lib in doc["libraries"]:
        assert lib["items"] and all(it["library"] == lib["library"] for it in lib["items"])
    assert doc["answer"]["id"] in [it["id"] for lib in doc["libraries"] for it in lib["items"]]
    # the matter the question names comes along
    assert PASSPORT in [m["code"] for m in doc["matters"]], doc["matters"]


def test_matter_named_in_question(chat):
    doc = chat.ask("普通护照签发要带什么")
    assert doc["kind"] == "matter", doc
    m = doc["matter"]
    assert m["code"] == PASSPORT and m["name"] == "普通护照签发"
    assert m["apply_url"] == f"/apply/{PASSPORT}" and m["guide_url"] == f"/matters/{PASSPORT}"
    assert [x["id"] for x in m["materials"]] == ["M01", "M02", "M03", "M04", "M05", "M06"]
    assert m["materials"][0]["name"] == "居民身份证" and m["materials"][0]["required"] is True


def test_answers_from_several_libraries_side_by_side(editor, reviewer, chat):
    cats = categories(editor)
    word = "雪绒" + secrets.token_hex(2)
    a = publish_item(editor, reviewer, cats["出入境 / 护照"], f"{word}护照材料怎么准备？", "<p>出入境的答复</p>")
    b = publish_item(editor, reviewer, cats["交通管理 / 驾驶证"], f"{word}驾驶证材料怎么准备？", "<p>交管的答复</p>")
    doc = wait_answer(chat, f"{word}材料怎么准备", b)
    libs = {lib["library"]: [it["id"] for it in lib["items"]] for lib in doc["libraries"]}
    assert a in libs.get("出入境", []) and b in libs.get("交通管理", []), libs
    assert doc["kind"] == "answer" and doc["answer"]["id"] in (a, b)


def test_region_restricted_knowledge(editor, reviewer, anon):
    cats = categories(editor)
    word = "松花" + secrets.token_hex(2)
    item = publish_item(editor, reviewer, cats["户政 / 居民身份证"], f"{word}大厅在哪里办身份证？",
                        "<p>道里区的答复</p>", regions=[DAOLI])
    daoli = Chat(anon)
    doc = wait_answer(daoli, f"{word}大厅在哪里办身份证", item, region=DAOLI)
    assert doc["kind"] == "answer" and doc["answer"]["id"] == item, doc
    assert doc["region"] == {"code": DAOLI, "name": "道里区"}
    # the session keeps the region: the next question without one is still answered for 道里区
    again = daoli.ask(f"{word}大厅在哪里办身份证")
    assert again["answer"] and again["answer"]["id"] == item
    # switching to 南岗区: the item does not apply there
    other = daoli.ask(f"{word}大厅在哪里办身份证", region=NANGANG)
    assert other["region"]["code"] == NANGANG
    assert item not in [it["id"] for lib in other["libraries"] for it in lib["items"]], other
    # back to the whole province ("" clears the region for the next questions too)
    whole = daoli.ask(f"{word}大厅在哪里办身份证", region="")
    assert whole["region"] is None
    assert daoli.ask("你好")["region"] is None
    daoli.ask("你好", region="999999", status=400)


def test_sensitive_words_ask_to_rephrase(chat, editor):
    doc = chat.ask("请问哪里可以办假证")
    assert doc["blocked"] is True and doc["kind"] == "blocked"
    assert "请换一种说法" in doc["message"]
    assert doc["answer"] is None and doc["libraries"] == [] and doc["rateable"] is False
    # full-width, case and separators do not get around it
    assert chat.ask("ＦＵＣＫ")["blocked"] is True
    assert chat.ask("我想 办-假 证")["blocked"] is True
    # not sent to the knowledge base: not among the unanswered questions
    r = editor.get("/api/v1/work/kb/unanswered", params={"page_size": 100})
    assert r.status_code == 200, r.text
    assert not [u for u in r.json()["items"] if "假证" in u["question"]]
    # and the history keeps it masked
    hist = chat.c.get("/api/v1/assistant/history", params={"session": chat.session}).json()["items"]
    assert hist[-1]["question"] == "请问哪里可以***" and hist[-1]["kind"] == "blocked"
    # a normal question still works afterwards
    assert chat.ask("你好")["blocked"] is False


def test_chitchat(chat):
    for text in ("你好", "您好！", "谢谢你", "再见~", "Hello"):
        doc = chat.ask(text)
        assert doc["kind"] == "chitchat", (text, doc)
        assert doc["text"] and doc["rateable"] is False
    assert "不客气" in chat.ask("谢谢")["text"]


def test_default_reply_offers_channels_and_records(chat, editor):
    q = "量子咖啡机" + secrets.token_hex(3) + "坏了怎么修理"
    doc = chat.ask(q)
    assert doc["kind"] == "default", doc
    assert doc["handoff"] is True
    assert doc["channels"]["hotline"] == "12345" and isinstance(doc["channels"]["agent"], bool)
    assert "人工" in doc["text"] and doc["answer"] is None
    r = editor.get("/api/v1/work/kb/unanswered", params={"page_size": 100})
    found = [u for u in r.json()["items"] if u["question"] == q]
    assert found and found[0]["source"] == "assistant", found


def test_bad_chat_input(chat, anon):
    chat.ask(None, status=400)                                    # neither text nor option
    expect_error(anon.post("/api/v1/assistant/chat", json={"text": "你好"}), 400, "FIELD_REQUIRED", "session")
    expect_error(anon.post("/api/v1/assistant/chat", json={"session": "short", "text": "你好"}), 400,
                 "INVALID_FIELD", "session")
    expect_error(anon.post("/api/v1/assistant/chat", json={"session": token(), "text": "你好", "x": 1}), 400,
                 "UNKNOWN_FIELD")
    expect_error(anon.post("/api/v1/assistant/chat", json={"session": token(), "text": "问" * 201}), 400,
                 "INVALID_FIELD", "text")
    expect_error(anon.post("/api/v1/assistant/chat", json={"session": token(), "text": "a\u0001b"}), 400,
                 "INVALID_FIELD", "text")


def test_flood_from_one_address_is_refused(server):
    c = Chat(Client(server.base))          # a client address of its own
    codes = [c.c.post("/api/v1/assistant/chat", json={"session": c.session, "text": "你好"}).status_code
             for _ in range(62)]
    assert codes[:60] == [200] * 60, codes
    assert codes[-1] == 429
    expect_error(c.c.post("/api/v1/assistant/chat", json={"session": c.session, "text": "你好"}), 429, "RATE_LIMITED")
    # another address is not affected
    assert Chat(Client(server.base)).ask("你好")["kind"] == "chitchat"


# ---------------------------------------------------------------- guided dialogues


def test_passport_dialogue_end_to_end(chat):
    doc = chat.ask("我想办护照")
    assert doc["kind"] == "dialogue", doc
    d = doc["dialogue"]
    assert d["code"] == "passport" and d["done"] is False
    assert "首次" in doc["text"]
    assert [o["id"] for o in d["options"]] == ["first", "renew", "lost"]
    doc = chat.ask("首次申请", option="first")
    assert doc["kind"] == "dialogue_step" and "16周岁" in doc["text"]
    assert [o["label"] for o in doc["dialogue"]["options"]] == ["已满16周岁", "未满16周岁"]
    doc = chat.ask(option="minor")
    assert doc["kind"] == "dialogue_answer" and doc["dialogue"]["done"] is True
    assert doc["dialogue"]["options"] == []
    m = doc["matter"]
    assert m["code"] == PASSPORT and m["name"] == "普通护照签发"
    assert [x["id"] for x in m["materials"]] == ["M01", "M02", "M04"]
    assert "监护人身份证明及监护关系证明" in [x["name"] for x in m["materials"]]
    assert m["apply_url"] == f"/apply/{PASSPORT}"
    assert doc["rateable"] is True
    # the dialogue has ended: a further button press is refused
    expect_error(chat.c.post("/api/v1/assistant/chat", json={"session": chat.session, "option": "adult"}), 409,
                 "ASSISTANT_DIALOGUE_EXPIRED", "option")


def test_dialogue_by_typed_label_and_leaving(chat):
    assert chat.ask("你好，我想办理护照")["dialogue"]["node"] == "kind"
    doc = chat.ask("换发")                                # the label typed instead of pressed
    assert doc["dialogue"]["node"] == "age_renew"
    doc = chat.ask("已满16周岁")
    assert doc["kind"] == "dialogue_answer"
    assert [x["id"] for x in doc["matter"]["materials"]] == ["M01", "M02", "M03"]
    # something else in the middle of a dialogue leaves it
    assert chat.ask("驾驶证到期了")["dialogue"]["code"] == "driving-licence"
    assert chat.ask("谢谢")["kind"] == "chitchat"
    expect_error(chat.c.post("/api/v1/assistant/chat", json={"session": chat.session, "option": "expire"}), 409,
                 "ASSISTANT_DIALOGUE_EXPIRED")


def test_dialogue_bad_inputs(server, chat):
    chat.ask("我想办护照")
    expect_error(chat.c.post("/api/v1/assistant/chat", json={"session": chat.session, "option": "nope"}), 422,
                 "ASSISTANT_OPTION_UNKNOWN", "option")
    # an option of another node is not an option here
    expect_error(chat.c.post("/api/v1/assistant/chat", json={"session": chat.session, "option": "minor"}), 422,
                 "ASSISTANT_OPTION_UNKNOWN", "option")
    # still at the first question after the refusals
    assert chat.ask(option="first")["dialogue"]["node"] == "age_first"
    # left alone for more than 30 minutes: the state has expired
    server.sql("UPDATE assistant_sessions SET state_at = state_at - 1900 WHERE dialogue_id IS NOT NULL "
               "AND state_at > 0 AND id = (SELECT session_id FROM assistant_messages ORDER BY id DESC LIMIT 1)")
    expect_error(chat.c.post("/api/v1/assistant/chat", json={"session": chat.session, "option": "adult"}), 409,
                 "ASSISTANT_DIALOGUE_EXPIRED")
    # an option in a session that never started a dialogue
    fresh = Chat(chat.c)
    expect_error(fresh.c.post("/api/v1/assistant/chat", json={"session": fresh.session, "option": "first"}), 409,
                 "ASSISTANT_DIALOGUE_EXPIRED")


def graph(trigger, answer_matter=PASSPORT):
    return {
        "triggers": [trigger],
        "start": "q1",
        "nodes": [
            {"id": "q1", "prompt": "需要哪一种？", "options": [
                {"id": "a", "label": "甲", "next": "end"},
                {"id": "b", "label": "乙", "next": "q2"}]},
            {"id": "q2", "prompt": "确定吗？", "options": [{"id": "y", "label": "确定", "next": "end"}]},
            {"id": "end", "answer": {"text": "这是答案。", "matter_code": answer_matter, "materials": ["M01"]}},
        ],
    }


def test_dialogue_editor_validates_and_publishes(dialogue_editor, anon):
    ed = dialogue_editor
    r = ed.get("/api/v1/work/assistant/dialogues")
    assert r.status_code == 200, r.text
    by_code = {d["code"]: d for d in r.json()["items"]}
    assert by_code["passport"]["status"] == "published" and "我想办护照" in by_code["passport"]["triggers"]
    r = ed.get(f"/api/v1/work/assistant/dialogues/{by_code['passport']['id']}")
    assert r.status_code == 200 and r.json()["valid"] is True and r.json()["problems"] == []

    trigger = "测试流程" + secrets.token_hex(3)
    bad = graph(trigger)
    bad["nodes"][0]["options"][1]["next"] = "nowhere"                        # dangling option
    bad["nodes"].append({"id": "lonely", "answer": {"text": "没人到这里"}})     # unreachable
    bad["nodes"].append({"id": "loop", "prompt": "转圈？", "options": [{"id": "x", "label": "再来", "next": "loop"}]})
    code = "t" + secrets.token_hex(4)
    r = ed.post("/api/v1/work/assistant/dialogues", json={"code": code, "name": "测试模板", "definition": bad})
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["status"] == "draft" and d["valid"] is False
    r = ed.post(f"/api/v1/work/assistant/dialogues/{d['id']}/validate", json={})
    problems = r.json()["problems"]
    assert r.json()["valid"] is False
    assert any(p.get("node") == "q1" and p.get("option") == "b" and p.get("field") == "next" for p in problems), problems
    expect_error(ed.post(f"/api/v1/work/assistant/dialogues/{d['id']}/publish"), 422, "DIALOGUE_INVALID")
    # fix the dangling option: now the unreachable node and the trap remain
    bad["nodes"][0]["options"][1]["next"] = "q2"
    r = ed.put(f"/api/v1/work/assistant/dialogues/{d['id']}", json={"definition": bad})
    assert r.status_code == 200, r.text
    nodes = {p.get("node") for p in r.json()["problems"]}
    assert {"lonely", "loop"} <= nodes, r.json()["problems"]
    # an unknown matter and material are problems too (checked without saving)
    r = ed.post(f"/api/v1/work/assistant/dialogues/{d['id']}/validate", json={"definition": graph(trigger, "NOPE")})
    assert [p["field"] for p in r.json()["problems"]] == ["matter_code"]
    wrong_material = graph(trigger)
    wrong_material["nodes"][2]["answer"]["materials"] = ["M99"]
    r = ed.post(f"/api/v1/work/assistant/dialogues/{d['id']}/validate", json={"definition": wrong_material})
    assert [p["field"] for p in r.json()["problems"]] == ["materials"]
    # the draft is not live yet
    assert Chat(anon).ask(trigger)["kind"] != "dialogue"
    r = ed.put(f"/api/v1/work/assistant/dialogues/{d['id']}", json={"definition": graph(trigger), "name": "测试模板二"})
    assert r.json()["valid"] is True and r.json()["status"] == "draft"
    r = ed.post(f"/api/v1/work/assistant/dialogues/{d['id']}/publish")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published" and r.json()["version"] == 1
    c = Chat(anon)
    assert c.ask(trigger)["dialogue"]["code"] == code
    end = c.ask(option="b")
    end = c.ask(option="y")
    assert end["kind"] == "dialogue_answer" and end["matter"]["code"] == PASSPORT
    # a conversation started on version 1 ends when version 2 is published
    c.ask(trigger)
    ed.put(f"/api/v1/work/assistant/dialogues/{d['id']}", json={"definition": graph(trigger)})
    r = ed.post(f"/api/v1/work/assistant/dialogues/{d['id']}/publish")
    assert r.json()["version"] == 2
    expect_error(c.c.post("/api/v1/assistant/chat", json={"session": c.session, "option": "a"}), 409,
                 "ASSISTANT_DIALOGUE_EXPIRED")
    # withdrawn: the trigger no longer starts it
    assert ed.post(f"/api/v1/work/assistant/dialogues/{d['id']}/withdraw").status_code == 200
    assert Chat(anon).ask(trigger)["kind"] != "dialogue"
    expect_error(ed.post(f"/api/v1/work/assistant/dialogues/{d['id']}/withdraw"), 409, "CONFLICT")
    # bad editor input
    expect_error(ed.post("/api/v1/work/assistant/dialogues", json={"code": code, "name": "重复",
                                                                   "definition": graph(trigger)}),
                 409, "DIALOGUE_CODE_TAKEN", "code")
    expect_error(ed.post("/api/v1/work/assistant/dialogues", json={"code": "a b", "name": "x", "definition": {}}),
                 400, "INVALID_FIELD", "code")
    expect_error(ed.get("/api/v1/work/assistant/dialogues/999999"), 404, "DIALOGUE_NOT_FOUND")


def test_dialogue_editor_needs_permission(server, anon):
    officer = staff(server, "accept_officer")
    expect_error(officer.get("/api/v1/work/assistant/dialogues"), 403, "FORBIDDEN")
    expect_error(anon.get("/api/v1/work/assistant/dialogues"), 401, "UNAUTHENTICATED")


# ---------------------------------------------------------------- ratings


def test_rating_unsatisfied_opens_bad_rating_item(chat, editor):
    doc = chat.ask("身份证丢了怎么补办")
    assert doc["kind"] == "answer", doc
    r = chat.rate(doc["id"], "不满意", [])
    expect_error(r, 422, "ASSISTANT_REASON_REQUIRED", "reasons")
    expect_error(chat.rate(doc["id"], "不满意", ["不存在的标签"]), 400, "INVALID_FIELD", "reasons")
    expect_error(chat.rate(doc["id"], "一般"), 400, "INVALID_FIELD", "rating")
    expect_error(chat.rate(doc["id"], "满意", ["答非所问"]), 400, "INVALID_FIELD", "reasons")
    # another browser's session cannot rate it
    expect_error(Chat(chat.c).rate(doc["id"], "满意"), 409, "ASSISTANT_SESSION_INVALID")
    other = Chat(chat.c)
    other.ask("你好")
    expect_error(other.rate(doc["id"], "满意"), 404, "ASSISTANT_ANSWER_NOT_FOUND")
    r = chat.rate(doc["id"], "不满意", ["答非所问", "内容过时"], "没有说在哪里办")
    assert r.status_code == 200, r.text
    assert r.json()["rating"] == "unsatisfied"
    expect_error(chat.rate(doc["id"], "满意"), 409, "ASSISTANT_ALREADY_RATED")
    r = editor.get("/api/v1/work/kb/ratings", params={"page_size": 50})
    assert r.status_code == 200, r.text
    mine = [b for b in r.json()["items"] if b["question"] == "身份证丢了怎么补办" and "没有说在哪里办" in (b.get("text") or "")]
    assert mine, r.json()["items"][:3]
    assert "答非所问" in mine[0]["reason_tags"] and "内容过时" in mine[0]["reason_tags"]
    assert (mine[0].get("item_id") or mine[0].get("item", {}).get("id")) == doc["answer"]["id"]


def test_rating_satisfied_and_not_rateable(chat):
    doc = chat.ask("普通护照签发要带什么")
    r = chat.rate(doc["id"], "satisfied")
    assert r.status_code == 200 and r.json()["rating"] == "satisfied"
    small = chat.ask("你好")
    expect_error(chat.rate(small["id"], "满意"), 409, "ASSISTANT_NOT_RATEABLE")
    expect_error(chat.rate(999999999, "满意"), 404, "ASSISTANT_ANSWER_NOT_FOUND")
    hist = chat.c.get("/api/v1/assistant/history", params={"session": chat.session}).json()["items"]
    assert [h["rating"] for h in hist if h["id"] == doc["id"]] == ["satisfied"]


# ---------------------------------------------------------------- history


def test_history_owner_only(server, anon):
    a = Chat(anon)
    a.ask("你好")
    a.ask("身份证丢了怎么补办")
    r = anon.get("/api/v1/assistant/history", params={"session": a.session})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["question"] for i in items] == ["身份证丢了怎么补办", "你好"]   # newest first
    assert items[0]["reply"]["kind"] == "answer"
    expect_error(anon.get("/api/v1/assistant/history"), 400, "FIELD_REQUIRED", "session")
    expect_error(anon.get("/api/v1/assistant/history", params={"session": token()}), 409,
                 "ASSISTANT_SESSION_INVALID")

    alice = make_citizen(server.base)
    bob = make_citizen(server.base)
    # an anonymous session is claimed by the citizen who signs in and goes on using it
    claimed = Chat(alice.client, a.session)
    claimed.ask("驾驶证到期怎么换证")
    mine = alice.client.get("/api/v1/assistant/history").json()["items"]
    assert [i["question"] for i in mine][:3] == ["驾驶证到期怎么换证", "身份证丢了怎么补办", "你好"]
    # from then on it is Alice's: neither the anonymous browser nor Bob may use or read it
    expect_error(anon.get("/api/v1/assistant/history", params={"session": a.session}), 409,
                 "ASSISTANT_SESSION_INVALID")
    expect_error(anon.post("/api/v1/assistant/chat", json={"session": a.session, "text": "你好"}), 409,
                 "ASSISTANT_SESSION_INVALID")
    expect_error(bob.client.post("/api/v1/assistant/chat", json={"session": a.session, "text": "你好"}), 409,
                 "ASSISTANT_SESSION_INVALID")
    assert bob.client.get("/api/v1/assistant/history").json()["items"] == []
    # only the last 30 days
    server.sql("UPDATE assistant_messages SET created_at = created_at - 31 * 86400 WHERE question = ? "
               "AND citizen_id IS NOT NULL", ("驾驶证到期怎么换证",))
    mine = alice.client.get("/api/v1/assistant/history").json()
    assert "驾驶证到期怎么换证" not in [i["question"] for i in mine["items"]]


def test_quick_phrases_from_recent_questions(anon):
    q = "无犯罪记录证明怎么开"
    for _ in range(2):
        Chat(anon).ask(q)
    doc = anon.get("/api/v1/assistant/home").json()
    assert q in [p["text"] for p in doc["quick_phrases"]], doc["quick_phrases"]
    # one session asking twice does not make a phrase, and numbers are never shown
    c = Chat(anon)
    assert c.ask("普通护照签发123456")["kind"] == "matter"     # answered, so it would count
    Chat(anon).ask("普通护照签发123456")
    c.ask("居住证核发")
    c.ask("居住证核发")
    doc = anon.get("/api/v1/assistant/home").json()
    assert not [p for p in doc["quick_phrases"] if "123456" in p["text"] or p["text"] == "居住证核发"]
