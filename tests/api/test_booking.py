"""Online booking through the API (§1-1-1-1-2, §1-1-3-2-4-5, docs/api.md
「网上预约、大厅排队叫号与黑名单」): halls and one-hour slots, working days and
holidays, the booking window, one active booking per ID number and matter,
cancel / reschedule and their cut-off, booking for a family member and
without a session (SMS code), the per-booker limit, owner-only access,
masking, audit, concurrency (2,000 attempts on one slot), no-shows and the
blacklist.

Times that depend on "now" are made by moving rows in the database
(Server.sql). No-show and concurrency tests run on a second server of their
own (sweep every second, a large per-booker limit).

The hall queue is in test_queue.py, which imports the helpers of this file.
"""

import concurrent.futures
import datetime
import itertools
import os
import random
import re
import subprocess
import time

import pytest

from conftest import (CLERK_LOGIN, CLERK_PASSWORD, TB_BIN, TB_TEST_PG, TZ8, Client, Server, expect_error, latest_code,
                      make_citizen, new_id_number, new_name, new_phone, new_staff, pg_scratch_database, staff_login,
                      staff_session)

PASSPORT = "11230000MB1917443F000117004000"        # 普通护照签发 (出入境 hall, quota 20)
HKMO = "112300000732780890000117005000"            # 往来港澳通行证及签注签发 (出入境 hall)
TAIWAN = "112300000732780890000117007000"          # 大陆居民往来台湾通行证及签注 (出入境 hall, quota 10)
HKMO_AGAIN = "112300000732780890000117006000"      # 往来港澳签注（再次）: at the 出入境 hall, not bookable
IDCARD = "11230000042898103D002017010000"          # 居民身份证申领/换领/补领 (道里 hall)
EXIT_HALL = "哈尔滨市公安局出入境管理支队办证大厅"
DAOLI_HALL = "哈尔滨市公安局道里分局户政服务大厅"
DAOLI = "哈尔滨市公安局道里分局"
NANGANG = "哈尔滨市公安局南岗分局"
CITY = "哈尔滨市公安局"
ALL_DAY = {str(d): ["00:00-24:00"] for d in range(1, 8)}
# The existing SMS code endpoint, with the new purpose "booking" (docs/api.md names
# POST /api/v1/sms-codes in the booking section; the service has one endpoint).
SMS_CODE_PATH = "/api/v1/auth/sms-code"
BOOKING_KEYS = {"code", "status", "hall", "matter", "day", "start", "end", "valid_from", "valid_to", "name",
                "id_number", "phone", "qr", "created_at", "ticket", "message"}

# ---------------------------------------------------------------- time


def now8():
    return datetime.datetime.now(TZ8)


def today():
    return now8().date()


def day_number(d):
    """Days since 1970-01-01 (the schema's day numbers, +08:00)."""
    return (d - datetime.date(1970, 1, 1)).days


def iso_at(day, hhmm):
    return f"{day}T{hhmm}:00+08:00"


def hhmm(minutes):
    return "%02d:%02d" % (minutes // 60, minutes % 60)


def working_days(base, start, count):
    r = Client(base).get("/api/v1/calendar/working-days", params={"from": str(start), "count": count})
    assert r.status_code == 200, r.text[:300]
    return r.json()["items"]


def window_days(base, count=6):
    """The next `count` working days from tomorrow ("YYYY-MM-DD")."""
    return working_days(base, today() + datetime.timedelta(days=1), count)


# ---------------------------------------------------------------- halls


def halls(base, **params):
    r = Client(base).get("/api/v1/halls", params=params)
    assert r.status_code == 200, r.text[:300]
    doc = r.json()
    assert doc["total"] >= len(doc["items"])
    return doc["items"]


def hall_by_name(base, name):
    for h in halls(base):
        if h["name"] == name:
            return h
    raise AssertionError(f"hall {name!r} not listed by GET /api/v1/halls")


def hall_detail(base, hall_id):
    r = Client(base).get(f"/api/v1/halls/{hall_id}")
    assert r.status_code == 200, r.text[:300]
    return r.json()


def department_id(admin, name):
    r = admin.get("/api/v1/admin/departments", params={"q": name})
    assert r.status_code == 200, r.text[:300]
    doc = r.json()
    for d in doc["items"] if isinstance(doc, dict) else doc:
        if d["name"] == name:
            return d["id"]
    raise AssertionError(f"department {name!r} not found")


_hall_seq = itertools.count(1)


def create_hall(admin, dept_id, hours=None, validity="halfday", matters=None, windows=None, booking_days=5):
    """A fresh hall through the admin API: matters {code: quota} (bookable),
    windows [(no, name, [codes])]. Returns {"id","name","windows":[ids]}."""
    name = f"测试办证大厅{next(_hall_seq)}-{random.randrange(10**6)}"
    body = {"name": name, "department_id": dept_id, "address": "哈尔滨市道里区测试街1号", "region": "230102",
            "lng": "126.620000", "lat": "45.770000", "phone": "0451-84610000", "hours": hours or ALL_DAY,
            "booking_days": booking_days, "validity": validity}
    r = admin.post("/api/v1/admin/halls", json=body)
    assert r.status_code == 201, f"create hall: {r.status_code} {r.text[:400]}"
    hid = r.json()["id"]
    for code, quota in (matters if matters is not None else {PASSPORT: 20, HKMO: 20}).items():
        r = admin.put(f"/api/v1/admin/halls/{hid}/matters/{code}", json={"bookable": True, "quota": quota})
        assert r.status_code == 200, f"hall matter {code}: {r.status_code} {r.text[:300]}"
    wins = []
    for no, wname, codes in windows if windows is not None else [("1", "综合窗口", [])]:
        r = admin.post(f"/api/v1/admin/halls/{hid}/windows", json={"no": no, "name": wname, "matters": codes})
        assert r.status_code == 201, f"window {no}: {r.status_code} {r.text[:300]}"
        wins.append(r.json()["id"])
    return {"id": hid, "name": name, "windows": wins}


def slots(base, hall_id, matter):
    r = Client(base).get(f"/api/v1/halls/{hall_id}/slots", params={"matter": matter})
    assert r.status_code == 200, f"slots: {r.status_code} {r.text[:300]}"
    doc = r.json()
    assert doc["hall_id"] == hall_id and doc["matter_code"] == matter, doc
    return doc


def slot(base, hall_id, matter, day, start):
    for d in slots(base, hall_id, matter)["days"]:
        if d["day"] == day:
            for s in d["slots"]:
                if s["start"] == start:
                    return s
    raise AssertionError(f"slot {day} {start} not listed for hall {hall_id} / {matter}")


# ---------------------------------------------------------------- bookings


def family():
    return {"name": new_name(), "id_number": new_id_number()}


def book(client, hall_id, matter, day, start, **extra):
    body = {"hall_id": hall_id, "matter_code": matter, "day": day, "start": start}
    body.update(extra)
    return client.post("/api/v1/bookings", json=body)


def book_ok(client, hall_id, matter, day, start, **extra):
    r = book(client, hall_id, matter, day, start, **extra)
    assert r.status_code == 201, f"book {hall_id}/{matter} {day} {start}: {r.status_code} {r.text[:400]}"
    b = r.json()
    assert BOOKING_KEYS <= set(b), f"booking lacks {BOOKING_KEYS - set(b)}: {b}"
    assert b["status"] == "booked" and b["day"] == day and b["start"] == start, b
    return b


def elevated(client):
    """The SMS second factor of this client's session (我的预约 needs it, §1-1-3-7-4-10), once per session."""
    st = client.get("/api/v1/me/elevation")
    if st.status_code == 200 and st.json()["elevated"]:
        return client
    phone = client.get("/api/v1/me").json()["user"]["phone"]
    r = client.post("/api/v1/me/elevate/sms-code")
    assert r.status_code == 200, f"elevate code: {r.status_code} {r.text[:300]}"
    r = client.post("/api/v1/me/elevate", json={"sms_code": latest_code(client.base, phone, "elevate")})
    assert r.status_code == 200, f"elevate: {r.status_code} {r.text[:300]}"
    return client


def get_booking(client, code):
    r = elevated(client).get(f"/api/v1/bookings/{code}")
    assert r.status_code == 200, f"booking {code}: {r.status_code} {r.text[:300]}"
    return r.json()


def mask_id(idn):
    return idn[:4] + "*" * 10 + idn[-4:]


def mask_phone(p):
    return p[:3] + "****" + p[-4:]


def move_booking(server, code, start_at, valid_from, valid_to):
    """Move a booking in time: its slot starts at start_at (aware datetime),
    valid from/to the epoch seconds given."""
    d = start_at.astimezone(TZ8)
    smin = d.hour * 60 + d.minute
    rows = server.sql("UPDATE bookings SET day = ?, start_min = ?, end_min = ?, valid_from = ?, valid_to = ? "
                      "WHERE code = ? RETURNING id", (day_number(d.date()), smin, smin + 60, int(valid_from),
                                                      int(valid_to), code))
    assert len(rows) == 1, f"booking {code} not in the database"


def make_due_now(server, code, opens=-600, closes=3600):
    """The booking's slot is the current hour of today; valid from now+opens to
    now+closes (seconds)."""
    now = time.time()
    n = now8()
    start = n.replace(minute=0, second=0, microsecond=0)
    move_booking(server, code, start, now + opens, now + closes)


def audit_rows(server, needle):
    return server.sql("SELECT action, result, realm, object, detail FROM audit_log "
                      "WHERE object LIKE ? OR detail LIKE ? ORDER BY id", (f"%{needle}%", f"%{needle}%"))


def request_booking_code(client, phone):
    r = client.post(SMS_CODE_PATH, json={"phone": phone, "purpose": "booking"})
    assert r.status_code == 200, f"sms code for booking: {r.status_code} {r.text[:300]}"
    return latest_code(client.base, phone, "booking")


def poll(what, fn, timeout=30, interval=0.2):
    """fn() until it returns a true value; fail after timeout seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sysadm(server):
    return staff_session(server.base)


@pytest.fixture(scope="module")
def daoli_id(sysadm):
    return department_id(sysadm, DAOLI)


@pytest.fixture(scope="module")
def days(server):
    return window_days(server.base, 6)


@pytest.fixture(scope="module")
def exit_hall(server):
    return hall_by_name(server.base, EXIT_HALL)


@pytest.fixture(scope="module")
def daoli_hall(server):
    return hall_by_name(server.base, DAOLI_HALL)


@pytest.fixture
def hall(sysadm, daoli_id):
    """A fresh hall of 道里分局 open all day, every day; 普通护照签发 and 港澳通行证 bookable (quota 20)."""
    return create_hall(sysadm, daoli_id)


def staff_with_role(server, role, department):
    login, password = new_staff(server, role, department, prefix="bk")
    return staff_login(server.base, login, password)


@pytest.fixture(scope="module")
def manager(server):
    return staff_with_role(server, "hall_manager", CITY)


def extra_server(tmp_path_factory, tag, env):
    tmp = str(tmp_path_factory.mktemp(tag))
    database = pg_scratch_database(f"tongban_{tag}") if TB_TEST_PG else os.path.join(tmp, f"{tag}.db")
    srv = Server(tmp, database=database, extra_env=env)
    try:
        srv.start()
    except Exception:
        srv.stop()
        raise
    return srv


@pytest.fixture(scope="module")
def bsrv(tmp_path_factory):
    """A second server: the no-show sweep every second, 100,000 active bookings per booker."""
    srv = extra_server(tmp_path_factory, "booking_sweep",
                       {"TONGBAN_BOOKING_SWEEP_SECONDS": "1", "TONGBAN_BOOKING_MAX_ACTIVE": "100000"})
    yield srv
    srv.stop()


# ================================================================ halls and slots


def test_halls_public_list_and_detail(server, exit_hall, daoli_hall):
    for h in (exit_hall, daoli_hall):
        for k in ("id", "name", "department", "address", "region", "lng", "lat", "phone", "hours", "waiting",
                  "bookable_matters"):
            assert k in h, f"hall lacks {k}: {h}"
        assert isinstance(h["waiting"], int) and h["waiting"] >= 0
        assert set(h["department"]) >= {"id", "name"}
    assert exit_hall["department"]["name"] == "哈尔滨市公安局出入境管理支队"
    assert daoli_hall["hours"]["1"] == ["08:30-11:30", "13:30-16:30"] and daoli_hall["hours"]["7"] == []
    names = {h["name"] for h in halls(server.base, matter=PASSPORT)}
    assert EXIT_HALL in names and DAOLI_HALL not in names
    # a matter present at the hall but not bookable does not select it
    assert EXIT_HALL not in {h["name"] for h in halls(server.base, matter=HKMO_AGAIN)}

    d = hall_detail(server.base, exit_hall["id"])
    assert d["booking_days"] == 5 and d["validity"] == "halfday"
    assert sorted(w["no"] for w in d["windows"]) == ["1", "2", "3", "4"]
    w3 = next(w for w in d["windows"] if w["no"] == "3")
    assert w3["matters"] == [TAIWAN] and w3["name"] == "赴台证件窗口"
    assert next(w for w in d["windows"] if w["no"] == "4")["matters"] == []
    ms = {m["code"]: m for m in d["matters"]}
    assert ms[PASSPORT]["bookable"] is True and ms[PASSPORT]["quota"] == 20 and ms[PASSPORT]["name"] == "普通护照签发"
    assert ms[TAIWAN]["quota"] == 10
    assert ms[HKMO_AGAIN]["bookable"] is False
    expect_error(Client(server.base).get("/api/v1/halls/99999999"), 404, "HALL_NOT_FOUND")


def test_slots_are_one_hour_inside_opening_hours(server, daoli_hall, days):
    """道里 hall: 08:30-11:30 and 13:30-16:30 give 08:30, 09:30, 10:30, 13:30, 14:30, 15:30."""
    doc = slots(server.base, daoli_hall["id"], IDCARD)
    assert [d["day"] for d in doc["days"]] == days[:5]
    for d in doc["days"]:
        assert d["weekday"] == datetime.date.fromisoformat(d["day"]).isoweekday()
        assert [(s["start"], s["end"]) for s in d["slots"]] == [
            ("08:30", "09:30"), ("09:30", "10:30"), ("10:30", "11:30"),
            ("13:30", "14:30"), ("14:30", "15:30"), ("15:30", "16:30")], d
        for s in d["slots"]:
            assert s["quota"] == 20 and 0 <= s["left"] <= 20 and isinstance(s["open"], bool)


def test_slot_boundaries_partial_hours(server, sysadm, daoli_id, days):
    hours = {str(d): ["09:00-11:30", "13:00-13:45", "14:00-16:00"] for d in range(1, 8)}
    h = create_hall(sysadm, daoli_id, hours=hours)
    doc = slots(server.base, h["id"], PASSPORT)
    # working days only, although the hall has hours on every weekday
    assert [d["day"] for d in doc["days"]] == days[:5]
    for d in doc["days"]:
        assert [(s["start"], s["end"]) for s in d["slots"]] == [("09:00", "10:00"), ("10:00", "11:00"),
                                                                 ("14:00", "15:00"), ("15:00", "16:00")]
    c = make_citizen(server.base)
    for start in ("08:00", "10:30", "11:00", "13:00", "16:00", "12:00", "23:00"):
        expect_error(book(c, h["id"], PASSPORT, days[0], start), 422, "BOOKING_SLOT_INVALID", "start")
    b = book_ok(c, h["id"], PASSPORT, days[0], "15:00")
    assert b["end"] == "16:00"


def test_holiday_is_skipped(server, sysadm, hall, days):
    # a weekday of the window without a calendar row of its own
    cal = {}
    for y in {days[0][:4], days[5][:4]}:
        r = Client(server.base).get("/api/v1/calendar", params={"year": int(y)})
        assert r.status_code == 200
        cal.update({it["day"]: it for it in r.json()["items"]})
    off = next((d for d in days[1:5] if d not in cal and datetime.date.fromisoformat(d).isoweekday() <= 5), None)
    if off is None:
        pytest.skip("no plain weekday in the booking window to make a holiday of")
    r = sysadm.put(f"/api/v1/admin/calendar/{off}", json={"kind": "holiday", "name": "测试临时放假"})
    assert r.status_code == 200, r.text[:300]
    try:
        shifted = window_days(server.base, 6)
        assert off not in shifted and shifted[:5] == [d for d in days[:6] if d != off]
        doc = slots(server.base, hall["id"], PASSPORT)
        assert [d["day"] for d in doc["days"]] == shifted[:5]
        c = make_citizen(server.base)
        expect_error(book(c, hall["id"], PASSPORT, off, "10:00"), 422, "BOOKING_DAY_OUT_OF_RANGE", "day")
        # the sixth working day moved into the window
        b = book_ok(c, hall["id"], PASSPORT, days[5], "10:00")
        r = c.post(f"/api/v1/bookings/{b['code']}/cancel", json={})
        assert r.status_code == 200, r.text[:300]
    finally:
        r = sysadm.delete(f"/api/v1/admin/calendar/{off}")
        assert r.status_code == 200, r.text[:300]
    assert [d["day"] for d in slots(server.base, hall["id"], PASSPORT)["days"]] == days[:5]


def test_five_working_day_window(server, hall, days):
    """From tomorrow, five working days: today, past days, non-working days and
    the sixth working day are refused."""
    c = make_citizen(server.base)
    first, last6 = today() - datetime.timedelta(days=1), datetime.date.fromisoformat(days[5])
    d = first
    refused = []
    while d <= last6 + datetime.timedelta(days=1):
        if str(d) not in days[:5]:
            refused.append(str(d))
            expect_error(book(c, hall["id"], PASSPORT, str(d), "10:00", **family()), 422,
                         "BOOKING_DAY_OUT_OF_RANGE", "day")
        d += datetime.timedelta(days=1)
    assert str(today()) in refused and days[5] in refused
    book_ok(c, hall["id"], PASSPORT, days[0], "10:00", **family())
    book_ok(c, hall["id"], PASSPORT, days[4], "23:00", **family())
    for bad in ("2026/12/01", "明天", "2026-02-30"):
        r = book(c, hall["id"], PASSPORT, bad, "10:00", **family())
        assert r.status_code in (400, 422), r.text[:300]
        e = expect_error(r, r.status_code, "INVALID_FIELD" if r.status_code == 400 else "BOOKING_DAY_OUT_OF_RANGE")
        assert e.get("field") == "day", e


def test_not_bookable_and_unknown(server, exit_hall, days):
    c = make_citizen(server.base)
    expect_error(book(c, exit_hall["id"], HKMO_AGAIN, days[0], "10:00"), 422, "BOOKING_NOT_BOOKABLE",
                 "matter_code")
    expect_error(book(c, exit_hall["id"], IDCARD, days[0], "10:00"), 422, "BOOKING_NOT_BOOKABLE", "matter_code")
    expect_error(book(c, 99999999, PASSPORT, days[0], "10:00"), 404, "HALL_NOT_FOUND")
    expect_error(Client(server.base).get("/api/v1/halls/99999999/slots", params={"matter": PASSPORT}), 404,
                 "HALL_NOT_FOUND")


@pytest.mark.parametrize("body,status,code,field", [
    ({"matter_code": PASSPORT, "day": "D", "start": "10:00"}, 400, "FIELD_REQUIRED", "hall_id"),
    ({"hall_id": "H", "day": "D", "start": "10:00"}, 400, "FIELD_REQUIRED", "matter_code"),
    ({"hall_id": "H", "matter_code": PASSPORT, "start": "10:00"}, 400, "FIELD_REQUIRED", "day"),
    ({"hall_id": "H", "matter_code": PASSPORT, "day": "D"}, 400, "FIELD_REQUIRED", "start"),
    ({"hall_id": "x", "matter_code": PASSPORT, "day": "D", "start": "10:00"}, 400, "WRONG_TYPE", "hall_id"),
    ({"hall_id": "H", "matter_code": PASSPORT, "day": "D", "start": "10:00", "vip": True}, 400, "UNKNOWN_FIELD",
     "vip"),
    ({"hall_id": "H", "matter_code": PASSPORT, "day": "D", "start": "10:00", "name": "张三",
      "id_number": "230102199001011234"}, 400, "INVALID_ID_NUMBER", "id_number"),
    ({"hall_id": "H", "matter_code": PASSPORT, "day": "D", "start": "10:00", "id_number": "FAMILY"}, 400,
     "FIELD_REQUIRED", "name"),
])
def test_bad_booking_body(server, citizen, hall, days, body, status, code, field):
    body = {k: (hall["id"] if v == "H" else days[0] if v == "D" else new_id_number() if v == "FAMILY" else v)
            for k, v in body.items()}
    expect_error(citizen.post("/api/v1/bookings", json=body), status, code, field)


# ================================================================ booking, reading, masking


def test_book_for_self(server, exit_hall, days):
    c = make_citizen(server.base)
    start = random.choice(["09:00", "10:00", "11:00"])
    before = slot(server.base, exit_hall["id"], PASSPORT, days[1], start)
    b = book_ok(c, exit_hall["id"], PASSPORT, days[1], start)
    assert "预约成功" in b["message"], b["message"]
    assert b["hall"]["id"] == exit_hall["id"] and b["hall"]["name"] == EXIT_HALL and b["hall"]["address"]
    assert b["matter"] == {"code": PASSPORT, "name": "普通护照签发"}
    assert b["end"] == "%02d:00" % (int(start[:2]) + 1)
    # halfday validity: the whole morning interval 09:00-12:00
    assert (b["valid_from"], b["valid_to"]) == (iso_at(days[1], "09:00"), iso_at(days[1], "12:00"))
    assert b["name"] == c.name
    assert b["id_number"] == mask_id(c.id_number) and b["phone"] == mask_phone(c.phone)
    assert isinstance(b["qr"], str) and len(b["qr"]) >= 16
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+08:00", b["created_at"])
    assert b["ticket"] in (None, "")
    after = slot(server.base, exit_hall["id"], PASSPORT, days[1], start)
    assert after["left"] == before["left"] - 1 and after["quota"] == 20
    got = get_booking(c.client, b["code"])
    assert got["code"] == b["code"] and got["status"] == "booked" and got["qr"] == b["qr"]
    r = elevated(c.client).get("/api/v1/bookings")
    assert r.status_code == 200
    assert r.json()["items"][0]["code"] == b["code"] and r.json()["total"] >= 1
    r = c.get(f"/api/v1/bookings/{b['code']}/qr.svg")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in r.content[:400]
    for resp in (b, got, r.text):
        text = str(resp)
        assert c.id_number not in text and c.phone not in text


def test_afternoon_slot_valid_all_afternoon_and_slot_validity(server, sysadm, daoli_id, days):
    hours = {str(d): ["09:00-12:00", "13:00-17:00"] for d in range(1, 8)}
    half = create_hall(sysadm, daoli_id, hours=hours)
    c = make_citizen(server.base)
    b = book_ok(c, half["id"], PASSPORT, days[0], "14:00")
    assert (b["valid_from"], b["valid_to"]) == (iso_at(days[0], "13:00"), iso_at(days[0], "17:00"))
    per_slot = create_hall(sysadm, daoli_id, hours=hours, validity="slot")
    b = book_ok(c, per_slot["id"], HKMO, days[0], "10:00")
    assert (b["valid_from"], b["valid_to"]) == (iso_at(days[0], "09:30"), iso_at(days[0], "11:00"))


def test_my_bookings_newest_first_and_paged(server, hall, days):
    c = make_citizen(server.base)
    codes = [book_ok(c, hall["id"], PASSPORT, days[i], "10:00", **family())["code"] for i in range(3)]
    r = elevated(c.client).get("/api/v1/bookings", params={"page": 1, "page_size": 2})
    assert r.status_code == 200
    doc = r.json()
    assert doc["total"] == 3 and [b["code"] for b in doc["items"]] == codes[::-1][:2]
    r = elevated(c.client).get("/api/v1/bookings", params={"page": 2, "page_size": 2})
    assert [b["code"] for b in r.json()["items"]] == codes[:1]


def test_quota_full_and_raised(server, sysadm, daoli_id, days):
    h = create_hall(sysadm, daoli_id, matters={PASSPORT: 2})
    c = make_citizen(server.base)
    book_ok(c, h["id"], PASSPORT, days[2], "09:00", **family())
    book_ok(c, h["id"], PASSPORT, days[2], "09:00", **family())
    s = slot(server.base, h["id"], PASSPORT, days[2], "09:00")
    assert (s["quota"], s["left"], s["open"]) == (2, 0, False)
    e = expect_error(book(c, h["id"], PASSPORT, days[2], "09:00", **family()), 409, "BOOKING_SLOT_FULL", "start")
    assert e["message"]
    # the neighbouring slot is untouched
    assert slot(server.base, h["id"], PASSPORT, days[2], "10:00")["left"] == 2
    r = sysadm.put(f"/api/v1/admin/halls/{h['id']}/matters/{PASSPORT}", json={"bookable": True, "quota": 3})
    assert r.status_code == 200, r.text[:300]
    assert slot(server.base, h["id"], PASSPORT, days[2], "09:00")["left"] == 1
    book_ok(c, h["id"], PASSPORT, days[2], "09:00", **family())
    expect_error(book(c, h["id"], PASSPORT, days[2], "09:00", **family()), 409, "BOOKING_SLOT_FULL", "start")
    # not bookable any more: refused, and the hall is no longer offered for it
    r = sysadm.put(f"/api/v1/admin/halls/{h['id']}/matters/{PASSPORT}", json={"bookable": False, "quota": 3})
    assert r.status_code == 200, r.text[:300]
    expect_error(book(c, h["id"], PASSPORT, days[3], "09:00", **family()), 422, "BOOKING_NOT_BOOKABLE",
                 "matter_code")


def test_one_active_booking_per_id_number_and_matter(server, sysadm, daoli_id, hall, days):
    c = make_citizen(server.base)
    b = book_ok(c, hall["id"], PASSPORT, days[0], "10:00")
    # another slot, another day, another hall: the same ID number and matter
    e = expect_error(book(c, hall["id"], PASSPORT, days[1], "11:00"), 409, "BOOKING_DUPLICATE", "id_number")
    assert e["message"]
    other = create_hall(sysadm, daoli_id)
    expect_error(book(c, other["id"], PASSPORT, days[2], "09:00"), 409, "BOOKING_DUPLICATE", "id_number")
    # someone else booking for this person
    helper = make_citizen(server.base)
    expect_error(book(helper, other["id"], PASSPORT, days[2], "09:00", name=c.name, id_number=c.id_number), 409,
                 "BOOKING_DUPLICATE", "id_number")
    # another matter is fine
    book_ok(c, hall["id"], HKMO, days[0], "10:00")
    # after cancelling, again
    r = c.post(f"/api/v1/bookings/{b['code']}/cancel", json={})
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text[:300]
    book_ok(c, other["id"], PASSPORT, days[2], "09:00")


def test_family_member_booking(server, hall, days):
    c = make_citizen(server.base)
    fam = family()
    b = book_ok(c, hall["id"], PASSPORT, days[3], "08:00", **fam)
    assert b["name"] == fam["name"]
    assert b["id_number"] == mask_id(fam["id_number"]) and b["phone"] == mask_phone(c.phone)
    assert fam["id_number"] not in str(b)
    # the booker's own ID number is free for the same matter
    mine = book_ok(c, hall["id"], PASSPORT, days[3], "08:00")
    assert mine["name"] == c.name and mine["id_number"] == mask_id(c.id_number)
    assert {x["code"] for x in elevated(c.client).get("/api/v1/bookings").json()["items"]} == {b["code"], mine["code"]}


def test_booker_limit(server, sysadm, daoli_id, days):
    h = create_hall(sysadm, daoli_id, matters={PASSPORT: 20, HKMO: 20, TAIWAN: 20})
    c = make_citizen(server.base)
    made = [book_ok(c, h["id"], PASSPORT if i < 3 else HKMO, days[i % 5], "10:00", **family()) for i in range(5)]
    e = expect_error(book(c, h["id"], TAIWAN, days[0], "10:00", **family()), 409, "BOOKING_LIMIT")
    assert e["message"]
    # booking for oneself counts too
    expect_error(book(c, h["id"], TAIWAN, days[0], "10:00"), 409, "BOOKING_LIMIT")
    r = c.post(f"/api/v1/bookings/{made[0]['code']}/cancel", json={})
    assert r.status_code == 200, r.text[:300]
    book_ok(c, h["id"], TAIWAN, days[0], "10:00", **family())
    expect_error(book(c, h["id"], TAIWAN, days[1], "10:00", **family()), 409, "BOOKING_LIMIT")
    # another account is not affected
    book_ok(make_citizen(server.base), h["id"], TAIWAN, days[1], "10:00")


def test_cancel_and_reschedule(server, sysadm, daoli_id, days):
    h = create_hall(sysadm, daoli_id, matters={PASSPORT: 5})
    c = make_citizen(server.base)
    b = book_ok(c, h["id"], PASSPORT, days[0], "10:00")
    assert slot(server.base, h["id"], PASSPORT, days[0], "10:00")["left"] == 4
    r = c.post(f"/api/v1/bookings/{b['code']}/cancel", json={})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["status"] == "cancelled" and r.json()["code"] == b["code"]
    assert slot(server.base, h["id"], PASSPORT, days[0], "10:00")["left"] == 5
    assert get_booking(c.client, b["code"])["status"] == "cancelled"
    expect_error(c.post(f"/api/v1/bookings/{b['code']}/cancel", json={}), 409, "CONFLICT")
    expect_error(c.post(f"/api/v1/bookings/{b['code']}/reschedule", json={"day": days[1], "start": "10:00"}), 409,
                 "CONFLICT")

    b = book_ok(c, h["id"], PASSPORT, days[0], "10:00")
    r = c.post(f"/api/v1/bookings/{b['code']}/reschedule", json={"day": days[1], "start": "15:00"})
    assert r.status_code == 200, r.text[:300]
    m = r.json()
    assert (m["code"], m["status"], m["day"], m["start"], m["end"]) == (b["code"], "booked", days[1], "15:00",
                                                                         "16:00")
    assert m["qr"] != b["qr"], "a rescheduled booking gets a new QR code"
    assert m["valid_from"].startswith(days[1])
    assert slot(server.base, h["id"], PASSPORT, days[0], "10:00")["left"] == 5
    assert slot(server.base, h["id"], PASSPORT, days[1], "15:00")["left"] == 4
    got = get_booking(c.client, b["code"])
    assert (got["day"], got["start"]) == (days[1], "15:00")
    # into a full slot, a slot that does not exist, a day outside the window
    for _ in range(5):
        book_ok(make_citizen(server.base), h["id"], PASSPORT, days[2], "09:00")
    expect_error(c.post(f"/api/v1/bookings/{b['code']}/reschedule", json={"day": days[2], "start": "09:00"}), 409,
                 "BOOKING_SLOT_FULL", "start")
    expect_error(c.post(f"/api/v1/bookings/{b['code']}/reschedule", json={"day": days[2], "start": "09:30"}), 422,
                 "BOOKING_SLOT_INVALID", "start")
    expect_error(c.post(f"/api/v1/bookings/{b['code']}/reschedule", json={"day": days[5], "start": "09:00"}), 422,
                 "BOOKING_DAY_OUT_OF_RANGE", "day")
    assert (get_booking(c.client, b["code"])["day"], slot(server.base, h["id"], PASSPORT, days[1], "15:00")["left"]) \
        == (days[1], 4), "a refused reschedule changed something"


def test_cutoff_for_cancel_and_reschedule(server, hall, days):
    """Cancel and reschedule until booking_cutoff_minutes (60) before the slot."""
    c = make_citizen(server.base)
    near = book_ok(c, hall["id"], PASSPORT, days[0], "10:00", **family())
    far = book_ok(c, hall["id"], PASSPORT, days[0], "10:00", **family())
    now = time.time()
    # slot in 50 minutes: past the cut-off
    at = datetime.datetime.fromtimestamp(now + 50 * 60, TZ8).replace(second=0, microsecond=0)
    move_booking(server, near["code"], at, at.timestamp() - 1800, at.timestamp() + 3600)
    e = expect_error(c.post(f"/api/v1/bookings/{near['code']}/cancel", json={}), 409, "BOOKING_CUTOFF_PASSED")
    assert e["message"]
    expect_error(c.post(f"/api/v1/bookings/{near['code']}/reschedule", json={"day": days[2], "start": "10:00"}), 409,
                 "BOOKING_CUTOFF_PASSED")
    assert get_booking(c.client, near["code"])["status"] == "booked"
    # slot in 75 minutes: still before the cut-off
    at = datetime.datetime.fromtimestamp(now + 75 * 60, TZ8).replace(second=0, microsecond=0)
    move_booking(server, far["code"], at, at.timestamp() - 1800, at.timestamp() + 3600)
    r = c.post(f"/api/v1/bookings/{far['code']}/cancel", json={})
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text[:300]


@pytest.fixture(scope="module")
def cutoff_srv(tmp_path_factory):
    """A server whose cut-off (10 days) lies beyond the whole booking window."""
    srv = extra_server(tmp_path_factory, "booking_cutoff", {"TONGBAN_BOOKING_CUTOFF_MINUTES": str(10 * 1440)})
    yield srv
    srv.stop()


def test_slots_closed_after_cutoff(cutoff_srv):
    base = cutoff_srv.base
    h = hall_by_name(base, EXIT_HALL)
    doc = slots(base, h["id"], PASSPORT)
    assert len(doc["days"]) == 5
    assert all(s["open"] is False and s["left"] == 20 for d in doc["days"] for s in d["slots"]), doc
    c = make_citizen(base)
    e = expect_error(book(c, h["id"], PASSPORT, doc["days"][-1]["day"], "16:00"), 409, "BOOKING_CUTOFF_PASSED")
    assert e["message"]


# ================================================================ without a session


@pytest.fixture(scope="module", autouse=True)
def anon_booking(server, days):
    """A booking made without a session at module start (name, ID number, phone,
    SMS code), and when its code was sent: test_cancel_without_session, at the
    end of the module, needs a second code for the same phone (60 s resend limit)."""
    h = hall_by_name(server.base, EXIT_HALL)
    a = Client(server.base)
    phone, idn, name = new_phone(), new_id_number(), new_name()
    code = request_booking_code(a, phone)
    sent = time.time()
    body = {"hall_id": h["id"], "matter_code": HKMO, "day": days[4], "start": "13:00", "name": name,
            "id_number": idn, "phone": phone}
    r = a.post("/api/v1/bookings", json=dict(body, sms_code="000000" if code != "000000" else "111111"))
    wrong = r
    r = a.post("/api/v1/bookings", json=dict(body, sms_code=code))
    return {"client": a, "phone": phone, "id_number": idn, "name": name, "sms_code": code, "sent": sent,
            "body": body, "wrong": wrong, "answer": r, "hall": h}


def test_booking_without_session(server, anon_booking):
    ab = anon_booking
    expect_error(ab["wrong"], 400, "SMS_CODE_INVALID", "sms_code")
    r = ab["answer"]
    assert r.status_code == 201, r.text[:400]
    b = r.json()
    assert BOOKING_KEYS <= set(b) and b["status"] == "booked" and "预约成功" in b["message"]
    assert b["name"] == ab["name"] and b["id_number"] == mask_id(ab["id_number"])
    assert b["phone"] == mask_phone(ab["phone"])
    assert ab["id_number"] not in r.text and ab["phone"] not in r.text
    # the SMS code is spent
    r = ab["client"].post("/api/v1/bookings", json=dict(ab["body"], matter_code=PASSPORT, id_number=new_id_number(),
                                                        sms_code=ab["sms_code"]))
    assert r.status_code == 400 and r.json()["error"]["code"] in ("SMS_CODE_INVALID", "SMS_CODE_EXPIRED"), r.text
    # without a code, or without a phone
    a = Client(server.base)
    body = dict(ab["body"], matter_code=PASSPORT, id_number=new_id_number(), phone=new_phone())
    expect_error(a.post("/api/v1/bookings", json=body), 400, "FIELD_REQUIRED", "sms_code")
    body = dict(ab["body"], matter_code=PASSPORT, id_number=new_id_number(), sms_code="123456")
    del body["phone"]
    expect_error(a.post("/api/v1/bookings", json=body), 400, "FIELD_REQUIRED", "phone")
    # an anonymous client has no "my bookings"
    expect_error(a.get("/api/v1/bookings"), 401, "UNAUTHENTICATED")
    expect_error(a.get(f"/api/v1/bookings/{b['code']}"), 401, "UNAUTHENTICATED")


def test_booking_sms_code_purpose_is_separate(server):
    """A registration code does not book."""
    a = Client(server.base)
    phone = new_phone()
    r = a.post(SMS_CODE_PATH, json={"phone": phone, "purpose": "register"})
    assert r.status_code == 200
    code = latest_code(server.base, phone, "register")
    h = hall_by_name(server.base, EXIT_HALL)
    d = window_days(server.base, 5)[3]
    r = a.post("/api/v1/bookings", json={"hall_id": h["id"], "matter_code": PASSPORT, "day": d, "start": "13:00",
                                         "name": new_name(), "id_number": new_id_number(), "phone": phone,
                                         "sms_code": code})
    assert r.status_code == 400 and r.json()["error"]["code"] in ("SMS_CODE_INVALID", "SMS_CODE_EXPIRED"), r.text


# ================================================================ owner only, audit, staff views


def test_other_citizen_cannot_read_or_change(server, hall, days):
    owner, other = make_citizen(server.base), make_citizen(server.base)
    b = book_ok(owner, hall["id"], PASSPORT, days[1], "09:00")
    code = b["code"]
    # unelevated, even the owner's own booking needs the SMS second factor first
    expect_error(owner.get(f"/api/v1/bookings/{code}"), 403, "ELEVATION_REQUIRED")
    expect_error(owner.get("/api/v1/bookings"), 403, "ELEVATION_REQUIRED")
    elevated(other.client)
    for r in (other.get(f"/api/v1/bookings/{code}"), other.get(f"/api/v1/bookings/{code}/qr.svg"),
              other.post(f"/api/v1/bookings/{code}/cancel", json={}),
              other.post(f"/api/v1/bookings/{code}/reschedule", json={"day": days[2], "start": "09:00"})):
        assert r.status_code == 404, f"{r.request.method} {r.request.path_url}: {r.status_code} {r.text[:300]}"
        assert r.json()["error"]["code"] in ("BOOKING_NOT_FOUND", "NOT_FOUND")
        assert owner.id_number not in r.text
    assert code not in {x["code"] for x in elevated(other.client).get("/api/v1/bookings").json()["items"]}
    got = get_booking(owner.client, code)
    assert (got["status"], got["day"], got["start"]) == ("booked", days[1], "09:00")
    # a guessed code that does not exist answers the same
    r = other.get("/api/v1/bookings/" + code[:-2] + ("00" if code[-2:] != "00" else "11"))
    assert r.status_code == 404
    # staff sessions do not open the citizen endpoints
    staff = staff_session(server.base)
    expect_error(staff.get(f"/api/v1/bookings/{code}"), 401, "UNAUTHENTICATED")


def test_booking_needs_csrf(server, hall, days):
    c = make_citizen(server.base)
    r = c.client.post("/api/v1/bookings", csrf=False,
                      json={"hall_id": hall["id"], "matter_code": PASSPORT, "day": days[0], "start": "10:00"})
    expect_error(r, 403, "CSRF_FAILED")
    assert elevated(c.client).get("/api/v1/bookings").json()["total"] == 0


def test_audit_rows_of_a_booking(server, hall, days):
    c = make_citizen(server.base)
    b = book_ok(c, hall["id"], PASSPORT, days[2], "12:00")
    r = c.post(f"/api/v1/bookings/{b['code']}/reschedule", json={"day": days[3], "start": "12:00"})
    assert r.status_code == 200, r.text[:300]
    r = c.post(f"/api/v1/bookings/{b['code']}/cancel", json={})
    assert r.status_code == 200, r.text[:300]
    rows = audit_rows(server, b["code"])
    actions = [row[0] for row in rows]
    assert len(rows) >= 3 and len(set(actions)) >= 3, f"booking, reschedule and cancel audited apart: {rows}"
    assert all(a.startswith("booking") for a in actions), actions
    assert all(row[1] == "ok" for row in rows), rows
    # no plain ID number or phone in the audit trail
    for needle in (c.id_number, c.phone):
        assert server.sql("SELECT count(*) FROM audit_log WHERE object LIKE ? OR detail LIKE ?",
                          (f"%{needle}%", f"%{needle}%"))[0][0] == 0


def test_staff_booking_list_masked_and_scoped(server, daoli_hall, days):
    c = make_citizen(server.base)
    fam = family()
    b = book_ok(c, daoli_hall["id"], IDCARD, days[4], "15:30", **fam)
    officer = staff_with_role(server, "hall_officer", DAOLI)
    r = officer.get("/api/v1/admin/bookings", params={"hall": daoli_hall["id"], "day": days[4], "page_size": 100})
    assert r.status_code == 200, r.text[:300]
    items = {x["code"]: x for x in r.json()["items"]}
    assert b["code"] in items
    x = items[b["code"]]
    assert x["id_number"] == mask_id(fam["id_number"]) and x["phone"] == mask_phone(c.phone)
    assert fam["id_number"] not in r.text and c.phone not in r.text
    assert x["status"] == "booked"
    # an officer of another department does not see it
    stranger = staff_with_role(server, "hall_officer", NANGANG)
    r = stranger.get("/api/v1/admin/bookings", params={"hall": daoli_hall["id"], "day": days[4], "page_size": 100})
    assert r.status_code in (200, 403, 404), r.text[:300]
    if r.status_code == 200:
        assert b["code"] not in {x["code"] for x in r.json()["items"]}
    # a citizen or a clerk without booking.read
    expect_error(c.get("/api/v1/admin/bookings"), 401, "UNAUTHENTICATED")
    expect_error(staff_session(server.base, CLERK_LOGIN, CLERK_PASSWORD).get("/api/v1/admin/bookings"), 403,
                 "FORBIDDEN")


def test_hall_admin_permissions_and_audit(server, sysadm, daoli_id, days):
    clerk = staff_session(server.base, CLERK_LOGIN, CLERK_PASSWORD)
    body = {"name": "越权大厅", "department_id": daoli_id, "address": "x", "region": "230102", "lng": "1",
            "lat": "1", "phone": "0451-1", "hours": ALL_DAY, "booking_days": 5, "validity": "halfday"}
    expect_error(clerk.post("/api/v1/admin/halls", json=body), 403, "FORBIDDEN")
    expect_error(clerk.get("/api/v1/admin/halls"), 403, "FORBIDDEN")
    c = make_citizen(server.base)
    expect_error(c.post("/api/v1/admin/halls", json=body), 401, "UNAUTHENTICATED")
    expect_error(sysadm.post("/api/v1/admin/halls", json=body, csrf=False), 403, "CSRF_FAILED")
    hall_audit = "SELECT count(*) FROM audit_log WHERE realm = 'staff' AND action LIKE '%hall%' AND result = 'ok'"
    audited = server.sql(hall_audit)[0][0]
    h = create_hall(sysadm, daoli_id, windows=[("1", "一号窗口", [PASSPORT]), ("2", "二号窗口", [])])
    r = sysadm.get("/api/v1/admin/halls")
    assert r.status_code == 200
    listed = next(x for x in r.json()["items"] if x["id"] == h["id"])
    assert sorted(w["no"] for w in listed["windows"]) == ["1", "2"]
    # update, then the public view follows
    r = sysadm.put(f"/api/v1/admin/halls/{h['id']}", json={"phone": "0451-84619999", "booking_days": 3})
    assert r.status_code == 200, r.text[:300]
    d = hall_detail(server.base, h["id"])
    assert d["phone"] == "0451-84619999" and d["booking_days"] == 3
    assert [x["day"] for x in slots(server.base, h["id"], PASSPORT)["days"]] == days[:3]
    expect_error(book(c, h["id"], PASSPORT, days[3], "10:00"), 422, "BOOKING_DAY_OUT_OF_RANGE", "day")
    # a window's matters, then its removal
    w1 = h["windows"][0]
    r = sysadm.put(f"/api/v1/admin/halls/{h['id']}/windows/{w1}", json={"matters": [PASSPORT, HKMO]})
    assert r.status_code == 200, r.text[:300]
    assert next(w for w in hall_detail(server.base, h["id"])["windows"] if w["id"] == w1)["matters"] == [PASSPORT, HKMO]
    r = sysadm.delete(f"/api/v1/admin/halls/{h['id']}/windows/{h['windows'][1]}")
    assert r.status_code == 200 and r.json() == {"deleted": True}, r.text[:300]
    assert [w["no"] for w in hall_detail(server.base, h["id"])["windows"]] == ["1"]
    expect_error(sysadm.delete(f"/api/v1/admin/halls/{h['id']}/windows/99999999"), 404, "WINDOW_NOT_FOUND")
    # a matter with active bookings stays
    b = book_ok(c, h["id"], PASSPORT, days[0], "10:00")
    expect_error(sysadm.delete(f"/api/v1/admin/halls/{h['id']}/matters/{PASSPORT}"), 409, "CONFLICT")
    r = c.post(f"/api/v1/bookings/{b['code']}/cancel", json={})
    assert r.status_code == 200
    r = sysadm.delete(f"/api/v1/admin/halls/{h['id']}/matters/{PASSPORT}")
    assert r.status_code == 200, r.text[:300]
    assert PASSPORT not in {m["code"] for m in hall_detail(server.base, h["id"])["matters"]}
    # create, 2 matters, 2 windows, update, window update, window delete, matter delete
    assert server.sql(hall_audit)[0][0] - audited >= 9, "every hall write is audited"


@pytest.mark.parametrize("body,field", [
    ({"hours": {"1": ["17:00-09:00"]}}, "hours"),
    ({"hours": {"8": ["09:00-12:00"]}}, "hours"),
    ({"hours": {"1": ["9-12"]}}, "hours"),
    ({"validity": "forever"}, "validity"),
    ({"booking_days": 0}, "booking_days"),
])
def test_hall_update_bad_input(server, sysadm, hall, body, field):
    expect_error(sysadm.put(f"/api/v1/admin/halls/{hall['id']}", json=body), 400, "INVALID_FIELD", field)


def test_hall_matter_quota_bad_input(sysadm, hall):
    expect_error(sysadm.put(f"/api/v1/admin/halls/{hall['id']}/matters/{PASSPORT}", json={"bookable": True,
                                                                                          "quota": -1}),
                 400, "INVALID_FIELD", "quota")
    r = sysadm.put(f"/api/v1/admin/halls/{hall['id']}/matters/NOSUCHMATTER00000000000000000",
                   json={"bookable": True, "quota": 5})
    assert r.status_code in (404, 400), r.text[:300]


# ================================================================ the hall cache


def second_node(server, tmp):
    """Another `tongban serve` on the main server's database and data directory,
    as a second node behind a load balancer (no migrate, no seed: the database
    is live). The caller stops it."""
    node = Server(str(tmp), database=server.database,
                  extra_env={"TONGBAN_DATA_DIR": server.data_dir})
    node.proc = subprocess.Popen([TB_BIN, "serve"], env=node.env, cwd=node.tmp,
                                 stdout=open(node.stdout_path, "wb"), stderr=open(node.stderr_path, "wb"),
                                 start_new_session=True)

    def ready():
        assert node.alive(), f"second node exited\n{node.tail()}"
        try:
            return Client(node.base).get("/readyz").status_code == 200
        except Exception:
            return False
    try:
        poll("the second node to be ready", ready, timeout=60)
    except BaseException:
        node.stop()
        raise
    return node


def slot_table(base, hall_id, matter):
    """{start: quota} of the first bookable day."""
    return {s["start"]: s["quota"] for s in slots(base, hall_id, matter)["days"][0]["slots"]}


def test_hall_cache_follows_admin_writes_on_every_node(server, sysadm, daoli_id, tmp_path):
    """Halls, windows, hours and quotas are served from a per-process cache:
    an admin write shows at once on the node that made it and, through the
    'halls' cache epoch, on another node on the same database."""
    h = create_hall(sysadm, daoli_id, matters={PASSPORT: 20})
    hid = h["id"]
    node = second_node(server, tmp_path)
    try:
        all_day = {"%02d:00" % hour: 20 for hour in range(24)}
        assert slot_table(server.base, hid, PASSPORT) == all_day
        assert slot_table(node.base, hid, PASSPORT) == all_day  # the second node has the hall cached now

        # a quota: at once here, and on the other node through the epoch
        r = sysadm.put(f"/api/v1/admin/halls/{hid}/matters/{PASSPORT}", json={"bookable": True, "quota": 7})
        assert r.status_code == 200, r.text[:300]
        seven = {start: 7 for start in all_day}
        assert slot_table(server.base, hid, PASSPORT) == seven
        poll("the quota on the second node", lambda: slot_table(node.base, hid, PASSPORT) == seven, timeout=15)

        # opening hours
        r = sysadm.put(f"/api/v1/admin/halls/{hid}", json={"hours": {str(d): ["09:00-11:00"] for d in range(1, 8)}})
        assert r.status_code == 200, r.text[:300]
        morning = {"09:00": 7, "10:00": 7}
        assert slot_table(server.base, hid, PASSPORT) == morning
        assert hall_detail(server.base, hid)["hours"]["1"] == ["09:00-11:00"]
        poll("the hours on the second node", lambda: slot_table(node.base, hid, PASSPORT) == morning, timeout=15)

        # a matter made bookable and a window, written through the second node
        admin2 = Client(node.base, source_ip=sysadm.source_ip)  # the same session: sessions live in the database
        admin2.s.cookies.update(sysadm.s.cookies)
        admin2.csrf = sysadm.csrf
        r = admin2.put(f"/api/v1/admin/halls/{hid}/matters/{HKMO}", json={"bookable": True, "quota": 3})
        assert r.status_code == 200, r.text[:300]
        r = admin2.post(f"/api/v1/admin/halls/{hid}/windows", json={"no": "9", "name": "新开窗口", "matters": [HKMO]})
        assert r.status_code == 201, r.text[:300]
        wid = r.json()["id"]
        assert slot_table(node.base, hid, HKMO) == {"09:00": 3, "10:00": 3}

        def seen_here():
            d = hall_detail(server.base, hid)
            return (any(w["id"] == wid and w["matters"] == [HKMO] for w in d["windows"])
                    and any(m["code"] == HKMO and m["quota"] == 3 for m in d["matters"]))
        poll("the second node's writes on the first", seen_here, timeout=15)
        assert slot_table(server.base, hid, HKMO) == {"09:00": 3, "10:00": 3}
        assert hid in [x["id"] for x in halls(server.base, matter=HKMO)]
    finally:
        node.stop()


# ================================================================ without a session: cancel (after the resend limit)


def test_cancel_without_session(server, anon_booking):
    ab = anon_booking
    assert ab["answer"].status_code == 201, ab["answer"].text[:300]
    code = ab["answer"].json()["code"]
    wait = ab["sent"] + 61 - time.time()
    if wait > 0:
        time.sleep(wait)  # the SMS resend limit (60 s per phone and purpose), not a synchronisation
    a = Client(server.base)
    sms = request_booking_code(a, ab["phone"])
    # another ID number or phone than the booking's: not found, nothing changes
    expect_error(a.post(f"/api/v1/bookings/{code}/cancel",
                        json={"id_number": new_id_number(), "phone": ab["phone"], "sms_code": sms}), 404,
                 "BOOKING_NOT_FOUND")
    r = a.post(f"/api/v1/bookings/{code}/cancel", json={"id_number": ab["id_number"], "phone": ab["phone"],
                                                         "sms_code": "000000" if sms != "000000" else "111111"})
    expect_error(r, 400, "SMS_CODE_INVALID", "sms_code")
    r = a.post(f"/api/v1/bookings/{code}/cancel", json={"id_number": ab["id_number"], "phone": ab["phone"],
                                                         "sms_code": sms})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["status"] == "cancelled" and ab["id_number"] not in r.text


# ================================================================ concurrency (issue §7)


def _attempts(make_client, bodies, threads=64):
    """POST /api/v1/bookings once per body from a pool of threads, each with its
    own connection; returns [(status, error code or None)]."""
    import threading
    local = threading.local()

    def one(body):
        c = getattr(local, "c", None)
        if c is None:
            c = local.c = make_client()
        r = c.post("/api/v1/bookings", json=body, timeout=120)
        code = None
        if r.status_code != 201:
            try:
                code = r.json()["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = r.text[:100]
        return r.status_code, code

    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        return list(ex.map(one, bodies))


def test_2000_attempts_on_one_slot(bsrv):
    base = bsrv.base
    h = hall_by_name(base, EXIT_HALL)
    day = window_days(base, 5)[0]
    c = make_citizen(base)
    bodies = [{"hall_id": h["id"], "matter_code": PASSPORT, "day": day, "start": "16:00", "name": new_name(),
               "id_number": new_id_number()} for _ in range(2000)]
    out = _attempts(c.client.clone, bodies)
    tally = {}
    for st, code in out:
        tally[(st, code)] = tally.get((st, code), 0) + 1
    assert tally == {(201, None): 20, (409, "BOOKING_SLOT_FULL"): 1980}, tally
    s = slot(base, h["id"], PASSPORT, day, "16:00")
    assert (s["left"], s["open"]) == (0, False)
    dn = day_number(datetime.date.fromisoformat(day))
    booked = bsrv.sql("SELECT booked FROM booking_slots WHERE hall_id = ? AND matter_code = ? AND day = ? "
                      "AND start_min = ?", (h["id"], PASSPORT, dn, 16 * 60))
    rows = bsrv.sql("SELECT count(*) FROM bookings WHERE hall_id = ? AND matter_code = ? AND day = ? "
                    "AND start_min = ? AND status = 'booked'", (h["id"], PASSPORT, dn, 16 * 60))
    assert booked == [(20,)] and rows == [(20,)], (booked, rows)


def test_concurrent_double_submission_same_id(bsrv):
    base = bsrv.base
    h = hall_by_name(base, EXIT_HALL)
    day = window_days(base, 5)[1]
    a, b = make_citizen(base), make_citizen(base)
    name, idn = new_name() + "双", new_id_number()
    body = {"hall_id": h["id"], "matter_code": HKMO, "day": day, "start": "15:00", "name": name, "id_number": idn}
    clients = itertools.cycle([a.client, b.client])
    import threading
    lock = threading.Lock()

    def make():
        with lock:
            return next(clients).clone()

    out = _attempts(make, [body] * 48, threads=48)
    assert out.count((201, None)) == 1, out
    assert all(x == (201, None) or x == (409, "BOOKING_DUPLICATE") for x in out), out
    rows = bsrv.sql("SELECT count(*) FROM bookings WHERE name = ?", (name,))
    assert rows == [(1,)], rows
    assert slot(base, h["id"], HKMO, day, "15:00")["left"] == 19


# ================================================================ no-shows and the blacklist


@pytest.fixture(scope="module")
def bmanager(bsrv):
    login, password = new_staff(bsrv, "hall_manager", CITY, prefix="bm")
    return staff_login(bsrv.base, login, password)


def into_the_past(srv, code, hours_ago=3):
    """The booking's slot was hours_ago hours ago and its validity ended an hour later."""
    at = now8().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=hours_ago)
    move_booking(srv, code, at, at.timestamp() - 1800, at.timestamp() + 3600)


def wait_status(client, code, status, timeout=30):
    return poll(f"booking {code} to become {status}",
                lambda: (lambda b: b if b["status"] == status else None)(get_booking(client, code)), timeout)


def blacklist_entries(mgr, codes, active=None):
    """Blacklist entries whose records name one of these booking codes."""
    params = {"page_size": 100}
    if active is not None:
        params["active"] = active
    out, page = [], 1
    while True:
        params["page"] = page
        r = mgr.get("/api/v1/admin/booking-blacklist", params=params)
        assert r.status_code == 200, r.text[:300]
        doc = r.json()
        out += [x for x in doc["items"] if set(x["records"]) & set(codes)]
        if page * 100 >= doc["total"] or not doc["items"]:
            return out
        page += 1


def no_shows(srv, citizen, hall_id, n, matters=(PASSPORT, HKMO, TAIWAN)):
    """n no-shows of this citizen (own ID number), each on a different matter
    so that all can be active at once; returns their codes."""
    days = window_days(srv.base, 5)
    codes = [book_ok(citizen, hall_id, matters[i % len(matters)], days[i // len(matters)], "09:00")["code"]
             for i in range(n)]
    for code in codes:
        into_the_past(srv, code)
    for code in codes:
        wait_status(citizen.client, code, "no_show")
    return codes


def test_noshow_sweep(bsrv):
    base = bsrv.base
    h = hall_by_name(base, EXIT_HALL)
    day = window_days(base, 5)[2]
    c = make_citizen(base)
    gone = book_ok(c, h["id"], PASSPORT, day, "09:00")
    cancelled = book_ok(c, h["id"], HKMO, day, "09:00")
    future = book_ok(c, h["id"], TAIWAN, day, "09:00")
    r = c.post(f"/api/v1/bookings/{cancelled['code']}/cancel", json={})
    assert r.status_code == 200
    into_the_past(bsrv, gone["code"])
    into_the_past(bsrv, cancelled["code"])
    wait_status(c.client, gone["code"], "no_show")
    # the same sweep left the others alone
    assert get_booking(c.client, cancelled["code"])["status"] == "cancelled"
    assert get_booking(c.client, future["code"])["status"] == "booked"
    # a no-show is not active: the matter can be booked again
    book_ok(c, h["id"], PASSPORT, day, "10:00")
    rows = audit_rows(bsrv, gone["code"])
    assert any("no_show" in row[0] or "noshow" in row[0] for row in rows), rows


def test_two_noshows_do_not_blacklist(bsrv, bmanager):
    c = make_citizen(bsrv.base)
    h = hall_by_name(bsrv.base, EXIT_HALL)
    codes = no_shows(bsrv, c, h["id"], 2)
    # the sweep that marked the second no-show has run: an entry would be there by now
    assert blacklist_entries(bmanager, codes) == []
    book_ok(c, h["id"], PASSPORT, window_days(bsrv.base, 5)[4], "11:00")


def test_three_noshows_blacklist_then_lift(bsrv, bmanager):
    base = bsrv.base
    h = hall_by_name(base, EXIT_HALL)
    days5 = window_days(base, 5)
    c = make_citizen(base)
    codes = no_shows(bsrv, c, h["id"], 3)
    entries = poll("a blacklist entry", lambda: blacklist_entries(bmanager, codes, active=1))
    assert len(entries) == 1, entries
    e = entries[0]
    assert e["active"] is True and e["lifted_at"] in (None, "") and e["reason"]
    assert sorted(e["records"]) == sorted(codes)
    assert e["id_number"] == mask_id(c.id_number) and e["name"] in (c.name, c.name[0] + "*" * (len(c.name) - 1))
    r = bmanager.get("/api/v1/admin/booking-blacklist", params={"page_size": 100})
    assert c.id_number not in r.text, "the blacklist shows a full ID number"
    created = datetime.datetime.fromisoformat(e["created_at"])
    until = datetime.datetime.fromisoformat(e["until"]) if "T" in e["until"] else \
        datetime.datetime.combine(datetime.date.fromisoformat(e["until"]), datetime.time(), TZ8)
    assert 89 <= (until - created).total_seconds() / 86400 <= 91, (e["created_at"], e["until"])
    until_day = until.date()

    # refused: for oneself, booked by someone else, and without a session
    er = expect_error(book(c, h["id"], PASSPORT, days5[1], "14:00"), 403, "BOOKING_BLACKLISTED")
    assert str(until_day) in er["message"] or f"{until_day.year}年{until_day.month}月{until_day.day}日" in \
        er["message"], f"the end date is not in the message: {er['message']}"
    other = make_citizen(base)
    expect_error(book(other, h["id"], PASSPORT, days5[1], "14:00", name=c.name, id_number=c.id_number), 403,
                 "BOOKING_BLACKLISTED")
    a = Client(base)
    phone = new_phone()
    sms = request_booking_code(a, phone)
    expect_error(a.post("/api/v1/bookings", json={"hall_id": h["id"], "matter_code": PASSPORT, "day": days5[1],
                                                   "start": "14:00", "name": c.name, "id_number": c.id_number,
                                                   "phone": phone, "sms_code": sms}), 403, "BOOKING_BLACKLISTED")

    # lifting: permission, a reason, then done once
    officer = staff_with_role(bsrv, "hall_officer", "哈尔滨市公安局出入境管理支队")
    expect_error(officer.post(f"/api/v1/admin/booking-blacklist/{e['id']}/lift", json={"reason": "越权"}), 403,
                 "FORBIDDEN")
    expect_error(officer.get("/api/v1/admin/booking-blacklist"), 403, "FORBIDDEN")
    expect_error(bmanager.post(f"/api/v1/admin/booking-blacklist/{e['id']}/lift", json={}), 400, "FIELD_REQUIRED",
                 "reason")
    r = bmanager.post(f"/api/v1/admin/booking-blacklist/{e['id']}/lift", json={"reason": "住院证明，情况属实"})
    assert r.status_code == 200, r.text[:300]
    lifted = r.json()
    assert lifted["active"] is False and lifted["lifted_at"] and lifted["lift_reason"] == "住院证明，情况属实"
    assert lifted["lifted_by"]
    expect_error(bmanager.post(f"/api/v1/admin/booking-blacklist/{e['id']}/lift", json={"reason": "再次"}), 409,
                 "CONFLICT")
    assert blacklist_entries(bmanager, codes, active=1) == []
    assert [x["active"] for x in blacklist_entries(bmanager, codes)] == [False]
    book_ok(c, h["id"], PASSPORT, days5[1], "14:00")
    rows = bsrv.sql("SELECT action, result, realm FROM audit_log WHERE action LIKE ? AND "
                    "(object LIKE ? OR detail LIKE ?)", ("%blacklist%", f"%{e['id']}%", f"%{e['id']}%"))
    assert any("lift" in a and res == "ok" and realm == "staff" for a, res, realm in rows), rows
    assert any("lift" not in a for a, _, _ in rows), f"the entry's creation is audited too: {rows}"


def test_blacklist_expires(bsrv, bmanager):
    base = bsrv.base
    h = hall_by_name(base, EXIT_HALL)
    c = make_citizen(base)
    codes = no_shows(bsrv, c, h["id"], 3)
    e = poll("a blacklist entry", lambda: blacklist_entries(bmanager, codes, active=1))[0]
    day = window_days(base, 5)[2]
    expect_error(book(c, h["id"], PASSPORT, day, "14:00"), 403, "BOOKING_BLACKLISTED")
    rows = bsrv.sql("UPDATE booking_blacklist SET until_at = ? WHERE id = ? RETURNING id", (int(time.time()) - 1,
                                                                                            e["id"]))
    assert len(rows) == 1
    book_ok(c, h["id"], PASSPORT, day, "14:00")
    assert blacklist_entries(bmanager, codes, active=1) == []
    assert [x["active"] for x in blacklist_entries(bmanager, codes)] == [False]
