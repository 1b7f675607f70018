#!/usr/bin/env python3
"""bench/messages_prepare.py — the message center benchmark's preparation and check (bench/run.sh (h)).

  messages_prepare.py prepare BASE_URL TB_BIN SCENARIO N_REQUESTS OUT_FILE
  messages_prepare.py burst   BASE_URL STATE_FILE
  messages_prepare.py drain   DATABASE APP TIMEOUT_S
  messages_prepare.py check   DATABASE APP WRK_OR_BURST_OUTPUT

prepare  on a running tongban whose database TB_BIN reaches (same TONGBAN_* environment): a system
         administrator (`tongban user add`, password + TOTP) registers an SMS template and an application
         of its own for this scenario (per_minute 100,000, the largest allowed), then N_REQUESTS signed
         request bodies are written for bench/messages.lua:
           single — POST /api/v1/msg/send, one message per request;
           batch  — POST /api/v1/msg/send-batch, 100 messages per request.
         HMAC-SM3 is not available in wrk's Lua, so every request is signed here: each body has its own
         idempotency keys and recipients and carries the timestamp of this step, which the server accepts
         for ±300 s — wrk must start right after and run for less than that. The Lua script sends each
         line once per thread slice (a line sent again would be a duplicate, answered 200 and counted
         apart). One signed request of one message is sent first as a check (fail fast); it is not counted.
         State file: "A <TAB> app <TAB> path <TAB> messages per request" then "R <TAB> ts <TAB> sig <TAB> body".
burst    sends every request of a state file once (8 client threads, no wrk: a line sent twice would be a
         duplicate) and prints "BURST accepted=N requests=R seconds=S rate=M" (M: messages accepted per second).
drain    waits until every message of APP is delivered or TIMEOUT_S has passed, polling the database, and
         prints "DRAIN delivered=N of=TOTAL at_start=D0 seconds=S rate=R" (TOTAL: the application's rows; D0:
         delivered already when the drain began, i.e. while the burst was being accepted; R: messages
         delivered per second while the queue was draining, from the first poll to the last).
check    compares the database with the answers wrk counted and measures accept → delivered
         (delivered_at - created_at, whole seconds as stored; rows and delivered include the prepare step's test
         message): "CHECK ok rows=N delivered=D p50_s=… p99_s=…
         max_s=…" or "CHECK FAILED …" (exit 1). Rows must be at least the accepted messages wrk counted
         and at most those plus the messages of requests still in flight when wrk stopped.

Reuses the API test suite's helpers (tests/api/conftest.py).
"""

import hmac
import json
import os
import re
import subprocess
import sys
import time
import types
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "api"))
import conftest as h  # noqa: E402

PER_REQUEST = {"single": 1, "batch": 100}
PATH = {"single": "/api/v1/msg/send", "batch": "/api/v1/msg/send-batch"}
CONNECTIONS = 64


def fail(msg):
    print(f"messages_prepare: {msg}", file=sys.stderr)
    sys.exit(1)


def sign(secret, ts, body):
    return hmac.new(secret.encode(), ts.encode() + b"\n" + body, "sm3").hexdigest()


def sysadmin(base, tb_bin):
    login = "bench" + uuid.uuid4().hex[:8]
    password = "Bench#" + uuid.uuid4().hex[:10]
    p = subprocess.run([tb_bin, "user", "add", "--login", login, "--name", "压测管理员", "--role", "sys_admin",
                        "--password-stdin"], input=password + "\n", capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        fail(f"tongban user add: {p.stderr[-500:]}")
    secret = h.parse_totp_secret(p.stdout + p.stderr)
    if not secret:
        fail("no TOTP secret printed by tongban user add")
    h.STAFF_TOTP[(base, login)] = secret
    return h.staff_login(base, login, password)


def phones(run):
    """Distinct mobile numbers (the per-recipient limit is 20 an hour per application)."""
    prefix = ("139", "138", "150", "186", "177", "199")[run % 6]
    n = 0
    while True:
        yield f"{prefix}{n:08d}"
        n += 1


def prepare(base, tb_bin, scenario, n, out):
    admin = sysadmin(base, tb_bin)
    tag = uuid.uuid4().hex[:8]
    tpl, app = f"bench.{tag}", f"bench-{scenario}-{tag}"
    r = admin.post("/api/v1/admin/msg/templates", json={
        "code": tpl, "channel": "sms", "name": "压测通知",
        "body": "【黑龙江公安】您的办件{{serial}}已办结，结果：{{result}}。"})
    if r.status_code != 201:
        fail(f"template: {r.status_code} {r.text[:300]}")
    r = admin.post("/api/v1/admin/msg/apps", json={"code": app, "name": "压测业务系统", "templates": [tpl],
                                                    "per_minute": 100000})
    if r.status_code != 201:
        fail(f"application: {r.status_code} {r.text[:300]}")
    secret = r.json()["secret"]
    k = PER_REQUEST[scenario]
    gen = phones(int(tag, 16))
    seq = 0

    def body(k=k):
        nonlocal seq
        msgs = []
        for _ in range(k):
            seq += 1
            msgs.append({"template": tpl, "to": next(gen), "idempotency_key": f"{tag}-{seq}",
                         "vars": {"serial": f"2301022026{seq:09d}", "result": "准予许可"}})
        doc = msgs[0] if scenario == "single" else {"messages": msgs}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()

    # fail fast: one signed request (of one message) through the API
    import requests
    b = body(1)
    ts = str(int(time.time()))
    r = requests.post(base + PATH[scenario], data=b, timeout=30, headers={
        "Content-Type": "application/json", "X-Tongban-App": app, "X-Tongban-Timestamp": ts,
        "X-Tongban-Signature": sign(secret, ts, b)})
    if r.status_code != 202 or any("error" in it for it in r.json().get("items", [])):
        fail(f"a test send failed: {r.status_code} {r.text[:300]}")
    ts = str(int(time.time()))
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"A\t{app}\t{PATH[scenario]}\t{k}\n")
        for _ in range(n):
            b = body()
            f.write(f"R\t{ts}\t{sign(secret, ts, b)}\t{b.decode()}\n")
    print(f"messages_prepare: {scenario}: application {app}, {n} signed requests of {k} message(s)",
          file=sys.stderr)


def burst(base, state):
    import requests
    from concurrent.futures import ThreadPoolExecutor
    lines = open(state, encoding="utf-8").read().splitlines()
    _, app, path, k = lines[0].split("\t")
    reqs = [line.split("\t", 3)[1:] for line in lines[1:]]

    def post(req):
        ts, sig, body = req
        s = getattr(local, "s", None) or requests.Session()
        local.s = s
        r = s.post(base + path, data=body.encode(), timeout=120, headers={
            "Content-Type": "application/json", "X-Tongban-App": app, "X-Tongban-Timestamp": ts,
            "X-Tongban-Signature": sig})
        return r.status_code == 202 and not any("error" in it for it in r.json().get("items", []))

    import threading
    local = threading.local()
    t0 = time.time()
    with ThreadPoolExecutor(8) as ex:
        ok = sum(ex.map(post, reqs))
    dt = time.time() - t0
    print(f"BURST accepted={ok * int(k)} requests={len(reqs)} seconds={dt:.1f} rate={ok * int(k) / dt:.0f}")


def db_of(database):
    return types.SimpleNamespace(database=database,
                                 engine="postgres" if database.startswith(("postgres://", "postgresql://"))
                                 else "sqlite")


def app_of(state):
    with open(state, encoding="utf-8") as f:
        return f.readline().split("\t")[1]


def drain(database, app, timeout):
    db = db_of(database)
    q = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END), 0) FROM messages WHERE app = ?"
    t0 = time.time()
    total, n0 = h.Server.sql(db, q, (app,))[0]
    t, n = t0, n0
    while n < total and time.time() < t0 + timeout:
        time.sleep(0.2)
        t = time.time()
        total, n = h.Server.sql(db, q, (app,))[0]
    rate = (n - n0) / (t - t0) if t > t0 else 0
    print(f"DRAIN delivered={n} of={total} at_start={n0} seconds={t - t0:.1f} rate={rate:.0f}")


def check(database, app, wrk_out):
    db = db_of(database)
    text = open(wrk_out).read()
    m = re.search(r"MSG accepted=(\d+) duplicate=(\d+) other=(\d+) per_request=(\d+)", text)
    b = re.search(r"BURST accepted=(\d+)", text)
    if m:
        accepted, _, _, k = map(int, m.groups())
    elif b:
        accepted, k = int(b.group(1)), 1
    else:
        fail(f"no MSG or BURST line in {wrk_out}")
    rows = h.Server.sql(db, "SELECT status, COALESCE(delivered_at - created_at, -1) FROM messages WHERE app = ?",
                        (app,))
    problems = []
    n = len(rows) - 1  # the prepare step's test message
    if not accepted * k <= n <= (accepted + CONNECTIONS) * k:
        problems.append(f"{n} rows but wrk counted {accepted} accepted requests of {k}")
    delivered = sorted(lat for st, lat in rows if st == "delivered")
    if any(lat < 0 for lat in delivered):
        problems.append("a delivered row without delivered_at")
    if problems:
        print("CHECK FAILED " + "; ".join(problems))
        sys.exit(1)

    def pct(p):
        return delivered[min(len(delivered) - 1, int(len(delivered) * p / 100))] if delivered else float("nan")
    print(f"CHECK ok rows={len(rows)} delivered={len(delivered)} p50_s={pct(50)} p99_s={pct(99)} "
          f"max_s={delivered[-1] if delivered else 'nan'}")


def main():
    a = sys.argv
    if len(a) == 7 and a[1] == "prepare" and a[4] in PER_REQUEST:
        prepare(a[2], a[3], a[4], int(a[5]), a[6])
    elif len(a) == 4 and a[1] == "burst":
        burst(a[2], a[3])
    elif len(a) == 5 and a[1] == "drain":
        drain(a[2], a[3], float(a[4]))
    elif len(a) == 5 and a[1] == "check":
        check(a[2], a[3], a[4])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
