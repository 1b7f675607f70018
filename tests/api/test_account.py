"""Account maintenance and the personal space (issue 5, §1-1-3-7): the SMS
second factor of sensitive pages, profile, phone change, password change and
reset, the security center (login history, new-place alerts), relatives and
agents, deregistration, and the lists 我的收藏 / 我的足迹 / 我的地址 — each
owner-only."""

import time

import pytest

from conftest import (Citizen, Client, Server, expect_error, latest_code, make_citizen, new_id_number, new_name,
                      new_password, new_phone, sms_outbox)

PASSPORT = "普通护照签发"


# ---------------------------------------------------------------- helpers


def wait_code(base, phone, purpose, newer_than=0, timeout=15):
    """The newest code for purpose sent to phone after message id newer_than
    (delivery may be queued)."""
    deadline = time.time() + timeout
    while True:
        items = [it for it in sms_outbox(base, phone) if it.get("purpose") == purpose and it.get("id", 0) > newer_than]
        if items:
            return latest_code(base, phone, purpose)
        assert time.time() < deadline, f"no {purpose} SMS to {phone}"
        time.sleep(0.2)


def last_sms_id(base, phone):
    return max([it.get("id", 0) for it in sms_outbox(base, phone)] or [0])


def elevate(c):
    """The SMS second factor for citizen c's current session."""
    before = last_sms_id(c.base, c.phone)
    r = c.post("/api/v1/me/elevate/sms-code")
    assert r.status_code == 200, r.text
    code = wait_code(c.base, c.phone, "elevate", before)
    r = c.post("/api/v1/me/elevate", json={"sms_code": code})
    assert r.status_code == 200, r.text
    assert r.json()["elevated"] is True
    return r.json()


def wrong(code):
    return "000000" if code != "000000" else "111111"


def matter_codes(base, n=3):
    r = Client(base).get("/api/v1/matters", params={"page_size": 20})
    assert r.status_code == 200
    codes = [it["code"] for it in r.json()["items"]]
    assert len(codes) >= n
    return codes[:n]


def address_body(**kw):
    body = {"name": new_name(), "phone": new_phone(), "region": "230102", "detail": "哈尔滨市道里区中央大街100号3单元"}
    body.update(kw)
    return body


def audit_count(server, action, obj=None):
    if obj is None:
        return server.sql("SELECT COUNT(*) FROM audit_log WHERE action = ?", (action,))[0][0]
    return server.sql("SELECT COUNT(*) FROM audit_log WHERE action = ? AND object = ?", (action, obj))[0][0]


def inbox(c):
    r = c.get("/api/v1/me/messages", params={"page_size": 50})
    assert r.status_code == 200, r.text
    return r.json()["items"]


# ---------------------------------------------------------------- second factor


def test_elevation_gate_window_and_expiry(server, citizen):
    c = citizen
    e = expect_error(c.get("/api/v1/me/addresses"), 403, "ELEVATION_REQUIRED")
    assert "二次认证" in e["message"]
    expect_error(c.get("/api/v1/bookings"), 403, "ELEVATION_REQUIRED")
    assert c.get("/api/v1/me/elevation").json()["elevated"] is False
    # no code sent yet: any code is wrong
    expect_error(c.post("/api/v1/me/elevate", json={"sms_code": "123456"}), 400, "SMS_CODE_INVALID", "sms_code")
    r = c.post("/api/v1/me/elevate/sms-code")
    assert r.status_code == 200 and r.json()["phone_masked"] == c.phone[:3] + "****" + c.phone[-4:]
    code = wait_code(server.base, c.phone, "elevate")
    expect_error(c.post("/api/v1/me/elevate/sms-code"), 429, "SMS_TOO_FREQUENT")
    expect_error(c.post("/api/v1/me/elevate", json={"sms_code": wrong(code)}), 400, "SMS_CODE_INVALID", "sms_code")
    expect_error(c.post("/api/v1/me/elevate", json={}), 400, "FIELD_REQUIRED", "sms_code")
    r = c.post("/api/v1/me/elevate", json={"sms_code": code})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["elevated"] is True and 590 <= doc["seconds_left"] <= 600, doc
    assert c.get("/api/v1/me/addresses").status_code == 200
    assert c.get("/api/v1/bookings").status_code == 200
    # the code worked once
    expect_error(c.post("/api/v1/me/elevate", json={"sms_code": code}), 400, "SMS_CODE_INVALID")
    # another session of the same citizen is not elevated
    other = Citizen(server.base)
    other.phone, other.password, other.account = c.phone, c.password, c.account
    other.login()
    expect_error(other.get("/api/v1/me/addresses"), 403, "ELEVATION_REQUIRED")
    # the window closes
    server.sql("UPDATE sessions SET elevated_until = ? WHERE realm = 'citizen' AND subject_id = ?",
               (int(time.time()) - 1, c.user["id"]))
    expect_error(c.get("/api/v1/me/addresses"), 403, "ELEVATION_REQUIRED")
    expect_error(c.get("/api/v1/bookings"), 403, "ELEVATION_REQUIRED")
    expect_error(c.get("/api/v1/bookings/ABCDEFGHJKLM"), 403, "ELEVATION_REQUIRED")
    assert c.get("/api/v1/me/elevation").json()["elevated"] is False
    assert audit_count(server, "citizen.elevate") >= 1


def test_elevate_minutes_is_configurable(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("elevate"))
    srv = Server(tmp, database=tmp + "/elevate.db", extra_env={"TONGBAN_ELEVATE_MINUTES": "2"})
    srv.start()
    try:
        c = make_citizen(srv.base)
        doc = elevate(c)
        assert 110 <= doc["seconds_left"] <= 120, doc
    finally:
        srv.stop()


def test_personal_routes_need_a_session(anon):
    for method, path in [("GET", "/api/v1/me/profile"), ("GET", "/api/v1/me/addresses"), ("GET", "/api/v1/me/logins"),
                         ("GET", "/api/v1/me/favorites"), ("GET", "/api/v1/me/footprints"),
                         ("GET", "/api/v1/me/contacts"), ("POST", "/api/v1/me/elevate/sms-code"),
                         ("POST", "/api/v1/me/deregister/sms-code"), ("PUT", "/api/v1/me/favorites/X")]:
        expect_error(anon.request(method, path), 401, "UNAUTHENTICATED")


def test_writes_need_the_csrf_token(citizen):
    r = citizen.client.request("POST", "/api/v1/me/elevate/sms-code", csrf=False)
    expect_error(r, 403, "CSRF_FAILED")


# ---------------------------------------------------------------- addresses


def test_addresses_add_edit_default_delete(server, citizen):
    c = citizen
    elevate(c)
    a1 = c.post("/api/v1/me/addresses", json=address_body())
    assert a1.status_code == 201, a1.text
    a1 = a1.json()
    assert a1["is_default"] is True, "the first address is the default"
    assert a1["region_name"] and a1["phone_masked"].count("*") == 4
    a2 = c.post("/api/v1/me/addresses", json=address_body(detail="哈尔滨市南岗区西大直街92号")).json()
    assert a2["is_default"] is False
    items = c.get("/api/v1/me/addresses").json()["items"]
    assert [x["id"] for x in items] == [a2["id"], a1["id"]], "newest first"
    r = c.post(f"/api/v1/me/addresses/{a2['id']}/default")
    assert r.status_code == 200 and r.json()["is_default"] is True
    by_id = {x["id"]: x for x in c.get("/api/v1/me/addresses").json()["items"]}
    assert by_id[a2["id"]]["is_default"] and not by_id[a1["id"]]["is_default"]
    r = c.client.put(f"/api/v1/me/addresses/{a1['id']}", json=address_body(detail="哈尔滨市道外区靖宇街1号", postcode="150000"))
    assert r.status_code == 200 and r.json()["detail"] == "哈尔滨市道外区靖宇街1号" and r.json()["postcode"] == "150000"
    # deleting the default hands it to the newest remaining address
    assert c.client.delete(f"/api/v1/me/addresses/{a2['id']}").status_code == 200
    left = c.get("/api/v1/me/addresses").json()
    assert left["total"] == 1 and left["items"][0]["is_default"] is True
    expect_error(c.client.delete(f"/api/v1/me/addresses/{a2['id']}"), 404, "ADDRESS_NOT_FOUND", "id")
    expect_error(c.post("/api/v1/me/addresses/abc/default"), 404, "ADDRESS_NOT_FOUND")
    # encrypted at rest
    row = server.sql("SELECT phone_enc, detail_enc FROM citizen_addresses WHERE id = ?", (a1["id"],))[0]
    assert all(str(v).startswith("s4:") for v in row), row
    assert audit_count(server, "citizen.address_add", f"address:{a1['id']}") == 1
    assert audit_count(server, "citizen.address_default", f"address:{a2['id']}") == 1


@pytest.fixture(scope="module")
def elevated_citizen(server):
    c = make_citizen(server.base)
    elevate(c)
    return c


@pytest.mark.parametrize("patch,code,field", [
    ({"name": "x1"}, "INVALID_NAME", "name"),
    ({"phone": "12345"}, "INVALID_PHONE", "phone"),
    ({"region": "23010"}, "INVALID_FIELD", "region"),
    ({"detail": "短"}, "INVALID_FIELD", "detail"),
    ({"postcode": "15000a"}, "INVALID_FIELD", "postcode"),
    ({"detail": "x" * 101}, "INVALID_FIELD", "detail"),
    ({"color": "red"}, "UNKNOWN_FIELD", "color"),
    ({"name": None}, None, "name"),
])
def test_address_bad_input(server, elevated_citizen, patch, code, field):
    c = elevated_citizen
    body = address_body(**patch)
    body = {k: v for k, v in body.items() if v is not None}
    r = c.post("/api/v1/me/addresses", json=body)
    assert r.status_code == 400, r.text
    e = r.json()["error"]
    assert e["field"] == field and (code is None or e["code"] == code), e
    assert e["message"]
    assert c.get("/api/v1/me/addresses").json()["total"] == 0, "nothing stored"


def test_address_limit_and_idor(server, citizen_factory):
    a, b = citizen_factory(), citizen_factory()
    elevate(a)
    elevate(b)
    for i in range(20):
        r = a.post("/api/v1/me/addresses", json=address_body(detail=f"哈尔滨市道里区地段街{i + 1}号"))
        assert r.status_code == 201, r.text
    e = expect_error(a.post("/api/v1/me/addresses", json=address_body()), 409, "ADDRESS_LIMIT")
    assert "20" in e["message"]
    mine = a.get("/api/v1/me/addresses", params={"page": 1, "page_size": 5}).json()
    assert mine["total"] == 20 and len(mine["items"]) == 5
    target = mine["items"][0]
    # b cannot see, edit, delete or default a's address
    assert b.get("/api/v1/me/addresses").json()["total"] == 0
    expect_error(b.client.put(f"/api/v1/me/addresses/{target['id']}", json=address_body()), 404, "ADDRESS_NOT_FOUND")
    expect_error(b.client.delete(f"/api/v1/me/addresses/{target['id']}"), 404, "ADDRESS_NOT_FOUND")
    expect_error(b.post(f"/api/v1/me/addresses/{target['id']}/default"), 404, "ADDRESS_NOT_FOUND")
    again = [x for x in a.get("/api/v1/me/addresses", params={"page_size": 50}).json()["items"]
             if x["id"] == target["id"]][0]
    assert again["detail"] == target["detail"] and again["is_default"] == target["is_default"]


# ---------------------------------------------------------------- favourites and footprints


def test_favorites(server, citizen_factory):
    a, b = citizen_factory(), citizen_factory()
    m1, m2, _ = matter_codes(server.base)
    expect_error(a.client.put("/api/v1/me/favorites/NO-SUCH-MATTER"), 404, "MATTER_NOT_FOUND")
    assert a.client.put(f"/api/v1/me/favorites/{m1}").json()["favorite"] is True
    assert a.client.put(f"/api/v1/me/favorites/{m2}").status_code == 200
    assert a.client.put(f"/api/v1/me/favorites/{m2}").status_code == 200  # idempotent
    doc = a.get("/api/v1/me/favorites").json()
    assert doc["total"] == 2 and [x["matter_code"] for x in doc["items"]] == [m2, m1], "newest first"
    assert doc["items"][0]["matter_name"] and doc["items"][0]["link"] == f"/matters/{m2}"
    assert a.get(f"/api/v1/me/favorites/{m1}").json()["favorite"] is True
    page2 = a.get("/api/v1/me/favorites", params={"page": 2, "page_size": 1}).json()
    assert [x["matter_code"] for x in page2["items"]] == [m1]
    # owner-only
    assert b.get("/api/v1/me/favorites").json()["total"] == 0
    assert b.get(f"/api/v1/me/favorites/{m1}").json()["favorite"] is False
    b.client.delete(f"/api/v1/me/favorites/{m1}")
    assert a.get(f"/api/v1/me/favorites/{m1}").json()["favorite"] is True
    assert a.client.delete(f"/api/v1/me/favorites/{m1}").json()["favorite"] is False
    assert [x["matter_code"] for x in a.get("/api/v1/me/favorites").json()["items"]] == [m2]


def test_footprints(server, citizen_factory):
    a, b = citizen_factory(), citizen_factory()
    m1, m2, m3 = matter_codes(server.base)
    Client(server.base).get(f"/api/v1/matters/{m3}")  # anonymous: nobody's footprint
    for code in (m1, m2, m1):
        assert a.get(f"/api/v1/matters/{code}").status_code == 200
    doc = a.get("/api/v1/me/footprints").json()
    assert [x["matter_code"] for x in doc["items"]] == [m1, m2], "newest first, one row per matter"
    assert doc["items"][0]["visits"] == 2 and doc["items"][0]["matter_name"] and doc["items"][0]["link"] == f"/matters/{m1}"
    assert b.get("/api/v1/me/footprints").json()["total"] == 0
    # at most 200 kept
    uid = a.user["id"] if a.user else a.client.user["id"]
    for i in range(205):
        server.sql("INSERT INTO citizen_footprints(citizen_id, matter_code, visited_at, visits) VALUES (?, ?, ?, 1)",
                   (uid, f"OLD{i:04d}", 1000 + i))
    a.get(f"/api/v1/matters/{m3}")
    doc = a.get("/api/v1/me/footprints", params={"page_size": 5}).json()
    assert doc["total"] == 200 and doc["items"][0]["matter_code"] == m3
    assert doc["items"][-1]["available"] in (True, False)
    assert server.sql("SELECT COUNT(*) FROM citizen_footprints WHERE citizen_id = ? AND matter_code = 'OLD0000'",
                      (uid,))[0][0] == 0, "the oldest went"
    assert a.client.delete("/api/v1/me/footprints").status_code == 200
    assert a.get("/api/v1/me/footprints").json()["total"] == 0


# ---------------------------------------------------------------- profile and passwords


def test_profile(server, citizen):
    c = citizen
    doc = c.get("/api/v1/me/profile").json()
    assert doc["profile"]["gender"] is None and doc["user"]["id_number_masked"].count("*") == 10
    body = {"gender": "female", "birthday": "1990-02-28", "blood_type": "AB", "birthplace": "黑龙江省哈尔滨市",
            "marital_status": "married", "education": "bachelor", "occupation": "教师", "employer": "哈尔滨市第一中学",
            "landline": "0451-88888888"}
    r = c.client.put("/api/v1/me/profile", json=body)
    assert r.status_code == 200, r.text
    got = c.get("/api/v1/me/profile").json()["profile"]
    assert {k: got[k] for k in body} == body
    enc = server.sql("SELECT profile_enc FROM citizens WHERE id = ?", (c.client.user["id"],))[0][0]
    assert enc.startswith("s4:") and "哈尔滨" not in enc
    for patch, field in [({"gender": "x"}, "gender"), ({"birthday": "2999-01-01"}, "birthday"),
                         ({"birthday": "1990-02-30"}, "birthday"), ({"blood_type": "Z"}, "blood_type"),
                         ({"landline": "abc"}, "landline")]:
        expect_error(c.client.put("/api/v1/me/profile", json=patch), 400, "INVALID_FIELD", field)
    expect_error(c.client.put("/api/v1/me/profile", json={"hobby": "chess"}), 400, "UNKNOWN_FIELD", "hobby")
    assert audit_count(server, "citizen.profile_update") >= 1


def test_change_password(server, citizen):
    c = citizen
    expect_error(c.post("/api/v1/me/password", json={"old_password": "Wrong#123", "new_password": new_password()}),
                 400, "PASSWORD_MISMATCH", "old_password")
    expect_error(c.post("/api/v1/me/password", json={"old_password": c.password, "new_password": "abc"}), 400,
                 "WEAK_PASSWORD")
    new = new_password()
    assert c.post("/api/v1/me/password", json={"old_password": c.password, "new_password": new}).status_code == 200
    expect_error(Client(server.base).post("/api/v1/auth/login", json={"account": c.account, "password": c.password}),
                 401, "LOGIN_FAILED")
    c.password = new
    c.login()


def test_reset_password_by_sms(server, anon):
    c = make_citizen(server.base, login=False)
    before = last_sms_id(server.base, c.phone)
    assert anon.post("/api/v1/auth/sms-code", json={"phone": c.phone, "purpose": "reset"}).status_code == 200
    code = wait_code(server.base, c.phone, "reset", before)
    new = new_password()
    expect_error(anon.post("/api/v1/auth/password-reset", json={"phone": c.phone, "sms_code": wrong(code),
                                                                "new_password": new}), 400, "SMS_CODE_INVALID")
    r = anon.post("/api/v1/auth/password-reset", json={"phone": c.phone, "sms_code": code, "new_password": new})
    assert r.status_code == 200, r.text
    c.login(password=new)


# ---------------------------------------------------------------- phone change


def test_change_phone(server, citizen_factory):
    c, other = citizen_factory(), citizen_factory()
    old = c.phone
    new = new_phone()
    expect_error(c.post("/api/v1/me/phone/new-code", json={"phone": new}), 409, "PHONE_OLD_NOT_VERIFIED")
    assert c.post("/api/v1/me/phone/old-code").status_code == 200
    code_old = wait_code(server.base, old, "phone_old")
    expect_error(c.post("/api/v1/me/phone/verify-old", json={"sms_code": wrong(code_old)}), 400, "SMS_CODE_INVALID",
                 "sms_code")
    r = c.post("/api/v1/me/phone/verify-old", json={"sms_code": code_old})
    assert r.status_code == 200 and r.json()["verified"] is True
    expect_error(c.post("/api/v1/me/phone/new-code", json={"phone": old}), 400, "PHONE_SAME", "phone")
    expect_error(c.post("/api/v1/me/phone/new-code", json={"phone": other.phone}), 409, "PHONE_TAKEN", "phone")
    expect_error(c.post("/api/v1/me/phone/new-code", json={"phone": "2345"}), 400, "INVALID_PHONE", "phone")
    # the other citizen has not verified its old phone
    expect_error(other.post("/api/v1/me/phone/new-code", json={"phone": new_phone()}), 409, "PHONE_OLD_NOT_VERIFIED")
    assert c.post("/api/v1/me/phone/new-code", json={"phone": new}).status_code == 200
    code_new = wait_code(server.base, new, "phone_new")
    expect_error(c.post("/api/v1/me/phone", json={"phone": new, "sms_code": wrong(code_new)}), 400, "SMS_CODE_INVALID")
    r = c.post("/api/v1/me/phone", json={"phone": new, "sms_code": code_new})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["phone_masked"] == new[:3] + "****" + new[-4:]
    # login by the new phone works, by the old one not
    Citizen.login(c, account=new)
    expect_error(Client(server.base).post("/api/v1/auth/login", json={"account": old, "password": c.password}), 401,
                 "LOGIN_FAILED")
    # the old phone is told; the change is in 我的消息; the window is spent
    deadline = time.time() + 15
    while not any("更换为" in it["text"] for it in sms_outbox(server.base, old)):
        assert time.time() < deadline, "no notice to the old phone"
        time.sleep(0.2)
    assert any(m["title"] == "绑定手机号已更换" for m in inbox(c))
    expect_error(c.post("/api/v1/me/phone/new-code", json={"phone": new_phone()}), 409, "PHONE_OLD_NOT_VERIFIED")
    bidx_rows = server.sql("SELECT phone_enc FROM citizens WHERE id = ?", (c.client.user["id"],))
    assert bidx_rows[0][0].startswith("s4:")
    assert audit_count(server, "citizen.phone_change", f"citizen:{c.client.user['id']}") == 1


# ---------------------------------------------------------------- security center


def test_login_history_and_new_place_alert(server, citizen):
    c = citizen  # registered and signed in once: the first sign-in alerts nothing
    uid = c.client.user["id"]
    assert not [m for m in inbox(c) if m["kind"] == "security"]
    c.login()  # same address, same browser
    bad = Client(server.base, c.client.source_ip)
    expect_error(bad.post("/api/v1/auth/login", json={"account": c.account, "password": "Wrong#Pass1"}), 401,
                 "LOGIN_FAILED")
    assert not [m for m in inbox(c) if m["kind"] == "security"]
    doc = c.get("/api/v1/me/logins").json()
    assert doc["total"] == 3
    assert [x["result"] for x in doc["items"]] == ["failed", "ok", "ok"], "newest first"
    assert doc["items"][0]["ip"] == c.client.source_ip and doc["items"][0]["at"].endswith("+08:00")
    # a new place (another /24)
    far = Client(server.base, "127.213.7.9")
    r = far.post("/api/v1/auth/login", json={"account": c.account, "password": c.password})
    assert r.status_code == 200
    far.csrf = r.json()["csrf_token"]
    alerts = [m for m in inbox(c) if m["kind"] == "security"]
    assert len(alerts) == 1 and alerts[0]["title"] == "异常登录提醒" and "127.213.7.0/24" in alerts[0]["body"]
    deadline = time.time() + 15
    while not any("新的地点" in it["text"] for it in sms_outbox(server.base, c.phone)):
        assert time.time() < deadline, "no alert SMS"
        time.sleep(0.2)
    # a new device at a known place
    dev = Client(server.base, c.client.source_ip)
    r = dev.post("/api/v1/auth/login", json={"account": c.account, "password": c.password},
                 headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14; TB-Phone) Mobile"})
    assert r.status_code == 200
    alerts = [m for m in inbox(c) if m["kind"] == "security"]
    assert len(alerts) == 2 and "新的设备" in alerts[0]["body"]
    # the same place and device again: quiet
    c.login()
    assert len([m for m in inbox(c) if m["kind"] == "security"]) == 2
    rows = server.sql("SELECT COUNT(*) FROM login_history WHERE citizen_id = ? AND alerted = 1", (uid,))
    assert rows[0][0] == 2
    # owner-only
    other = make_citizen(server.base)
    assert all(x["ip"] != "127.213.7.9" for x in other.get("/api/v1/me/logins").json()["items"])


# ---------------------------------------------------------------- relatives and agents


def test_contacts(server, citizen_factory):
    a, b = citizen_factory(), citizen_factory()
    idn, ph = new_id_number(), new_phone()
    expect_error(a.post("/api/v1/me/contacts", json={"kind": "agent", "name": "王芳", "relation": "配偶", "phone": ph}),
                 400, "FIELD_REQUIRED", "id_number")
    expect_error(a.post("/api/v1/me/contacts", json={"kind": "boss", "name": "王芳", "relation": "配偶", "phone": ph}),
                 400, "INVALID_FIELD", "kind")
    expect_error(a.post("/api/v1/me/contacts", json={"kind": "agent", "name": "王芳", "relation": "配偶",
                                                     "id_number": "230102199001011234", "phone": ph}),
                 400, "INVALID_ID_NUMBER", "id_number")
    expect_error(a.post("/api/v1/me/contacts", json={"kind": "emergency", "name": "王芳", "relation": "母亲",
                                                     "phone": "110"}), 400, "INVALID_PHONE", "phone")
    r = a.post("/api/v1/me/contacts", json={"kind": "agent", "name": "王芳", "relation": "配偶", "id_number": idn,
                                            "phone": ph})
    assert r.status_code == 201, r.text
    agent = r.json()
    assert agent["id_number_masked"] == idn[:4] + "*" * 10 + idn[-4:] and agent["phone_masked"] == ph[:3] + "****" + ph[-4:]
    assert idn not in r.text and ph not in r.text
    row = server.sql("SELECT id_number_enc, phone_enc FROM citizen_contacts WHERE id = ?", (agent["id"],))[0]
    assert all(v.startswith("s4:") for v in row)
    em = a.post("/api/v1/me/contacts", json={"kind": "emergency", "name": "李强", "relation": "父亲", "phone": new_phone()})
    assert em.status_code == 201 and em.json()["id_number_masked"] is None
    doc = a.get("/api/v1/me/contacts").json()
    assert doc["total"] == 2 and doc["items"][0]["id"] == em.json()["id"]
    r = a.client.put(f"/api/v1/me/contacts/{agent['id']}", json={"kind": "agent", "name": "王芳", "relation": "女儿",
                                                          "id_number": idn, "phone": ph})
    assert r.status_code == 200 and r.json()["relation"] == "女儿"
    # owner-only
    assert b.get("/api/v1/me/contacts").json()["total"] == 0
    expect_error(b.client.put(f"/api/v1/me/contacts/{agent['id']}", json={"kind": "emergency", "name": "赵六", "relation": "友",
                                                                    "phone": new_phone()}), 404, "CONTACT_NOT_FOUND")
    expect_error(b.client.delete(f"/api/v1/me/contacts/{agent['id']}"), 404, "CONTACT_NOT_FOUND")
    assert a.client.delete(f"/api/v1/me/contacts/{agent['id']}").status_code == 200
    expect_error(a.client.delete(f"/api/v1/me/contacts/{agent['id']}"), 404, "CONTACT_NOT_FOUND")
    for _ in range(9):
        assert a.post("/api/v1/me/contacts", json={"kind": "emergency", "name": "李强", "relation": "父亲",
                                                   "phone": new_phone()}).status_code == 201
    expect_error(a.post("/api/v1/me/contacts", json={"kind": "emergency", "name": "李强", "relation": "父亲",
                                                     "phone": new_phone()}), 409, "CONTACT_LIMIT")
    assert audit_count(server, "citizen.contact_add") >= 11


# ---------------------------------------------------------------- deregistration


def test_deregistration(server, citizen):
    c = citizen
    uid = c.client.user["id"]
    elevate(c)
    assert c.post("/api/v1/me/addresses", json=address_body()).status_code == 201
    m1 = matter_codes(server.base, 1)[0]
    c.client.put(f"/api/v1/me/favorites/{m1}")
    c.get(f"/api/v1/matters/{m1}")
    c.post("/api/v1/me/contacts", json={"kind": "emergency", "name": "李强", "relation": "父亲", "phone": new_phone()})
    expect_error(c.post("/api/v1/me/deregister", json={"sms_code": "123456"}), 400, "SMS_CODE_INVALID", "sms_code")
    before = last_sms_id(server.base, c.phone)
    assert c.post("/api/v1/me/deregister/sms-code").status_code == 200
    code = wait_code(server.base, c.phone, "deregister", before)
    expect_error(c.post("/api/v1/me/deregister", json={"sms_code": wrong(code)}), 400, "SMS_CODE_INVALID")
    r = c.post("/api/v1/me/deregister", json={"sms_code": code})
    assert r.status_code == 200 and r.json()["deregistered"] is True
    assert "Max-Age=0" in r.headers.get("Set-Cookie", "")
    # sessions gone, login refused with a clear answer (only to the password holder)
    assert server.sql("SELECT COUNT(*) FROM sessions WHERE realm = 'citizen' AND subject_id = ?", (uid,))[0][0] == 0
    expect_error(c.get("/api/v1/me"), 401, "UNAUTHENTICATED")
    for account in (c.id_number, c.phone):
        e = expect_error(Client(server.base).post("/api/v1/auth/login", json={"account": account, "password": c.password}),
                         403, "ACCOUNT_DEREGISTERED")
        assert "注销" in e["message"]
    expect_error(Client(server.base).post("/api/v1/auth/login", json={"account": c.id_number, "password": "Wrong#Pass9"}),
                 401, "LOGIN_FAILED")
    # retention: name kept, ID number and phone kept encrypted, indexes released, lists deleted
    row = server.sql("SELECT status, name, id_number_enc, phone_enc, CASE WHEN id_number_bidx IS NULL THEN 1 ELSE 0 END, "
                     "phone_bidx, deregistered_at, CASE WHEN profile_enc IS NULL THEN 1 ELSE 0 END "
                     "FROM citizens WHERE id = ?", (uid,))[0]
    assert row[0] == "deregistered" and row[1] == c.name and row[2].startswith("s4:") and row[3].startswith("s4:")
    assert row[4] == 1 and row[5] == f"released:{uid}" and row[6] and row[7] == 1
    for table in ("citizen_addresses", "citizen_contacts", "citizen_favorites", "citizen_footprints"):
        assert server.sql(f"SELECT COUNT(*) FROM {table} WHERE citizen_id = ?", (uid,))[0][0] == 0, table
    assert audit_count(server, "citizen.deregister", f"citizen:{uid}") >= 1
    # no message to them any more: neither codes nor notices
    n = len(sms_outbox(server.base, c.phone))
    a = Client(server.base)
    assert a.post("/api/v1/auth/sms-code", json={"phone": c.phone, "purpose": "reset"}).status_code == 200
    assert a.post("/api/v1/auth/sms-code", json={"phone": c.phone, "purpose": "login"}).status_code == 200
    Client(server.base, "127.214.1.1").post("/api/v1/auth/login", json={"account": c.phone, "password": c.password})
    time.sleep(1.5)
    assert len(sms_outbox(server.base, c.phone)) == n, "a deregistered citizen got an SMS"
    assert server.sql("SELECT COUNT(*) FROM inbox WHERE realm = 'citizen' AND subject_id = ? AND kind = 'security'",
                      (uid,))[0][0] == 0
    # the person may register again with the same ID number and phone
    again = Citizen(server.base)
    again.name, again.id_number, again.account, again.phone = c.name, c.id_number, c.id_number, c.phone
    server.sql("DELETE FROM rate_hits WHERE bucket LIKE 'sms:%'")  # the 60 s resend wait of the first sign-up
    again.register()
    again.login()
    assert again.client.user["id"] != uid
