"""Crash test of the message queue (issue 5 item 7, §3-1-1-6): kill -9 in the middle of a batch of 10,000.

A registered application sends 10,000 SMS through POST /api/v1/msg/send-batch (100 per request, every
message with its own idempotency key) from four client threads. The server delivers them through
sms_provider = http to a mock provider in this process that checks every request's HMAC-SM3 signature and
records each delivery by message id and by idempotency key (the key is a template variable, so it is in the
text the provider receives).

Delivery is made slower than acceptance: once some thousands are accepted, the mock holds the request it is
answering (the worker waits on it, the message is `sending`), acceptance goes on and a backlog of
`accepted` rows builds up, and the server is killed with SIGKILL while requests are in flight. It is
restarted on the same database, every batch request whose answer was not received is sent again with the
same idempotency keys (signed anew), and the queue drains (bounded wait). Then:
- every accepted message reached the provider at least once and its row is `delivered`; none is lost;
- an idempotency key never became two messages (re-sent batches answer with the same ids);
- no key was delivered twice except a message that was `sending` at the kill (the held one is delivered
  again after its lease: at least once, at most the messages in flight at the kill).
"""

import collections
import json
import os
import queue
import re
import signal
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from conftest import new_phone, staff_session
from test_delivery import read_signed_post, restart, sm3_sign, start_server, wait_for

TOTAL = 10000
PER_BATCH = 100
SENDERS = 4
KILL_AFTER = 2000     # accepted messages before the hold is armed
BACKLOG = 1000        # accepted while the worker waits on the held request, before the kill
SECRET = "crash-" + os.urandom(8).hex()
KEY_RE = re.compile(r"编号(crash-[0-9a-f]+-\d{5})。")


class RecordingProvider:
    """The SMS provider API: verifies the signature and shape, records (id, idempotency key) of every
    delivery, answers after `delay` seconds. hold(): the next request waits (unanswered) until release()."""

    def __init__(self, secret, delay):
        self.secret, self.delay = secret, delay
        self.lock = threading.Lock()
        self.by_key = collections.defaultdict(list)  # key -> [message id, ...] in arrival order
        self.bad = []
        self.armed = False
        self.held = None              # (id, key) of the held request
        self.held_event = threading.Event()
        self.release_event = threading.Event()
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body, ts, sig, doc = read_signed_post(self)
                m = KEY_RE.search(doc.get("text", "")) if isinstance(doc, dict) else None
                ok = (m is not None and isinstance(doc.get("id"), int) and doc.get("ts") == ts
                      and sig == sm3_sign(mock.secret, ts, body))
                hold = False
                with mock.lock:
                    if not ok:
                        mock.bad.append(body[:300])
                    else:
                        mock.by_key[m.group(1)].append(doc["id"])
                        if mock.armed:
                            mock.armed, hold = False, True
                            mock.held = (doc["id"], m.group(1))
                if hold:
                    mock.held_event.set()
                    mock.release_event.wait(30)
                elif mock.delay:
                    time.sleep(mock.delay)
                code, answer = (200, {"accepted": True}) if ok else (401, {"accepted": False, "error": "签名错误"})
                out = json.dumps(answer).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass  # the server that asked was killed

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/sms/send"

    def snapshot(self):
        with self.lock:
            return {k: list(v) for k, v in self.by_key.items()}

    def close(self):
        self.release_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def post_batch(session, base, app, secret, body):
    ts = str(int(time.time()))
    return session.post(base + "/api/v1/msg/send-batch", data=body, timeout=60, headers={
        "Content-Type": "application/json", "X-Tongban-App": app, "X-Tongban-Timestamp": ts,
        "X-Tongban-Signature": sm3_sign(secret, ts, body)})


def answered_ids(r, keys):
    """{key: id} of a 202 batch answer; every item must be accepted (or a duplicate of an accepted one)."""
    assert r.status_code == 202, f"{r.status_code} {r.text[:300]}"
    items = r.json()["items"]
    assert [it.get("index") for it in items] == list(range(len(keys))), items[:3]
    bad = [it for it in items if "error" in it]
    assert not bad, bad[:3]
    return {keys[it["index"]]: it["id"] for it in items}


def test_kill9_mid_batch_of_10000(tmp_path_factory):
    mock = RecordingProvider(SECRET, delay=0.001)
    srv = start_server(tmp_path_factory, "crash", {
        "sms_provider": "http", "sms_http_url": mock.url, "sms_http_secret": SECRET,
        "notify_worker_ms": 20, "notify_timeout_seconds": 3, "notify_lease_seconds": 1,
        "notify_backoff_seconds": 1, "notify_breaker_failures": 100000})
    try:
        run(srv, mock)
    finally:
        srv.stop()
        mock.close()


def run(srv, mock):
    admin = staff_session(srv.base)
    tpl, app = f"crash.{uuid.uuid4().hex[:8]}", f"crash-{uuid.uuid4().hex[:8]}"
    r = admin.post("/api/v1/admin/msg/templates", json={"code": tpl, "channel": "sms", "name": "崩溃测试",
                                                         "body": "【黑龙江公安】您的消息编号{{key}}。"})
    assert r.status_code == 201, r.text[:300]
    r = admin.post("/api/v1/admin/msg/apps", json={"code": app, "name": "崩溃测试系统", "templates": [tpl],
                                                    "per_minute": 100000})
    assert r.status_code == 201, r.text[:300]
    secret = r.json()["secret"]

    run_id = uuid.uuid4().hex[:8]
    batches = []  # (keys, body)
    for b in range(TOTAL // PER_BATCH):
        keys = [f"crash-{run_id}-{b * PER_BATCH + i:05d}" for i in range(PER_BATCH)]
        msgs = [{"template": tpl, "to": new_phone(), "vars": {"key": k}, "idempotency_key": k} for k in keys]
        batches.append((keys, json.dumps({"messages": msgs}, ensure_ascii=False).encode()))
    all_keys = [k for keys, _ in batches for k in keys]

    # ---- the batch, from four clients, with a kill -9 in the middle
    todo = queue.Queue()
    for i in range(len(batches)):
        todo.put(i)
    lock = threading.Lock()
    first_ids = {}        # key -> id, from answers received before the kill
    answered = set()      # batch indexes answered before the kill
    accepted = [0]
    killed = threading.Event()
    errors = []

    def sender():
        s = requests.Session()
        while not killed.is_set():
            try:
                i = todo.get_nowait()
            except queue.Empty:
                return
            try:
                r = post_batch(s, srv.base, app, secret, batches[i][1])
            except requests.RequestException:
                return  # the server died with this request in flight: its answer was not received
            try:
                ids = answered_ids(r, batches[i][0])
            except AssertionError as e:
                if not killed.is_set():
                    errors.append(f"batch {i}: {e}")
                return
            with lock:
                first_ids.update(ids)
                answered.add(i)
                accepted[0] += len(ids)

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(SENDERS)]
    for t in threads:
        t.start()
    wait_for(f"{KILL_AFTER} accepted messages", lambda: accepted[0] >= KILL_AFTER or errors, timeout=120,
             every=0.005)
    assert not errors, errors[:3]
    with mock.lock:
        mock.armed = True  # the worker's next request waits at the provider: its message stays `sending`
    assert mock.held_event.wait(60), "the worker sent nothing to the provider"
    at_hold, t_hold = accepted[0], time.time()
    wait_for("acceptance to go on while delivery waits",
             lambda: accepted[0] >= at_hold + BACKLOG or time.time() > t_hold + 1.5 or errors, timeout=10,
             every=0.005)
    os.kill(srv.pid(), signal.SIGKILL)
    killed.set()
    srv.proc.wait(timeout=10)
    mock.release_event.set()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]
    unanswered = [i for i in range(len(batches)) if i not in answered]
    assert len(first_ids) == accepted[0] >= KILL_AFTER
    assert unanswered, "the kill came after the whole batch was answered"

    # ---- the database as the kill left it
    at_kill = {k: (mid, st) for mid, k, st in
               srv.sql("SELECT id, idem_key, status FROM messages WHERE app = ?", (app,))}
    sending = {k for k, (_, st) in at_kill.items() if st == "sending"}
    held_id, held_key = mock.held
    assert held_key in sending and at_kill[held_key][0] == held_id, (mock.held, sorted(sending)[:5])
    assert any(st == "accepted" for _, st in at_kill.values()), "no backlog at the kill: delivery kept up"
    for k, mid in first_ids.items():  # every answer received was committed
        assert at_kill.get(k, (None,))[0] == mid, (k, mid, at_kill.get(k))
    delivered_at_kill = sum(1 for _, st in at_kill.values() if st == "delivered")
    print(f"\nkill: {accepted[0]} accepted answers, {len(at_kill)} rows ({delivered_at_kill} delivered, "
          f"{len(sending)} sending), {len(unanswered)} batch requests unanswered")

    # ---- restart on the same database; re-send every batch whose answer was not received
    restart(srv)
    final_ids = dict(first_ids)
    s = requests.Session()
    duplicates = 0
    for i in unanswered:
        keys, body = batches[i]
        r = post_batch(s, srv.base, app, secret, body)
        ids = answered_ids(r, keys)
        duplicates += sum(1 for it in r.json()["items"] if it["duplicate"])
        final_ids.update(ids)
    assert len(final_ids) == TOTAL
    # a batch committed before the kill but not answered comes back as duplicates with the same ids
    for k, (mid, _) in at_kill.items():
        assert final_ids[k] == mid, (k, mid, final_ids[k])
    assert duplicates == len(at_kill) - len(first_ids)

    # ---- the queue drains
    def drained():
        n = srv.sql("SELECT COUNT(*) FROM messages WHERE app = ? AND status = 'delivered'", (app,))[0][0]
        return n == TOTAL
    wait_for("every message delivered", drained, timeout=150, every=0.5)

    rows = srv.sql("SELECT id, idem_key, status FROM messages WHERE app = ?", (app,))
    assert len(rows) == TOTAL and {k for _, k, _ in rows} == set(all_keys)
    assert all(st == "delivered" for _, _, st in rows)
    db_ids = {k: mid for mid, k, _ in rows}
    assert db_ids == final_ids

    got = mock.snapshot()
    assert not mock.bad, f"requests with a bad signature or shape: {mock.bad[:2]}"
    missing = [k for k in all_keys if k not in got]
    assert not missing, f"{len(missing)} accepted messages never reached the provider: {missing[:5]}"
    assert set(got) == set(all_keys)
    # one message per idempotency key: the provider never saw two ids for one key
    assert all(set(ids) == {db_ids[k]} for k, ids in got.items())
    twice = {k: len(ids) for k, ids in got.items() if len(ids) > 1}
    assert set(twice) <= sending and len(twice) <= len(sending), (twice, sorted(sending))
    assert all(n == 2 for n in twice.values()), twice
    assert twice.get(held_key) == 2, "the message in flight at the kill was not sent again after its lease"

    # a batch answered before the kill, sent once more: every item a duplicate with its first id, nothing new
    i = min(answered)
    keys, body = batches[i]
    r = post_batch(s, srv.base, app, secret, body)
    assert answered_ids(r, keys) == {k: first_ids[k] for k in keys}
    assert all(it["duplicate"] and it["status"] == "delivered" for it in r.json()["items"]), r.text[:300]
    assert srv.sql("SELECT COUNT(*) FROM messages WHERE app = ?", (app,))[0][0] == TOTAL
    print(f"re-sent {len(unanswered)} batch requests ({duplicates} duplicates); "
          f"delivered twice: {len(twice)} (in flight at the kill: {len(sending)})")


def test_application_rate_limit_counts_messages(server):
    """The per-application limit (msg_apps.per_minute) counts messages, not requests, on one counter row per
    application and minute; a refused request is not counted and sends nothing."""
    admin = staff_session(server.base)
    tpl, app = f"rate.{uuid.uuid4().hex[:8]}", f"rate-{uuid.uuid4().hex[:8]}"
    assert admin.post("/api/v1/admin/msg/templates", json={"code": tpl, "channel": "sms", "name": "限流",
                                                            "body": "【黑龙江公安】{{x}}"}).status_code == 201
    r = admin.post("/api/v1/admin/msg/apps", json={"code": app, "name": "限流测试", "templates": [tpl],
                                                    "per_minute": 5})
    assert r.status_code == 201, r.text[:300]
    secret = r.json()["secret"]
    s = requests.Session()

    def send(n):
        msgs = [{"template": tpl, "to": new_phone(), "vars": {"x": str(i)}} for i in range(n)]
        body = json.dumps(msgs[0] if n == 1 else {"messages": msgs}, ensure_ascii=False).encode()
        ts = str(int(time.time()))
        path = "/api/v1/msg/send" if n == 1 else "/api/v1/msg/send-batch"
        return s.post(server.base + path, data=body, timeout=30, headers={
            "Content-Type": "application/json", "X-Tongban-App": app, "X-Tongban-Timestamp": ts,
            "X-Tongban-Signature": sm3_sign(secret, ts, body)})

    # the window slides from the previous minute into this one: stay inside one minute
    if time.time() % 60 > 45:
        time.sleep(61 - time.time() % 60)
    r = send(3)
    assert r.status_code == 202 and all("error" not in it for it in r.json()["items"]), r.text[:300]
    r = send(3)  # 3 + 3 > 5: the whole request is refused
    assert r.status_code == 429 and r.json()["error"]["code"] == "RATE_LIMITED", r.text[:300]
    assert send(1).status_code == 202
    assert send(1).status_code == 202
    r = send(1)
    assert r.status_code == 429 and r.json()["error"]["code"] == "RATE_LIMITED", r.text[:300]
    assert server.sql("SELECT COUNT(*) FROM messages WHERE app = ?", (app,))[0][0] == 5
    minute = int(time.time()) // 60
    assert server.sql("SELECT n FROM msg_rate WHERE app = ? AND minute = ?", (app, minute)) == [(5,)]
