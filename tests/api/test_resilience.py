"""Crash safety, scale-out on one database, and personal data at rest.

- kill -9 during concurrent submissions on a second node sharing the same
  database: every acknowledged case is there exactly once afterwards, and
  the first node kept serving throughout;
- no plaintext ID number or phone number in the database files, the data
  directory or the server's logs.
"""
import glob
import os
import signal
import subprocess
import threading
import time

import pytest
import requests

from conftest import PDF_BYTES, TB_BIN, Server, case_body, make_citizen, psql_bin


def start_second_node(server, tmp):
    """Another `tongban serve` on the same database and data directory."""
    node = Server(tmp)
    node.database = server.database
    node.data_dir = server.data_dir
    node.env.update({"TONGBAN_DATABASE": server.database, "TONGBAN_DATA_DIR": server.data_dir})
    node.proc = subprocess.Popen([TB_BIN, "serve"], env=node.env, cwd=tmp,
                                 stdout=open(node.stdout_path, "wb"), stderr=open(node.stderr_path, "wb"),
                                 start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if requests.get(node.base + "/readyz", timeout=1).status_code == 200:
                return node
        except requests.RequestException:
            pass
        time.sleep(0.1)
    node.stop()
    raise AssertionError("second node not ready\n" + node.tail())


def test_kill9_keeps_every_acknowledged_case(server, passport, tmp_path):
    citizens = [make_citizen(server.base) for _ in range(4)]
    bodies = [case_body(c, passport["code"]) for c in citizens]
    node = start_second_node(server, str(tmp_path))
    acked, stop = [], threading.Event()
    lock = threading.Lock()

    def writer(c, body):
        cl = c.client.clone()  # same session cookie (the database is shared), other node
        cl.base = node.base
        while not stop.is_set():
            try:
                r = cl.post("/api/v1/cases", json=body, timeout=5, check=False)
            except requests.RequestException:
                return  # the node died under us: this request was never acknowledged
            if r.status_code == 201:
                with lock:
                    acked.append((c, r.json()["serial"]))
            elif r.status_code >= 500:
                return

    threads = [threading.Thread(target=writer, args=cb) for cb in zip(citizens, bodies)]
    for t in threads:
        t.start()
    deadline = time.time() + 20
    while len(acked) < 40 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(node.proc.pid, signal.SIGKILL)  # mid-stream: requests are in flight
    node.proc.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert len(acked) >= 10, f"only {len(acked)} submissions acknowledged before the kill"

    # the first node never stopped serving and sees every acknowledged case once
    assert requests.get(server.base + "/readyz", timeout=5).status_code == 200
    serials = [s for _, s in acked]
    assert len(serials) == len(set(serials)), "a serial was handed out twice"
    for c, serial in acked:
        r = c.client.get("/api/v1/cases/" + serial)
        assert r.status_code == 200, f"acknowledged case {serial} lost: {r.status_code} {r.text[:200]}"
        assert r.json()["serial"] == serial
    for c in citizens:
        mine = [s for cc, s in acked if cc is c]
        total = c.client.get("/api/v1/cases", params={"page_size": 100}).json()["total"]
        # in-flight requests may have committed without an answer: never fewer
        assert total >= len(mine), (total, len(mine))


def _database_bytes(server):
    if server.engine == "sqlite":
        blobs = b""
        for path in glob.glob(server.database + "*"):
            with open(path, "rb") as f:
                blobs += f.read()
        return blobs
    dump = os.path.join(os.path.dirname(psql_bin()), "pg_dump")
    p = subprocess.run([dump, "--data-only", server.database], capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    return p.stdout


def test_no_plaintext_personal_data_at_rest(server, passport):
    c = make_citizen(server.base)
    r = c.client.post("/api/v1/cases", json=case_body(c, passport["code"]))
    assert r.status_code == 201, r.text
    id_number, phone = c.id_number.encode(), c.phone.encode()
    data = _database_bytes(server)
    assert len(data) > 10000, "the database dump looks empty"
    assert id_number not in data, "plaintext ID number in the database"
    assert phone not in data, "plaintext phone number in the database"
    for root, _, files in os.walk(server.data_dir):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                content = f.read()
            assert id_number not in content and phone not in content, f"personal data in {name}"
    for path in (server.stdout_path, server.stderr_path):
        with open(path, "rb") as f:
            log = f.read()
        assert id_number not in log and phone not in log, f"personal data in {os.path.basename(path)}"
    # the uploaded material itself is stored as sent (it is the citizen's document)
    assert PDF_BYTES[:8] == b"%PDF-1.4"
