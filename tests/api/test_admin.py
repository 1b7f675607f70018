"""Staff realm: login, me, logout, the admin SMS outbox, roles."""

import re

import pytest

from conftest import (ADMIN_LOGIN, CLERK_LOGIN, STAFF_TOTP, TIME_RE, Client,
                      expect_error, new_phone, new_staff, next_totp, request_code, staff_login)


def test_staff_login(server):
    login, password = new_staff(server, "admin", prefix="adm")
    c = Client(server.base)
    r = c.post("/api/v1/staff/auth/login", json={"login": login, "password": password})
    assert r.status_code == 200, r.text
    doc = r.json()
    if doc.get("mfa_required"):  # administrators always sign in with a second factor
        assert c.cookie("tb_staff_sid") is None and "csrf_token" not in doc
        r = c.post("/api/v1/staff/auth/mfa", json={"mfa_token": doc["mfa_token"], "method": "totp",
                                                   "code": next_totp(server.base, login)})
        assert r.status_code == 200, r.text
        doc = r.json()
    if "login" in doc["staff"]:
        assert doc["staff"]["login"] == login
    assert doc["staff"].get("name")
    roles = doc["staff"].get("roles") or [doc["staff"].get("role")]
    assert "admin" in roles or "sys_admin" in roles, roles
    assert isinstance(doc["csrf_token"], str) and len(doc["csrf_token"]) >= 16
    sc = r.headers.get("Set-Cookie", "")
    assert "tb_staff_sid=" in sc and "httponly" in sc.lower() and "samesite=lax" in sc.lower(), sc
    assert c.cookie("tb_sid") is None, "staff login set a citizen cookie"
    assert password not in r.text
    me = c.get("/api/v1/staff/me")
    assert me.status_code == 200
    assert me.json()["staff"]["name"] == doc["staff"]["name"] and me.json()["csrf_token"] == doc["csrf_token"]


def test_staff_login_wrong(server):
    c = Client(server.base)
    a = c.post("/api/v1/staff/auth/login", json={"login": CLERK_LOGIN, "password": "Wrong#Pass1"})
    b = c.post("/api/v1/staff/auth/login", json={"login": "nobody_here", "password": "Wrong#Pass1"})
    expect_error(a, 401, "LOGIN_FAILED")
    expect_error(b, 401, "LOGIN_FAILED")
    assert a.json() == b.json()


def test_staff_unauthenticated(anon):
    expect_error(anon.get("/api/v1/staff/me"), 401, "UNAUTHENTICATED")
    expect_error(anon.get("/api/v1/admin/sms-outbox"), 401, "UNAUTHENTICATED")


def test_staff_new_session_each_login(server):
    login, password = new_staff(server, prefix="ses")
    a = staff_login(server.base, login, password)
    b = staff_login(server.base, login, password)
    assert a.cookie("tb_staff_sid") != b.cookie("tb_staff_sid")


def test_staff_logout_replay(server):
    login, password = new_staff(server, prefix="out")
    c = staff_login(server.base, login, password)
    old = c.cookie("tb_staff_sid")
    expect_error(c.post("/api/v1/staff/auth/logout", csrf=False), 403, "CSRF_FAILED")
    r = c.post("/api/v1/staff/auth/logout")
    assert r.status_code == 200 and r.json() == {"ok": True}, r.text
    replay = Client(server.base)
    replay.s.cookies.set("tb_staff_sid", old, domain="127.0.0.1", path="/")
    expect_error(replay.get("/api/v1/staff/me"), 401, "UNAUTHENTICATED")


def test_admin_reads_outbox(server, admin):
    phone = new_phone()
    code = request_code(Client(server.base), phone, "register")
    r = admin.get("/api/v1/admin/sms-outbox", params={"phone": phone})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["total"] == 1 and len(doc["items"]) == 1
    it = doc["items"][0]
    assert set(it) >= {"id", "phone", "text", "purpose", "created_at"}
    assert it["phone"] == phone and it["purpose"] == "register" and code in it["text"]
    assert it["text"].startswith("【"), it["text"]
    assert TIME_RE.match(it["created_at"]), it["created_at"]


def test_admin_outbox_pagination(server, admin):
    for _ in range(3):
        request_code(Client(server.base), new_phone(), "register")
    r = admin.get("/api/v1/admin/sms-outbox", params={"page_size": 2})
    assert r.status_code == 200
    doc = r.json()
    assert doc["total"] >= 2 and len(doc["items"]) == 2
    r2 = admin.get("/api/v1/admin/sms-outbox", params={"page_size": 2, "page": 2}).json()
    assert r2["total"] == doc["total"]
    assert not ({i["id"] for i in r2["items"]} & {i["id"] for i in doc["items"]})
    bad = admin.get("/api/v1/admin/sms-outbox", params={"page_size": 0})
    assert bad.status_code == 400


def test_clerk_cannot_read_outbox(clerk):
    r = clerk.get("/api/v1/admin/sms-outbox")
    expect_error(r, 403, "FORBIDDEN")
    assert clerk.get("/api/v1/staff/me").status_code == 200


def test_citizen_cannot_read_outbox(citizen):
    expect_error(citizen.client.get("/api/v1/admin/sms-outbox", params={"phone": citizen.phone}), 401,
                 "UNAUTHENTICATED")


def test_sandbox_outbox_only_that_phone(server):
    a, b = new_phone(), new_phone()
    request_code(Client(server.base), a, "register")
    request_code(Client(server.base), b, "register")
    r = Client(server.base).get("/api/v1/sandbox/sms-outbox", params={"phone": a})
    assert r.status_code == 200
    assert [i["phone"] for i in r.json()["items"]] == [a]
    r = Client(server.base).get("/api/v1/sandbox/sms-outbox")
    assert r.status_code == 400 or r.json()["items"] == [], "sandbox outbox without phone lists other people's codes"


def test_cli_generated_password(server):
    """`user add` without --password-stdin prints a generated password once."""
    from conftest import parse_totp_secret
    p = server.run_cli("user", "add", "--login", "gen_user", "--name", "生成密码", "--role", "staff")
    out = p.stdout + p.stderr
    secret = parse_totp_secret(out)
    if secret:
        STAFF_TOTP[(server.base, "gen_user")] = secret
    cands = set()
    for tok in re.findall(r"[!-~]{8,}", out):
        cands.add(tok)
        for part in re.split(r"[:=]", tok):
            if len(part) >= 8:
                cands.add(part)
    ok = False
    for pw in cands:
        if pw.startswith("otpauth") or pw == secret:
            continue
        r = Client(server.base).post("/api/v1/staff/auth/login", json={"login": "gen_user", "password": pw})
        if r.status_code == 200:
            ok = True
            break
    assert ok, f"no printed token logs in as gen_user; output was: {out!r}"


def test_cli_duplicate_login_fails(server):
    with pytest.raises(RuntimeError):
        server.run_cli("user", "add", "--login", ADMIN_LOGIN, "--name", "重复", "--role", "admin",
                       "--password-stdin", stdin="Another#Pass1\n")
