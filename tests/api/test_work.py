"""The approval workbench through the API: a case driven through its flow by
staff (claim, 补正 and resubmission, 受理, 审批 → 办结), the deadline clock,
state rules of the actions, data scope (another department sees nothing),
flow definitions and matter configuration, and who may do what."""
import base64
import hashlib
import hmac
import re
import struct
import time
import uuid

import pytest

from conftest import Client, case_body, expect_error, make_citizen

PASSPORT_CODE = "11230000MB1917443F000117004000"
DAOLI = "哈尔滨市公安局道里分局"
NANGANG = "哈尔滨市公安局南岗分局"
PASSWORD = "Work#Flow2026x"


def totp(secret, at=None):
    key = base64.b32decode(secret + "=" * ((8 - len(secret) % 8) % 8))
    msg = struct.pack(">Q", int(at if at is not None else time.time()) // 30)
    h = hmac.new(key, msg, hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def add_staff(server, role, department=None):
    login = "w" + uuid.uuid4().hex[:10]
    args = ["user", "add", "--login", login, "--name", "测试民警", "--role", role, "--password-stdin"]
    if department:
        args += ["--department", department]
    out = server.run_cli(*args, stdin=PASSWORD + "\n").stdout
    secret = re.search(r"secret=([A-Z2-7]+)", out).group(1)
    return login, secret


def staff_client(server, role, department=None):
    login, secret = add_staff(server, role, department)
    c = Client(server.base)
    r = c.post("/api/v1/staff/auth/login", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200 and r.json().get("mfa_required"), r.text
    r = c.post("/api/v1/staff/auth/mfa", json={"mfa_token": r.json()["mfa_token"], "method": "totp",
                                                "code": totp(secret)})
    assert r.status_code == 200, r.text
    c.csrf = r.json()["csrf_token"]
    return c


@pytest.fixture
def officer(server):
    return staff_client(server, "accept_officer", DAOLI)


@pytest.fixture
def leader(server):
    return staff_client(server, "approve_leader", DAOLI)


@pytest.fixture
def stranger(server):
    return staff_client(server, "accept_officer", NANGANG)


@pytest.fixture
def sysadmin(server):
    return staff_client(server, "sys_admin")


def submit_case(server):
    c = make_citizen(server.base)
    body = case_body(c, PASSPORT_CODE)
    body["region"] = "230102"
    r = c.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return c, body, r.json()


def my_task(client, serial):
    r = client.get("/api/v1/work/tasks", params={"serial": serial})
    assert r.status_code == 200, r.text
    for t in r.json()["items"]:
        if t["serial"] == serial:
            return t
    return None


def act(client, serial, action, **kw):
    return client.post(f"/api/v1/work/cases/{serial}/actions", json=dict(action=action, **kw))


def test_case_through_its_flow(server, officer, leader):
    citizen, body, doc = submit_case(server)
    serial = doc["serial"]
    assert doc["case"]["current_step"] == "受理"
    task = my_task(officer, serial)
    assert task and task["task_name"] == "受理" and task["assignee"] is None
    assert officer.post(f"/api/v1/work/tasks/{task['task_id']}/claim").status_code == 200
    assert my_task(officer, serial)["assignee"] is not None

    # 补正: returned to the citizen, who amends and resubmits; the case waits meanwhile
    r = act(officer, serial, "return", comment="身份证照片不清晰，请重新上传")
    assert r.status_code == 200 and r.json()["status"] == "returned", r.text
    assert act(officer, serial, "accept").status_code == 409  # waiting for the citizen
    r = citizen.post(f"/api/v1/cases/{serial}/resubmit", json={"form": body["form"], "materials": body["materials"]})
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text

    r = act(officer, serial, "accept", comment="材料齐全")
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["current_step"] == "审批", r.text
    case = citizen.get(f"/api/v1/cases/{serial}").json()
    assert case["deadline"]["warning"] in ("green", "yellow") and case["deadline"]["remaining_working_days"] >= 0

    assert my_task(officer, serial) is None  # the leader's turn now
    assert my_task(leader, serial)["task_name"] == "审批"
    r = act(leader, serial, "approve", comment="同意")
    assert r.status_code == 200 and r.json()["status"] == "completed", r.text

    p = Client(server.base).post("/api/v1/progress", json={"serial": serial, "query_password": doc["query_password"]})
    assert p.status_code == 200
    progress = p.json()
    assert progress["status"] == "completed" and progress["status_name"] == "已办结"
    steps = [(h["action_name"], h["status"]) for h in progress["history"]]
    assert steps == [("提交申请", "submitted"), ("退回补正", "returned"), ("补正后重新提交", "submitted"),
                     ("受理", "accepted"), ("审批通过", "completed"), ("办结", "completed")], steps
    assert progress["deadline"] is None

    done = officer.get("/api/v1/work/cases", params={"view": "done", "q": serial}).json()
    assert [c["serial"] for c in done["items"]] == [serial]
    assert officer.get("/api/v1/work/cases", params={"view": "doing", "q": serial}).json()["total"] == 0


def test_other_department_sees_nothing(server, stranger):
    citizen, body, doc = submit_case(server)
    serial = doc["serial"]
    assert my_task(stranger, serial) is None
    expect_error(stranger.get(f"/api/v1/work/cases/{serial}"), 404, "CASE_NOT_FOUND")
    expect_error(act(stranger, serial, "accept"), 404, "CASE_NOT_FOUND")
    upload = body["materials"][0]["upload_id"]
    expect_error(stranger.get(f"/api/v1/work/cases/{serial}/materials/{upload}"), 404, "CASE_NOT_FOUND")
    for view in ("doing", "done", "department"):
        r = stranger.get("/api/v1/work/cases", params={"view": view, "q": serial})
        assert r.status_code == 200 and r.json()["total"] == 0


def test_staff_read_the_case_and_its_material(server, officer):
    citizen, body, doc = submit_case(server)
    serial = doc["serial"]
    d = officer.get(f"/api/v1/work/cases/{serial}")
    assert d.status_code == 200, d.text
    detail = d.json()
    assert detail["form"]["id_number"] == body["form"]["id_number"]  # staff need the full data
    assert detail["flow"]["status"] == "running" and detail["flow_definition"]["key"] == "passport_approval"
    upload = body["materials"][0]["upload_id"]
    m = officer.get(f"/api/v1/work/cases/{serial}/materials/{upload}")
    assert m.status_code == 200 and m.content.startswith(b"%PDF")
    assert m.headers["Content-Disposition"].startswith("attachment")
    expect_error(officer.get(f"/api/v1/work/cases/{serial}/materials/u_nope"), 404, "UPLOAD_NOT_FOUND")


def test_action_rules(server, officer, leader):
    citizen, body, doc = submit_case(server)
    serial = doc["serial"]
    expect_error(act(officer, serial, "approve"), 409, "CONFLICT")           # not accepted yet
    expect_error(act(officer, serial, "reject"), 400, "FIELD_REQUIRED", "comment")
    expect_error(act(officer, serial, "fly"), 400, "INVALID_FIELD", "action")
    expect_error(officer.post(f"/api/v1/work/cases/{serial}/actions", json={"action": "accept", "x": 1}),
                 400, "UNKNOWN_FIELD", "x")
    assert act(officer, serial, "accept").status_code == 200
    expect_error(act(officer, serial, "accept"), 409, "CONFLICT")            # twice
    # suspend freezes the clock, resume restarts it
    assert act(leader, serial, "suspend", comment="等待外部核查").json()["status"] == "suspended"
    paused = citizen.get(f"/api/v1/cases/{serial}").json()["deadline"]
    assert paused["warning"] == "paused"
    expect_error(act(leader, serial, "approve"), 409, "CONFLICT")
    assert act(leader, serial, "resume", comment="核查完毕").json()["status"] == "accepted"
    r = act(leader, serial, "refuse", comment="不符合办理条件")
    assert r.status_code == 200 and r.json()["status"] == "refused"
    expect_error(act(leader, serial, "void", comment="x"), 409, "CONFLICT")   # refused is final
    expect_error(citizen.post(f"/api/v1/cases/{serial}/resubmit", json={"form": body["form"]}), 409, "CONFLICT")


def test_resubmit_only_by_owner(server, officer):
    citizen, body, doc = submit_case(server)
    serial = doc["serial"]
    assert act(officer, serial, "return", comment="补充材料").status_code == 200
    other = make_citizen(server.base)
    expect_error(other.post(f"/api/v1/cases/{serial}/resubmit", json={"form": body["form"]}), 404, "CASE_NOT_FOUND")
    bad = dict(body["form"], destination="")
    r = citizen.post(f"/api/v1/cases/{serial}/resubmit", json={"form": bad, "materials": body["materials"]})
    expect_error(r, 422, "FORM_INVALID")


INVALID_FLOW = {"key": "t_bad", "name": "坏流程", "nodes": [{"id": "start", "type": "start"},
                                                      {"id": "lost", "type": "user_task", "name": "孤立"}],
                "flows": []}


def two_step_flow(key, condition="form.applicant_age < 16"):
    return {"key": key, "name": "测试审批", "nodes": [
        {"id": "start", "type": "start"},
        {"id": "accept", "type": "user_task", "name": "受理",
         "assign": {"roles": ["accept_officer"], "relative": "initiator_department"}},
        {"id": "age", "type": "exclusive", "default": "f_adult"},
        {"id": "guardian", "type": "user_task", "name": "监护人核验",
         "assign": {"roles": ["accept_officer"], "relative": "initiator_department"}},
        {"id": "approve", "type": "user_task", "name": "审批",
         "assign": {"roles": ["approve_leader"], "relative": "initiator_department"}},
        {"id": "end", "type": "end"}],
        "flows": [{"id": "f1", "from": "start", "to": "accept"}, {"id": "f2", "from": "accept", "to": "age"},
                  {"id": "f_minor", "from": "age", "to": "guardian", "condition": condition},
                  {"id": "f_adult", "from": "age", "to": "approve"}, {"id": "f3", "from": "guardian", "to": "approve"},
                  {"id": "f4", "from": "approve", "to": "end"}]}


def test_flow_definitions_and_matter_configuration(server, sysadmin, officer):
    r = sysadmin.post("/api/v1/admin/flows/validate", json=INVALID_FLOW)
    assert r.status_code == 200 and len(r.json()["errors"]) >= 1, r.text
    expect_error(sysadmin.post("/api/v1/admin/flows", json=INVALID_FLOW), 422, "FORM_INVALID")
    key = "t_" + uuid.uuid4().hex[:8]
    r = sysadmin.post("/api/v1/admin/flows", json=two_step_flow(key))
    assert r.status_code == 201 and r.json() == {"key": key, "version": 1}, r.text
    assert sysadmin.get(f"/api/v1/admin/flows/{key}/versions/1").json()["definition"]["key"] == key
    expect_error(sysadmin.get(f"/api/v1/admin/flows/{key}/versions/9"), 404, "NOT_FOUND")

    matters = sysadmin.get("/api/v1/admin/matters").json()["items"]
    draft = [m for m in matters if m["status"] != "published"][0]
    code = draft["code"]
    misfit = two_step_flow(key + "x", condition="form.no_such_field > 1")
    assert sysadmin.post("/api/v1/admin/flows", json=misfit).status_code == 201
    expect_error(sysadmin.put(f"/api/v1/admin/matters/{code}/binding",
                              json={"form_version": draft["form_version"], "flow_key": key + "x", "flow_version": 1}),
                 400, "INVALID_FIELD", "flow_key")
    r = sysadmin.put(f"/api/v1/admin/matters/{code}/binding",
                     json={"form_version": draft["form_version"], "flow_key": key, "flow_version": 1})
    assert r.status_code == 200, r.text
    anon = Client(server.base)
    expect_error(anon.get(f"/api/v1/matters/{code}"), 404, "MATTER_NOT_FOUND")
    assert sysadmin.post(f"/api/v1/admin/matters/{code}/publish", json={"channels": ["pc", "mobile"]}).status_code == 200
    deadline = time.time() + 5  # every node reloads the catalog within a second
    while anon.get(f"/api/v1/matters/{code}").status_code != 200 and time.time() < deadline:
        time.sleep(0.2)
    assert anon.get(f"/api/v1/matters/{code}").json()["status"] == "published"
    assert sysadmin.post(f"/api/v1/admin/matters/{code}/unpublish", json={}).status_code == 200
    while anon.get(f"/api/v1/matters/{code}").status_code != 404 and time.time() < deadline + 5:
        time.sleep(0.2)
    expect_error(anon.get(f"/api/v1/matters/{code}"), 404, "MATTER_NOT_FOUND")
    # the wrong realm and the wrong role are refused
    expect_error(officer.post("/api/v1/admin/flows", json=two_step_flow(key + "y")), 403, "FORBIDDEN")
    expect_error(officer.get("/api/v1/admin/matters"), 403, "FORBIDDEN")
    expect_error(sysadmin.get("/api/v1/work/tasks"), 403, "FORBIDDEN")


def test_workbench_needs_staff(server):
    citizen = make_citizen(server.base)
    expect_error(citizen.get("/api/v1/work/tasks"), 401, "UNAUTHENTICATED")
    expect_error(Client(server.base).get("/api/v1/work/cases"), 401, "UNAUTHENTICATED")
