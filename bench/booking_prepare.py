#!/usr/bin/env python3
"""bench/booking_prepare.py — the booking benchmark's preparation and check.

  booking_prepare.py prepare BASE_URL TB_BIN SCENARIO N_CITIZENS OUT_FILE
  booking_prepare.py check   BASE_URL DATABASE SCENARIO STATE_FILE WRK_OUTPUT

On a running tongban whose database TB_BIN reaches (same TONGBAN_* environment)
and which runs with a large booking_max_active:

prepare  registers and signs in N_CITIZENS citizens and writes the state file
         of bench/booking.lua (H hall/matter, S slots, C sessions):
         popular — one slot, 普通护照签发 at the 出入境 hall on the first
                   working day at 10:00, quota 20 (seeded), nothing booked yet;
         spread  — 往来港澳通行证 at the same hall, quota raised to 100,000 by a
                   system administrator (`tongban user add`, password + TOTP)
                   through PUT /api/v1/admin/halls/{id}/matters/{code}, every
                   open slot of the five bookable days.
         One booking is made and cancelled through the API first (fail fast).
check    compares the database with the answers wrk counted: for every slot
         of the scenario booking_slots.booked equals the booked rows and never
         exceeds the quota; popular: exactly 20 booked; the rows are at least
         the 201 answers (wrk does not count answers still in flight at the
         end) and at most that plus the connections. Prints
         "CHECK ok booked=N slots=M" or "CHECK FAILED …" and exits 1.

Reuses the API test suite's helpers (tests/api/conftest.py, test_booking.py).
"""

import datetime
import os
import re
import subprocess
import sys
import types
import uuid
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "api"))
import conftest as h  # noqa: E402
import test_booking as tb  # noqa: E402

MATTER = {"popular": tb.PASSPORT, "spread": tb.HKMO}
SPREAD_QUOTA = 100000
CONNECTIONS = 200


def fail(msg):
    print(f"booking_prepare: {msg}", file=sys.stderr)
    sys.exit(1)


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


def prepare(base, tb_bin, scenario, n, out):
    hall = tb.hall_by_name(base, tb.EXIT_HALL)
    matter = MATTER[scenario]
    days = tb.window_days(base, 5)
    if scenario == "spread":
        admin = sysadmin(base, tb_bin)
        r = admin.put(f"/api/v1/admin/halls/{hall['id']}/matters/{matter}",
                      json={"bookable": True, "quota": SPREAD_QUOTA})
        if r.status_code != 200:
            fail(f"raising the quota: {r.status_code} {r.text[:300]}")
        doc = tb.slots(base, hall["id"], matter)
        slots = [(d["day"], s["start"]) for d in doc["days"] for s in d["slots"] if s["open"]]
        if not slots or any(s["quota"] != SPREAD_QUOTA for d in doc["days"] for s in d["slots"]):
            fail(f"the slots do not show the raised quota: {doc}")
    else:
        s = tb.slot(base, hall["id"], matter, days[0], "10:00")
        if s["quota"] != 20 or s["left"] != 20:
            fail(f"the popular slot is not fresh: {s}")
        slots = [(days[0], "10:00")]
    with ThreadPoolExecutor(8) as ex:
        citizens = list(ex.map(lambda _: h.make_citizen(base), range(n)))
    # fail fast: one booking through the API, then cancelled (into another slot than the popular one)
    c = citizens[0]
    r = tb.book(c, hall["id"], tb.TAIWAN, days[-1], "16:00", **tb.family())
    if r.status_code != 201:
        fail(f"a test booking failed: {r.status_code} {r.text[:300]}")
    r = c.post(f"/api/v1/bookings/{r.json()['code']}/cancel", json={})
    if r.status_code != 200:
        fail(f"cancelling the test booking failed: {r.status_code} {r.text[:300]}")
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"H\t{hall['id']}\t{matter}\n")
        for day, start in slots:
            f.write(f"S\t{day}\t{start}\n")
        for c in citizens:
            sid = c.client.cookie("tb_sid")
            if not sid:
                fail("no tb_sid cookie after login")
            f.write(f"C\ttb_sid={sid}\t{c.client.csrf}\n")
    print(f"booking_prepare: {scenario}: {len(slots)} slot(s), {n} citizens", file=sys.stderr)


def check(base, database, scenario, state, wrk_out):
    db = types.SimpleNamespace(database=database,
                               engine="postgres" if database.startswith(("postgres://", "postgresql://")) else "sqlite")
    hall_id, matter, slots = None, None, []
    for line in open(state, encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if parts[0] == "H":
            hall_id, matter = int(parts[1]), parts[2]
        elif parts[0] == "S":
            slots.append((parts[1], parts[2]))
    m = re.search(r"BOOKING created=(\d+) full=(\d+) other=(\d+)", open(wrk_out).read())
    if not m:
        fail(f"no BOOKING line in {wrk_out}")
    created = int(m.group(1))
    quota = 20 if scenario == "popular" else SPREAD_QUOTA
    problems, total = [], 0
    counters = {(d, s): b for d, s, b in h.Server.sql(
        db, "SELECT day, start_min, booked FROM booking_slots WHERE hall_id = ? AND matter_code = ?",
        (hall_id, matter))}
    rows = {(d, s): n for d, s, n in h.Server.sql(
        db, "SELECT day, start_min, count(*) FROM bookings WHERE hall_id = ? AND matter_code = ? "
            "AND status = 'booked' GROUP BY day, start_min", (hall_id, matter))}
    for day, start in slots:
        key = (tb.day_number(datetime.date.fromisoformat(day)), int(start[:2]) * 60 + int(start[3:]))
        booked, n = counters.get(key, 0), rows.get(key, 0)
        total += n
        if booked != n:
            problems.append(f"{day} {start}: counter {booked} != {n} rows")
        if n > quota:
            problems.append(f"{day} {start}: {n} bookings over the quota {quota}")
    extra = set(rows) - {(tb.day_number(datetime.date.fromisoformat(d)), int(s[:2]) * 60 + int(s[3:]))
                         for d, s in slots}
    if extra:
        problems.append(f"bookings outside the scenario's slots: {sorted(extra)[:5]}")
    if scenario == "popular" and total != 20:
        problems.append(f"{total} bookings in the popular slot, not 20")
    if not created <= total <= created + CONNECTIONS:
        problems.append(f"{total} booked rows but wrk counted {created} answers 201")
    left = sum(s["left"] for d in tb.slots(base, hall_id, matter)["days"] for s in d["slots"]
               if (d["day"], s["start"]) in set(slots))
    if left != quota * len(slots) - total:
        problems.append(f"the slots API shows {left} places left, expected {quota * len(slots) - total}")
    if problems:
        print("CHECK FAILED " + "; ".join(problems[:5]))
        sys.exit(1)
    print(f"CHECK ok booked={total} slots={len(slots)}")


def main():
    if len(sys.argv) == 7 and sys.argv[1] == "prepare" and sys.argv[4] in MATTER:
        prepare(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6])
    elif len(sys.argv) == 7 and sys.argv[1] == "check" and sys.argv[4] in MATTER:
        check(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
