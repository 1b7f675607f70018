"""1,000 idle event streams held open at once (issue 6, scope 8): the
server keeps answering /healthz, its thread count does not move (no thread
per waiting client), events still reach every stream of a session on
whichever event loop it landed, and the stream beyond sse_max_streams gets
a clear 503 STREAM_LIMIT. The clients are raw sockets multiplexed with
selectors in this one test thread."""
import json
import os
import resource
import selectors
import socket
import time
from urllib.parse import urlparse

import pytest
import requests

from conftest import TB_TEST_PG, Client, Server, pg_scratch_database
from sse import cookie_header

STREAMS = 1000
SESSIONS = 20


def threads_of(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    raise AssertionError("no Threads line")


@pytest.fixture(scope="module")
def load_server(tmp_path_factory):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < STREAMS + 512:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, STREAMS + 2048), hard))
    tmp = str(tmp_path_factory.mktemp("agent_load"))
    database = pg_scratch_database("tongban_agent_load") if TB_TEST_PG else os.path.join(tmp, "load.db")
    srv = Server(tmp, database=database, extra_env={"TONGBAN_SSE_MAX_STREAMS": str(STREAMS), "TONGBAN_THREADS": "2",
                                                     "TONGBAN_SSE_POLL_MS": "200"})
    srv.start()
    yield srv
    srv.stop()


def open_stream(base, path, cookie, source_ip):
    u = urlparse(base)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source_ip, 0))
    s.connect((u.hostname, u.port))
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nAccept: text/event-stream\r\n"
               f"Cookie: {cookie}\r\n\r\n").encode())
    s.setblocking(False)
    return s


def test_thousand_idle_streams(load_server):
    srv = load_server
    base = srv.base
    visitors = []
    for i in range(SESSIONS):
        c = Client(base)
        r = c.post("/api/v1/agent/sessions", json={"question": f"压力测试{i}"})
        assert r.status_code == 201, r.text
        visitors.append((c, r.json()["id"]))
    threads_before = threads_of(srv.pid())

    sel = selectors.DefaultSelector()
    socks = []
    for i in range(STREAMS):
        c, sid = visitors[i % SESSIONS]
        ip = f"127.9.{1 + i // 250}.{1 + i % 250}"
        s = open_stream(base, f"/api/v1/agent/sessions/{sid}/events", cookie_header(c), ip)
        data = {"buf": b"", "sid": sid}
        sel.register(s, selectors.EVENT_READ, data)
        socks.append((s, data))

    def pump(until, timeout):
        deadline = time.time() + timeout
        while not until():
            if time.time() > deadline:
                return False
            for key, _ in sel.select(timeout=0.2):
                try:
                    chunk = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(key.fileobj)
                    key.data["closed"] = True
                    continue
                key.data["buf"] += chunk
        return True

    ok = lambda d: d["buf"].startswith(b"HTTP/1.1 200") and b"retry: 3000" in d["buf"]
    assert pump(lambda: all(ok(d) for _, d in socks), 60), \
        f"{sum(ok(d) for _, d in socks)} of {STREAMS} streams started; e.g. {[d['buf'][:120] for _, d in socks if not ok(d)][:2]}"
    assert not any(d.get("closed") for _, d in socks)

    # the server answers other requests while the streams wait, with the same threads
    for _ in range(20):
        r = requests.get(base + "/healthz", timeout=5)
        assert r.status_code == 200
    assert threads_of(srv.pid()) == threads_before
    r = requests.get(base + "/metrics", timeout=5)
    assert r.status_code == 200
    assert f"tongban_sse_streams_open {STREAMS}\n" in r.text

    # one stream more than sse_max_streams: refused, clearly
    r = requests.get(base + f"/api/v1/agent/sessions/{visitors[0][1]}/events",
                     headers={"Cookie": cookie_header(visitors[0][0])}, timeout=5)
    assert r.status_code == 503, r.status_code
    assert r.json()["error"]["code"] == "STREAM_LIMIT"

    # an event of one session reaches all of its 50 streams, on both loops
    c, sid = visitors[3]
    for _, d in socks:
        d["buf"] = b""
    r = c.post(f"/api/v1/agent/sessions/{sid}/messages", json={"text": "大家好"})
    assert r.status_code == 201, r.text
    mine = [d for _, d in socks if d["sid"] == sid]
    assert len(mine) == STREAMS // SESSIONS
    assert pump(lambda: all("大家好".encode() in d["buf"] for d in mine), 30), \
        f"{sum('大家好'.encode() in d['buf'] for d in mine)} of {len(mine)} streams got the message"
    others = [d for _, d in socks if d["sid"] != sid]
    assert not any("大家好".encode() in d["buf"] for d in others)

    # clients leave: the server frees their streams (a new one fits again)
    for s, _ in socks:
        try:
            sel.unregister(s)
        except KeyError:
            pass
        s.close()
    sel.close()

    def fits():
        r = requests.get(base + f"/api/v1/agent/sessions/{visitors[0][1]}/events",
                         headers={"Cookie": cookie_header(visitors[0][0])}, timeout=5, stream=True)
        code = r.status_code
        r.close()
        return code == 200
    deadline = time.time() + 40   # closed sockets are noticed at the next heartbeat write at the latest
    while not fits():
        assert time.time() < deadline, "streams of departed clients were not freed"
        time.sleep(1)
    assert threads_of(srv.pid()) == threads_before
