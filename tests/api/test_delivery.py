"""Delivery side of the message center (issue 5, §3-1-1-6): providers, retries, breaker, fail-over, leases.

Mock providers run inside the test process:
- MockSMS: the SMS provider API (http.server on 127.0.0.1). It checks every request's HMAC-SM3 signature
  ("<X-Tongban-Timestamp>\\n<body>" under the configured secret) and the body's shape, and can fail chosen
  phones a number of times or hang before answering. It also serves as an application's callback receiver.
- MockSMTP: a local SMTP sink (aiosmtpd) that keeps every message it was given.

Queued messages come from the platform's own SMS (POST /api/v1/auth/sms-code becomes a `messages` row
when sms_provider = http) and from the send API of a registered application (e-mail). Moving a failed
row's next_at into the past with Server.sql stands in for waiting out the backoff.
"""

import collections
import email
import email.policy
import hashlib
import hmac
import json
import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from aiosmtpd.controller import Controller

from conftest import (TB_BIN, TB_TEST_PG, Client, Server, assert_refuses_to_start, free_port, new_phone,
                      pg_scratch_database, staff_session)

assert "sm3" in hashlib.algorithms_available, "this Python's OpenSSL lacks SM3"


def sm3_sign(secret, ts, body):
    return hmac.new(secret.encode(), ts.encode() + b"\n" + body, "sm3").hexdigest()


def read_signed_post(handler):
    """A provider mock's request as the platform signs it: (raw body, X-Tongban-Timestamp,
    X-Tongban-Signature, the parsed JSON or None)."""
    body = handler.rfile.read(int(handler.headers.get("Content-Length", "0")))
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    return body, handler.headers.get("X-Tongban-Timestamp", ""), handler.headers.get("X-Tongban-Signature", ""), doc


class MockSMS:
    """An SMS provider API. fail[phone] = n: answer HTTP 500 to the next n requests for that phone
    (-1: always); fail_all: answer 500 to everything; hang: seconds to wait before answering."""

    def __init__(self, secret, callback=False):
        self.secret = secret
        self.callback = callback
        self.lock = threading.Lock()
        self.requests = []      # parsed bodies, in arrival order
        self.bad = []           # requests refused for a bad signature or shape
        self.fail = {}
        self.fail_all = False
        self.hang = 0.0
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body, ts, sig, doc = read_signed_post(self)
                ok = (isinstance(doc, dict) and hmac.compare_digest(sig, sm3_sign(mock.secret, ts, body))
                      and doc.get("ts") == ts and abs(int(ts) - time.time()) < 300)
                if ok and not mock.callback:
                    ok = (isinstance(doc.get("id"), int) and isinstance(doc.get("phone"), str)
                          and isinstance(doc.get("text"), str))
                with mock.lock:
                    if not ok:
                        mock.bad.append((dict(self.headers), body))
                    else:
                        mock.requests.append(doc)
                    failing = ok and (mock.fail_all or mock.fail.get(doc.get("phone"), 0) != 0)
                    if failing and doc.get("phone") in mock.fail and mock.fail[doc["phone"]] > 0:
                        mock.fail[doc["phone"]] -= 1
                    hang = mock.hang
                if hang:
                    time.sleep(hang)
                if not ok:
                    code, answer = 401, {"accepted": False, "error": "签名错误"}
                elif failing:
                    code, answer = 500, {"accepted": False, "error": "模拟故障"}
                else:
                    code, answer = 200, {"accepted": True, "msgid": f"m{doc.get('id')}"}
                out = json.dumps(answer, ensure_ascii=False).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass  # the client went away (killed server)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/sms/send"

    def to(self, phone):
        with self.lock:
            return [d for d in self.requests if d.get("phone") == phone]

    def ids(self):
        with self.lock:
            return collections.Counter(d["id"] for d in self.requests if "id" in d)

    def count(self):
        with self.lock:
            return len(self.requests)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class MockSMTP:
    """A local SMTP sink (aiosmtpd, Debian python3-aiosmtpd) that accepts every message;
    .messages: (mail_from, [rcpt], raw bytes) with the envelope addresses as given in MAIL FROM / RCPT TO."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        mock = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                with mock.lock:
                    mock.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
                return "250 OK queued"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def close(self):
        self.controller.stop()


def wait_for(what, fn, timeout=30, every=0.05):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


def start_server(tmp_path_factory, name, env):
    tmp = str(tmp_path_factory.mktemp(name))
    database = pg_scratch_database(f"tb_delivery_{name}") if TB_TEST_PG else None
    srv = Server(tmp, database=database, extra_env={f"TONGBAN_{k.upper()}": str(v) for k, v in env.items()})
    srv.start()
    return srv


def restart(srv):
    """Starts `tongban serve` again on the same database and data (no migrate/seed/staff)."""
    srv.proc = subprocess.Popen([TB_BIN, "serve"], env=srv.env, cwd=srv.tmp,
                                stdout=open(srv.stdout_path, "ab"), stderr=open(srv.stderr_path, "ab"),
                                start_new_session=True)

    def ready():
        assert srv.proc.poll() is None, f"server exited {srv.proc.returncode}\n{srv.tail()}"
        try:
            return requests.get(srv.base + "/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False
    wait_for("the restarted server", ready, timeout=60)


def sms_code(srv, phone):
    r = Client(srv.base).post("/api/v1/auth/sms-code", json={"phone": phone, "purpose": "register"})
    assert r.status_code == 200, f"sms-code: {r.status_code} {r.text[:300]}"


def row(srv, mid):
    rows = srv.sql("SELECT status, attempts, COALESCE(provider, ''), COALESCE(error, ''), next_at, "
                   "COALESCE(failed_at, 0), COALESCE(delivered_at, 0), COALESCE(lease_until, 0) "
                   "FROM messages WHERE id = ?", (mid,))
    assert rows, f"message {mid} not in messages"
    return dict(zip(("status", "attempts", "provider", "error", "next_at", "failed_at", "delivered_at",
                     "lease_until"), rows[0]))


def wait_row(srv, mid, pred, what, timeout=30):
    return wait_for(f"message {mid}: {what}", lambda: (lambda r: r if pred(r) else None)(row(srv, mid)),
                    timeout=timeout)


def first_request(mock, phone, timeout=30):
    return wait_for(f"the provider to receive an SMS for {phone}", lambda: mock.to(phone), timeout=timeout)[0]


# ---------------------------------------------------------------- start-up checks


@pytest.mark.parametrize("env,needle", [
    ({"TONGBAN_SMS_PROVIDER": "http"}, "sms_http_url"),
    ({"TONGBAN_SMS_PROVIDER": "http", "TONGBAN_SMS_HTTP_URL": "ftp://sms.example.cn/"}, "sms_http_url"),
    ({"TONGBAN_SMS_PROVIDER": "carrier-pigeon"}, "sms_provider"),
    ({"TONGBAN_SMS_FALLBACK_PROVIDER": "http3"}, "sms_fallback_provider"),
    ({"TONGBAN_SMS_FALLBACK_PROVIDER": "http2"}, "sms_http2_url"),
    ({"TONGBAN_SMTP_URL": "http://mail.example.cn"}, "smtp_url"),
])
def test_misconfigured_delivery_refuses_to_start(tmp_path, env, needle):
    assert_refuses_to_start(tmp_path, env, needle)


# ---------------------------------------------------------------- one provider: delivery, retries, crash

SECRET_A = "secret-A-" + os.urandom(8).hex()
SECRET_B = "secret-B-" + os.urandom(8).hex()


@pytest.fixture(scope="module")
def sms_a():
    m = MockSMS(SECRET_A)
    yield m
    m.close()


@pytest.fixture(scope="module")
def srv(tmp_path_factory, sms_a):
    s = start_server(tmp_path_factory, "http", {
        "sms_provider": "http", "sms_http_url": sms_a.url, "sms_http_secret": SECRET_A,
        "notify_max_attempts": 3, "notify_backoff_seconds": 30, "notify_breaker_failures": 1000,
        "notify_worker_ms": 50, "notify_timeout_seconds": 3, "notify_lease_seconds": 5})
    yield s
    s.stop()


def test_sms_delivered_through_http_provider(srv, sms_a):
    phone = new_phone()
    sms_code(srv, phone)
    req = first_request(sms_a, phone)
    assert "验证码" in req["text"] and any(ch.isdigit() for ch in req["text"]), req
    r = wait_row(srv, req["id"], lambda r: r["status"] == "delivered", "delivered")
    assert r["provider"] == "http" and r["attempts"] == 1 and r["error"] == "" and r["lease_until"] == 0
    assert not sms_a.bad, f"requests with a bad signature or shape: {sms_a.bad[:1]}"
    assert sms_a.ids()[req["id"]] == 1
    # with a real provider there is no sandbox outbox to read codes from
    assert requests.get(srv.base + "/api/v1/sandbox/sms-outbox", params={"phone": phone}, timeout=10).status_code == 404


def test_retries_with_doubling_backoff_then_dead(srv, sms_a):
    phone = new_phone()
    sms_a.fail[phone] = -1
    sms_code(srv, phone)
    mid = first_request(sms_a, phone)["id"]
    for attempt, delay in ((1, 30), (2, 60)):
        r = wait_row(srv, mid, lambda r: r["attempts"] == attempt and r["status"] == "failed", f"attempt {attempt}")
        assert r["next_at"] - r["failed_at"] == delay, r
        assert "HTTP 500" in r["error"] and "模拟故障" in r["error"], r
        assert r["provider"] == "http" and r["lease_until"] == 0
        assert sms_a.ids()[mid] == attempt  # nothing is retried before next_at
        srv.sql("UPDATE messages SET next_at = ? WHERE id = ? AND status = 'failed'", (int(time.time()) - 1, mid))
    r = wait_row(srv, mid, lambda r: r["status"] == "dead", "dead")
    assert r["attempts"] == 3 and "模拟故障" in r["error"]
    time.sleep(0.5)  # a dead message is never taken again
    assert sms_a.ids()[mid] == 3
    assert row(srv, mid)["status"] == "dead"


def test_retry_after_failures_delivers(srv, sms_a):
    phone = new_phone()
    sms_a.fail[phone] = 2
    sms_code(srv, phone)
    mid = first_request(sms_a, phone)["id"]
    for attempt in (1, 2):
        wait_row(srv, mid, lambda r: r["attempts"] == attempt and r["status"] == "failed", f"attempt {attempt}")
        srv.sql("UPDATE messages SET next_at = ? WHERE id = ? AND status = 'failed'", (int(time.time()) - 1, mid))
    r = wait_row(srv, mid, lambda r: r["status"] == "delivered", "delivered")
    assert r["attempts"] == 3 and r["provider"] == "http" and r["error"] == ""
    assert sms_a.ids()[mid] == 3


def test_timeout_is_a_failure(srv, sms_a):
    phone = new_phone()
    sms_a.hang = 5  # longer than notify_timeout_seconds = 3
    try:
        sms_code(srv, phone)
        mid = first_request(sms_a, phone)["id"]
        r = wait_row(srv, mid, lambda r: r["status"] == "failed", "failed by timeout", timeout=30)
        assert "超时" in r["error"] and r["attempts"] == 1, r
    finally:
        sms_a.hang = 0


def test_kill9_while_sending_then_lease_redelivers(srv, sms_a):
    """kill -9 with one message in flight at the provider and others still queued: after a restart every
    message is delivered; the one the provider had already received is delivered again (at least once,
    only after its lease ran out); all others exactly once."""
    before = srv.sql("SELECT COALESCE(MAX(id), 0) FROM messages")[0][0]
    seen_before = sms_a.count()
    sms_a.hang = 2.0  # each request takes 2 s (< the 3 s timeout)
    phones = [new_phone() for _ in range(6)]
    for p in phones:
        sms_code(srv, p)
    wait_for("two requests at the provider", lambda: sms_a.count() >= seen_before + 2, timeout=30, every=0.02)
    os.kill(srv.pid(), signal.SIGKILL)
    srv.proc.wait(timeout=10)
    sms_a.hang = 0
    rows = srv.sql("SELECT id, status, COALESCE(lease_until, 0) FROM messages WHERE id > ? ORDER BY id", (before,))
    assert len(rows) == len(phones)
    in_flight = {mid: lease for mid, status, lease in rows if status == "sending"}
    assert in_flight, f"no message was being sent at the kill: {rows}"
    assert any(status == "accepted" for _, status, _ in rows), f"nothing left queued at the kill: {rows}"
    received_at_kill = sms_a.ids()
    assert all(received_at_kill[mid] == 1 for mid in in_flight)

    restart(srv)
    ids = [mid for mid, _, _ in rows]
    wait_for("every message delivered after the restart",
             lambda: all(row(srv, mid)["status"] == "delivered" for mid in ids), timeout=60)
    counts = sms_a.ids()
    for mid in ids:
        if mid in in_flight:
            assert counts[mid] == 2, (mid, counts[mid])  # sent before the crash and again after the lease
            assert row(srv, mid)["delivered_at"] > in_flight[mid] - 1  # retaken only once the lease had expired
        else:
            assert counts[mid] == 1, (mid, counts[mid])
    assert {d["phone"] for d in sms_a.requests if d["id"] in ids} == set(phones)
    assert not sms_a.bad


# ---------------------------------------------------------------- fail-over, breaker, e-mail, callback


@pytest.fixture(scope="module")
def mocks2():
    a, b, cb, smtp = MockSMS(SECRET_A), MockSMS(SECRET_B), MockSMS("unset", callback=True), MockSMTP()
    yield a, b, cb, smtp
    for m in (a, b, cb, smtp):
        m.close()


@pytest.fixture(scope="module")
def srv2(tmp_path_factory, mocks2):
    a, b, _, smtp = mocks2
    s = start_server(tmp_path_factory, "failover", {
        "sms_provider": "http", "sms_http_url": a.url, "sms_http_secret": SECRET_A,
        "sms_fallback_provider": "http2", "sms_http2_url": b.url, "sms_http2_secret": SECRET_B,
        "notify_breaker_failures": 3, "notify_breaker_seconds": 600, "notify_worker_ms": 50,
        "notify_timeout_seconds": 3, "smtp_url": smtp.url, "smtp_from": "noreply@gaj.example.cn"})
    yield s
    s.stop()


def test_breaker_skips_failing_provider_and_fails_over(srv2, mocks2):
    a, b, _, _ = mocks2
    a.fail_all = True
    try:
        phones = [new_phone() for _ in range(7)]
        for p in phones:
            sms_code(srv2, p)
            mid = first_request(b, p)["id"]
            r = wait_row(srv2, mid, lambda r: r["status"] == "delivered", "delivered by the fallback")
            assert r["provider"] == "http2" and r["attempts"] == 1, r  # fail-over within the same attempt
        # the primary was tried until its breaker opened (3 consecutive failures), then skipped
        assert a.count() == 3, [d["phone"] for d in a.requests]
        assert [d["phone"] for d in a.requests] == phones[:3]
        assert sorted(b.ids().values()) == [1] * 7
        assert not a.bad and not b.bad
    finally:
        a.fail_all = False


def test_email_over_smtp_with_chinese_subject_and_callback(srv2, mocks2):
    _, _, cb, smtp = mocks2
    admin = staff_session(srv2.base)
    code = "case_done_mail"
    r = admin.post("/api/v1/admin/msg/templates", json={
        "code": code, "channel": "email", "name": "办结邮件通知",
        "subject": "您的办件{{serial}}已办结", "body": "{{name}}：您好！您申请的普通护照签发已办结，请携带身份证领取。"})
    assert r.status_code == 201, r.text[:300]
    r = admin.post("/api/v1/admin/msg/apps", json={"code": "crj-system", "name": "出入境业务系统",
                                                    "templates": [code], "callback_url": cb.url})
    assert r.status_code == 201, r.text[:300]
    secret = r.json()["secret"]
    cb.secret = secret
    to = "zhang.san@example.cn"
    body = json.dumps({"template": code, "to": to, "idempotency_key": "mail-1",
                       "vars": {"serial": "230102202611280001", "name": "张三"}}, ensure_ascii=False).encode()
    ts = str(int(time.time()))
    r = requests.post(srv2.base + "/api/v1/msg/send", data=body, timeout=10, headers={
        "Content-Type": "application/json", "X-Tongban-App": "crj-system", "X-Tongban-Timestamp": ts,
        "X-Tongban-Signature": sm3_sign(secret, ts, body)})
    assert r.status_code == 202, r.text[:300]
    mid = r.json()["id"]
    rr = wait_row(srv2, mid, lambda r: r["status"] == "delivered", "delivered over SMTP")
    assert rr["provider"] == "smtp" and rr["attempts"] == 1
    assert len(smtp.messages) == 1
    mail_from, rcpts, raw = smtp.messages[0]
    assert mail_from == "noreply@gaj.example.cn" and rcpts == [to]
    assert all(b < 0x80 for b in raw), "the message on the wire must be 7-bit (encoded words, base64 body)"
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "您的办件230102202611280001已办结"
    assert msg["To"] == f"<{to}>" or to in str(msg["To"])
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert msg.get_content().strip() == "张三：您好！您申请的普通护照签发已办结，请携带身份证领取。"
    # the application is told the final status at its callback URL, signed with its own secret
    got = wait_for("the delivery callback", lambda: [d for d in cb.requests if d.get("id") == mid])
    assert got[0]["status"] == "delivered" and got[0]["app"] == "crj-system" and got[0]["idem_key"] == "mail-1"
    assert not cb.bad
