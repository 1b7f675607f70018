"""The message center's front half: templates with versions, registered
applications with signed requests, single and batch sending, idempotency,
scheduled sending, per-recipient limits, the delivery log search, statistics
and re-send, and who may do what. Delivery itself (providers, retries,
breaker, crash safety) is tested in test_delivery.py."""
import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests

from conftest import Client, expect_error, make_citizen, new_id_number, new_phone, sms_outbox
from test_work import staff_client


def sign(secret, body, ts=None):
    ts = str(int(time.time()) if ts is None else ts)
    mac = hmac.new(secret.encode(), (ts + "\n").encode() + body, "sm3").hexdigest()
    return ts, mac


def app_post(base, app, secret, path, doc, ts=None, tamper=False):
    body = json.dumps(doc, ensure_ascii=False).encode()
    t, mac = sign(secret, body, ts)
    if tamper:
        body = body.replace(b"}", b" }", 1)
    return requests.post(base + path, data=body, timeout=30, headers={
        "Content-Type": "application/json", "X-Tongban-App": app, "X-Tongban-Timestamp": t,
        "X-Tongban-Signature": mac})


def app_get(base, app, secret, path):
    t, mac = sign(secret, b"")
    return requests.get(base + path, timeout=30, headers={"X-Tongban-App": app, "X-Tongban-Timestamp": t,
                                                          "X-Tongban-Signature": mac})


@pytest.fixture(scope="module")
def admin(server):
    return staff_client(server, "sys_admin")


def new_code(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def tpl(admin):
    code = new_code("case.done")
    r = admin.post("/api/v1/admin/msg/templates", json={
        "code": code, "channel": "sms", "name": "办结通知",
        "body": "【黑龙江公安】您的办件{{serial}}已办结，结果：{{result}}。"})
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["version"] == 1 and t["variables"] == ["serial", "result"]
    return code


@pytest.fixture(scope="module")
def app(admin, tpl):
    code = new_code("bizsys")
    r = admin.post("/api/v1/admin/msg/apps", json={"code": code, "name": "出入境业务系统", "templates": [tpl],
                                                    "per_minute": 1000})
    assert r.status_code == 201, r.text
    a = r.json()
    assert len(a["secret"]) >= 40 and a["templates"] == [tpl]
    return code, a["secret"]


def test_template_versions(admin, tpl):
    r = admin.post("/api/v1/admin/msg/templates", json={
        "code": tpl, "channel": "sms", "name": "办结通知",
        "body": "【黑龙江公安】办件{{serial}}已办结：{{result}}，请评价。"})
    assert r.status_code == 201 and r.json()["version"] == 2
    r = admin.get(f"/api/v1/admin/msg/templates/{tpl}")
    assert r.status_code == 200, r.text
    assert [v["version"] for v in r.json()["items"]] == [2, 1]
    listed = {t["code"]: t["version"] for t in admin.get("/api/v1/admin/msg/templates").json()["items"]}
    assert listed[tpl] == 2
    # bad input
    expect_error(admin.post("/api/v1/admin/msg/templates", json={"code": "1bad", "channel": "sms", "name": "x",
                                                                   "body": "【x】y"}), 400, "INVALID_FIELD", "code")
    expect_error(admin.post("/api/v1/admin/msg/templates", json={"code": "a.b", "channel": "fax", "name": "x",
                                                                   "body": "【x】y"}), 400, "INVALID_FIELD", "channel")
    expect_error(admin.post("/api/v1/admin/msg/templates", json={"code": "a.b", "channel": "sms", "name": "x",
                                                                   "body": "no signature"}), 400, "INVALID_FIELD",
                 "body")
    expect_error(admin.get("/api/v1/admin/msg/templates/none.such"), 404, "TEMPLATE_NOT_FOUND")


def test_send_and_idempotency(server, app, tpl):
    code, secret = app
    phone = new_phone()
    key = uuid.uuid4().hex
    doc = {"template": tpl, "to": phone, "vars": {"serial": "2301022026112900001", "result": "准予许可"},
           "idempotency_key": key}
    r = app_post(server.base, code, secret, "/api/v1/msg/send", doc)
    assert r.status_code == 202, r.text
    first = r.json()
    assert first["duplicate"] is False and first["status"] in ("accepted", "delivered")
    # the sandbox provider delivered it: the newest template version's text is in the outbox
    texts = [m["text"] for m in sms_outbox(server.base, phone)]
    assert texts == ["【黑龙江公安】办件2301022026112900001已办结：准予许可，请评价。"]
    # the same request again: same message, nothing sent twice
    r = app_post(server.base, code, secret, "/api/v1/msg/send", doc)
    assert r.status_code == 200 and r.json()["id"] == first["id"] and r.json()["duplicate"] is True
    assert len(sms_outbox(server.base, phone)) == 1
    # the status of one's own message
    r = app_get(server.base, code, secret, f"/api/v1/msg/messages/{first['id']}")
    assert r.status_code == 200 and r.json()["status"] == "delivered" and r.json()["to"] != phone
    assert phone[-4:] in r.json()["to"] and "body" not in r.json()
    # an older version on request
    r = app_post(server.base, code, secret, "/api/v1/msg/send", dict(doc, idempotency_key=None, version=1))
    assert r.status_code == 202
    assert "结果：准予许可" in sms_outbox(server.base, phone)[0]["text"]


def test_signature_required(server, app, tpl):
    code, secret = app
    doc = {"template": tpl, "to": new_phone(), "vars": {"serial": "1", "result": "x"}}
    expect_error(app_post(server.base, code, "wrong-secret", "/api/v1/msg/send", doc), 401, "APP_SIGNATURE_INVALID")
    expect_error(app_post(server.base, code, secret, "/api/v1/msg/send", doc, tamper=True), 401,
                 "APP_SIGNATURE_INVALID")
    expect_error(app_post(server.base, code, secret, "/api/v1/msg/send", doc, ts=int(time.time()) - 3600), 401,
                 "APP_SIGNATURE_INVALID")
    expect_error(app_post(server.base, "no-such-app", secret, "/api/v1/msg/send", doc), 401, "APP_SIGNATURE_INVALID")
    r = requests.post(server.base + "/api/v1/msg/send", json=doc, timeout=10)
    expect_error(r, 401, "APP_SIGNATURE_INVALID")


def test_send_refusals(server, admin, app, tpl):
    code, secret = app
    other = new_code("other")
    r = admin.post("/api/v1/admin/msg/templates", json={"code": other, "channel": "sms", "name": "其他",
                                                         "body": "【黑龙江公安】{{x}}"})
    assert r.status_code == 201
    expect_error(app_post(server.base, code, secret, "/api/v1/msg/send",
                          {"template": other, "to": new_phone(), "vars": {"x": "1"}}), 403, "TEMPLATE_NOT_ALLOWED",
                 "template")
    expect_error(app_post(server.base, code, secret, "/api/v1/msg/send",
                          {"template": tpl, "to": new_phone(), "vars": {"serial": "1"}}), 422,
                 "TEMPLATE_VARIABLE_MISSING", "vars.result")
    expect_error(app_post(server.base, code, secret, "/api/v1/msg/send",
                          {"template": tpl, "to": "12345", "vars": {"serial": "1", "result": "x"}}), 400,
                 "INVALID_PHONE", "to")
    expect_error(app_post(server.base, code, secret, "/api/v1/msg/send",
                          {"template": tpl, "to": new_phone(), "vars": {"serial": "1", "result": "x"},
                           "send_at": "tomorrow"}), 400, "INVALID_FIELD", "send_at")
    expect_error(app_post(server.base, code, secret, "/api/v1/msg/send",
                          {"template": tpl, "to": new_phone(), "vars": {}, "unexpected": 1}), 400, "UNKNOWN_FIELD")


def test_scheduled_message_waits(server, app, tpl):
    code, secret = app
    phone = new_phone()
    r = app_post(server.base, code, secret, "/api/v1/msg/send",
                 {"template": tpl, "to": phone, "vars": {"serial": "9", "result": "ok"},
                  "send_at": str(int(time.time()) + 3600)})
    assert r.status_code == 202 and r.json()["status"] == "accepted", r.text
    assert sms_outbox(server.base, phone) == []
    rows = server.sql("SELECT status, send_at - created_at FROM messages WHERE id = ?", (r.json()["id"],))
    assert rows[0][0] == "accepted" and int(rows[0][1]) >= 3500


def test_batch(server, app, tpl):
    code, secret = app
    phones = [new_phone() for _ in range(3)]
    msgs = [{"template": tpl, "to": p, "vars": {"serial": str(i), "result": "ok"}} for i, p in enumerate(phones)]
    msgs.insert(1, {"template": tpl, "to": "bad", "vars": {"serial": "x", "result": "y"}})
    r = app_post(server.base, code, secret, "/api/v1/msg/send-batch", {"messages": msgs})
    assert r.status_code == 202, r.text
    items = r.json()["items"]
    assert len(items) == 4, items
    assert [("error" in it) for it in items] == [False, True, False, False]
    assert items[1]["error"]["code"] == "INVALID_PHONE" and items[1]["index"] == 1
    for p in phones:
        assert len(sms_outbox(server.base, p)) == 1
    expect_error(app_post(server.base, code, secret, "/api/v1/msg/send-batch", {"messages": []}), 400,
                 "INVALID_FIELD", "messages")


def test_per_recipient_limit(server, app, tpl):
    code, secret = app
    phone = new_phone()
    for i in range(20):
        r = app_post(server.base, code, secret, "/api/v1/msg/send",
                     {"template": tpl, "to": phone, "vars": {"serial": str(i), "result": "ok"}})
        assert r.status_code == 202, r.text
    expect_error(app_post(server.base, code, secret, "/api/v1/msg/send",
                          {"template": tpl, "to": phone, "vars": {"serial": "x", "result": "ok"}}), 429,
                 "RATE_LIMITED", "to")


def test_app_admin_and_secret_rotation(server, admin, app, tpl):
    code, secret = app
    assert all("secret" not in a for a in admin.get("/api/v1/admin/msg/apps").json()["items"])
    r = admin.post(f"/api/v1/admin/msg/apps/{code}/rotate-secret")
    assert r.status_code == 200
    fresh = r.json()["secret"]
    doc = {"template": tpl, "to": new_phone(), "vars": {"serial": "1", "result": "x"}}
    expect_error(app_post(server.base, code, secret, "/api/v1/msg/send", doc), 401, "APP_SIGNATURE_INVALID")
    assert app_post(server.base, code, fresh, "/api/v1/msg/send", doc).status_code == 202
    # disabled applications cannot send
    r = admin.put(f"/api/v1/admin/msg/apps/{code}", json={"status": "disabled"})
    assert r.status_code == 200 and r.json()["status"] == "disabled"
    expect_error(app_post(server.base, code, fresh, "/api/v1/msg/send", doc), 401, "APP_SIGNATURE_INVALID")
    r = admin.put(f"/api/v1/admin/msg/apps/{code}", json={"status": "active"})
    assert r.status_code == 200
    # bad input
    expect_error(admin.post("/api/v1/admin/msg/apps", json={"code": code, "name": "dup"}), 409, "CONFLICT", "code")
    expect_error(admin.post("/api/v1/admin/msg/apps", json={"code": "platform", "name": "x"}), 400, "INVALID_FIELD",
                 "code")
    expect_error(admin.post("/api/v1/admin/msg/apps", json={"code": new_code("a"), "name": "x",
                                                             "templates": ["no.such.template"]}), 404,
                 "TEMPLATE_NOT_FOUND", "templates")
    expect_error(admin.post("/api/v1/admin/msg/apps", json={"code": new_code("a"), "name": "x",
                                                             "callback_url": "ftp://x"}), 400, "INVALID_FIELD",
                 "callback_url")
    expect_error(admin.put("/api/v1/admin/msg/apps/no-such", json={"name": "x"}), 404, "APP_NOT_FOUND")
    # the rotation and the status change are audited
    audit = server.sql("SELECT action FROM audit_log WHERE object = ? AND action LIKE 'notify.app.%' ORDER BY id",
                       (code,))
    assert [a[0] for a in audit][-3:] == ["notify.app.rotate_secret", "notify.app.update", "notify.app.update"], audit
    assert [a[0] for a in audit][-3:] == ["notify.app.rotate_secret", "notify.app.update", "notify.app.update"]


def test_log_search_stats_and_resend(server, admin, tpl):
    phone = new_phone()
    # a platform SMS (a booking code) is in the log too
    a = Client(server.base)
    assert a.post("/api/v1/auth/sms-code", json={"phone": phone, "purpose": "booking"}).status_code == 200
    r = admin.get("/api/v1/admin/msg/messages", params={"recipient": phone})
    items = r.json()["items"]
    assert r.status_code == 200 and len(items) == 1 and items[0]["app"] == "platform"
    assert items[0]["status"] == "delivered" and items[0]["to"] != phone and items[0]["purpose"] == "booking"
    mid = items[0]["id"]
    assert server.sql("SELECT action FROM audit_log WHERE action = 'notify.message.search'")
    # a message that died is re-sent on request; a delivered one is not
    expect_error(admin.post(f"/api/v1/admin/msg/messages/{mid}/resend"), 409, "CONFLICT", "id")
    server.sql("UPDATE messages SET status = 'dead', attempts = 6, error = 'provider down' WHERE id = ?", (mid,))
    r = admin.post(f"/api/v1/admin/msg/messages/{mid}/resend")
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["error"] is None
    expect_error(admin.post("/api/v1/admin/msg/messages/999999999/resend"), 404, "MESSAGE_NOT_FOUND")
    # statistics add up
    s = admin.get("/api/v1/admin/msg/stats").json()
    assert s["total"] == sum(row["count"] for row in s["rows"]) and s["total"] >= s["delivered"] > 0
    assert 0 < s["delivery_rate"] <= 1
    expect_error(admin.get("/api/v1/admin/msg/stats", params={"from": "2026-13-01"}), 400, "INVALID_FIELD", "from")


def test_who_may_administer(server):
    citizen = make_citizen(server.base).client
    expect_error(citizen.get("/api/v1/admin/msg/templates"), 401, "UNAUTHENTICATED")
    officer = staff_client(server, "accept_officer")
    for path in ("/api/v1/admin/msg/templates", "/api/v1/admin/msg/apps", "/api/v1/admin/msg/messages",
                 "/api/v1/admin/msg/stats"):
        expect_error(officer.get(path), 403, "FORBIDDEN")


def test_inbox_and_preferences(server):
    c = make_citizen(server.base).client
    r = c.get("/api/v1/me/notify-prefs")
    prefs = {p["kind"]: p for p in r.json()["items"]}
    assert prefs["booking"]["sms"] is True and prefs["security"]["fixed"] is True
    r = c.put("/api/v1/me/notify-prefs/booking", json={"sms": False})
    assert r.status_code == 200 and r.json()["sms"] is False
    assert {p["kind"]: p["sms"] for p in c.get("/api/v1/me/notify-prefs").json()["items"]}["booking"] is False
    expect_error(c.put("/api/v1/me/notify-prefs/security", json={"sms": False}), 400, "INVALID_FIELD", "kind")
    r = c.get("/api/v1/me/messages")
    assert r.status_code == 200 and r.json()["unread"] == r.json()["total"]
    expect_error(c.post("/api/v1/me/messages/999999999/read"), 404, "NOT_FOUND")
    expect_error(Client(server.base).get("/api/v1/me/messages"), 401, "UNAUTHENTICATED")


def test_in_app_messages_from_an_application(server, admin):
    """An application's inapp template goes to the account named by ID number, unified social credit code or
    staff:<login>, into 我的消息 / the work portal's 消息, in the accepting transaction (status delivered)."""
    code = new_code("doc.ready")
    r = admin.post("/api/v1/admin/msg/templates", json={
        "code": code, "channel": "inapp", "name": "证件领取提醒", "subject": "{{doc}}已可领取",
        "body": "{{name}}您好，您申请的{{doc}}已制证完成，请到{{hall}}领取。"})
    assert r.status_code == 201, r.text
    plain = new_code("notice")
    assert admin.post("/api/v1/admin/msg/templates", json={"code": plain, "channel": "inapp", "name": "业务提醒",
                                                            "body": "请及时查看办件进度。"}).status_code == 201
    r = admin.post("/api/v1/admin/msg/apps", json={"code": new_code("crj"), "name": "出入境业务系统",
                                                    "templates": [code, plain]})
    app, secret = r.json()["code"], r.json()["secret"]
    person, company = make_citizen(server.base), make_citizen(server.base, "legal")
    vars_ = {"name": "张三", "doc": "普通护照", "hall": "道里区出入境大厅"}
    key = uuid.uuid4().hex
    doc = {"template": code, "to": person.id_number, "vars": vars_, "idempotency_key": key}
    r = app_post(server.base, app, secret, "/api/v1/msg/send", doc)
    assert r.status_code == 202 and r.json()["status"] == "delivered", r.text
    assert app_post(server.base, app, secret, "/api/v1/msg/send", doc).json()["duplicate"] is True
    items = [m for m in person.get("/api/v1/me/messages").json()["items"] if m["kind"] == "app"]
    assert [(m["title"], m["body"]) for m in items] == [
        ("普通护照已可领取", "张三您好，您申请的普通护照已制证完成，请到道里区出入境大厅领取。")]
    row = app_get(server.base, app, secret, f"/api/v1/msg/messages/{r.json()['id']}").json()
    assert row["channel"] == "inapp" and row["provider"] == "inbox" and person.id_number not in row["to"]
    # a legal person by its credit code; without a subject the title is the template's name
    r = app_post(server.base, app, secret, "/api/v1/msg/send", {"template": plain, "to": company.uscc})
    assert r.status_code == 202, r.text
    assert [m["title"] for m in company.get("/api/v1/me/messages").json()["items"] if m["kind"] == "app"] == ["业务提醒"]
    # staff by login, in a batch
    officer = staff_client(server, "accept_officer")
    login = officer.get("/api/v1/staff/me").json()["staff"]["login"]
    r = app_post(server.base, app, secret, "/api/v1/msg/send-batch", {"messages": [
        {"template": plain, "to": f"staff:{login}"}, {"template": plain, "to": "staff:no-such-login"},
        {"template": plain, "to": person.phone}, {"template": plain, "to": new_id_number()},
        {"template": plain, "to": person.id_number, "send_at": str(int(time.time()) + 600)}]})
    assert r.status_code == 202, r.text
    out = r.json()["items"]
    assert out[0]["status"] == "delivered"
    assert [(o["error"]["code"], o["error"]["field"]) for o in out[1:]] == [("INVALID_FIELD", "to")] * 3 + [
        ("INVALID_FIELD", "send_at")]
    assert any(m["kind"] == "app" and m["title"] == "业务提醒" for m in officer.get("/api/v1/staff/messages").json()["items"])
