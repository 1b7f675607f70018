"""kill -9 during 500 concurrent task completions: a second node shares the
database; staff accept cases on it from several threads; it is killed in the
middle. Afterwards every acknowledged completion is there, and no case lost
or duplicated a task (each accepted case has exactly one open 审批 task,
each waiting case still its one open 受理 task)."""
import os
import signal
import threading
import time

import requests

from conftest import Client, case_body, make_citizen
from test_resilience import start_second_node
from test_work import DAOLI, PASSPORT_CODE, staff_client

CASES = 500
WRITERS = 8


def test_kill9_during_task_completions(server, tmp_path):
    citizen = make_citizen(server.base)
    body = case_body(citizen, PASSPORT_CODE)
    body["region"] = "230102"
    serials = []
    for _ in range(CASES):
        r = citizen.post("/api/v1/cases", json=body)
        assert r.status_code == 201, r.text
        serials.append(r.json()["serial"])
    officer = staff_client(server, "accept_officer", DAOLI)
    leader = staff_client(server, "approve_leader", DAOLI)
    node = start_second_node(server, str(tmp_path))
    acked, lock = [], threading.Lock()
    queue = list(serials)

    def writer():
        cl = officer.clone()  # the session lives in the shared database: valid on either node
        cl.base = node.base
        while True:
            with lock:
                if not queue:
                    return
                serial = queue.pop()
            try:
                r = cl.post(f"/api/v1/work/cases/{serial}/actions", json={"action": "accept"}, timeout=5,
                            check=False)
            except requests.RequestException:
                return  # the node died: this one was never acknowledged
            if r.status_code == 200:
                with lock:
                    acked.append(serial)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for t in threads:
        t.start()
    deadline = time.time() + 30
    while len(acked) < CASES // 3 and time.time() < deadline:
        time.sleep(0.02)
    os.killpg(node.proc.pid, signal.SIGKILL)
    node.proc.wait(timeout=10)
    for t in threads:
        t.join(timeout=10)
    assert CASES // 3 <= len(acked) < CASES, f"{len(acked)} acknowledged: the kill did not land mid-stream"

    # the surviving node answers for everything
    tasks = {}
    for who in (officer, leader):
        r = who.get("/api/v1/work/tasks", params={"page_size": 100})
        assert r.status_code == 200
    for serial in serials:
        d = officer.get(f"/api/v1/work/cases/{serial}")
        assert d.status_code == 200, d.text
        doc = d.json()
        open_tasks = [t for t in doc["flow"]["tasks"] if t["state"] == "open"]
        assert len(open_tasks) == 1, f"{serial}: open tasks {open_tasks}"
        if serial in acked:
            assert doc["status"] == "accepted", f"acknowledged acceptance of {serial} lost: {doc['status']}"
        if doc["status"] == "accepted":
            assert open_tasks[0]["name"] == "审批", (serial, open_tasks)
        else:
            assert doc["status"] == "submitted" and open_tasks[0]["name"] == "受理", (serial, doc["status"])
        tasks[serial] = open_tasks[0]["id"]
    assert len(set(tasks.values())) == CASES, "a task id is shared by two cases"
