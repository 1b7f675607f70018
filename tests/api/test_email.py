"""The bound e-mail address (issue 5, §1-1-3-7-3 更换邮箱): the first binding behind the SMS second
factor and a code to the new address; a change with a code to the old address, then to the new; the
notices to the old address, the phone and 我的消息; unbinding; codes per address, case-insensitive and
rate-limited; per-session windows; deregistration clears the address; delivery over real SMTP."""

import email
import email.policy
import re
import time
import uuid

import pytest
import requests

from conftest import TB_TEST_PG, Client, Server, expect_error, make_citizen, pg_scratch_database, sms_outbox
from test_account import audit_count, elevate, inbox, wrong
from test_delivery import MockSMTP


def new_email(domain="example.cn"):
    return f"u{uuid.uuid4().hex[:10]}@{domain}"


def email_outbox(base, address):
    r = requests.get(base + "/api/v1/sandbox/email-outbox", params={"email": address}, timeout=10)
    assert r.status_code == 200, f"sandbox e-mail outbox: {r.status_code} {r.text[:300]}"
    items = r.json()["items"]
    for it in items:
        assert it["email"] == address.lower(), it
    return items


def wait_mail(base, address, purpose, newer_than=0, timeout=15):
    """The newest e-mail for purpose to address after outbox id newer_than."""
    deadline = time.time() + timeout
    while True:
        items = [it for it in email_outbox(base, address) if it["purpose"] == purpose and it["id"] > newer_than]
        if items:
            return max(items, key=lambda it: it["id"])
        assert time.time() < deadline, f"no {purpose} e-mail to {address}"
        time.sleep(0.2)


def mail_code(base, address, purpose, newer_than=0):
    text = wait_mail(base, address, purpose, newer_than)["text"]
    m = re.search(r"(?<!\d)(\d{6})(?!\d)", text)
    assert m, f"no 6-digit code in {text!r}"
    return m.group(1)


def last_mail_id(base, address):
    return max([it["id"] for it in email_outbox(base, address)] or [0])


def masked(address):
    local, domain = address.lower().split("@")
    return f"{local[0]}***@{domain}"


def bind(c, address, elevated=False):
    """Binds address to citizen c the first time (second factor, code to the new address)."""
    if not elevated:
        elevate(c)
    assert c.post("/api/v1/me/email/new-code", json={"email": address}).status_code == 200
    code = mail_code(c.base, address, "email_new")
    r = c.post("/api/v1/me/email", json={"email": address, "email_code": code})
    assert r.status_code == 200, r.text
    return r.json()


def verify_old(c, address):
    before = last_mail_id(c.base, address)
    r = c.post("/api/v1/me/email/old-code")
    assert r.status_code == 200, r.text
    assert r.json()["email_masked"] == masked(address)
    code = mail_code(c.base, address, "email_old", before)
    r = c.post("/api/v1/me/email/verify-old", json={"email_code": code})
    assert r.status_code == 200 and r.json()["verified"] is True, r.text


def test_first_binding_needs_the_second_factor_and_a_code_to_the_address(server, citizen):
    c, uid = citizen, citizen.client.user["id"]
    address = new_email()
    r = c.get("/api/v1/me/email")
    assert r.status_code == 200 and r.json() == {"bound": False, "email_masked": None, "email": None}
    expect_error(c.post("/api/v1/me/email/old-code"), 409, "EMAIL_NOT_BOUND")
    expect_error(c.post("/api/v1/me/email/new-code", json={"email": address}), 403, "ELEVATION_REQUIRED")
    elevate(c)
    for bad in ("no-at-sign", "a@b", "a b@example.cn", "x" * 250 + "@example.cn"):
        expect_error(c.post("/api/v1/me/email/new-code", json={"email": bad}), 400, "INVALID_EMAIL", "email")
    # typed with capitals: stored, sent to and compared lower-case
    typed = address.replace("u", "U", 1).replace("example", "Example")
    r = c.post("/api/v1/me/email/new-code", json={"email": typed})
    assert r.status_code == 200, r.text
    assert r.json()["email_masked"] == masked(address) and r.json()["resend_after"] == 60
    mail = wait_mail(server.base, address, "email_new")
    assert mail["text"].startswith("【黑龙江公安】邮箱验证码\n") and "绑定邮箱" in mail["text"]
    code = mail_code(server.base, address, "email_new")
    expect_error(c.post("/api/v1/me/email", json={"email": address, "email_code": wrong(code)}), 400,
                 "EMAIL_CODE_INVALID", "email_code")
    expect_error(c.post("/api/v1/me/email", json={"email": new_email(), "email_code": code}), 400,
                 "EMAIL_CODE_INVALID", "email_code")  # a code belongs to its address
    r = c.post("/api/v1/me/email", json={"email": typed, "email_code": code})
    assert r.status_code == 200 and r.json() == {"bound": True, "email_masked": masked(address)}, r.text
    assert c.get("/api/v1/me/email").json() == {"bound": True, "email_masked": masked(address), "email": address}
    # single use
    expect_error(c.post("/api/v1/me/email", json={"email": address, "email_code": code}), 409,
                 "EMAIL_OLD_NOT_VERIFIED")
    enc = server.sql("SELECT email_enc FROM citizens WHERE id = ?", (uid,))[0][0]
    assert enc.startswith("s4:") and address not in enc
    assert any(m["title"] == "绑定邮箱已变更" and masked(address) in m["body"] for m in inbox(c))
    assert audit_count(server, "citizen.email_bind", f"citizen:{uid}") == 1


def test_change_needs_the_old_address_then_the_new(server, citizen_factory):
    c, other = citizen_factory(), citizen_factory()
    uid = c.client.user["id"]
    old, new = new_email(), new_email("mail.example.cn")
    bind(c, old)
    # elevated or not, a bound address must be proved first
    expect_error(c.post("/api/v1/me/email/new-code", json={"email": new}), 409, "EMAIL_OLD_NOT_VERIFIED")
    before = last_mail_id(server.base, old)
    assert c.post("/api/v1/me/email/old-code").status_code == 200
    code_old = mail_code(server.base, old, "email_old", before)
    expect_error(c.post("/api/v1/me/email/verify-old", json={"email_code": wrong(code_old)}), 400,
                 "EMAIL_CODE_INVALID", "email_code")
    r = c.post("/api/v1/me/email/verify-old", json={"email_code": code_old})
    assert r.status_code == 200 and r.json() == {"verified": True, "expires_in": 600}
    # the window belongs to this session: another session of the same citizen, or another citizen, has none
    second = Client(server.base)
    r = second.post("/api/v1/auth/login", json={"account": c.account, "password": c.password})
    second.csrf = r.json()["csrf_token"]
    expect_error(second.post("/api/v1/me/email/new-code", json={"email": new}), 409, "EMAIL_OLD_NOT_VERIFIED")
    expect_error(other.post("/api/v1/me/email/new-code", json={"email": new}), 403, "ELEVATION_REQUIRED")
    expect_error(c.post("/api/v1/me/email/new-code", json={"email": old.upper()}), 400, "EMAIL_SAME", "email")
    assert c.post("/api/v1/me/email/new-code", json={"email": new}).status_code == 200
    code_new = mail_code(server.base, new, "email_new")
    r = c.post("/api/v1/me/email", json={"email": new, "email_code": code_new})
    assert r.status_code == 200 and r.json()["email_masked"] == masked(new), r.text
    # the old address, the phone's inbox and the audit hear of it; the window is spent
    notice = wait_mail(server.base, old, "security")
    assert "更换为" + masked(new) in notice["text"] and notice["text"].startswith("【黑龙江公安】账号绑定邮箱变更提醒")
    assert any(m["title"] == "绑定邮箱已变更" and "更换为" in m["body"] for m in inbox(c))
    deadline = time.time() + 15
    while not any("邮箱" in it["text"] and "更换为" in it["text"] for it in sms_outbox(server.base, c.phone)):
        assert time.time() < deadline, "no SMS notice of the e-mail change"
        time.sleep(0.2)
    expect_error(c.post("/api/v1/me/email/new-code", json={"email": new_email()}), 409, "EMAIL_OLD_NOT_VERIFIED")
    assert audit_count(server, "citizen.email_change", f"citizen:{uid}") == 1
    assert c.get("/api/v1/me/email").json()["email_masked"] == masked(new)
    assert other.get("/api/v1/me/email").json() == {"bound": False, "email_masked": None, "email": None}


def test_codes_are_rate_limited_per_address(server, citizen):
    c = citizen
    address = new_email()
    elevate(c)
    assert c.post("/api/v1/me/email/new-code", json={"email": address}).status_code == 200
    expect_error(c.post("/api/v1/me/email/new-code", json={"email": address.upper()}), 429, "SMS_TOO_FREQUENT",
                 "email")
    assert c.post("/api/v1/me/email/new-code", json={"email": new_email()}).status_code == 200
    # five wrong tries burn the code
    code = mail_code(server.base, address, "email_new")
    for _ in range(5):
        c.post("/api/v1/me/email", json={"email": address, "email_code": wrong(code)})
    r = c.post("/api/v1/me/email", json={"email": address, "email_code": code})
    assert r.status_code == 400 and r.json()["error"]["code"] in ("EMAIL_CODE_INVALID", "EMAIL_CODE_EXPIRED"), r.text
    assert c.get("/api/v1/me/email").json()["bound"] is False


def test_unbind_needs_the_second_factor(server, citizen_factory):
    c = citizen_factory()
    uid = c.client.user["id"]
    address = new_email()
    expect_error(c.client.delete("/api/v1/me/email"), 403, "ELEVATION_REQUIRED")
    elevate(c)
    expect_error(c.client.delete("/api/v1/me/email"), 409, "EMAIL_NOT_BOUND")
    bind(c, address, elevated=True)
    r = c.client.delete("/api/v1/me/email")
    assert r.status_code == 200 and r.json() == {"bound": False}
    assert c.get("/api/v1/me/email").json()["bound"] is False
    assert "已解除绑定邮箱" in wait_mail(server.base, address, "security")["text"]
    assert audit_count(server, "citizen.email_unbind", f"citizen:{uid}") == 1
    assert server.sql("SELECT COUNT(*) FROM citizens WHERE id = ? AND email_enc IS NULL", (uid,))[0][0] == 1


def test_routes_need_a_session_and_the_csrf_token(anon, citizen):
    for method, path in (("GET", "/api/v1/me/email"), ("POST", "/api/v1/me/email/old-code"),
                         ("POST", "/api/v1/me/email/new-code"), ("DELETE", "/api/v1/me/email")):
        expect_error(anon.request(method, path, json={"email": new_email()}), 401, "UNAUTHENTICATED")
    r = citizen.client.request("POST", "/api/v1/me/email/new-code", csrf=False, json={"email": new_email()})
    assert r.status_code == 403


def test_deregistration_clears_the_address(server, citizen):
    c, uid = citizen, citizen.client.user["id"]
    bind(c, new_email())
    before = max([it.get("id", 0) for it in sms_outbox(server.base, c.phone)] or [0])
    assert c.post("/api/v1/me/deregister/sms-code").status_code == 200
    deadline = time.time() + 15
    while True:
        items = [it for it in sms_outbox(server.base, c.phone) if it["purpose"] == "deregister" and it["id"] > before]
        if items:
            break
        assert time.time() < deadline
        time.sleep(0.2)
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", max(items, key=lambda i: i["id"])["text"]).group(1)
    assert c.post("/api/v1/me/deregister", json={"sms_code": code}).status_code == 200
    assert server.sql("SELECT COUNT(*) FROM citizens WHERE id = ? AND email_enc IS NULL", (uid,))[0][0] == 1


# ---------------------------------------------------------------- over SMTP


@pytest.fixture(scope="module")
def smtp_server(tmp_path_factory):
    sink = MockSMTP()
    tmp = str(tmp_path_factory.mktemp("email_smtp"))
    database = pg_scratch_database("tb_email_smtp") if TB_TEST_PG else None
    srv = Server(tmp, database=database, extra_env={
        "TONGBAN_SMTP_URL": sink.url, "TONGBAN_SMTP_FROM": "noreply@gaj.example.cn", "TONGBAN_NOTIFY_WORKER_MS": "50"})
    srv.start()
    yield srv, sink
    srv.stop()
    sink.close()


def sink_mails(sink, to):
    with sink.lock:
        return [email.message_from_bytes(raw, policy=email.policy.default)
                for _, rcpts, raw in sink.messages if rcpts == [to]]


def test_binding_over_smtp(smtp_server):
    srv, sink = smtp_server
    # with smtp_url set, e-mail leaves the machine: the sandbox outbox does not offer it
    assert requests.get(srv.base + "/api/v1/sandbox/email-outbox", params={"email": "a@example.cn"},
                        timeout=10).status_code == 404
    assert requests.get(srv.base + "/api/v1/meta", timeout=10).json()["sandbox_email"] is False
    c = make_citizen(srv.base)
    address = new_email()
    elevate(c)
    assert c.post("/api/v1/me/email/new-code", json={"email": address}).status_code == 200
    deadline = time.time() + 30
    while not sink_mails(sink, address):
        assert time.time() < deadline, "no code e-mail reached the SMTP sink"
        time.sleep(0.1)
    msg = sink_mails(sink, address)[0]
    assert msg["Subject"] == "【黑龙江公安】邮箱验证码"
    body = msg.get_body(preferencelist=("plain",)).get_content()
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", body).group(1)
    r = c.post("/api/v1/me/email", json={"email": address, "email_code": code})
    assert r.status_code == 200 and r.json()["bound"] is True, r.text
