"""好差评 (§3-1-1-7) through the API, rule by rule: a 即办件 owes one
evaluation and a 承诺件 two (at acceptance and at completion), the citizen is
told by SMS and in-app; reasons are required for the two bad levels; text is
at most 50 characters; a rating can be changed and followed up once; unrated
after 7 natural days → 基本满意 on the default channel; text is shown publicly
only after review; a verified bad rating opens a rectification task due in 15
natural days, which can be extended with a reason and whose fix is fed back to
the rater; aggregates per matter, department and region; the export in the
shape of GB/T 39046 table 9; owner-only access, data scope, permissions and
the audit trail."""
import csv
import io
import os
import re
import time
import uuid

import pytest

from conftest import (Client, Server, case_body, expect_error, make_citizen, poll, signed_in_staff, sms_outbox,
                      staff_fixture)

PASSPORT = "11230000MB1917443F000117004000"          # 承诺件, flow 受理 → 审批
HUKOU_BOOK = "11230000042898103D002017015000"        # 户口簿补领: 即办件, no flow
DAOLI = "哈尔滨市公安局道里分局"
NANGANG = "哈尔滨市公安局南岗分局"
DAY = 86400
LEVELS = ["very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied"]

officer = staff_fixture("accept_officer", DAOLI, "ev")
leader = staff_fixture("approve_leader", DAOLI, "ev")
supervisor = staff_fixture("evaluation_supervisor", DAOLI, "ev")
far_supervisor = staff_fixture("evaluation_supervisor", NANGANG, "ev")


def act(client, serial, action, **kw):
    r = client.post(f"/api/v1/work/cases/{serial}/actions", json=dict(action=action, **kw))
    assert r.status_code == 200, f"{action}: {r.status_code} {r.text[:300]}"
    return r.json()


def submit(server, code, citizen=None):
    c = citizen or make_citizen(server.base)
    body = case_body(c, code)
    body["region"] = "230102"
    r = c.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return c, r.json()["serial"]


def finished_immediate(server, officer, citizen=None):
    """A 即办件 submitted, accepted and finished: (citizen, serial)."""
    c, serial = submit(server, HUKOU_BOOK, citizen)
    act(officer, serial, "accept")
    act(officer, serial, "finish", result="已补领户口簿")
    return c, serial


def mine(citizen, serial=None):
    r = citizen.get("/api/v1/me/evaluations", params={"serial": serial} if serial else {})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def the_evaluation(citizen, serial):
    items = mine(citizen, serial)
    assert len(items) == 1, items
    return items[0]


def rate(citizen, eid, **body):
    return citizen.client.put(f"/api/v1/me/evaluations/{eid}", json=body)


def audit_actions(server, object_like):
    return [row[0] for row in server.sql("SELECT action FROM audit_log WHERE object LIKE ? ORDER BY id",
                                          (object_like,))]


# ---------------------------------------------------------------- how many evaluations a case owes


def test_immediate_case_owes_one_evaluation_and_the_citizen_is_told(server, officer):
    c, serial = submit(server, HUKOU_BOOK)
    act(officer, serial, "accept")
    assert mine(c, serial) == []                      # a 即办件 is evaluated once, at completion
    act(officer, serial, "finish", result="已补领户口簿")
    e = the_evaluation(c, serial)
    assert e["stage"] == "finish" and e["times"] == 1 and e["status"] == "pending" and e["case_type"] == 1
    assert e["level"] is None and e["can_change"] is True
    sms = poll(lambda: [m for m in sms_outbox(server.base, c.phone) if serial in m["text"] and "请评价" in m["text"]])
    assert sms and sms[0]["text"].startswith("【黑龙江公安】") and "已办结" in sms[0]["text"], sms
    inbox = c.get("/api/v1/me/messages").json()["items"]
    msg = [m for m in inbox if m["kind"] == "evaluation" and serial in m["body"]]
    assert msg and msg[0]["link"] == f"/my/evaluations/{e['id']}", inbox


def test_promised_case_owes_two_evaluations(server, officer, leader):
    c, serial = submit(server, PASSPORT)
    assert mine(c, serial) == []
    act(officer, serial, "accept", comment="材料齐全")
    first = the_evaluation(c, serial)
    assert first["stage"] == "accept" and first["times"] == 1 and first["case_type"] == 2
    assert poll(lambda: [m for m in sms_outbox(server.base, c.phone) if serial in m["text"] and "已受理" in m["text"]
                         and "评价" in m["text"]])
    assert act(leader, serial, "approve", comment="同意")["status"] == "completed"
    both = mine(c, serial)
    assert sorted((e["stage"], e["times"]) for e in both) == [("accept", 1), ("finish", 2)]
    assert both[0]["stage"] == "finish"               # newest first
    # rating one leaves the other one due
    assert rate(c, first["id"], level="satisfied").status_code == 200
    assert {e["stage"]: e["status"] for e in mine(c, serial)} == {"accept": "rated", "finish": "pending"}


# ---------------------------------------------------------------- the rating itself


def test_bad_ratings_need_a_reason_and_text_is_at_most_50(server, officer):
    c, serial = finished_immediate(server, officer)
    eid = the_evaluation(c, serial)["id"]
    for level in ("dissatisfied", "very_dissatisfied"):
        expect_error(rate(c, eid, level=level), 422, "EVALUATION_REASON_REQUIRED", "tags")
        expect_error(rate(c, eid, level=level, tags=[], content=" \u3000\t "), 422, "EVALUATION_REASON_REQUIRED")
    expect_error(rate(c, eid, level="dissatisfied", tags=["made_up"]), 400, "INVALID_FIELD", "tags")
    expect_error(rate(c, eid, level="satisfied", tags=["slow"]), 400, "INVALID_FIELD", "tags")
    expect_error(rate(c, eid, level="so_so"), 400, "INVALID_FIELD", "level")
    expect_error(rate(c, eid, level="satisfied", channel="default"), 400, "INVALID_FIELD", "channel")
    expect_error(rate(c, eid, level="satisfied", content="慢" * 51), 400, "INVALID_FIELD", "content")
    expect_error(rate(c, eid, content="好"), 400, "FIELD_REQUIRED", "level")
    assert the_evaluation(c, serial)["status"] == "pending"   # nothing stored by the refusals
    # a reason as text alone, or as tags alone, is enough; 50 characters pass
    r = rate(c, eid, level="dissatisfied", content="等" * 50)
    assert r.status_code == 200, r.text
    e = r.json()
    assert e["level"] == "dissatisfied" and e["level_name"] == "不满意" and e["satisfaction_code"] == 4
    assert e["channel"] == "pc" and e["content"] == "等" * 50 and e["review"] == "pending"
    r = rate(c, eid, level="very_dissatisfied", tags=["slow", "attitude", "slow"], channel="mobile")
    assert r.status_code == 200, r.text
    e = r.json()
    assert [t["key"] for t in e["tags"]] == ["slow", "attitude"] and e["satisfaction_code"] == 5
    assert e["channel_name"] == "移动服务端" and e["review"] == "none"   # no text left to review


def test_change_and_follow_up(server, officer):
    c, serial = finished_immediate(server, officer)
    eid = the_evaluation(c, serial)["id"]
    expect_error(c.post(f"/api/v1/me/evaluations/{eid}/followup", json={"content": "补充"}), 409, "CONFLICT")
    first = rate(c, eid, level="satisfied", content="窗口热情").json()
    assert first["changes"] == 0 and first["can_follow_up"] is True
    changed = rate(c, eid, level="very_satisfied", content="窗口热情，办理很快").json()
    assert changed["level"] == "very_satisfied" and changed["changes"] == 1
    expect_error(c.post(f"/api/v1/me/evaluations/{eid}/followup", json={"content": "好" * 51}), 400,
                 "INVALID_FIELD", "content")
    r = c.post(f"/api/v1/me/evaluations/{eid}/followup", json={"content": "证件已收到，质量很好"})
    assert r.status_code == 200, r.text
    e = r.json()
    assert e["followup"] == "证件已收到，质量很好" and e["followup_at"] and e["review"] == "pending"
    assert e["can_follow_up"] is False
    expect_error(c.post(f"/api/v1/me/evaluations/{eid}/followup", json={"content": "再补充"}), 409, "CONFLICT")
    acts = audit_actions(server, f"evaluation:{eid}")
    assert acts[:1] == ["evaluation.due"] and "evaluation.rate" in acts and "evaluation.change" in acts \
        and "evaluation.followup" in acts, acts


def test_unrated_after_seven_days_becomes_basic_on_the_default_channel(server, officer):
    c, s_old = finished_immediate(server, officer)
    _, s_young = finished_immediate(server, officer, c)
    old, young = the_evaluation(c, s_old)["id"], the_evaluation(c, s_young)["id"]
    now = int(time.time())
    server.sql("UPDATE evaluations SET created_at = ? WHERE id = ?", (now - 7 * DAY - 60, old))
    server.sql("UPDATE evaluations SET created_at = ? WHERE id = ?", (now - 6 * DAY, young))
    e = poll(lambda: (lambda x: x if x["status"] == "rated" else None)(the_evaluation(c, s_old)), timeout=30)
    assert e and e["level"] == "basic" and e["level_name"] == "基本满意" and e["channel"] == "default"
    assert e["channel_name"] == "系统默认评价" and e["is_default"] is True and e["satisfaction_code"] == 3
    time.sleep(1)
    assert the_evaluation(c, s_young)["status"] == "pending"       # six days are not enough
    assert "evaluation.default" in audit_actions(server, f"evaluation:{old}")
    # the citizen may still give a real rating afterwards
    assert rate(c, old, level="satisfied").json()["is_default"] is False


# ---------------------------------------------------------------- review, verification, rectification


def test_text_is_shown_only_after_review(server, officer, supervisor):
    c, serial = finished_immediate(server, officer)
    eid = the_evaluation(c, serial)["id"]
    words = "审核测试" + uuid.uuid4().hex[:8]
    assert rate(c, eid, level="satisfied", content=words).status_code == 200

    def public():
        r = Client(server.base).get(f"/api/v1/matters/{HUKOU_BOOK}/evaluations")
        assert r.status_code == 200, r.text
        return r.json()

    assert all(words not in x["content"] for x in public()["comments"])
    e = supervisor.get(f"/api/v1/work/evaluations/{eid}").json()
    assert e["review"] == "pending"
    due = e["review_due_at"]
    assert due and abs(_epoch(due) - (_epoch(e["rated_at"]) + 15 * DAY)) <= 5, e
    expect_error(supervisor.post(f"/api/v1/work/evaluations/{eid}/review", json={"decision": "rejected"}),
                 400, "FIELD_REQUIRED", "note")
    expect_error(supervisor.post(f"/api/v1/work/evaluations/{eid}/review", json={"decision": "maybe"}),
                 400, "INVALID_FIELD", "decision")
    r = supervisor.post(f"/api/v1/work/evaluations/{eid}/review", json={"decision": "approved"})
    assert r.status_code == 200 and r.json()["review"] == "approved", r.text
    expect_error(supervisor.post(f"/api/v1/work/evaluations/{eid}/review", json={"decision": "approved"}),
                 409, "CONFLICT")
    doc = public()
    shown = [x for x in doc["comments"] if x["content"] == words]
    assert shown and shown[0]["level_name"] == "满意"
    text = str(doc)
    assert serial not in text and c.name not in text and c.phone not in text   # no personal data
    # a rejected text stays hidden
    c2, s2 = finished_immediate(server, officer)
    e2 = the_evaluation(c2, s2)["id"]
    hidden = "不公开" + uuid.uuid4().hex[:8]
    rate(c2, e2, level="basic", content=hidden)
    assert supervisor.post(f"/api/v1/work/evaluations/{e2}/review",
                           json={"decision": "rejected", "note": "含无关内容"}).status_code == 200
    assert all(hidden not in x["content"] for x in public()["comments"])
    assert "evaluation.review" in audit_actions(server, f"evaluation:{eid}")


def _epoch(iso):
    import datetime
    return int(datetime.datetime.fromisoformat(iso).timestamp())


def test_verified_bad_rating_is_rectified_and_the_rater_told(server, officer, supervisor):
    c, serial = finished_immediate(server, officer)
    eid = the_evaluation(c, serial)["id"]
    assert rate(c, eid, level="dissatisfied", tags=["slow"], content="等了很久").status_code == 200
    listed = supervisor.get("/api/v1/work/evaluations", params={"verify": "unverified", "serial": serial}).json()
    assert [x["id"] for x in listed["items"]] == [eid] and listed["items"][0]["rater"] != c.name
    assert "*" in listed["items"][0]["rater"]
    expect_error(supervisor.post(f"/api/v1/work/evaluations/{eid}/verify", json={"result": "verified"}),
                 400, "FIELD_REQUIRED", "note")
    before = int(time.time())
    r = supervisor.post(f"/api/v1/work/evaluations/{eid}/verify",
                        json={"result": "verified", "note": "经调查属实", "requirement": "优化窗口排队"})
    assert r.status_code == 200, r.text
    rect = r.json()["rectification"]
    assert rect["status"] == "open" and rect["requirement"] == "优化窗口排队"
    due = _epoch(rect["due_at"])
    assert before + 15 * DAY - 5 <= due <= int(time.time()) + 15 * DAY + 5, rect
    expect_error(supervisor.post(f"/api/v1/work/evaluations/{eid}/verify", json={"result": "verified", "note": "x"}),
                 409, "CONFLICT")
    # a verified rating cannot be changed any more
    expect_error(rate(c, eid, level="very_satisfied"), 409, "EVALUATION_LOCKED")
    tasks = supervisor.get("/api/v1/work/rectifications", params={"status": "open"}).json()["items"]
    task = [t for t in tasks if t["evaluation_id"] == eid]
    assert task and task[0]["evaluation"]["serial"] == serial
    rid = rect["id"]
    # extension: later than the current deadline, with a reason; the rater is told
    expect_error(supervisor.post(f"/api/v1/work/rectifications/{rid}/extend",
                                 json={"reason": "需协调", "due_date": "2020-01-01"}), 400, "INVALID_FIELD", "due_date")
    expect_error(supervisor.post(f"/api/v1/work/rectifications/{rid}/extend", json={"due_date": "2099-01-01"}),
                 400, "FIELD_REQUIRED", "reason")
    import datetime
    new_due = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    r = supervisor.post(f"/api/v1/work/rectifications/{rid}/extend",
                        json={"reason": "需要更换排队叫号设备", "due_date": new_due})
    assert r.status_code == 200, r.text
    x = r.json()
    assert x["status"] == "extended" and x["due_at"].startswith(new_due) and x["original_due_at"] == rect["due_at"]
    assert x["extension_reason"] == "需要更换排队叫号设备"
    assert poll(lambda: [m for m in sms_outbox(server.base, c.phone) if "延至" in m["text"] and serial in m["text"]])
    # the fix and the feedback
    expect_error(supervisor.post(f"/api/v1/work/rectifications/{rid}/complete", json={"fix": "已更换"}),
                 400, "FIELD_REQUIRED", "feedback")
    r = supervisor.post(f"/api/v1/work/rectifications/{rid}/complete",
                        json={"fix": "更换叫号设备并增开窗口", "feedback": "已增开窗口，等候时间缩短"})
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["done_at"], r.text
    expect_error(supervisor.post(f"/api/v1/work/rectifications/{rid}/complete",
                                 json={"fix": "x", "feedback": "y"}), 409, "CONFLICT")
    sms = poll(lambda: [m for m in sms_outbox(server.base, c.phone) if "已增开窗口，等候时间缩短" in m["text"]])
    assert sms and serial in sms[0]["text"]
    inbox = c.get("/api/v1/me/messages").json()["items"]
    assert [m for m in inbox if m["kind"] == "evaluation" and "已增开窗口" in m["body"]]
    mine_now = c.get(f"/api/v1/me/evaluations/{eid}").json()
    assert mine_now["rectification"]["feedback"] == "已增开窗口，等候时间缩短"
    assert mine_now["rectification"]["status"] == "done"
    assert "fix" not in mine_now["rectification"] and "verify_note" not in mine_now   # internal notes stay inside
    acts = audit_actions(server, f"rectification:{rid}")
    assert acts == ["evaluation.rectification.open", "evaluation.rectification.extend",
                    "evaluation.rectification.done"], acts
    assert "evaluation.verify" in audit_actions(server, f"evaluation:{eid}")


def test_rectification_period_is_fifteen_days_and_good_ratings_need_no_verification(server, officer, supervisor):
    c, serial = finished_immediate(server, officer)
    eid = the_evaluation(c, serial)["id"]
    rate(c, eid, level="satisfied")
    expect_error(supervisor.post(f"/api/v1/work/evaluations/{eid}/verify",
                                 json={"result": "verified", "note": "x"}), 409, "CONFLICT")
    c2, s2 = finished_immediate(server, officer)
    e2 = the_evaluation(c2, s2)["id"]
    rate(c2, e2, level="very_dissatisfied", tags=["attitude"])
    r = supervisor.post(f"/api/v1/work/evaluations/{e2}/verify", json={"result": "unfounded", "note": "查无此事"})
    assert r.status_code == 200 and r.json()["verify"] == "unfounded" and r.json()["rectification"] is None
    # an unfounded rating can still be changed by the citizen (it is not locked)
    assert rate(c2, e2, level="basic").status_code == 200


# ---------------------------------------------------------------- aggregates and export


def _agg(server):
    r = Client(server.base).get(f"/api/v1/matters/{HUKOU_BOOK}/evaluations")
    assert r.status_code == 200, r.text
    return r.json()


def test_aggregates_per_matter_department_and_region(server, officer, supervisor, far_supervisor):
    before = _agg(server)
    stats_before = supervisor.get("/api/v1/work/evaluations/stats", params={"by": "matter"}).json()
    pairs = [("very_satisfied", {}), ("very_satisfied", {}), ("dissatisfied", {"tags": ["guide"]})]
    for level, extra in pairs:
        c, serial = finished_immediate(server, officer)
        assert rate(c, the_evaluation(c, serial)["id"], level=level, **extra).status_code == 200
    after = _agg(server)
    assert after["total"] == before["total"] + 3
    assert after["counts"]["very_satisfied"] == before["counts"]["very_satisfied"] + 2
    assert after["counts"]["dissatisfied"] == before["counts"]["dissatisfied"] + 1
    good = sum(after["counts"][k] for k in ("very_satisfied", "satisfied", "basic"))
    assert after["satisfaction_rate"] == pytest.approx(good / after["total"], abs=1e-4)
    assert [x["code"] for x in after["levels"]] == [1, 2, 3, 4, 5]

    def row(doc, key):
        return next((x for x in doc["items"] if x["key"] == key), None)

    stats = supervisor.get("/api/v1/work/evaluations/stats", params={"by": "matter"}).json()
    old = row(stats_before, HUKOU_BOOK) or {"total": 0}
    assert row(stats, HUKOU_BOOK)["total"] == old["total"] + 3 and row(stats, HUKOU_BOOK)["name"] == "户口簿补领"
    assert stats["overall"]["total"] == sum(x["total"] for x in stats["items"])
    dept = supervisor.get("/api/v1/work/evaluations/stats", params={"by": "department"}).json()
    assert [x["name"] for x in dept["items"]] == [DAOLI]          # the supervisor's scope: 道里分局 only
    region = supervisor.get("/api/v1/work/evaluations/stats", params={"by": "region"}).json()
    assert row(region, "230102")["name"] == "道里区"
    assert row(region, "230102")["total"] == dept["items"][0]["total"]
    narrowed = supervisor.get("/api/v1/work/evaluations/stats", params={"by": "region", "region": "230100"}).json()
    assert narrowed["overall"]["total"] == region["overall"]["total"]
    assert far_supervisor.get("/api/v1/work/evaluations/stats", params={"by": "department"}).json()["items"] == []
    expect_error(supervisor.get("/api/v1/work/evaluations/stats", params={"by": "weather"}), 400, "INVALID_FIELD", "by")
    expect_error(Client(server.base).get("/api/v1/matters/NOPE/evaluations"), 404, "MATTER_NOT_FOUND")


def test_export_has_the_table_9_shape_with_masked_raters(server, officer, supervisor):
    c, serial = finished_immediate(server, officer)
    eid = the_evaluation(c, serial)["id"]
    rate(c, eid, level="dissatisfied", tags=["slow"], content="=SUM(1,2) 排队久", channel="hall_tablet")
    r = supervisor.get("/api/v1/work/evaluations/export", params={"format": "json", "serial": serial})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert [f["name"] for f in doc["fields"]] == ["办件编号", "评价渠道", "评价人", "评价时间", "评价次数", "满意度代码",
                                                 "文字评价", "行政区划"]
    assert len(doc["items"]) == 1
    it = doc["items"][0]
    assert it["serial"] == serial and it["channel"] == "政务大厅平板电脑" and it["satisfaction_code"] == 4
    assert it["times"] == 1 and it["region"] == "230102" and re.fullmatch(r"\d{8}T\d{6}", it["rated_at"])
    assert it["rater"] != c.name and "*" in it["rater"] and it["rater"][0] == c.name[0]
    assert c.phone not in r.text
    names = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    every = supervisor.get("/api/v1/work/evaluations/export", params={"format": "json"}).json()["items"]
    assert every and all(x["satisfaction_code"] == names.index(x["level_name"]) + 1 for x in every)
    r = supervisor.get("/api/v1/work/evaluations/export", params={"format": "csv", "serial": serial})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["办件编号", "评价渠道", "评价人", "评价时间", "评价次数", "满意度代码", "文字评价", "行政区划"]
    assert rows[1][0] == serial and rows[1][5] == "4" and rows[1][1] == "政务大厅平板电脑"
    assert rows[1][6].startswith("'=")                 # no formula reaches a spreadsheet
    assert c.name not in r.text
    expect_error(supervisor.get("/api/v1/work/evaluations/export", params={"format": "xml"}), 400, "INVALID_FIELD")
    assert server.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'evaluation.export'")[0][0] >= 2


# ---------------------------------------------------------------- who may see and do what


def test_owner_only_and_paged_newest_first(server, officer):
    c, s1 = finished_immediate(server, officer)
    _, s2 = finished_immediate(server, officer, c)
    _, s3 = finished_immediate(server, officer, c)
    page1 = c.get("/api/v1/me/evaluations", params={"page": 1, "page_size": 2}).json()
    page2 = c.get("/api/v1/me/evaluations", params={"page": 2, "page_size": 2}).json()
    assert page1["total"] == 3 and [e["serial"] for e in page1["items"] + page2["items"]] == [s3, s2, s1]
    eid = page1["items"][0]["id"]
    other = make_citizen(server.base)
    expect_error(other.get(f"/api/v1/me/evaluations/{eid}"), 404, "EVALUATION_NOT_FOUND")
    expect_error(rate(other, eid, level="very_dissatisfied", tags=["fee"]), 404, "EVALUATION_NOT_FOUND")
    expect_error(other.post(f"/api/v1/me/evaluations/{eid}/followup", json={"content": "x"}), 404,
                 "EVALUATION_NOT_FOUND")
    assert other.get("/api/v1/me/evaluations", params={"serial": s3}).json() == {"items": [], "total": 0}
    assert c.get(f"/api/v1/me/evaluations/{eid}").json()["status"] == "pending"   # untouched
    expect_error(Client(server.base).get("/api/v1/me/evaluations"), 401, "UNAUTHENTICATED")
    expect_error(c.get("/api/v1/me/evaluations/abc"), 404, "EVALUATION_NOT_FOUND")


def test_staff_permissions_and_department_scope(server, officer, supervisor, far_supervisor):
    c, serial = finished_immediate(server, officer)
    eid = the_evaluation(c, serial)["id"]
    rate(c, eid, level="very_dissatisfied", tags=["attitude"], content="态度差")
    for path in ("/api/v1/work/evaluations", f"/api/v1/work/evaluations/{eid}", "/api/v1/work/evaluations/stats",
                 "/api/v1/work/evaluations/export", "/api/v1/work/rectifications"):
        expect_error(officer.get(path), 403, "FORBIDDEN")            # an accept officer holds no evaluation.*
        expect_error(c.get(path), 401, "UNAUTHENTICATED")            # citizens are another realm
    expect_error(officer.post(f"/api/v1/work/evaluations/{eid}/verify", json={"result": "verified", "note": "x"}),
                 403, "FORBIDDEN")
    # another department's supervisor sees nothing of it
    expect_error(far_supervisor.get(f"/api/v1/work/evaluations/{eid}"), 404, "EVALUATION_NOT_FOUND")
    expect_error(far_supervisor.post(f"/api/v1/work/evaluations/{eid}/verify",
                                     json={"result": "verified", "note": "x"}), 404, "EVALUATION_NOT_FOUND")
    expect_error(far_supervisor.post(f"/api/v1/work/evaluations/{eid}/review", json={"decision": "approved"}),
                 404, "EVALUATION_NOT_FOUND")
    assert far_supervisor.get("/api/v1/work/evaluations", params={"serial": serial}).json()["total"] == 0
    assert far_supervisor.get("/api/v1/work/evaluations/export",
                              params={"serial": serial}).json()["items"] == []
    r = supervisor.post(f"/api/v1/work/evaluations/{eid}/verify", json={"result": "verified", "note": "属实"})
    rid = r.json()["rectification"]["id"]
    expect_error(far_supervisor.get(f"/api/v1/work/rectifications/{rid}"), 404, "RECTIFICATION_NOT_FOUND")
    expect_error(far_supervisor.post(f"/api/v1/work/rectifications/{rid}/complete",
                                     json={"fix": "x", "feedback": "y"}), 404, "RECTIFICATION_NOT_FOUND")
    assert supervisor.get(f"/api/v1/work/rectifications/{rid}").json()["status"] == "open"
    # the vocabularies are public
    opts = Client(server.base).get("/api/v1/evaluation/options").json()
    assert [(x["key"], x["code"]) for x in opts["levels"]] == list(zip(LEVELS, [1, 2, 3, 4, 5]))
    assert [x["name"] for x in opts["channels"]] == ["PC端", "移动服务端", "二维码", "政务大厅平板电脑",
                                                     "政务大厅其他终端", "电话", "短信", "系统默认评价"]
    assert opts["text_max"] == 50 and len(opts["tags"]) >= 5


def test_periods_are_configurable(tmp_path):
    """evaluation_default_days and evaluation_rectify_days (docs/operations.md) on a server of their own."""
    srv = Server(str(tmp_path), database=os.path.join(str(tmp_path), "periods.db"),
                 extra_env={"TONGBAN_EVALUATION_DEFAULT_DAYS": "3", "TONGBAN_EVALUATION_RECTIFY_DAYS": "20",
                            "TONGBAN_EVALUATION_SWEEP_SECONDS": "1"})
    srv.start()
    try:
        off = signed_in_staff(srv, "accept_officer", DAOLI, "ev")
        sup = signed_in_staff(srv, "evaluation_supervisor", DAOLI, "ev")
        c, s1 = finished_immediate(srv, off)
        _, s2 = finished_immediate(srv, off, c)
        _, s3 = finished_immediate(srv, off, c)
        e1, e2, e3 = (the_evaluation(c, s) for s in (s1, s2, s3))
        assert _epoch(e1["default_at"]) - _epoch(e1["created_at"]) == 3 * DAY
        now = int(time.time())
        srv.sql("UPDATE evaluations SET created_at = ? WHERE id = ?", (now - 3 * DAY - 60, e1["id"]))
        srv.sql("UPDATE evaluations SET created_at = ? WHERE id = ?", (now - 2 * DAY, e2["id"]))
        done = poll(lambda: the_evaluation(c, s1)["is_default"], timeout=15)
        assert done and the_evaluation(c, s1)["level"] == "basic"
        time.sleep(1.5)
        assert the_evaluation(c, s2)["status"] == "pending"
        rate(c, e3["id"], level="dissatisfied", tags=["repeat"])
        before = int(time.time())
        r = sup.post(f"/api/v1/work/evaluations/{e3['id']}/verify", json={"result": "verified", "note": "属实"})
        assert r.status_code == 200, r.text
        due = _epoch(r.json()["rectification"]["due_at"])
        assert before + 20 * DAY - 5 <= due <= int(time.time()) + 20 * DAY + 5
    finally:
        srv.stop()
