#!/usr/bin/env python3
"""bench/work_prepare.py BASE_URL TB_BIN N_OFFICERS N_CASES OUT_FILE

Prepares the task-completion benchmark on a running tongban whose database
the given binary can reach (same TONGBAN_* environment): submits N_CASES
passport cases in 230102 (handled by 哈尔滨市公安局道里分局), creates
N_OFFICERS 受理民警 there with `tongban user add`, signs each in (password +
TOTP), and writes one line per officer for bench/complete.lua:
cookie <TAB> csrf <TAB> serial,serial,... (the cases split evenly)."""
import os
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "api"))
import conftest as h  # noqa: E402
import test_work as w  # noqa: E402


class Cli:
    """The bits of conftest.Server that test_work.staff_client uses."""

    def __init__(self, base, tb_bin):
        self.base, self.tb_bin = base, tb_bin

    def run_cli(self, *args, stdin=None):
        import subprocess
        p = subprocess.run([self.tb_bin, *args], input=stdin, capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise SystemExit(f"work_prepare: tongban {' '.join(args)}: {p.stderr[-500:]}")
        return p


def main():
    base, tb_bin, n_off, n_cases, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    citizen = h.make_citizen(base)
    body = h.case_body(citizen, w.PASSPORT_CODE)
    body["region"] = "230102"

    def submit(_):
        r = citizen.client.clone().post("/api/v1/cases", json=body)
        if r.status_code != 201:
            raise SystemExit(f"work_prepare: submission failed: {r.status_code} {r.text[:200]}")
        return r.json()["serial"]

    with ThreadPoolExecutor(8) as ex:
        serials = list(ex.map(submit, range(n_cases)))
    cli = Cli(base, tb_bin)
    officers = [w.staff_client(cli, "accept_officer", w.DAOLI) for _ in range(n_off)]
    with open(out, "w", encoding="utf-8") as f:
        for i, o in enumerate(officers):
            mine = serials[i::n_off]
            f.write(f"tb_staff_sid={o.cookie('tb_staff_sid')}\t{o.csrf}\t{','.join(mine)}\n")
    print(f"work_prepare: {n_cases} cases, {n_off} officers")


if __name__ == "__main__":
    main()
