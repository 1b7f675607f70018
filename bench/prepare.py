#!/usr/bin/env python3
"""bench/prepare.py BASE_URL N OUT_FILE

Registers N citizens on a running tongban (sandbox SMS), logs each in,
uploads one PDF per required material of 普通护照签发, and writes one line per
citizen for bench/submit.lua:  cookie <TAB> csrf <TAB> JSON body of POST /api/v1/cases.
Checks that one submission succeeds before handing over.
Reuses the API test suite's helpers (tests/api/conftest.py).
"""

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "api"))
import conftest as h  # noqa: E402


def one(base, code):
    c = h.make_citizen(base)
    body = h.case_body(c, code)
    sid = c.client.cookie("tb_sid")
    if not sid:
        raise SystemExit("prepare: no tb_sid cookie after login")
    return f"tb_sid={sid}\t{c.client.csrf}\t{json.dumps(body, ensure_ascii=False, separators=(',', ':'))}", c, body


def main():
    base, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    code = h.find_matter(base, h.PASSPORT, "护照")["code"]
    with ThreadPoolExecutor(8) as ex:
        rows = list(ex.map(lambda _: one(base, code), range(n)))
    # fail fast if a submission does not work at all
    line, c, body = rows[0]
    r = c.client.post("/api/v1/cases", json=body)
    if r.status_code != 201:
        raise SystemExit(f"prepare: a test submission failed: {r.status_code} {r.text[:300]}")
    with open(out, "w", encoding="utf-8") as f:
        for line, _, _ in rows:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
