"""Roles and permissions: the central check on every admin endpoint, the three
administrators (三员分立), data scopes, two-factor sign-in with TOTP (wrong
code, replay, lockout across both steps), ban and the head-approved unban."""

import time

import pytest

from conftest import (ADMIN_LOGIN, Client, expect_error, new_name, new_password, next_totp, spent_totp,
                      staff_login, totp_code, STAFF_TOTP)


def uniq(prefix):
    return f"{prefix}{int(time.time() * 1000) % 100000000}"


class Staff:
    """A staff account made with `tongban user add`, signed in on demand."""

    def __init__(self, server, role, department=None, prefix="u"):
        self.server, self.login, self.name = server, uniq(prefix), new_name()
        self.password = server.add_staff(self.login, self.name, role, department)
        self._client = None

    @property
    def c(self):
        if self._client is None or self._client.get("/api/v1/staff/me").status_code != 200:
            self._client = staff_login(self.server.base, self.login, self.password)
        return self._client

    @property
    def id(self):
        return self.c.user["id"]


@pytest.fixture(scope="module")
def three(server):
    """The three administrators and a business officer (道里分局)."""
    return {"system": Staff(server, "sys_admin", prefix="sys"), "security": Staff(server, "sec_admin", prefix="sec"),
            "audit": Staff(server, "audit_admin", prefix="aud"),
            "business": Staff(server, "accept_officer", "哈尔滨市公安局道里分局", prefix="off")}


def dept_id(server, client, name):
    r = client.get("/api/v1/admin/departments", params={"q": name})
    assert r.status_code == 200, r.text
    for d in r.json()["items"]:
        if d["name"] == name:
            return d["id"]
    raise AssertionError(f"department {name} not found")


# (method, path, kind that may call it, body)
ENDPOINTS = [
    ("GET", "/api/v1/admin/departments", "system", None),
    ("GET", "/api/v1/admin/department-tree", "system", None),
    ("GET", "/api/v1/admin/departments-export", "system", None),
    ("POST", "/api/v1/admin/departments", "system", {}),
    ("POST", "/api/v1/admin/departments-delete", "system", {}),
    ("GET", "/api/v1/admin/staff", "system", None),
    ("GET", "/api/v1/admin/staff-retired", "system", None),
    ("GET", "/api/v1/admin/staff-export", "system", None),
    ("POST", "/api/v1/admin/staff", "system", {}),
    ("POST", "/api/v1/admin/staff/99999999/transfer", "system", {}),
    ("GET", "/api/v1/admin/groups", "system", None),
    ("POST", "/api/v1/admin/groups", "system", {}),
    ("GET", "/api/v1/admin/sms-outbox", "system", None),
    ("PUT", "/api/v1/admin/calendar/2031-05-07", "system", {}),
    ("GET", "/api/v1/admin/permissions", "security", None),
    ("GET", "/api/v1/admin/roles", "security", None),
    ("POST", "/api/v1/admin/roles", "security", {}),
    ("POST", "/api/v1/admin/roles/99999999/members", "security", {}),
    ("GET", "/api/v1/admin/authz/staff", "security", None),
    ("POST", "/api/v1/admin/staff/99999999/ban", "security", {}),
    ("POST", "/api/v1/admin/staff/99999999/unban-requests", "security", {}),
    ("POST", "/api/v1/admin/staff/99999999/reset-credentials", "security", {}),
    ("POST", "/api/v1/admin/staff/99999999/unlock", "security", {}),
    ("POST", "/api/v1/admin/staff/99999999/retire", "system", {}),
    ("POST", "/api/v1/admin/departments-import", "system", "FILE"),
    ("POST", "/api/v1/admin/staff-import", "system", "FILE"),
    ("GET", "/api/v1/admin/audit", "audit", None),
    ("GET", "/api/v1/admin/audit/export", "audit", None),
]


def call(client, method, path, body):
    if body is None:
        return client.request(method, path)
    if body == "FILE":  # an upload: the refusal must come before the file is even read
        return client.request(method, path, files={"file": ("import.csv", "全称\n".encode(), "text/csv")})
    return client.request(method, path, json=body)


@pytest.mark.parametrize("method,path,owner,body", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_every_admin_endpoint_refuses_other_roles(three, method, path, owner, body):
    for kind, who in three.items():
        r = call(who.c, method, path, body)
        if kind == owner:
            assert r.status_code != 403, f"{kind} refused its own {method} {path}: {r.text[:200]}"
        else:
            expect_error(r, 403, "FORBIDDEN")


def test_refusals_are_audited(three):
    sec = three["security"]
    expect_error(sec.c.get("/api/v1/admin/audit"), 403, "FORBIDDEN")
    r = three["audit"].c.get("/api/v1/admin/audit", params={"action": "security.forbidden", "actor": str(sec.id)})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert any(i["object"] == "/api/v1/admin/audit" and i["result"] == "refused" and i["detail"] == "audit.read"
               for i in items), items


def test_clerk_and_citizen_refused(clerk, citizen):
    expect_error(clerk.get("/api/v1/admin/roles"), 403, "FORBIDDEN")
    expect_error(citizen.client.get("/api/v1/admin/roles"), 401, "UNAUTHENTICATED")


def test_me_lists_roles_permissions_and_scope(three):
    me = three["audit"].c.get("/api/v1/staff/me").json()["staff"]
    assert me["roles"] == ["audit_admin"]
    assert sorted(me["permissions"]) == ["audit.export", "audit.read"]
    assert me["scope"]["all"] is True


# ---------------------------------------------------------------- 三员分立

def role_id(client, code):
    r = client.get("/api/v1/admin/roles")
    assert r.status_code == 200, r.text
    return next(x["id"] for x in r.json()["items"] if x["code"] == code)


def test_no_account_holds_two_admin_kinds(three):
    sec = three["security"].c
    aud_role = role_id(sec, "audit_admin")
    officer_role = role_id(sec, "accept_officer")
    e = expect_error(sec.post(f"/api/v1/admin/roles/{aud_role}/members", json={"staff_id": three["system"].id}),
                     409, "ROLE_SEPARATION")
    assert "管理员" in e["message"]
    # nor an administrator role beside business permissions, either way round
    expect_error(sec.post(f"/api/v1/admin/roles/{officer_role}/members", json={"staff_id": three["audit"].id}),
                 409, "ROLE_SEPARATION")
    expect_error(sec.post(f"/api/v1/admin/roles/{aud_role}/members", json={"staff_id": three["business"].id}),
                 409, "ROLE_SEPARATION")
    # the CLI refuses too
    login = uniq("dual")
    three["system"].server.add_staff(login, "双重", "sec_admin")
    r = sec.get("/api/v1/admin/authz/staff", params={"q": login})
    sid = r.json()["items"][0]["id"]
    expect_error(sec.post(f"/api/v1/admin/roles/{aud_role}/members", json={"staff_id": sid}), 409, "ROLE_SEPARATION")
    # refusals are in the trail
    r = three["audit"].c.get("/api/v1/admin/audit", params={"action": "authz.assign", "result": "refused"})
    assert r.json()["total"] >= 4


def test_role_carries_only_its_category(three):
    sec = three["security"].c
    code = uniq("r")
    expect_error(sec.post("/api/v1/admin/roles", json={"code": code, "name": "混合", "kind": "audit", "scope": "all",
                                                        "permissions": ["audit.read", "org.dept.write"]}),
                 400, "PERMISSION_CATEGORY", "permissions")
    expect_error(sec.post("/api/v1/admin/roles", json={"code": code, "name": "业务加审计", "kind": "business",
                                                        "scope": "dept", "permissions": ["work.case.read",
                                                                                          "audit.read"]}),
                 400, "PERMISSION_CATEGORY", "permissions")
    expect_error(sec.post("/api/v1/admin/roles", json={"code": code, "name": "未知", "kind": "business",
                                                        "scope": "dept", "permissions": ["root.everything"]}),
                 400, "UNKNOWN_PERMISSION", "permissions")
    expect_error(sec.post("/api/v1/admin/roles", json={"code": code, "name": "坏范围", "kind": "business",
                                                        "scope": "galaxy"}), 400, "INVALID_FIELD", "scope")


def test_permission_changes_take_effect_and_are_audited(server, three):
    sec, aud = three["security"].c, three["audit"].c
    code = uniq("reader")
    r = sec.post("/api/v1/admin/roles", json={"code": code, "name": "审计查阅员", "kind": "audit", "scope": "all",
                                              "permissions": ["audit.read"]})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    u = Staff(server, code, prefix="rd")
    assert u.c.get("/api/v1/admin/audit").status_code == 200
    expect_error(u.c.get("/api/v1/admin/audit/export"), 403, "FORBIDDEN")
    r = sec.put(f"/api/v1/admin/roles/{rid}", json={"code": code, "name": "审计查阅员", "kind": "audit",
                                                    "scope": "all", "permissions": ["audit.read", "audit.export"]})
    assert r.status_code == 200, r.text
    assert u.c.get("/api/v1/admin/audit/export").status_code == 200
    r = sec.delete(f"/api/v1/admin/roles/{rid}/members/{u.id}")
    assert r.status_code == 200, r.text
    expect_error(u.c.get("/api/v1/admin/audit"), 403, "FORBIDDEN")
    trail = aud.get("/api/v1/admin/audit", params={"object": f"role:{rid}", "page_size": 100}).json()["items"]
    actions = {i["action"] for i in trail}
    assert {"authz.role.create", "authz.role.update"} <= actions, actions
    assert any("audit.export" in i["detail"] for i in trail if i["action"] == "authz.role.update")
    revoked = aud.get("/api/v1/admin/audit", params={"action": "authz.revoke", "object": f"staff:{u.id}"}).json()
    assert revoked["total"] == 1


def test_role_members_search(three, server):
    sec = three["security"].c
    rid = role_id(sec, "accept_officer")
    off = three["business"]
    r = sec.get(f"/api/v1/admin/roles/{rid}/members", params={"q": off.name})
    assert r.status_code == 200
    assert off.login in [m["login"] for m in r.json()["items"]]
    daoli = dept_id(server, three["system"].c, "哈尔滨市公安局道里分局")
    r = sec.get(f"/api/v1/admin/roles/{rid}/members", params={"department": daoli})
    assert r.json()["items"] and all(m["department_id"] == daoli for m in r.json()["items"])
    nanggang = dept_id(server, three["system"].c, "哈尔滨市公安局南岗分局")
    r = sec.get(f"/api/v1/admin/roles/{rid}/members", params={"department": nanggang, "q": off.name})
    assert r.json()["total"] == 0


# ---------------------------------------------------------------- data scope

def test_data_scope_by_role(server, three):
    sysc = three["system"].c
    daoli = dept_id(server, sysc, "哈尔滨市公安局道里分局")
    huzheng = dept_id(server, sysc, "哈尔滨市公安局道里分局户政科")
    harbin = dept_id(server, sysc, "哈尔滨市公安局")
    qiqihar = dept_id(server, sysc, "齐齐哈尔市公安局")
    officer = three["business"].c.get("/api/v1/staff/me").json()["staff"]["scope"]
    assert officer == {"all": False, "departments": [daoli], "self_only": False}
    leader = Staff(server, "approve_leader", "哈尔滨市公安局", prefix="ld")
    scope = leader.c.get("/api/v1/staff/me").json()["staff"]["scope"]
    assert harbin in scope["departments"] and daoli in scope["departments"] and huzheng in scope["departments"]
    assert qiqihar not in scope["departments"]
    other = Staff(server, "accept_officer", "齐齐哈尔市公安局", prefix="qq")
    scope = other.c.get("/api/v1/staff/me").json()["staff"]["scope"]
    assert scope["departments"] == [qiqihar] and daoli not in scope["departments"]
    # a custom set of departments
    sec = three["security"].c
    code = uniq("cust")
    r = sec.post("/api/v1/admin/roles", json={"code": code, "name": "专项核查", "kind": "business", "scope": "custom",
                                              "permissions": ["work.case.read"], "departments": [daoli, qiqihar]})
    assert r.status_code == 201, r.text
    u = Staff(server, code, "哈尔滨市公安局南岗分局", prefix="cu")
    assert sorted(u.c.get("/api/v1/staff/me").json()["staff"]["scope"]["departments"]) == sorted([daoli, qiqihar])
    # no department-level role: only one's own items
    code = uniq("self")
    sec.post("/api/v1/admin/roles", json={"code": code, "name": "本人", "kind": "business", "scope": "self",
                                          "permissions": ["work.case.read"]})
    u = Staff(server, code, "哈尔滨市公安局南岗分局", prefix="se")
    assert u.c.get("/api/v1/staff/me").json()["staff"]["scope"] == {"all": False, "departments": [],
                                                                      "self_only": True}


# ---------------------------------------------------------------- two factors

def login_step1(base, login, password):
    c = Client(base)
    r = c.post("/api/v1/staff/auth/login", json={"login": login, "password": password})
    return c, r


def test_admin_needs_second_factor(server, three):
    u = three["security"]
    c, r = login_step1(server.base, u.login, u.password)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["mfa_required"] is True and "totp" in doc["methods"] and "csrf_token" not in doc
    assert c.cookie("tb_staff_sid") is None, "a session before the second factor"
    expect_error(c.get("/api/v1/staff/me"), 401, "UNAUTHENTICATED")


def test_totp_wrong_replay_and_lockout(server, three):
    u = Staff(server, "accept_officer", "哈尔滨市公安局道里分局", prefix="tp")
    secret = STAFF_TOTP[(server.base, u.login)]
    c, r = login_step1(server.base, u.login, u.password)
    token = r.json()["mfa_token"]
    code = totp_code(secret, int(time.time()) // 30)
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    expect_error(c.post("/api/v1/staff/auth/mfa", json={"mfa_token": token, "method": "totp", "code": wrong}),
                 401, "MFA_CODE_INVALID", "code")
    step = int(time.time()) // 30
    spent_totp(server.base, u.login, step)
    code = totp_code(secret, step)
    r = c.post("/api/v1/staff/auth/mfa", json={"mfa_token": token, "method": "totp", "code": code})
    assert r.status_code == 200 and r.json()["csrf_token"], r.text
    # the same code again, within its window, on a fresh password step: refused
    c2, r = login_step1(server.base, u.login, u.password)
    expect_error(c2.post("/api/v1/staff/auth/mfa", json={"mfa_token": r.json()["mfa_token"], "method": "totp",
                                                          "code": code}), 401, "MFA_CODE_INVALID")
    # the token is single use too
    expect_error(c.post("/api/v1/staff/auth/mfa", json={"mfa_token": token, "method": "totp", "code": code}),
                 401, "MFA_TOKEN_INVALID")
    # failures since the last sign-in: 1 (the replay). Two wrong passwords and two wrong codes make five
    for _ in range(2):
        expect_error(login_step1(server.base, u.login, "Wrong#Pass1")[1], 401, "LOGIN_FAILED")
    c3, r = login_step1(server.base, u.login, u.password)
    for _ in range(2):
        expect_error(c3.post("/api/v1/staff/auth/mfa", json={"mfa_token": r.json()["mfa_token"], "method": "totp",
                                                              "code": wrong}), 401, "MFA_CODE_INVALID")
    # locked: the right password, then the right code, are refused alike
    expect_error(login_step1(server.base, u.login, u.password)[1], 429, "LOGIN_LOCKED")
    r = c3.post("/api/v1/staff/auth/mfa", json={"mfa_token": r.json()["mfa_token"], "method": "totp",
                                                "code": next_totp(server.base, u.login)})
    expect_error(r, 429, "LOGIN_LOCKED")
    # the security administrator lifts the lock
    sid = three["security"].c.get("/api/v1/admin/authz/staff", params={"q": u.login}).json()["items"][0]["id"]
    expect_error(three["system"].c.post(f"/api/v1/admin/staff/{sid}/unlock", json={}), 403, "FORBIDDEN")
    assert three["security"].c.post(f"/api/v1/admin/staff/{sid}/unlock", json={"reason": "本人确认"}).status_code == 200
    u._client = None
    assert u.c.get("/api/v1/staff/me").status_code == 200


def test_sms_second_factor(server, three):
    sysc = three["system"].c
    phone = "139" + str(int(time.time() * 1000))[-8:]
    r = sysc.post("/api/v1/admin/staff", json={"login": uniq("sms"), "name": new_name(), "phone": phone,
                                                "department_id": dept_id(server, sysc, "哈尔滨市公安局南岗分局")})
    assert r.status_code == 201, r.text
    doc = r.json()
    sec = three["security"].c
    r = sec.post(f"/api/v1/admin/roles/{role_id(sec, 'accept_officer')}/members", json={"staff_id": doc["staff"]["id"]})
    assert r.status_code == 201, r.text
    c, r = login_step1(server.base, doc["staff"]["login"], doc["initial_password"])
    assert set(r.json()["methods"]) == {"totp", "sms"}
    token = r.json()["mfa_token"]
    r = c.post("/api/v1/staff/auth/mfa/sms", json={"mfa_token": token})
    assert r.status_code == 200 and r.json()["phone_masked"] == phone[:3] + "****" + phone[-4:], r.text
    expect_error(c.post("/api/v1/staff/auth/mfa/sms", json={"mfa_token": token}), 429, "SMS_TOO_FREQUENT")
    text = Client(server.base).get("/api/v1/sandbox/sms-outbox", params={"phone": phone}).json()["items"][0]["text"]
    code = "".join(ch for ch in text.split("验证码")[1][:6])
    expect_error(c.post("/api/v1/staff/auth/mfa", json={"mfa_token": token, "method": "sms", "code": "000000"
                                                         if code != "000000" else "111111"}), 401, "MFA_CODE_INVALID")
    r = c.post("/api/v1/staff/auth/mfa", json={"mfa_token": token, "method": "sms", "code": code})
    assert r.status_code == 200, r.text
    assert c.get("/api/v1/staff/me").status_code == 200


def test_reenrol_totp(server):
    u = Staff(server, "accept_officer", prefix="re")
    c = u.c
    expect_error(c.post("/api/v1/staff/me/totp", json={"password": "Wrong#Pass1"}), 400, "PASSWORD_MISMATCH")
    r = c.post("/api/v1/staff/me/totp", json={"password": u.password})
    assert r.status_code == 200, r.text
    new = r.json()["totp_secret"]
    assert r.json()["otpauth_uri"].startswith("otpauth://totp/") and new in r.json()["otpauth_uri"]
    STAFF_TOTP[(server.base, u.login)] = new
    u._client = None
    assert u.c.get("/api/v1/staff/me").status_code == 200


# ---------------------------------------------------------------- ban / unban

def test_ban_kills_sessions_and_unban_needs_the_head(server, three):
    sysc, sec, aud = three["system"].c, three["security"].c, three["audit"].c
    dept = dept_id(server, sysc, "哈尔滨市公安局松北分局")
    head = Staff(server, "approve_leader", "哈尔滨市公安局松北分局", prefix="hd")
    target = Staff(server, "accept_officer", "哈尔滨市公安局松北分局", prefix="bn")
    d = sysc.get(f"/api/v1/admin/departments/{dept}").json()
    r = sysc.put(f"/api/v1/admin/departments/{dept}", json={"name": d["name"], "short_name": d["short_name"],
                                                            "level": d["level"], "region": d["region"],
                                                            "head_staff_id": head.id})
    assert r.status_code == 200, r.text
    victim, tid = target.c, target.id
    assert victim.get("/api/v1/staff/me").status_code == 200
    r = sec.post(f"/api/v1/admin/staff/{tid}/ban", json={"reason": "违规查询"})
    assert r.status_code == 200 and r.json()["status"] == "banned", r.text
    expect_error(victim.get("/api/v1/staff/me"), 401, "UNAUTHENTICATED")
    expect_error(login_step1(server.base, target.login, target.password)[1], 401, "LOGIN_FAILED")
    # the request goes to the head; nobody else decides it
    r = sec.post(f"/api/v1/admin/staff/{tid}/unban-requests", json={"reason": "已整改"})
    assert r.status_code == 201 and r.json()["approver_id"] == head.id, r.text
    req = r.json()["id"]
    expect_error(sec.post(f"/api/v1/admin/staff/{tid}/unban-requests", json={"reason": "再次"}), 409, "CONFLICT")
    expect_error(sec.post(f"/api/v1/staff/unban-requests/{req}/decide", json={"approve": True}), 403, "FORBIDDEN")
    expect_error(three["business"].c.post(f"/api/v1/staff/unban-requests/{req}/decide", json={"approve": True}),
                 403, "FORBIDDEN")
    expect_error(login_step1(server.base, target.login, target.password)[1], 401, "LOGIN_FAILED")
    pending = head.c.get("/api/v1/staff/unban-requests").json()["items"]
    assert [p["id"] for p in pending] == [req]
    r = head.c.post(f"/api/v1/staff/unban-requests/{req}/decide", json={"approve": True, "note": "同意"})
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    expect_error(head.c.post(f"/api/v1/staff/unban-requests/{req}/decide", json={"approve": True}), 409, "CONFLICT")
    target._client = None
    assert target.c.get("/api/v1/staff/me").status_code == 200
    trail = aud.get("/api/v1/admin/audit", params={"object": f"staff:{tid}", "page_size": 100}).json()["items"]
    actions = [i["action"] for i in trail]
    assert "authz.staff.ban" in actions and "authz.staff.unban_request" in actions and "authz.staff.unban" in actions
    unban = next(i for i in trail if i["action"] == "authz.staff.unban")
    assert unban["actor"] == str(head.id)
