"""Citizen identity: registration, validation, SMS codes, login, lockout,
sessions, CSRF, password change/reset, realm separation, masking."""

import re

import pytest

from conftest import (Citizen, Client, expect_error, id_check_digit, latest_code, new_id_number, new_name,
                      new_password, new_phone, new_uscc, request_code, sms_outbox)


def person_body(base, **over):
    """A valid registration body with a real SMS code for a fresh phone, then
    the overrides applied."""
    c = Client(base)
    phone = new_phone()
    code = request_code(c, phone, "register")
    body = {"type": "person", "name": new_name(), "id_number": new_id_number(), "phone": phone,
            "sms_code": code, "password": new_password()}
    body.update(over)
    return c, body


def legal_body(base, **over):
    c = Client(base)
    phone = new_phone()
    code = request_code(c, phone, "register")
    body = {"type": "legal", "org_name": "哈尔滨冰城测试科技有限公司", "uscc": new_uscc(), "legal_rep": new_name(),
            "contact_name": new_name(), "phone": phone, "sms_code": code, "password": new_password()}
    body.update(over)
    return c, body


def mask_id(i):
    return i[:4] + "*" * 10 + i[-4:]


def mask_phone(p):
    return p[:3] + "****" + p[-4:]


def login(client, account, password):
    return client.post("/api/v1/auth/login", json={"account": account, "password": password})


# ---------------------------------------------------------------- registration


def test_sms_code_answer(anon):
    phone = new_phone()
    r = anon.post("/api/v1/auth/sms-code", json={"phone": phone, "purpose": "register"})
    assert r.status_code == 200
    assert r.json() == {"sent": True, "expires_in": 300, "resend_after": 60}
    items = sms_outbox(anon.base, phone)
    assert len(items) == 1 and items[0]["purpose"] == "register"
    assert re.search(r"(?<!\d)\d{6}(?!\d)", items[0]["text"])
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$", items[0]["created_at"]), items[0]


def test_register_person(server, anon):
    c, body = person_body(server.base)
    r = c.post("/api/v1/auth/register", json=body)
    assert r.status_code == 201, r.text
    u = r.json()["user"]
    assert u["type"] == "person" and u["name"] == body["name"] and isinstance(u["id"], int)
    assert u["id_number_masked"] == mask_id(body["id_number"])
    assert u["phone_masked"] == mask_phone(body["phone"])
    assert u.get("org_name") is None and u.get("uscc") is None
    assert body["id_number"] not in r.text and body["phone"] not in r.text, "unmasked PII in register answer"
    assert body["password"] not in r.text
    # login by ID number
    lr = login(c, body["id_number"], body["password"])
    assert lr.status_code == 200, lr.text
    doc = lr.json()
    assert doc["user"]["id"] == u["id"] and doc["user"]["id_number_masked"] == mask_id(body["id_number"])
    assert body["id_number"] not in lr.text and body["phone"] not in lr.text and body["password"] not in lr.text
    # /me gives the owner the unmasked values for prefill
    me = c.get("/api/v1/me")
    assert me.status_code == 200
    m = me.json()
    assert m["user"]["id_number"] == body["id_number"] and m["user"]["phone"] == body["phone"]
    assert m["user"]["id_number_masked"] == mask_id(body["id_number"])
    assert m["csrf_token"] == doc["csrf_token"]
    assert body["password"] not in me.text


def test_register_64_and_128_char_passwords(server):
    for n in (64, 128):
        pw = ("Aa1!" + "x" * 200)[:n]
        c, body = person_body(server.base, password=pw)
        r = c.post("/api/v1/auth/register", json=body)
        assert r.status_code == 201, f"{n}-char password refused: {r.text}"
        assert login(c, body["phone"], pw).status_code == 200


def test_register_legal_and_login_by_uscc(server):
    c, body = legal_body(server.base)
    r = c.post("/api/v1/auth/register", json=body)
    assert r.status_code == 201, r.text
    u = r.json()["user"]
    assert u["type"] == "legal" and u["org_name"] == body["org_name"]
    assert u["phone_masked"] == mask_phone(body["phone"])
    assert body["phone"] not in r.text
    lr = login(c, body["uscc"], body["password"])
    assert lr.status_code == 200, lr.text
    assert lr.json()["user"]["id"] == u["id"]


def test_login_by_phone(citizen):
    c = Client(citizen.base)
    r = login(c, citizen.phone, citizen.password)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["id"] == citizen.user["id"]


def bad_date_id():
    first17 = "230102" + "19800230" + "123"  # 30 February
    return first17 + id_check_digit(first17)


def future_id():
    first17 = "230102" + "20990101" + "123"
    return first17 + id_check_digit(first17)


@pytest.mark.parametrize("idn", [
    "340524198001010013",          # wrong check digit (standard vector)
    bad_date_id(),                 # right check digit, 1980-02-30
    future_id(),                   # birth date in the future
    "23010219800101001",           # 17 characters
    "2301021980010100123",         # 19 characters
    "23010219800101001X",          # X where the check digit is another
    "ABCDEFGHIJKLMNOPQR",
    "",
])
def test_invalid_id_number(server, idn):
    c, body = person_body(server.base, id_number=idn)
    r = c.post("/api/v1/auth/register", json=body)
    if idn == "":
        assert r.status_code == 400 and r.json()["error"]["code"] in ("INVALID_ID_NUMBER", "FIELD_REQUIRED")
        assert r.json()["error"]["field"] == "id_number"
        return
    expect_error(r, 400, "INVALID_ID_NUMBER", "id_number")


def test_valid_standard_vector_accepted(server):
    # 11010519491231002X is the standard's valid vector; X upper-case
    c, body = person_body(server.base, id_number="11010519491231002X")
    r = c.post("/api/v1/auth/register", json=body)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("uscc", ["91350203M0001QAY9B", "91350200776049653B", "9135020077604965", "91350200776049653AA",
                                  "91350200776049653a", "I1350200776049653A", "O1350200776049653A", ""])
def test_invalid_uscc(server, uscc):
    c, body = legal_body(server.base, uscc=uscc)
    r = c.post("/api/v1/auth/register", json=body)
    if uscc == "":
        assert r.status_code == 400 and r.json()["error"]["code"] in ("INVALID_USCC", "FIELD_REQUIRED")
        assert r.json()["error"]["field"] == "uscc"
        return
    expect_error(r, 400, "INVALID_USCC", "uscc")


def test_valid_uscc_vectors_accepted(server):
    for u in ("91350200776049653A", "12441500196720244T", "11100000000013338W"):
        c, body = legal_body(server.base, uscc=u)
        r = c.post("/api/v1/auth/register", json=body)
        assert r.status_code == 201, f"{u}: {r.text}"


BAD_PHONES = ["12345", "1380013800", "138001380001", "23800138000", "10800138000", "1380013800a", "138 0013 8000"]


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_invalid_phone_sms_code(anon, phone):
    r = anon.post("/api/v1/auth/sms-code", json={"phone": phone, "purpose": "register"})
    expect_error(r, 400, "INVALID_PHONE", "phone")


@pytest.mark.parametrize("phone", BAD_PHONES[:3])
def test_invalid_phone_register(server, phone):
    c, body = person_body(server.base)
    body["phone"] = phone
    r = c.post("/api/v1/auth/register", json=body)
    expect_error(r, 400, "INVALID_PHONE", "phone")


def test_minority_name_with_middle_dot_accepted(server):
    c, body = person_body(server.base, name="买买提·艾力")
    r = c.post("/api/v1/auth/register", json=body)
    assert r.status_code == 201, r.text


def test_invalid_name(server):
    for name in ("张", "张三<script>", "张" * 31, "'; DROP TABLE users; --", "张三\n李四", "abc", "Zhang San"):
        c, body = person_body(server.base, name=name)
        r = c.post("/api/v1/auth/register", json=body)
        assert r.status_code == 400, f"name {name!r}: {r.status_code}"
        e = r.json()["error"]
        assert e["code"] in ("INVALID_NAME", "INVALID_FIELD") and e["field"] == "name", e


@pytest.mark.parametrize("kind", ["short", "one_class", "two_classes", "contains_id", "contains_phone", "too_long",
                                  "empty"])
def test_weak_password(server, kind):
    c, body = person_body(server.base)
    pw = {
        "short": "Ab1!xyz",
        "one_class": "abcdefghijkl",
        "two_classes": "abcdefgh1234",
        "contains_id": "Ab!" + body["id_number"],
        "contains_phone": "Ab!x" + body["phone"],
        "too_long": ("Aa1!" * 40)[:129],
        "empty": "",
    }[kind]
    body["password"] = pw
    r = c.post("/api/v1/auth/register", json=body)
    if kind == "empty" and r.status_code == 400 and r.json()["error"]["code"] == "FIELD_REQUIRED":
        assert r.json()["error"]["field"] == "password"
        return
    expect_error(r, 400, "WEAK_PASSWORD", "password")


def test_sms_code_wrong(server):
    c, body = person_body(server.base)
    body["sms_code"] = "000000" if body["sms_code"] != "000000" else "111111"
    r = c.post("/api/v1/auth/register", json=body)
    expect_error(r, 400, "SMS_CODE_INVALID", "sms_code")


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
def test_sms_code_malformed(server, code):
    c, body = person_body(server.base, sms_code=code)
    r = c.post("/api/v1/auth/register", json=body)
    assert r.status_code == 400
    e = r.json()["error"]
    assert e["code"] in ("SMS_CODE_INVALID", "FIELD_REQUIRED", "INVALID_FIELD") and e["field"] == "sms_code", e


def test_sms_code_burned_after_5_wrong(server):
    c, body = person_body(server.base)
    good = body["sms_code"]
    wrong = "000000" if good != "000000" else "111111"
    for i in range(5):
        r = c.post("/api/v1/auth/register", json=dict(body, sms_code=wrong))
        expect_error(r, 400, "SMS_CODE_INVALID", "sms_code")
    r = c.post("/api/v1/auth/register", json=body)
    assert r.status_code == 400, f"the right code still works after 5 wrong tries: {r.status_code} {r.text}"
    assert r.json()["error"]["code"] in ("SMS_CODE_INVALID", "SMS_CODE_EXPIRED"), r.text


def test_sms_code_for_other_phone_refused(server):
    c, body = person_body(server.base)
    other = new_phone()
    r = c.post("/api/v1/auth/register", json=dict(body, phone=other))
    assert r.status_code == 400 and r.json()["error"]["code"] in ("SMS_CODE_INVALID", "SMS_CODE_EXPIRED"), r.text
    assert r.json()["error"]["field"] == "sms_code"


def test_sms_code_for_other_purpose_refused(server, anon):
    phone = new_phone()
    r = anon.post("/api/v1/auth/sms-code", json={"phone": phone, "purpose": "login"})
    assert r.status_code == 200, r.text
    if not sms_outbox(anon.base, phone):
        pytest.skip("no login code is sent to an unregistered phone")
    code = latest_code(anon.base, phone, "login")
    c, body = person_body(server.base)
    r = c.post("/api/v1/auth/register", json=dict(body, phone=phone, sms_code=code))
    expect_error(r, 400, "SMS_CODE_INVALID", "sms_code")


def test_sms_too_frequent(anon):
    phone = new_phone()
    r1 = anon.post("/api/v1/auth/sms-code", json={"phone": phone, "purpose": "register"})
    assert r1.status_code == 200
    r2 = anon.post("/api/v1/auth/sms-code", json={"phone": phone, "purpose": "register"})
    expect_error(r2, 429, "SMS_TOO_FREQUENT")
    # from another client too (the limit is per phone)
    r3 = Client(anon.base).post("/api/v1/auth/sms-code", json={"phone": phone, "purpose": "register"})
    expect_error(r3, 429, "SMS_TOO_FREQUENT")
    assert len(sms_outbox(anon.base, phone)) == 1


def test_sms_bad_purpose(anon):
    r = anon.post("/api/v1/auth/sms-code", json={"phone": new_phone(), "purpose": "spam"})
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "purpose"


def test_account_exists_same_id(server, citizen):
    c, body = person_body(server.base, id_number=citizen.id_number)
    r = c.post("/api/v1/auth/register", json=body)
    expect_error(r, 409, "ACCOUNT_EXISTS")


def test_account_exists_same_phone(server, aged_citizen):
    citizen = aged_citizen
    c = Client(server.base)
    r = c.post("/api/v1/auth/sms-code", json={"phone": citizen.phone, "purpose": "register"})
    if r.status_code == 409:
        expect_error(r, 409, "ACCOUNT_EXISTS")
        return
    assert r.status_code == 200, r.text
    items = [i for i in sms_outbox(server.base, citizen.phone) if i["purpose"] == "register"]
    assert len(items) == 2, f"no new register code sent to the registered phone: {items}"
    code = latest_code(server.base, citizen.phone, "register")
    body = {"type": "person", "name": new_name(), "id_number": new_id_number(), "phone": citizen.phone,
            "sms_code": code, "password": new_password()}
    expect_error(c.post("/api/v1/auth/register", json=body), 409, "ACCOUNT_EXISTS")


def test_account_exists_same_uscc(server):
    c, body = legal_body(server.base)
    assert c.post("/api/v1/auth/register", json=body).status_code == 201
    c2, body2 = legal_body(server.base, uscc=body["uscc"])
    expect_error(c2.post("/api/v1/auth/register", json=body2), 409, "ACCOUNT_EXISTS")


# ---------------------------------------------------------------- login


def test_login_failed_identical_for_unknown(citizen):
    a = login(Client(citizen.base), citizen.id_number, "Wrong#Pass1")
    b = login(Client(citizen.base), new_id_number(), "Wrong#Pass1")
    c = login(Client(citizen.base), new_phone(), "Wrong#Pass1")
    for r in (a, b, c):
        expect_error(r, 401, "LOGIN_FAILED")
    assert a.json() == b.json() == c.json()


def lockout_sequence(client, account, right_password):
    out = []
    for _ in range(5):
        r = login(client, account, "Wrong#Pass1")
        out.append((r.status_code, r.json()["error"]["code"], r.json()["error"]["message"]))
    r = login(client, account, right_password)
    out.append((r.status_code, r.json().get("error", {}).get("code") if r.status_code != 200 else "OK", ""))
    return out


def test_lockout_after_5_failures(citizen):
    seq = lockout_sequence(Client(citizen.base), citizen.id_number, citizen.password)
    assert [s[:2] for s in seq[:4]] == [(401, "LOGIN_FAILED")] * 4, seq
    assert seq[4][:2] in ((401, "LOGIN_FAILED"), (429, "LOGIN_LOCKED")), seq
    assert seq[5][:2] == (429, "LOGIN_LOCKED"), f"right password after 5 failures: {seq[5]}"
    # by phone too: the account is locked, not the identifier string
    expect_error(login(Client(citizen.base), citizen.phone, citizen.password), 429, "LOGIN_LOCKED")
    # an existing session is not the lock's business, but a new login from elsewhere is refused
    expect_error(login(Client(citizen.base), citizen.id_number, citizen.password), 429, "LOGIN_LOCKED")


def test_lockout_unknown_account_identical(citizen):
    known = lockout_sequence(Client(citizen.base), citizen.phone, citizen.password)
    unknown = lockout_sequence(Client(citizen.base), new_phone(), "Wrong#Pass1")
    # the 6th attempt differs only in password; both must be LOGIN_LOCKED
    assert [s[:2] for s in unknown] == [s[:2] for s in known], f"known {known} vs unknown {unknown}"
    assert [s[2] for s in unknown[:5]] == [s[2] for s in known[:5]]
    assert unknown[5][:2] == (429, "LOGIN_LOCKED")


def test_lockout_is_per_account(citizen_factory):
    a = citizen_factory(login=False)
    b = citizen_factory(login=False)
    cl = Client(a.base)
    for _ in range(6):
        login(cl, a.id_number, "Wrong#Pass1")
    expect_error(login(cl, a.id_number, a.password), 429, "LOGIN_LOCKED")
    r = login(cl, b.id_number, b.password)
    assert r.status_code == 200, f"another account from the same client is locked too: {r.text}"


# ---------------------------------------------------------------- sessions


def set_cookie_attrs(r, name):
    raw = r.headers.get("Set-Cookie", "")
    for part in re.split(r",\s*(?=[A-Za-z_]+=)", raw):
        if part.strip().startswith(name + "="):
            return part
    return None


def test_session_cookie_attributes(citizen):
    c = Client(citizen.base)
    r = login(c, citizen.id_number, citizen.password)
    sc = set_cookie_attrs(r, "tb_sid")
    assert sc, f"no tb_sid cookie: {r.headers.get('Set-Cookie')}"
    low = sc.lower()
    assert "httponly" in low and "samesite=lax" in low and "path=/" in low, sc
    sid = c.cookie("tb_sid")
    assert sid and len(sid) >= 16, f"session id too short: {sid!r}"


def test_new_session_id_at_each_login(citizen):
    c = Client(citizen.base)
    c.s.cookies.set("tb_sid", "attacker-chosen-session-id-0123456789", domain="127.0.0.1", path="/")
    r1 = login(c, citizen.id_number, citizen.password)
    assert r1.status_code == 200
    s1 = c.cookie("tb_sid")
    assert s1 != "attacker-chosen-session-id-0123456789", "session fixation: the offered id was kept"
    r2 = login(c, citizen.id_number, citizen.password)
    s2 = c.cookie("tb_sid")
    assert s1 and s2 and s1 != s2, "the same session id after a second login"
    assert r1.json()["csrf_token"] != r2.json()["csrf_token"]


def test_me_unauthenticated(anon):
    expect_error(anon.get("/api/v1/me"), 401, "UNAUTHENTICATED")
    anon.s.cookies.set("tb_sid", "forged0123456789abcdef0123456789", domain="127.0.0.1", path="/")
    expect_error(anon.get("/api/v1/me"), 401, "UNAUTHENTICATED")


def test_logout_then_replay(citizen):
    c = citizen.client
    old = c.cookie("tb_sid")
    assert c.get("/api/v1/me").status_code == 200
    r = c.post("/api/v1/auth/logout")
    assert r.status_code == 200 and r.json() == {"ok": True}, r.text
    sc = r.headers.get("Set-Cookie", "")
    assert "tb_sid=;" in sc.replace(" ", "") or "max-age=0" in sc.lower(), f"logout does not clear the cookie: {sc}"
    replay = Client(citizen.base)
    replay.s.cookies.set("tb_sid", old, domain="127.0.0.1", path="/")
    expect_error(replay.get("/api/v1/me"), 401, "UNAUTHENTICATED")
    replay.csrf = citizen.client.csrf
    expect_error(replay.get("/api/v1/cases"), 401, "UNAUTHENTICATED")


# ---------------------------------------------------------------- passwords


def test_change_password(citizen):
    c = citizen.client
    expect_error(c.post("/api/v1/me/password", json={"old_password": "Wrong#Pass1", "new_password": "New#Passw0rd"}),
                 400, "PASSWORD_MISMATCH")
    expect_error(c.post("/api/v1/me/password", json={"old_password": citizen.password, "new_password": "weak"}),
                 400, "WEAK_PASSWORD", "new_password")
    expect_error(c.post("/api/v1/me/password", json={"old_password": citizen.password,
                                                     "new_password": "Ab!" + citizen.id_number}),
                 400, "WEAK_PASSWORD", "new_password")
    new = new_password()
    r = c.post("/api/v1/me/password", json={"old_password": citizen.password, "new_password": new})
    assert r.status_code == 200 and r.json() == {"ok": True}, r.text
    expect_error(login(Client(citizen.base), citizen.id_number, citizen.password), 401, "LOGIN_FAILED")
    assert login(Client(citizen.base), citizen.id_number, new).status_code == 200


def test_change_password_requires_login(anon):
    r = anon.post("/api/v1/me/password", json={"old_password": "x", "new_password": "New#Passw0rd"})
    expect_error(r, 401, "UNAUTHENTICATED")


def test_password_reset_by_sms(aged_citizen):
    citizen = aged_citizen
    c = Client(citizen.base)
    code = request_code(c, citizen.phone, "reset")
    new = new_password()
    expect_error(c.post("/api/v1/auth/password-reset",
                        json={"phone": citizen.phone, "sms_code": "000000" if code != "000000" else "111111",
                              "new_password": new}), 400, "SMS_CODE_INVALID", "sms_code")
    expect_error(c.post("/api/v1/auth/password-reset",
                        json={"phone": citizen.phone, "sms_code": code, "new_password": "weakweak"}),
                 400, "WEAK_PASSWORD", "new_password")
    r = c.post("/api/v1/auth/password-reset", json={"phone": citizen.phone, "sms_code": code, "new_password": new})
    assert r.status_code == 200 and r.json() == {"ok": True}, r.text
    # single use
    r = c.post("/api/v1/auth/password-reset", json={"phone": citizen.phone, "sms_code": code,
                                                    "new_password": new_password()})
    assert r.status_code == 400 and r.json()["error"]["code"] in ("SMS_CODE_INVALID", "SMS_CODE_EXPIRED"), r.text
    expect_error(login(Client(citizen.base), citizen.phone, citizen.password), 401, "LOGIN_FAILED")
    assert login(Client(citizen.base), citizen.phone, new).status_code == 200


def test_password_reset_unknown_phone_no_probing(aged_citizen, anon):
    citizen = aged_citizen
    known = anon.post("/api/v1/auth/sms-code", json={"phone": citizen.phone, "purpose": "reset"})
    phone = new_phone()
    unknown = Client(anon.base).post("/api/v1/auth/sms-code", json={"phone": phone, "purpose": "reset"})
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    assert sms_outbox(anon.base, phone) == [], "an SMS was sent to an unregistered phone"


# ---------------------------------------------------------------- CSRF


def test_csrf_missing_token(citizen):
    c = citizen.client
    body = {"old_password": "Wrong#Pass1", "new_password": "New#Passw0rd"}
    # positive control: with the token the request reaches the handler
    expect_error(c.post("/api/v1/me/password", json=body), 400, "PASSWORD_MISMATCH")
    expect_error(c.post("/api/v1/me/password", json=body, csrf=False), 403, "CSRF_FAILED")
    expect_error(c.post("/api/v1/me/password", json=body, headers={"X-CSRF-Token": "0" * 43}), 403, "CSRF_FAILED")
    expect_error(c.post("/api/v1/me/password", json=body, headers={"X-CSRF-Token": ""}), 403, "CSRF_FAILED")
    # logout without the token does not log out
    expect_error(c.post("/api/v1/auth/logout", csrf=False), 403, "CSRF_FAILED")
    assert c.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("path,kind", [("/api/v1/cases", "json"), ("/api/v1/uploads", "multipart"),
                                       ("/api/v1/me/password", "json"), ("/api/v1/auth/logout", "json")])
def test_csrf_required_on_writes(citizen, path, kind):
    c = citizen.client
    if kind == "multipart":
        r = c.post(path, files={"file": ("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}, csrf=False)
    else:
        r = c.post(path, json={}, csrf=False)
    expect_error(r, 403, "CSRF_FAILED")


def test_csrf_token_of_another_session(citizen_factory):
    a, b = citizen_factory(), citizen_factory()
    r = a.client.post("/api/v1/me/password", json={"old_password": "x", "new_password": "New#Passw0rd"},
                      headers={"X-CSRF-Token": b.client.csrf})
    expect_error(r, 403, "CSRF_FAILED")


@pytest.mark.parametrize("origin", ["http://evil.example", "https://127.0.0.1.evil.example", "http://localhost:1"])
def test_csrf_foreign_origin(citizen, origin):
    c = citizen.client
    body = {"old_password": "Wrong#Pass1", "new_password": "New#Passw0rd"}
    r = c.post("/api/v1/me/password", json=body, headers={"Origin": origin})
    expect_error(r, 403, "CSRF_FAILED")


def test_csrf_same_origin_ok(citizen):
    c = citizen.client
    body = {"old_password": "Wrong#Pass1", "new_password": "New#Passw0rd"}
    r = c.post("/api/v1/me/password", json=body, headers={"Origin": citizen.base})
    expect_error(r, 400, "PASSWORD_MISMATCH")


def test_foreign_origin_refused_on_login(citizen):
    # login-CSRF: a foreign page must not log the browser into an attacker's account
    r = Client(citizen.base).post("/api/v1/auth/login", json={"account": citizen.id_number,
                                                             "password": citizen.password},
                                  headers={"Origin": "http://evil.example"})
    expect_error(r, 403, "CSRF_FAILED")


# ---------------------------------------------------------------- realms


def test_citizen_cookie_not_staff(citizen):
    c = citizen.client
    expect_error(c.get("/api/v1/staff/me"), 401, "UNAUTHENTICATED")
    expect_error(c.get("/api/v1/admin/sms-outbox", params={"phone": citizen.phone}), 401, "UNAUTHENTICATED")
    # the citizen session id presented under the staff cookie name
    forged = Client(citizen.base)
    forged.s.cookies.set("tb_staff_sid", c.cookie("tb_sid"), domain="127.0.0.1", path="/")
    forged.csrf = c.csrf
    expect_error(forged.get("/api/v1/staff/me"), 401, "UNAUTHENTICATED")
    expect_error(forged.get("/api/v1/admin/sms-outbox", params={"phone": citizen.phone}), 401, "UNAUTHENTICATED")


def test_staff_cookie_not_citizen(server):
    from conftest import staff_session
    admin = staff_session(server.base)
    expect_error(admin.get("/api/v1/me"), 401, "UNAUTHENTICATED")
    expect_error(admin.get("/api/v1/cases"), 401, "UNAUTHENTICATED")
    r = admin.post("/api/v1/uploads", files={"file": ("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})
    expect_error(r, 401, "UNAUTHENTICATED")
    forged = Client(server.base)
    forged.s.cookies.set("tb_sid", admin.cookie("tb_staff_sid"), domain="127.0.0.1", path="/")
    expect_error(forged.get("/api/v1/me"), 401, "UNAUTHENTICATED")
    expect_error(forged.get("/api/v1/cases"), 401, "UNAUTHENTICATED")


def test_citizen_cannot_staff_login(citizen):
    r = Client(citizen.base).post("/api/v1/staff/auth/login",
                                  json={"login": citizen.id_number, "password": citizen.password})
    expect_error(r, 401, "LOGIN_FAILED")


def test_no_password_material_in_responses(citizen):
    c = citizen.client
    for path in ("/api/v1/me", "/api/v1/cases"):
        r = c.get(path)
        assert citizen.password not in r.text
        assert "password" not in r.text.lower() or "password" in path, f"{path}: {r.text[:300]}"


def test_secure_cookies_setting(tmp_path):
    """secure_cookies = true (behind a TLS proxy) adds Secure to the session cookie."""
    from conftest import Server
    srv = Server(str(tmp_path), database=str(tmp_path / "secure.db"),
                 extra_env={"TONGBAN_SECURE_COOKIES": "true"})
    srv.start()
    try:
        c = Citizen(srv.base)
        c.register()
        r = login(c.client, c.id_number, c.password)
        assert r.status_code == 200, r.text
        sc = set_cookie_attrs(r, "tb_sid")
        assert sc and "secure" in sc.lower(), f"no Secure attribute with secure_cookies = true: {sc}"
    finally:
        srv.stop()
