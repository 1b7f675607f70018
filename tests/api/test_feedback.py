"""Consultations, complaints and suggestions (§1-1-3-7-4-3/4/5, §2-1-6-3):
citizens submit and read their own (IDOR → 404), staff reply to
consultations and suggestions, complaints follow 登记 → 调查 → 审核 →
(批示) → 办结 in that order (a wrong step is CONFLICT) with a permission per
step and the data scope by department, every step audited; at the
conclusion the citizen gets an in-app message and an SMS, and reads the
conclusion only after the SMS second factor; complaints typed in from
phone calls and visits; deadlines and overdue flags; statistics per
department and officer."""
import datetime
import time

import pytest

from conftest import (TZ8, Client, expect_error, latest_code, make_citizen, poll, signed_in_staff, sms_outbox,
                      staff_fixture)
from test_account import elevate

DAOLI = "哈尔滨市公安局道里分局"
NANGANG = "哈尔滨市公安局南岗分局"
PINGFANG = "哈尔滨市公安局平房分局"   # used by the statistics test only
PASSPORT = "11230000MB1917443F000117004000"


# ---------------------------------------------------------------- helpers

def staff(server, role, department=None):
    return signed_in_staff(server, role, department, "fb")


@pytest.fixture(scope="module")
def depts(server):
    r = Client(server.base).get("/api/v1/feedback/departments")
    assert r.status_code == 200, r.text
    return {d["name"]: d for d in r.json()["items"]}


officer = staff_fixture("complaint_officer", DAOLI, "fb")
reviewer = staff_fixture("complaint_reviewer", DAOLI, "fb")
far_officer = staff_fixture("complaint_officer", NANGANG, "fb")
plain_officer = staff_fixture("accept_officer", DAOLI, "fb")     # without any feedback permission


def body(depts, dept=DAOLI, **kw):
    b = {"title": "办理护照排队时间过长", "content": "上午九点到窗口，等了三个小时仍未办理，希望改进。",
         "department_id": depts[dept]["id"]}
    b.update(kw)
    return b


def submit(citizen, kind, depts, **kw):
    r = citizen.post(f"/api/v1/me/{kind}s", json=body(depts, **kw))
    assert r.status_code == 201, r.text
    return r.json()


def step(client, fid, what, status=200, **kw):
    payload = {"opinion": f"{what} 意见"}
    payload.update(kw)
    r = client.post(f"/api/v1/work/complaints/{fid}/{what}", json=payload)
    assert r.status_code == status, f"{what}: {r.status_code} {r.text[:300]}"
    return r


def audit_rows(server, fid):
    return server.sql("SELECT action, result, realm, actor FROM audit_log WHERE object = ? ORDER BY id",
                      (f"feedback:{fid}",))


def drive_to_reviewed(officer, reviewer, fid):
    step(officer, fid, "register")
    step(officer, fid, "investigate")
    step(reviewer, fid, "review")


# ---------------------------------------------------------------- departments, submission, bad input

def test_department_list_is_public_and_a_tree(depts):
    d = depts[DAOLI]
    parent = [x for x in depts.values() if x["id"] == d["parent_id"]]
    assert parent and parent[0]["name"] == "哈尔滨市公安局"
    assert depts["黑龙江省公安厅"]["parent_id"] is None


@pytest.mark.parametrize("kind", ["consultation", "complaint", "suggestion"])
def test_submit_each_kind(citizen, depts, kind):
    f = submit(citizen, kind, depts, matter_code=PASSPORT, email="a.reader@example.com")
    assert f["kind"] == kind and f["status"] == "submitted" and f["channel"] == "web"
    assert f["department"] == {"id": depts[DAOLI]["id"], "name": DAOLI}
    assert f["matter"]["code"] == PASSPORT and f["matter"]["name"]
    assert f["email"] == "a.reader@example.com"
    assert [s["step"] for s in f["steps"]] == ["submit"]
    created = datetime.datetime.fromisoformat(f["created_at"])
    due = datetime.datetime.fromisoformat(f["due_at"])
    days = {"consultation": 5, "suggestion": 10, "complaint": 15}[kind]
    # N working days: at least N + 2*(N//5) - 4 natural days (weekends), and not absurdly more
    assert days + 2 * (days // 5) - 4 <= (due - created).days <= days * 3, (created, due)


def test_submit_without_optional_fields(citizen, depts):
    f = submit(citizen, "suggestion", depts)
    assert f["matter"] is None and f["email"] is None


def test_bad_input(citizen, depts, anon):
    p = "/api/v1/me/complaints"
    ok = body(depts)
    expect_error(anon.post(p, json=ok), 401, "UNAUTHENTICATED")
    for field in ("title", "content", "department_id"):
        b = dict(ok)
        del b[field]
        expect_error(citizen.post(p, json=b), 400, "FIELD_REQUIRED", field)
    expect_error(citizen.post(p, json=dict(ok, title="短")), 400, "INVALID_FIELD", "title")
    expect_error(citizen.post(p, json=dict(ok, title="长" * 51)), 400, "INVALID_FIELD", "title")
    expect_error(citizen.post(p, json=dict(ok, content="太短")), 400, "INVALID_FIELD", "content")
    expect_error(citizen.post(p, json=dict(ok, content="字" * 2001)), 400, "INVALID_FIELD", "content")
    expect_error(citizen.post(p, json=dict(ok, email="not-an-email")), 400, "INVALID_FIELD", "email")
    expect_error(citizen.post(p, json=dict(ok, department_id=99999999)), 404, "DEPARTMENT_NOT_FOUND",
                 "department_id")
    expect_error(citizen.post(p, json=dict(ok, matter_code="NO-SUCH-MATTER")), 404, "MATTER_NOT_FOUND", "matter_code")
    expect_error(citizen.post(p, json=dict(ok, channel="phone")), 400, "INVALID_FIELD", "channel")
    expect_error(citizen.post(p, json=dict(ok, status="concluded")), 400, "UNKNOWN_FIELD", "status")
    expect_error(citizen.post(p, json=dict(ok, department_id="道里")), 400, "WRONG_TYPE", "department_id")
    # the longest accepted title and content
    r = citizen.post(p, json=dict(ok, title="长" * 50, content="字" * 2000, channel="mobile"))
    assert r.status_code == 201 and r.json()["channel"] == "mobile", r.text
    # nothing of the refused ones was stored
    assert citizen.get("/api/v1/me/complaints").json()["total"] == 1


def test_lists_newest_first_paged_and_by_kind(citizen_factory, depts):
    c = citizen_factory()
    ids = [submit(c, "consultation", depts, title=f"咨询第{i}条")["id"] for i in range(3)]
    submit(c, "suggestion", depts)
    r = c.get("/api/v1/me/consultations", params={"page": 1, "page_size": 2})
    assert r.status_code == 200
    doc = r.json()
    assert doc["total"] == 3 and [i["id"] for i in doc["items"]] == [ids[2], ids[1]]
    doc = c.get("/api/v1/me/consultations", params={"page": 2, "page_size": 2}).json()
    assert [i["id"] for i in doc["items"]] == [ids[0]]
    assert c.get("/api/v1/me/suggestions").json()["total"] == 1
    assert c.get("/api/v1/me/complaints").json()["total"] == 0
    expect_error(c.get("/api/v1/me/consultations", params={"page_size": 1000}), 400, "INVALID_FIELD")


def test_owner_only(citizen_factory, depts):
    owner, other = citizen_factory(), citizen_factory()
    comp = submit(owner, "complaint", depts)
    cons = submit(owner, "consultation", depts)
    assert owner.get(f"/api/v1/me/complaints/{comp['id']}").status_code == 200
    expect_error(other.get(f"/api/v1/me/complaints/{comp['id']}"), 404, "FEEDBACK_NOT_FOUND")
    expect_error(other.get(f"/api/v1/me/complaints/{comp['id']}/conclusion"), 404, "FEEDBACK_NOT_FOUND")
    expect_error(other.get(f"/api/v1/me/consultations/{cons['id']}"), 404, "FEEDBACK_NOT_FOUND")
    # the wrong kind's path does not show it either
    expect_error(owner.get(f"/api/v1/me/consultations/{comp['id']}"), 404, "FEEDBACK_NOT_FOUND")
    expect_error(owner.get("/api/v1/me/complaints/abc"), 404, "FEEDBACK_NOT_FOUND")
    assert other.get("/api/v1/me/complaints").json()["total"] == 0


# ---------------------------------------------------------------- replies to consultations and suggestions

def test_reply_to_consultation_notifies_the_citizen(server, citizen, depts, officer, reviewer, far_officer):
    f = submit(citizen, "consultation", depts)
    p = f"/api/v1/work/feedback/{f['id']}/reply"
    expect_error(reviewer.post(p, json={"reply": "答复"}), 403, "FORBIDDEN")
    expect_error(far_officer.post(p, json={"reply": "答复"}), 404, "FEEDBACK_NOT_FOUND")
    expect_error(officer.post(p, json={}), 400, "FIELD_REQUIRED", "reply")
    expect_error(officer.post(p, json={"reply": "长" * 2001}), 400, "INVALID_FIELD", "reply")
    r = officer.post(p, json={"reply": "请携带身份证原件到出入境窗口办理。"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "replied" and r.json()["actions"] == []
    expect_error(officer.post(p, json={"reply": "再答复一次"}), 409, "CONFLICT")
    mine = citizen.get(f"/api/v1/me/consultations/{f['id']}").json()
    assert mine["status"] == "replied" and mine["reply"] == "请携带身份证原件到出入境窗口办理。"
    assert [s["step"] for s in mine["steps"]] == ["submit", "reply"]
    msgs = citizen.get("/api/v1/me/messages").json()["items"]
    assert any(m["kind"] == "consultation" and m["link"] == f"/my/consultations/{f['id']}" for m in msgs), msgs
    assert poll(lambda: [m for m in sms_outbox(server.base, citizen.phone) if "已有答复" in m["text"]])
    assert [a[0] for a in audit_rows(server, f["id"])] == ["consultation.submit", "consultation.reply"]


def test_suggestion_and_its_reply_need_the_second_factor(server, citizen_factory, depts, officer):
    c, other = citizen_factory(), citizen_factory()
    s = submit(c, "suggestion", depts)
    assert officer.post(f"/api/v1/work/feedback/{s['id']}/reply", json={"reply": "感谢建议，已采纳。"}).status_code == 200
    assert c.get("/api/v1/me/suggestions").json()["items"][0]["status"] == "replied"  # the list stays open
    expect_error(c.get(f"/api/v1/me/suggestions/{s['id']}"), 403, "ELEVATION_REQUIRED")
    expect_error(other.get(f"/api/v1/me/suggestions/{s['id']}"), 404, "FEEDBACK_NOT_FOUND")  # not yours: not there
    elevate(c)
    r = c.get(f"/api/v1/me/suggestions/{s['id']}")
    assert r.status_code == 200 and r.json()["reply"] == "感谢建议，已采纳。"


def test_complaints_are_not_replied_directly(citizen, depts, officer):
    f = submit(citizen, "complaint", depts)
    expect_error(officer.post(f"/api/v1/work/feedback/{f['id']}/reply", json={"reply": "答复"}), 409, "CONFLICT")
    s = submit(citizen, "suggestion", depts)
    expect_error(officer.post(f"/api/v1/work/complaints/{s['id']}/register", json={"opinion": "登记"}), 409,
                 "CONFLICT")


# ---------------------------------------------------------------- complaint steps

def test_step_order_is_enforced(citizen, depts, officer, reviewer):
    fid = submit(citizen, "complaint", depts)["id"]
    step(officer, fid, "investigate", 409)
    step(reviewer, fid, "review", 409)
    step(officer, fid, "conclude", 409, finding="founded")
    step(officer, fid, "register")
    step(officer, fid, "register", 409)
    step(reviewer, fid, "review", 409)
    step(reviewer, fid, "instruct", 409)
    step(officer, fid, "investigate")
    step(officer, fid, "conclude", 409, finding="founded")
    step(reviewer, fid, "review")
    step(reviewer, fid, "review", 409)
    d = officer.get(f"/api/v1/work/feedback/{fid}").json()
    assert d["status"] == "reviewed" and d["actions"] == ["conclude"]
    assert [s["step"] for s in d["steps"]] == ["submit", "register", "investigate", "review"]


def test_permissions_per_step(citizen, depts, officer, reviewer, plain_officer):
    fid = submit(citizen, "complaint", depts)["id"]
    expect_error(plain_officer.get("/api/v1/work/feedback"), 403, "FORBIDDEN")
    expect_error(plain_officer.get(f"/api/v1/work/feedback/{fid}"), 403, "FORBIDDEN")
    expect_error(step(reviewer, fid, "register", 403), 403, "FORBIDDEN")
    expect_error(step(plain_officer, fid, "register", 403), 403, "FORBIDDEN")
    step(officer, fid, "register")
    expect_error(step(reviewer, fid, "investigate", 403), 403, "FORBIDDEN")
    step(officer, fid, "investigate")
    expect_error(step(officer, fid, "review", 403), 403, "FORBIDDEN")
    step(reviewer, fid, "review")
    expect_error(step(officer, fid, "instruct", 403), 403, "FORBIDDEN")
    expect_error(step(reviewer, fid, "conclude", 403, finding="founded"), 403, "FORBIDDEN")
    expect_error(officer.get("/api/v1/work/complaint-stats"), 403, "FORBIDDEN")
    # the detail offers each viewer the actions of their own permissions
    assert officer.get(f"/api/v1/work/feedback/{fid}").json()["actions"] == ["conclude"]
    assert reviewer.get(f"/api/v1/work/feedback/{fid}").json()["actions"] == ["instruct"]


def test_data_scope_by_department(citizen, depts, officer, far_officer):
    fid = submit(citizen, "complaint", depts)["id"]
    ids = [i["id"] for i in far_officer.get("/api/v1/work/feedback", params={"page_size": 100}).json()["items"]]
    assert fid not in ids
    assert fid in [i["id"] for i in officer.get("/api/v1/work/feedback", params={"kind": "complaint",
                                                                                 "page_size": 100}).json()["items"]]
    expect_error(far_officer.get(f"/api/v1/work/feedback/{fid}"), 404, "FEEDBACK_NOT_FOUND")
    expect_error(step(far_officer, fid, "register", 404), 404, "FEEDBACK_NOT_FOUND")
    expect_error(officer.get("/api/v1/work/feedback/99999999"), 404, "FEEDBACK_NOT_FOUND")


def test_review_can_send_back(citizen, depts, officer, reviewer):
    fid = submit(citizen, "complaint", depts)["id"]
    step(officer, fid, "register")
    step(officer, fid, "investigate")
    r = step(reviewer, fid, "review", approved=False, opinion="证据不足，重新调查")
    assert r.json()["status"] == "registered"
    step(officer, fid, "investigate", opinion="补充调取了监控")
    step(reviewer, fid, "review")
    d = officer.get(f"/api/v1/work/feedback/{fid}").json()
    assert [s["step"] for s in d["steps"]] == ["submit", "register", "investigate", "return", "investigate", "review"]
    assert d["steps"][3]["opinion"] == "证据不足，重新调查"


def test_conclusion_input(citizen, depts, officer, reviewer):
    fid = submit(citizen, "complaint", depts)["id"]
    drive_to_reviewed(officer, reviewer, fid)
    expect_error(step(officer, fid, "conclude", 400), 400, "FIELD_REQUIRED", "finding")
    expect_error(step(officer, fid, "conclude", 400, finding="yes"), 400, "INVALID_FIELD", "finding")
    expect_error(step(officer, fid, "conclude", 404, finding="founded", target_staff_id=99999999), 404,
                 "STAFF_NOT_FOUND", "target_staff_id")
    expect_error(step(officer, fid, "conclude", 404, finding="founded", target_department_id=99999999), 404,
                 "DEPARTMENT_NOT_FOUND", "target_department_id")
    expect_error(officer.post(f"/api/v1/work/complaints/{fid}/conclude", json={"finding": "founded"}), 400,
                 "FIELD_REQUIRED", "opinion")
    assert officer.get(f"/api/v1/work/feedback/{fid}").json()["status"] == "reviewed"


def test_staff_views_mask_personal_data(citizen, depts, officer):
    fid = submit(citizen, "complaint", depts, email="zhang.san@example.com")["id"]
    items = officer.get("/api/v1/work/feedback", params={"kind": "complaint", "page_size": 100}).json()["items"]
    row = [i for i in items if i["id"] == fid][0]
    assert row["contact_name"] != citizen.name and row["contact_name"][0] == citizen.name[0]
    d = officer.get(f"/api/v1/work/feedback/{fid}").json()
    assert citizen.phone not in str(d) and citizen.id_number not in str(d) and "zhang.san@" not in str(d)
    assert d["contact_phone"][:3] == citizen.phone[:3] and "*" in d["contact_phone"]
    assert d["email"].startswith("z***@example.com")


def test_officers_of_a_department_for_the_conclusion(depts, officer, reviewer):
    r = officer.get("/api/v1/work/complaint-staff", params={"department_id": depts[DAOLI]["id"]})
    assert r.status_code == 200, r.text
    assert officer.staff_id in [s["id"] for s in r.json()["items"]]
    assert all(set(s) == {"id", "name"} for s in r.json()["items"])
    expect_error(officer.get("/api/v1/work/complaint-staff"), 400, "FIELD_REQUIRED", "department_id")
    expect_error(officer.get("/api/v1/work/complaint-staff", params={"department_id": 99999999}), 404,
                 "DEPARTMENT_NOT_FOUND")
    expect_error(reviewer.get("/api/v1/work/complaint-staff", params={"department_id": depts[DAOLI]["id"]}), 403,
                 "FORBIDDEN")


# ---------------------------------------------------------------- deadlines

def test_overdue_flag_and_filter(server, citizen, depts, officer):
    fid = submit(citizen, "consultation", depts)["id"]
    row = [i for i in officer.get("/api/v1/work/feedback", params={"kind": "consultation", "status": "open",
                                                                  "page_size": 100}).json()["items"]
           if i["id"] == fid][0]
    assert row["overdue"] is False and row["days_left"] >= 1
    server.sql("UPDATE feedback SET due_at = ? WHERE id = ?", (int(time.time()) - 3 * 86400, fid))
    overdue = officer.get("/api/v1/work/feedback", params={"overdue": 1, "page_size": 100}).json()["items"]
    row = [i for i in overdue if i["id"] == fid][0]
    assert row["overdue"] is True and row["days_left"] < 0
    assert all(i["overdue"] for i in overdue)
    officer.post(f"/api/v1/work/feedback/{fid}/reply", json={"reply": "已答复"})
    overdue = officer.get("/api/v1/work/feedback", params={"overdue": 1, "page_size": 100}).json()["items"]
    assert fid not in [i["id"] for i in overdue]
    expect_error(officer.get("/api/v1/work/feedback", params={"kind": "letter"}), 400, "INVALID_FIELD", "kind")
    expect_error(officer.get("/api/v1/work/feedback", params={"status": "lost"}), 400, "INVALID_FIELD", "status")


# ---------------------------------------------------------------- phone and visit complaints

def test_phone_complaint_typed_by_staff(server, depts, officer, reviewer, far_officer):
    from conftest import new_phone
    phone = new_phone()
    p = "/api/v1/work/complaints"
    ok = {"channel": "phone", "title": "来电投诉窗口态度", "content": "来电反映窗口民警态度生硬。", "department_id":
          depts[DAOLI]["id"], "contact_name": "赵女士", "contact_phone": phone}
    expect_error(officer.post(p, json=dict(ok, channel="web")), 400, "INVALID_FIELD", "channel")
    expect_error(officer.post(p, json=dict(ok, contact_phone="123")), 400, "INVALID_PHONE", "contact_phone")
    expect_error(officer.post(p, json={k: v for k, v in ok.items() if k != "contact_name"}), 400, "FIELD_REQUIRED",
                 "contact_name")
    expect_error(far_officer.post(p, json=ok), 404, "DEPARTMENT_NOT_FOUND", "department_id")
    expect_error(reviewer.post(p, json=ok), 403, "FORBIDDEN")
    r = officer.post(p, json=ok)
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["channel"] == "phone" and f["status"] == "submitted" and f["citizen_account"] is False
    assert f["steps"][0]["step"] == "typed" and f["steps"][0]["actor_realm"] == "staff"
    fid = f["id"]
    assert fid in [i["id"] for i in officer.get("/api/v1/work/feedback", params={"channel": "phone",
                                                                                 "page_size": 100}).json()["items"]]
    drive_to_reviewed(officer, reviewer, fid)
    step(officer, fid, "conclude", finding="unfounded", opinion="经调查，窗口民警按规定办理。")
    sms = poll(lambda: [m for m in sms_outbox(server.base, phone) if "已办结" in m["text"]])
    assert sms and "不成立" in sms[0]["text"]
    # a visit without a phone is concluded without any message
    v = officer.post(p, json=dict({k: v for k, v in ok.items() if k != "contact_phone"}, channel="visit"))
    assert v.status_code == 201 and v.json()["channel"] == "visit" and v.json()["contact_phone"] is None


# ---------------------------------------------------------------- statistics

def test_statistics_per_department_and_officer(server, citizen, depts):
    handler = staff(server, "complaint_officer", PINGFANG)
    lead = staff(server, "complaint_reviewer", PINGFANG)
    accused = staff(server, "accept_officer", PINGFANG)
    far = staff(server, "complaint_reviewer", NANGANG)
    ids = [submit(citizen, "complaint", depts, dept=PINGFANG, title=f"统计用投诉{i}")["id"] for i in range(3)]
    for fid, finding, who in ((ids[0], "founded", accused.staff_id), (ids[1], "unfounded", None)):
        drive_to_reviewed(handler, lead, fid)
        extra = {"target_staff_id": who} if who else {}
        step(handler, fid, "conclude", finding=finding, **extra)
    server.sql("UPDATE feedback SET created_at = concluded_at - ? WHERE id = ?", (2 * 86400, ids[0]))
    server.sql("UPDATE feedback SET created_at = concluded_at - ? WHERE id = ?", (5 * 86400, ids[1]))
    r = lead.get("/api/v1/work/complaint-stats")
    assert r.status_code == 200, r.text
    doc = r.json()
    row = [d for d in doc["departments"] if d["department_name"] == PINGFANG]
    assert row, doc
    row = row[0]
    assert (row["received"], row["concluded"], row["founded"], row["partly"], row["unfounded"]) == (3, 2, 1, 0, 1)
    assert row["avg_handling_days"] == 3.5
    off = [o for o in doc["officers"] if o["staff_id"] == accused.staff_id]
    assert off and off[0]["received"] == 1 and off[0]["founded"] == 1 and off[0]["avg_handling_days"] == 2.0
    assert off[0]["department_name"] == PINGFANG
    # another department's reviewer does not see these rows
    far_doc = far.get("/api/v1/work/complaint-stats").json()
    assert PINGFANG not in [d["department_name"] for d in far_doc["departments"]]
    # the period: complaints created within [from, to]
    tomorrow = (datetime.datetime.now(TZ8) + datetime.timedelta(days=1)).strftime("%Y-%m-%d")
    later = lead.get("/api/v1/work/complaint-stats", params={"from": tomorrow}).json()
    assert PINGFANG not in [d["department_name"] for d in later["departments"]]
    expect_error(lead.get("/api/v1/work/complaint-stats", params={"from": "2026-13-01"}), 400, "INVALID_FIELD", "from")


# ---------------------------------------------------------------- the whole complaint, notice and second factor

@pytest.fixture(scope="module")
def complainant(server):
    """Registered when the module starts, so that by the last test its phone may get a new code."""
    c = make_citizen(server.base)
    c.registered_at = time.time()
    return c


def test_complaint_concluded_notice_audit_and_second_factor(server, complainant, depts, officer, reviewer):
    c = complainant
    accused = officer.staff_id
    fid = submit(c, "complaint", depts)["id"]
    step(officer, fid, "register", opinion="已登记，转道里分局调查")
    step(officer, fid, "investigate", opinion="调取排队记录，情况属实")
    step(reviewer, fid, "review", opinion="同意调查意见")
    step(reviewer, fid, "instruct", opinion="责成窗口改进排队引导")
    d = step(officer, fid, "conclude", finding="founded", target_staff_id=accused,
             opinion="投诉成立，已对窗口进行整改并向您致歉。").json()
    assert d["status"] == "concluded" and d["finding"] == {"code": "founded", "name": "成立"}
    assert d["target_department"]["name"] == DAOLI and d["target_staff"]["id"] == accused
    assert [s["step"] for s in d["steps"]] == ["submit", "register", "investigate", "review", "instruct", "conclude"]
    assert all(s["actor_name"] and s["at"] for s in d["steps"])
    assert d["steps"][4]["opinion"] == "责成窗口改进排队引导"
    step(officer, fid, "conclude", 409, finding="founded")
    # every step audited, by the staff realm
    rows = audit_rows(server, fid)
    assert [r[0] for r in rows] == ["complaint.submit", "complaint.register", "complaint.investigate",
                                    "complaint.review", "complaint.instruct", "complaint.conclude"]
    assert all(r[1] == "ok" for r in rows) and rows[0][2] == "citizen" and all(r[2] == "staff" for r in rows[1:])
    # the citizen is told: in-app message and SMS (without the conclusion itself)
    msgs = c.get("/api/v1/me/messages").json()["items"]
    m = [m for m in msgs if m["kind"] == "complaint"]
    assert m and m[0]["link"] == f"/my/complaints/{fid}", msgs
    sms = poll(lambda: [s for s in sms_outbox(server.base, c.phone) if "投诉" in s["text"] and "已办结" in s["text"]])
    assert sms and "整改" not in sms[0]["text"]
    # the detail shows the progress, not the result
    mine = c.get(f"/api/v1/me/complaints/{fid}").json()
    assert mine["status"] == "concluded" and mine["concluded_at"]
    assert "整改" not in str(mine) and "finding" not in mine and "reply" not in mine
    assert all("opinion" not in s for s in mine["steps"])
    # the conclusion needs the SMS second factor
    expect_error(c.get(f"/api/v1/me/complaints/{fid}/conclusion"), 403, "ELEVATION_REQUIRED")
    wait = c.registered_at + 61 - time.time()
    if wait > 0:
        time.sleep(wait)
    r = c.post("/api/v1/me/elevate/sms-code", json={})
    assert r.status_code == 200, r.text
    code = latest_code(server.base, c.phone, "elevate")
    expect_error(c.post("/api/v1/me/elevate", json={"sms_code": "000000" if code != "000000" else "111111"}), 400,
                 "SMS_CODE_INVALID")
    expect_error(c.get(f"/api/v1/me/complaints/{fid}/conclusion"), 403, "ELEVATION_REQUIRED")
    r = c.post("/api/v1/me/elevate", json={"sms_code": code})
    assert r.status_code == 200, r.text
    r = c.get(f"/api/v1/me/complaints/{fid}/conclusion")
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["finding"] == {"code": "founded", "name": "成立"}
    assert res["result"] == "投诉成立，已对窗口进行整改并向您致歉。" and res["department"] == DAOLI
    assert "target_staff" not in res and officer.user.get("name", "§") not in str(res)
    assert audit_rows(server, fid)[-1][0] == "complaint.conclusion.read"
    # an open complaint has no conclusion yet
    open_id = submit(c, "complaint", depts)["id"]
    expect_error(c.get(f"/api/v1/me/complaints/{open_id}/conclusion"), 409, "CONFLICT")
