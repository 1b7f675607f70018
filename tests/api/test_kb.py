"""Knowledge base (§2-1-3-3-6) and public content (§1-1-1-1-3): categories,
items with bad input, the review workflow with its permissions and order
(one level, and two levels on a second server), return with reason and
deadline, validity and region filtering of answers, XLSX export and import
with row errors, bad ratings into 评价处置, unanswered questions, statistics,
audit rows, sanitized rich text, and notices/policies/FAQ published and
searched."""

import datetime
import io
import os
import time
import uuid
import zipfile

import pytest

from conftest import TB_TEST_PG, Client, Server, expect_error, pg_scratch_database
from test_work import staff_client

TZ8 = datetime.timezone(datetime.timedelta(hours=8))


def day(offset=0):
    return (datetime.datetime.now(TZ8).date() + datetime.timedelta(days=offset)).isoformat()


def uniq(word="知识"):
    return f"{word}{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def editor(server):
    c = staff_client(server, "kb_editor")
    c.server = server
    return c


@pytest.fixture(scope="module")
def reviewer(server):
    return staff_client(server, "kb_reviewer")


@pytest.fixture(scope="module")
def reviewer2(server):
    return staff_client(server, "kb_reviewer")


@pytest.fixture(scope="module")
def public(server):
    return Client(server.base)


def category(editor, name=None, parent=None):
    body = {"name": name or uniq("分类")}
    if parent:
        body["parent_id"] = parent
    r = editor.post("/api/v1/work/kb/categories", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture(scope="module")
def library(editor):
    """A library root of this module with one child category."""
    root = category(editor, uniq("测试库"))
    return {"root": root, "child": category(editor, "签证业务", root)}


def new_item(editor, cat, question=None, **kw):
    body = {"category_id": cat, "question": question or uniq("如何办理") + "出国签证", "answer": "<p>请携带身份证。</p>"}
    body.update(kw)
    r = editor.post("/api/v1/work/kb/items", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "draft"
    return r.json()


def publish(editor, reviewer, item_id):
    r = editor.post(f"/api/v1/work/kb/items/{item_id}/submit", json={})
    assert r.status_code == 200 and r.json()["status"] == "pending", r.text
    r = reviewer.post(f"/api/v1/work/kb/items/{item_id}/approve", json={"opinion": "同意发布"})
    assert r.status_code == 200 and r.json()["status"] == "published", r.text
    return r.json()


def answer_ids(public, q, region=None):
    params = {"q": q}
    if region is not None:
        params["region"] = region
    r = public.get("/api/v1/kb/answer", params=params)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


def audit_actions(server, obj):
    return [row[0] for row in server.sql("SELECT action FROM audit_log WHERE object = ? ORDER BY id", (obj,))]


# ------------------------------------------------------------------ categories

def test_category_tree(editor, reviewer):
    root = category(editor, uniq("根"))
    mid = category(editor, "二级", root)
    leaf = category(editor, "三级", mid)
    r = editor.get("/api/v1/work/kb/categories")
    assert r.status_code == 200
    node = next(n for n in r.json()["tree"] if n["id"] == root)
    assert node["children"][0]["id"] == mid and node["children"][0]["children"][0]["id"] == leaf
    flat = {c["id"]: c for c in r.json()["items"]}
    assert flat[leaf]["path"].endswith(" / 二级 / 三级")
    # a category cannot move below itself; an unknown parent is refused
    expect_error(editor.put(f"/api/v1/work/kb/categories/{root}", json={"name": "根", "parent_id": leaf}),
                 400, "INVALID_FIELD", "parent_id")
    expect_error(editor.post("/api/v1/work/kb/categories", json={"name": "x", "parent_id": 99999999}),
                 404, "KB_CATEGORY_NOT_FOUND", "parent_id")
    expect_error(editor.post("/api/v1/work/kb/categories", json={}), 400, "FIELD_REQUIRED", "name")
    # not empty: children, then an item
    expect_error(editor.delete(f"/api/v1/work/kb/categories/{mid}"), 409, "KB_CATEGORY_NOT_EMPTY")
    new_item(editor, leaf)
    expect_error(editor.delete(f"/api/v1/work/kb/categories/{leaf}"), 409, "KB_CATEGORY_NOT_EMPTY")
    empty = category(editor, "空分类", root)
    r = editor.put(f"/api/v1/work/kb/categories/{empty}", json={"name": "改名分类", "parent_id": root, "sort": 3})
    assert r.status_code == 200 and r.json()["name"] == "改名分类"
    assert editor.delete(f"/api/v1/work/kb/categories/{empty}").status_code == 200
    expect_error(editor.delete(f"/api/v1/work/kb/categories/{empty}"), 404, "KB_CATEGORY_NOT_FOUND")
    # a reviewer reads but does not maintain categories
    assert reviewer.get("/api/v1/work/kb/categories").status_code == 200
    expect_error(reviewer.post("/api/v1/work/kb/categories", json={"name": "x"}), 403, "FORBIDDEN")
    assert "kb.category.create" in audit_actions(editor.server, f"kb_category:{root}")


# ------------------------------------------------------------------ items

def test_item_bad_input(editor, library):
    cat = library["child"]
    cases = [({"question": "护照怎么办", "answer": "<p>x</p>"}, 400, "FIELD_REQUIRED", "category_id"),
             ({"category_id": cat, "answer": "<p>x</p>"}, 400, "FIELD_REQUIRED", "question"),
             ({"category_id": cat, "question": "护照怎么办"}, 400, "FIELD_REQUIRED", "answer"),
             ({"category_id": cat, "question": "护", "answer": "<p>x</p>"}, 400, "INVALID_FIELD", "question"),
             ({"category_id": cat, "question": "护照怎么办", "answer": "<script>alert(1)</script>"},
              400, "INVALID_FIELD", "answer"),
             ({"category_id": 99999999, "question": "护照怎么办", "answer": "答"}, 404, "KB_CATEGORY_NOT_FOUND",
              "category_id"),
             ({"category_id": cat, "question": "护照怎么办", "answer": "答", "regions": ["2301"]},
              400, "INVALID_FIELD", "regions"),
             ({"category_id": cat, "question": "护照怎么办", "answer": "答", "similar": ["x"]},
              400, "INVALID_FIELD", "similar"),
             ({"category_id": cat, "question": "护照怎么办", "answer": "答", "valid_from": "2026-13-01"},
              400, "INVALID_FIELD", "valid_from"),
             ({"category_id": cat, "question": "护照怎么办", "answer": "答", "valid_from": "2026-05-01",
               "valid_to": "2026-04-01"}, 400, "INVALID_FIELD", "valid_to"),
             ({"category_id": cat, "question": "护照怎么办", "answer": "答", "colour": 1}, 400, "UNKNOWN_FIELD",
              "colour")]
    for body, status, code, field in cases:
        expect_error(editor.post("/api/v1/work/kb/items", json=body), status, code, field)
    expect_error(editor.get("/api/v1/work/kb/items/99999999"), 404, "KB_ITEM_NOT_FOUND")
    expect_error(editor.get("/api/v1/work/kb/items", params={"status": "bogus"}), 400, "INVALID_FIELD", "status")


def test_rich_text_is_sanitized(editor, library):
    evil = ('<p onclick="x()">办理<script>alert(1)</script><img src=x onerror=alert(2)>'
            '<a href="javascript:alert(3)">链接</a><a href="https://gaj.hlj.gov.cn/x?a=1&b=2">官网</a>'
            '<iframe src="//evil"></iframe><style>p{}</style><strong>须知</strong> 1 < 2 & 3</p>')
    it = new_item(editor, library["child"], answer=evil)
    a = editor.get(f"/api/v1/work/kb/items/{it['id']}").json()["answer"]
    for bad in ("<script", "alert(1)", "onerror", "onclick", "javascript:", "<img", "<iframe", "<style", "p{}"):
        assert bad not in a, (bad, a)
    assert "<strong>须知</strong>" in a and "<p>" in a
    assert 'href="https://gaj.hlj.gov.cn/x?a=1&amp;b=2"' in a
    assert "1 &lt; 2 &amp; 3" in a


def test_list_search_and_detail(editor, reviewer, library):
    q = uniq("检索定位") + "问题"
    it = new_item(editor, library["child"], question=q, similar=["相似问法一", "相似问法二"], source="出入境管理局")
    r = reviewer.get("/api/v1/work/kb/items", params={"q": q[:8]})
    assert r.status_code == 200 and [i["id"] for i in r.json()["items"]] == [it["id"]]
    r = editor.get("/api/v1/work/kb/items", params={"category_id": library["root"], "page_size": 100})
    assert it["id"] in [i["id"] for i in r.json()["items"]]  # the subtree of the root
    d = editor.get(f"/api/v1/work/kb/items/{it['id']}").json()
    assert d["similar"] == ["相似问法一", "相似问法二"] and d["source"] == "出入境管理局"
    assert d["live_version"] is None and "submit" in d["actions"] and d["steps"][0]["step"] == "create"


# ------------------------------------------------------------------ workflow

def test_workflow_order_and_permissions(server, editor, reviewer, public, library):
    q = uniq("工作流") + "护照加急办理"
    it = new_item(editor, library["child"], question=q)
    iid = it["id"]
    # review before submission, and the editor reviewing: refused
    expect_error(reviewer.post(f"/api/v1/work/kb/items/{iid}/approve", json={}), 409, "CONFLICT", "id")
    expect_error(editor.post(f"/api/v1/work/kb/items/{iid}/approve", json={}), 403, "FORBIDDEN")
    expect_error(reviewer.post(f"/api/v1/work/kb/items/{iid}/submit", json={}), 403, "FORBIDDEN")
    assert editor.post(f"/api/v1/work/kb/items/{iid}/submit", json={}).json()["status"] == "pending"
    expect_error(editor.post(f"/api/v1/work/kb/items/{iid}/submit", json={}), 409, "CONFLICT", "id")
    expect_error(editor.put(f"/api/v1/work/kb/items/{iid}", json={"answer": "改"}), 409, "CONFLICT", "id")
    expect_error(editor.delete(f"/api/v1/work/kb/items/{iid}"), 409, "CONFLICT", "id")
    assert iid not in answer_ids(public, q)  # not live before review
    r = reviewer.post(f"/api/v1/work/kb/items/{iid}/approve", json={"opinion": "同意"})
    assert r.status_code == 200 and r.json()["status"] == "published" and r.json()["live"] is True
    expect_error(reviewer.post(f"/api/v1/work/kb/items/{iid}/approve", json={}), 409, "CONFLICT", "id")
    assert answer_ids(public, q)[0] == iid
    steps = [s["step"] for s in editor.get(f"/api/v1/work/kb/items/{iid}").json()["steps"]]
    assert steps == ["create", "submit", "publish"]
    assert audit_actions(server, f"kb_item:{iid}") == ["kb.item.create", "kb.item.submit", "kb.item.publish"]
    # an edit of a published item waits for review; the live version keeps answering
    r = editor.put(f"/api/v1/work/kb/items/{iid}", json={"answer": "<p>新的答复内容</p>"})
    assert r.status_code == 200 and r.json()["status"] == "draft" and r.json()["live"] is True
    a = public.get("/api/v1/kb/answer", params={"q": q}).json()["items"][0]
    assert a["id"] == iid and "新的答复内容" not in a["answer"]
    publish(editor, reviewer, iid)
    a = public.get("/api/v1/kb/answer", params={"q": q}).json()["items"][0]
    assert "新的答复内容" in a["answer"] and a["library"] and a["category"] == "签证业务"
    # deletion takes it out of the answers
    assert editor.delete(f"/api/v1/work/kb/items/{iid}").status_code == 200
    assert iid not in answer_ids(public, q)
    assert "kb.item.delete" in audit_actions(server, f"kb_item:{iid}")


def test_return_with_reason_and_deadline(server, editor, reviewer, library):
    iid = new_item(editor, library["child"])["id"]
    expect_error(reviewer.post(f"/api/v1/work/kb/items/{iid}/return", json={"reason": "答案不完整", "deadline": day(3)}),
                 409, "CONFLICT", "id")
    editor.post(f"/api/v1/work/kb/items/{iid}/submit", json={})
    expect_error(reviewer.post(f"/api/v1/work/kb/items/{iid}/return", json={"deadline": day(3)}),
                 400, "FIELD_REQUIRED", "reason")
    expect_error(reviewer.post(f"/api/v1/work/kb/items/{iid}/return", json={"reason": "答案不完整"}),
                 400, "FIELD_REQUIRED", "deadline")
    expect_error(reviewer.post(f"/api/v1/work/kb/items/{iid}/return", json={"reason": "答案不完整", "deadline": day(-1)}),
                 400, "INVALID_FIELD", "deadline")
    r = reviewer.post(f"/api/v1/work/kb/items/{iid}/return", json={"reason": "答案不完整，请补充收费标准", "deadline": day(3)})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["status"] == "returned" and d["return_reason"] == "答案不完整，请补充收费标准" and d["return_deadline"] == day(3)
    assert d["steps"][-1]["step"] == "return" and day(3) in d["steps"][-1]["opinion"]
    r = editor.get("/api/v1/work/kb/items", params={"status": "returned", "page_size": 100})
    assert iid in [i["id"] for i in r.json()["items"]]
    # fixed and resubmitted
    assert editor.put(f"/api/v1/work/kb/items/{iid}", json={"answer": "<p>收费标准：120元</p>"}).json()["status"] == "draft"
    assert editor.post(f"/api/v1/work/kb/items/{iid}/submit", json={}).json()["status"] == "pending"
    assert "kb.item.return" in audit_actions(server, f"kb_item:{iid}")


# ------------------------------------------------------------------ answers

def test_validity_and_region_filtering(editor, reviewer, public, library):
    word = uniq("边境通行")
    cat = library["child"]
    district = new_item(editor, cat, question=f"{word}道里区怎么办", regions=["230102"])["id"]
    city = new_item(editor, cat, question=f"{word}哈尔滨怎么办", regions=["230100"])["id"]
    wide = new_item(editor, cat, question=f"{word}全省怎么办")["id"]
    expired = new_item(editor, cat, question=f"{word}过期怎么办", valid_to=day(-1))["id"]
    future = new_item(editor, cat, question=f"{word}将来怎么办", valid_from=day(2))["id"]
    current = new_item(editor, cat, question=f"{word}当前怎么办", valid_from=day(-1), valid_to=day(1))["id"]
    for i in (district, city, wide, expired, future, current):
        publish(editor, reviewer, i)
    q = f"{word}怎么办"
    r = public.get("/api/v1/kb/answer", params={"q": q, "n": 20})
    everywhere = {i["id"] for i in r.json()["items"]}
    assert {district, city, wide, current} <= everywhere and not ({expired, future} & everywhere)
    daoli = {i["id"] for i in public.get("/api/v1/kb/answer", params={"q": q, "n": 20, "region": "230102"}).json()["items"]}
    assert {district, city, wide, current} <= daoli
    nangang = {i["id"] for i in public.get("/api/v1/kb/answer", params={"q": q, "n": 20, "region": "230103"}).json()["items"]}
    assert {city, wide} <= nangang and district not in nangang
    qiqihar = {i["id"] for i in public.get("/api/v1/kb/answer", params={"q": q, "n": 20, "region": "230202"}).json()["items"]}
    assert wide in qiqihar and not ({district, city} & qiqihar)
    expect_error(public.get("/api/v1/kb/answer", params={"q": q, "region": "23"}), 400, "INVALID_FIELD", "region")
    expect_error(public.get("/api/v1/kb/answer"), 400, "FIELD_REQUIRED", "q")


def test_suggest_and_hot(editor, reviewer, public, library):
    q = uniq("提示词") + "居住证办理条件"
    iid = new_item(editor, library["child"], question=q)["id"]
    publish(editor, reviewer, iid)
    r = public.get("/api/v1/kb/suggest", params={"q": q[:6]})
    assert r.status_code == 200 and {"id": iid, "question": q} in r.json()["items"]
    for _ in range(3):
        answer_ids(public, q)
    hot = public.get("/api/v1/kb/hot", params={"days": 1, "n": 50}).json()["items"]
    mine = [h for h in hot if h["id"] == iid]
    assert mine and mine[0]["count"] >= 3


def test_bad_rating_reaches_the_list_and_the_fix_is_reviewed(server, editor, reviewer, public, library):
    q = uniq("差评") + "护照照片要求"
    iid = new_item(editor, library["child"], question=q, answer="<p>旧答案</p>")["id"]
    publish(editor, reviewer, iid)
    r = public.post("/api/v1/kb/ratings", json={"item_id": iid, "question": q, "reason_tags": "答案不准确,看不懂",
                                                "text": "没有说明照片尺寸"})
    assert r.status_code == 201, r.text
    expect_error(public.post("/api/v1/kb/ratings", json={"item_id": iid}), 400, "FIELD_REQUIRED", "question")
    expect_error(reviewer.get("/api/v1/work/kb/ratings"), 403, "FORBIDDEN")
    rows = editor.get("/api/v1/work/kb/ratings", params={"status": "open", "page_size": 100}).json()["items"]
    row = next(x for x in rows if x["item"] and x["item"]["id"] == iid)
    assert row["reason_tags"] == "答案不准确,看不懂" and row["text"] == "没有说明照片尺寸" and row["question"] == q
    # the fix goes through review before it is live
    editor.put(f"/api/v1/work/kb/items/{iid}", json={"answer": "<p>照片尺寸 33mm×48mm</p>"})
    assert "33mm" not in public.get("/api/v1/kb/answer", params={"q": q}).json()["items"][0]["answer"]
    publish(editor, reviewer, iid)
    assert "33mm" in public.get("/api/v1/kb/answer", params={"q": q}).json()["items"][0]["answer"]
    r = editor.post(f"/api/v1/work/kb/ratings/{row['id']}/handle", json={"note": "已补充照片尺寸"})
    assert r.status_code == 200 and r.json()["status"] == "handled" and r.json()["handled_by"]
    expect_error(editor.post(f"/api/v1/work/kb/ratings/{row['id']}/handle", json={"note": "再次"}), 409, "CONFLICT")
    expect_error(editor.get("/api/v1/work/kb/ratings/99999999"), 404, "KB_RATING_NOT_FOUND")
    assert audit_actions(server, f"kb_rating:{row['id']}") == ["kb.rating.bad", "kb.rating.handle"]


def test_unanswered_questions(editor, public):
    q = uniq("火星移民") + "签证外星"
    assert answer_ids(public, q) == []
    answer_ids(public, q)
    rows = editor.get("/api/v1/work/kb/unanswered", params={"status": "open", "page_size": 100}).json()["items"]
    row = next(x for x in rows if x["question"] == q)
    assert row["times"] == 2 and row["source"] == "query"  # asked twice
    # the same question reported right after by the assistant or an agent counts once
    assert editor.post("/api/v1/work/kb/unanswered", json={"question": q}).status_code == 201
    rows = editor.get("/api/v1/work/kb/unanswered", params={"status": "open", "page_size": 100}).json()["items"]
    assert next(x for x in rows if x["question"] == q)["times"] == 2
    other = "坐席登记的疑难问题" + uniq()
    r = editor.post("/api/v1/work/kb/unanswered", json={"question": other})
    assert r.status_code == 201
    rows = editor.get("/api/v1/work/kb/unanswered", params={"status": "open", "page_size": 100}).json()["items"]
    assert next(x for x in rows if x["question"] == other)["source"] == "agent"
    r = editor.post(f"/api/v1/work/kb/unanswered/{row['id']}/resolve", json={"note": "不属于公安业务"})
    assert r.status_code == 200
    expect_error(editor.post(f"/api/v1/work/kb/unanswered/{row['id']}/resolve", json={"note": "x"}),
                 404, "KB_UNANSWERED_NOT_FOUND")


def test_statistics(editor, reviewer, public, library):
    q = uniq("统计") + "出国探亲手续"
    iid = new_item(editor, library["child"], question=q)["id"]
    publish(editor, reviewer, iid)
    before = editor.get("/api/v1/work/kb/stats").json()
    answer_ids(public, q)
    answer_ids(public, q)
    answer_ids(public, uniq("无解") + "量子纠缠户口")
    public.post("/api/v1/kb/ratings", json={"item_id": iid, "question": q, "reason_tags": "答非所问"})
    r = editor.get("/api/v1/work/kb/stats", params={"from": day(0), "to": day(0)})
    assert r.status_code == 200, r.text
    after = editor.get("/api/v1/work/kb/stats").json()
    assert after["queries"]["total"] - before["queries"]["total"] == 3
    assert after["queries"]["answered"] - before["queries"]["answered"] == 2
    assert after["queries"]["unanswered"] - before["queries"]["unanswered"] == 1
    assert after["bad_ratings"]["total"] - before["bad_ratings"]["total"] == 1
    assert after["unanswered"]["open"] - before["unanswered"]["open"] == 1

    def share(s, name):
        return sum(c["count"] for c in s["question_categories"] if c["category"] == name)
    root_name = next(c["name"] for c in editor.get("/api/v1/work/kb/categories").json()["items"]
                     if c["id"] == library["root"])
    assert share(after, root_name) - share(before, root_name) == 2
    assert share(after, "未匹配") - share(before, "未匹配") == 1
    assert any(h["id"] == iid and h["count"] >= 2 for h in after["hot_items"])
    assert any(m["editor"] == "测试民警" and m["status"] == "published" for m in after["maintenance"])
    assert after["items"]["all"] >= after["items"]["live"] > 0
    today = r.json()
    assert today["queries"]["total"] >= 3 and any(d["date"] == day(0) for d in today["queries"]["by_day"])
    expect_error(editor.get("/api/v1/work/kb/stats", params={"from": "2026-02-30"}), 400, "INVALID_FIELD", "from")
    assert public.get("/api/v1/work/kb/stats").status_code == 401


# ------------------------------------------------------------------ XLSX

def xlsx(rows):
    """A minimal workbook of inline strings (rows of cells)."""
    def col(i):
        return chr(ord("A") + i)
    def esc(s):
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    data = "".join(
        f'<row r="{n + 1}">' + "".join(f'<c r="{col(i)}{n + 1}" t="inlineStr"><is><t>{esc(v)}</t></is></c>'
                                       for i, v in enumerate(row)) + "</row>"
        for n, row in enumerate(rows))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + data + "</sheetData></worksheet>")
    return buf.getvalue()


HEADER = ["编号", "分类", "标准问题", "相似问题", "答案", "适用区划", "有效期起", "有效期止", "来源"]


def upload(client, content):
    return client.post("/api/v1/work/kb/import", files={"file": ("kb.xlsx", content,
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})


def test_xlsx_round_trip(server, editor, reviewer, public):
    cat = category(editor, uniq("导出库"))
    a = new_item(editor, cat, question=uniq("导出") + "护照遗失补办", similar=["护照丢了", "护照掉了怎么办"],
                 regions=["230100", "230102"], valid_from=day(-5), valid_to=day(30), source="出入境管理局")["id"]
    b = new_item(editor, cat, question=uniq("导出") + "签注续签")["id"]
    publish(editor, reviewer, b)
    r = editor.get("/api/v1/work/kb/export", params={"category_id": cat})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert r.content[:2] == b"PK" and "xl/worksheets/sheet1.xml" in zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    r2 = upload(editor, r.content)
    assert r2.status_code == 200, r2.text
    assert r2.json() == {"imported": 2, "created": 0, "updated": 2}
    da = editor.get(f"/api/v1/work/kb/items/{a}").json()
    assert da["similar"] == ["护照丢了", "护照掉了怎么办"] and da["regions"] == ["230100", "230102"]
    assert da["valid_from"] == day(-5) and da["valid_to"] == day(30) and da["source"] == "出入境管理局"
    assert [s["step"] for s in da["steps"]][-1] == "import"
    # the published one became a new draft; its live version still answers
    db_ = editor.get(f"/api/v1/work/kb/items/{b}").json()
    assert db_["status"] == "draft" and db_["live"] is True
    path = next(c["path"] for c in editor.get("/api/v1/work/kb/categories").json()["items"] if c["id"] == cat)
    new_q = uniq("导入") + "新增的问题"
    r3 = upload(editor, xlsx([HEADER, ["", path, new_q, "问法甲；问法乙", "<p>导入的答案</p>", "230100", "", "", "导入"]]))
    assert r3.status_code == 200 and r3.json()["created"] == 1, r3.text
    rows = editor.get("/api/v1/work/kb/items", params={"q": new_q}).json()["items"]
    assert len(rows) == 1 and rows[0]["similar"] == ["问法甲", "问法乙"] and rows[0]["status"] == "draft"
    assert server.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'kb.import'")[0][0] >= 2
    assert server.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'kb.export'")[0][0] >= 1


def test_xlsx_import_row_errors_import_nothing(editor):
    cat = category(editor, uniq("坏文件"))
    path = next(c["path"] for c in editor.get("/api/v1/work/kb/categories").json()["items"] if c["id"] == cat)
    good_q = uniq("好行") + "问题"
    rows = [HEADER,
            ["", path, good_q, "", "<p>好</p>", "", "", "", ""],
            ["", "不存在的分类", "分类不存在的问题", "", "答", "", "", "", ""],
            ["", path, "", "", "答", "", "", "", ""],
            ["", path, "区划错误的问题", "", "答", "2301", "", "", ""],
            ["", path, "日期错误的问题", "", "答", "", "2026/01/01", "", ""],
            ["abc", path, "编号错误的问题", "", "答", "", "", "", ""],
            ["", path, "答案为空的问题", "", "<script>x</script>", "", "", "", ""]]
    r = upload(editor, xlsx(rows))
    expect_error(r, 422, "FORM_INVALID")
    details = r.json()["error"]["details"]
    got = {(d["row"], d["field"]) for d in details}
    assert {(3, "分类"), (4, "标准问题"), (5, "适用区划"), (6, "有效期起"), (7, "编号"), (8, "答案")} <= got, details
    assert all(d["message"] for d in details) and not any(d["row"] == 2 for d in details)
    assert any("不存在的分类" in d["message"] for d in details)
    # one transaction: the good row was not imported either
    assert editor.get("/api/v1/work/kb/items", params={"q": good_q}).json()["total"] == 0
    bad_header = upload(editor, xlsx([["问题", "答案"], ["a", "b"]]))
    expect_error(bad_header, 422, "FORM_INVALID")
    expect_error(upload(editor, b"question,answer\n"), 400, "INVALID_FIELD", "file")


# ------------------------------------------------------------------ two-level review

@pytest.fixture(scope="module")
def two_level(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("kb2"))
    database = pg_scratch_database("tongban_kb2") if TB_TEST_PG else os.path.join(tmp, "kb2.db")
    srv = Server(tmp, database=database, extra_env={"TONGBAN_KB_REVIEW_LEVELS": "2"})
    srv.start()
    yield srv
    srv.stop()


def test_two_level_review(two_level):
    ed = staff_client(two_level, "kb_editor")
    first = staff_client(two_level, "kb_reviewer")
    second = staff_client(two_level, "kb_reviewer")
    pub = Client(two_level.base)
    cat = category(ed, uniq("二级审核"))
    q = uniq("二级") + "港澳签注加急"
    iid = new_item(ed, cat, question=q)["id"]
    assert ed.post(f"/api/v1/work/kb/items/{iid}/submit", json={}).json()["status"] == "pending"
    r = first.post(f"/api/v1/work/kb/items/{iid}/approve", json={"opinion": "一级同意"})
    assert r.status_code == 200 and r.json()["status"] == "pending2" and r.json()["review_levels"] == 2
    assert iid not in answer_ids(pub, q)
    expect_error(first.post(f"/api/v1/work/kb/items/{iid}/approve", json={}), 409, "CONFLICT", "id")
    # second level may also send it back
    r = second.post(f"/api/v1/work/kb/items/{iid}/return", json={"reason": "请补充依据", "deadline": day(2)})
    assert r.json()["status"] == "returned"
    ed.post(f"/api/v1/work/kb/items/{iid}/submit", json={})
    assert first.post(f"/api/v1/work/kb/items/{iid}/approve", json={}).json()["status"] == "pending2"
    r = second.post(f"/api/v1/work/kb/items/{iid}/approve", json={"opinion": "二级同意"})
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert [s["step"] for s in r.json()["steps"]] == ["create", "submit", "approve1", "return", "submit", "approve1",
                                                     "publish"]
    assert answer_ids(pub, q) == [iid]


def test_bad_config_refused(tmp_path):
    srv = Server(str(tmp_path), database=os.path.join(str(tmp_path), "bad.db"),
                 extra_env={"TONGBAN_KB_REVIEW_LEVELS": "3"})
    with pytest.raises(RuntimeError):
        srv.start()
    srv.stop()


# ------------------------------------------------------------------ public content

def test_content_publish_list_and_search(server, editor, reviewer, public):
    word = uniq("电子驾照")
    r = editor.post("/api/v1/work/content", json={"type": "notice", "title": f"关于{word}全面推行的公告",
                                                  "body": "<p>自下月起全省推行<b>电子驾驶证</b>。<script>alert(1)</script></p>",
                                                  "source": "省公安厅交通警察总队"})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["status"] == "draft" and "<script" not in c["body"] and "<b>电子驾驶证</b>" in c["body"]
    cid = c["id"]
    # a draft is not public
    expect_error(public.get(f"/api/v1/content/items/{cid}"), 404, "CONTENT_NOT_FOUND")
    assert cid not in [h["id"] for h in public.get("/api/v1/content/search", params={"q": word}).json()["items"]]
    r = editor.post(f"/api/v1/work/content/{cid}/publish", json={"published_at": day(-1)})
    assert r.status_code == 200 and r.json()["status"] == "published" and r.json()["published_at"].startswith(day(-1))
    expect_error(editor.post(f"/api/v1/work/content/{cid}/publish", json={}), 409, "CONFLICT")
    d = public.get(f"/api/v1/content/items/{cid}").json()
    assert d["type_name"] == "公示公告" and d["source"] == "省公安厅交通警察总队"
    listed = public.get("/api/v1/content/items", params={"type": "notice", "page_size": 100}).json()
    assert cid in [i["id"] for i in listed["items"]]
    hits = public.get("/api/v1/content/search", params={"q": word}).json()["items"]
    assert hits and hits[0]["id"] == cid and "<em>" in hits[0]["title_highlight"]
    # title weighs more than body: an item naming the word only in its body ranks below
    r = editor.post("/api/v1/work/content", json={"type": "policy", "title": f"道路交通安全规定{uniq()}",
                                                  "body": f"<p>本规定同样适用于{word}。</p>", "publish": True})
    body_only = r.json()["id"]
    hits = [h["id"] for h in public.get("/api/v1/content/search", params={"q": word}).json()["items"]]
    assert hits.index(cid) < hits.index(body_only)
    only_policy = public.get("/api/v1/content/search", params={"q": word, "type": "policy"}).json()["items"]
    assert body_only in [h["id"] for h in only_policy] and {h["type"] for h in only_policy} == {"policy"}
    expect_error(public.get("/api/v1/content/search", params={"q": word, "type": "blog"}), 400, "INVALID_FIELD", "type")
    expect_error(public.get("/api/v1/content/search"), 400, "FIELD_REQUIRED", "q")
    # edit, withdraw
    r = editor.put(f"/api/v1/work/content/{cid}", json={"title": f"关于{word}全面推行的公告（修订）"})
    assert r.status_code == 200 and r.json()["title"].endswith("（修订）")
    assert editor.post(f"/api/v1/work/content/{cid}/unpublish", json={}).json()["status"] == "unpublished"
    expect_error(public.get(f"/api/v1/content/items/{cid}"), 404, "CONTENT_NOT_FOUND")
    assert cid not in [h["id"] for h in public.get("/api/v1/content/search", params={"q": word}).json()["items"]]
    assert audit_actions(server, f"content:{cid}") == ["content.create", "content.publish", "content.update",
                                                       "content.unpublish"]
    # bad input and permissions
    expect_error(editor.post("/api/v1/work/content", json={"type": "blog", "title": "标题", "body": "正文"}),
                 400, "INVALID_FIELD", "type")
    expect_error(editor.post("/api/v1/work/content", json={"type": "faq", "title": "标题", "body": "<script></script>"}),
                 400, "INVALID_FIELD", "body")
    expect_error(reviewer.post("/api/v1/work/content", json={"type": "faq", "title": "标题", "body": "正文"}),
                 403, "FORBIDDEN")


def test_seeded_content_and_knowledge(public):
    for t in ("notice", "policy", "faq"):
        assert public.get("/api/v1/content/items", params={"type": t}).json()["total"] >= 3
    hits = public.get("/api/v1/content/search", params={"q": "护照"}).json()["items"]
    assert hits and all("id" in h and "snippet" in h for h in hits)
    a = public.get("/api/v1/kb/answer", params={"q": "身份证丢了怎么补办", "region": "230102"}).json()["items"]
    assert a and a[0]["question"] == "身份证丢了怎么补办？" and a[0]["library"] == "户政"


def test_search_snippets_are_escaped(editor, public):
    word = uniq("转义检查")
    body = f"<p>{word}示例：&lt;script&gt;alert(9)&lt;/script&gt; &lt;img src=x onerror=alert(8)&gt;</p>"
    r = editor.post("/api/v1/work/content", json={"type": "faq", "title": f"{word}<b>标题</b>", "body": body,
                                                  "publish": True})
    assert r.status_code == 201, r.text
    hit = next(h for h in public.get("/api/v1/content/search", params={"q": word}).json()["items"]
               if h["id"] == r.json()["id"])
    for field in ("snippet", "title_highlight"):
        assert "<script" not in hit[field] and "<img" not in hit[field] and "<b>" not in hit[field], hit
    assert "&lt;script&gt;" in hit["snippet"] and "<em>" in hit["snippet"]
