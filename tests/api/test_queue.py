"""The hall queue through the API (§1-1-3-2-4-5 1, 4, 5; docs/api.md 「Hall
queue」): check-in of a booking by ID number and by QR code (forged, altered
and foreign codes refused, the validity window), the booked number inserted
three places ahead of the end of the waiting line, walk-in and online
numbers, calling by window matters, recall, skip and late return, start and
finish, the hall screen, masking and the SMS messages of a number.

Every test gets a hall of its own (open all day, every day), so waiting lines
do not mix; the booking is moved into today by changing its row
(Server.sql)."""

import datetime
import re
import time

import pytest

from conftest import (CLERK_LOGIN, CLERK_PASSWORD, Client, expect_error, make_citizen, new_id_number, new_phone,
                      sms_outbox, staff_session)
from test_booking import (DAOLI, HKMO, NANGANG, PASSPORT, book_ok, create_hall, department_id, family,  # noqa: F401
                          get_booking, make_due_now, mask_id, mask_phone, now8, poll, staff_with_role, sysadm,
                          daoli_id, window_days)

# every ticket; booking_code on booked numbers, qr on online numbers (checked where made)
TICKET_KEYS = {"id", "ticket", "kind", "hall_id", "matter", "status", "ahead", "window", "issued_at", "called_at",
               "name"}


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def kiosk(server):
    return staff_with_role(server, "hall_kiosk", DAOLI)


@pytest.fixture(scope="module")
def officer(server):
    return staff_with_role(server, "hall_officer", DAOLI)


@pytest.fixture(scope="module")
def days(server):
    return window_days(server.base, 5)


@pytest.fixture(scope="module", autouse=True)
def _today_not_a_holiday(server, sysadm):
    """Halls are closed on statutory holidays: when the suite runs on one, the
    calendar row of today is removed for this module and put back after."""
    day = str(now8().date())
    r = Client(server.base).get("/api/v1/calendar", params={"year": int(day[:4])})
    assert r.status_code == 200, r.text[:300]
    row = next((it for it in r.json()["items"] if it["day"] == day and it["kind"] == "holiday"), None)
    if row is not None:
        r = sysadm.delete(f"/api/v1/admin/calendar/{day}")
        assert r.status_code == 200, r.text[:300]
    try:
        yield
    finally:
        if row is not None:
            r = staff_session(server.base).put(f"/api/v1/admin/calendar/{day}",
                                               json={"kind": "holiday", "name": row["name"]})
            assert r.status_code == 200, r.text[:300]


@pytest.fixture
def qhall(sysadm, daoli_id):
    """A hall of 道里分局 open all day: window 1 serves 普通护照签发, window 2
    港澳通行证, window 3 every matter."""
    return create_hall(sysadm, daoli_id, windows=[("1", "护照窗口", [PASSPORT]), ("2", "港澳窗口", [HKMO]),
                                                  ("3", "综合窗口", [])])


# ---------------------------------------------------------------- helpers


def walkin(kiosk, hall_id, matter=PASSPORT, **extra):
    r = kiosk.post(f"/api/v1/halls/{hall_id}/tickets", json=dict({"matter_code": matter}, **extra))
    assert r.status_code == 201, f"walk-in: {r.status_code} {r.text[:300]}"
    t = r.json()
    assert TICKET_KEYS <= set(t), f"ticket lacks {TICKET_KEYS - set(t)}"
    assert re.fullmatch(r"A\d+", t["ticket"]) and t["kind"] == "walkin" and t["status"] == "waiting", t
    return t


def number(t):
    return int(t["ticket"][1:])


def queue(officer, hall_id):
    r = officer.get(f"/api/v1/halls/{hall_id}/queue")
    assert r.status_code == 200, f"queue: {r.status_code} {r.text[:300]}"
    return r.json()


def waiting(officer, hall_id):
    return [t["ticket"] for t in queue(officer, hall_id)["waiting"]]


def booked_today(server, hall_id, matter=PASSPORT, citizen=None, opens=-600, closes=3600, **who):
    """A citizen's booking at this hall, moved to the current hour of today."""
    c = citizen or make_citizen(server.base)
    d = window_days(server.base, 1)[0]
    b = book_ok(c, hall_id, matter, d, "10:00", **who)
    make_due_now(server, b["code"], opens, closes)
    return c, b


def checkin(kiosk, hall_id, **body):
    return kiosk.post(f"/api/v1/halls/{hall_id}/checkin", json=body)


def checkin_ok(kiosk, hall_id, **body):
    r = checkin(kiosk, hall_id, **body)
    assert r.status_code == 201, f"check-in {body}: {r.status_code} {r.text[:300]}"
    t = r.json()
    assert TICKET_KEYS <= set(t), f"ticket lacks {TICKET_KEYS - set(t)}"
    assert re.fullmatch(r"Y\d+", t["ticket"]) and t["kind"] == "booked" and t["status"] == "waiting", t
    return t


def call_next(officer, hall_id, window_id):
    r = officer.post(f"/api/v1/halls/{hall_id}/windows/{window_id}/call-next", json={})
    assert r.status_code == 200, f"call-next: {r.status_code} {r.text[:300]}"
    t = r.json()
    assert t["status"] == "called" and t["window"]["id"] == window_id and t["called_at"], t
    return t


def act(staff, ticket_id, what, status=200):
    r = staff.post(f"/api/v1/queue/tickets/{ticket_id}/{what}", json={})
    assert r.status_code == status, f"{what} {ticket_id}: {r.status_code} {r.text[:300]}"
    return r.json()


def messages(base, phone):
    """The hall's messages to phone, oldest first (the SMS second-factor codes that 我的预约 asks for left out)."""
    return sorted((m for m in sms_outbox(base, phone) if m.get("purpose") != "elevate"), key=lambda m: m["id"])


def three_ahead(n_before, letters_before, new):
    """The contract's rule (docs/api.md): the new number goes three places
    ahead of the end of the waiting line; at the end when fewer than three
    wait. (§1-1-3-2-4-5 「取号顺序为排队序列中顺延三位，不满三位的插到最后」 can
    also be read as "behind the first three waiting"; the contract decides.)"""
    line = list(letters_before)
    pos = len(line) - 3 if len(line) >= 3 else len(line)
    return line[:pos] + [new] + line[pos:]


# ================================================================ check-in


def test_checkin_by_id_number(server, kiosk, officer, qhall):
    c, b = booked_today(server, qhall["id"])
    before = len(messages(server.base, c.phone))
    t = checkin_ok(kiosk, qhall["id"], id_number=c.id_number)
    assert t["booking_code"] == b["code"] and t["hall_id"] == qhall["id"] and t["matter"]["code"] == PASSPORT
    assert t["ahead"] == 0 and t["window"] is None
    assert c.id_number not in str(t) and c.phone not in str(t)
    assert t["name"] != c.name and t["name"].startswith(c.name[0]), "names are masked on queue tickets"
    got = get_booking(c.client, b["code"])
    assert got["status"] == "checked_in" and got["ticket"] == t["ticket"]
    assert waiting(officer, qhall["id"]) == [t["ticket"]]
    msgs = messages(server.base, c.phone)[before:]
    assert 1 <= len(msgs) <= 2 and t["ticket"] in msgs[0]["text"], msgs  # issued (and maybe: none ahead)
    # a second check-in does not issue a second number
    r = checkin(kiosk, qhall["id"], id_number=c.id_number)
    assert r.status_code != 201 or r.json()["id"] == t["id"], r.text[:300]
    assert waiting(officer, qhall["id"]) == [t["ticket"]]
    # the citizen sees the number in 我的排队
    r = c.get("/api/v1/queue/mine")
    assert r.status_code == 200
    assert [(x["ticket"], x["ahead"]) for x in r.json()["items"]] == [(t["ticket"], 0)]


def test_checkin_by_qr(server, kiosk, officer, qhall):
    c, b = booked_today(server, qhall["id"])
    t = checkin_ok(kiosk, qhall["id"], qr=b["qr"])
    assert t["booking_code"] == b["code"]
    assert get_booking(c.client, b["code"])["status"] == "checked_in"
    rows = server.sql("SELECT action, result FROM audit_log WHERE (object LIKE ? OR detail LIKE ?) "
                      "AND action LIKE '%check%'", (f"%{b['code']}%", f"%{b['code']}%"))
    assert ("ok" in {r[1] for r in rows}), f"check-in audited: {rows}"


def test_checkin_of_a_family_member(server, kiosk, qhall):
    fam = family()
    c, b = booked_today(server, qhall["id"], **fam)
    t = checkin_ok(kiosk, qhall["id"], id_number=fam["id_number"])
    assert t["booking_code"] == b["code"]
    # the booker's own ID number has no booking here today
    expect_error(checkin(kiosk, qhall["id"], id_number=c.id_number), 404, "BOOKING_NOT_FOUND")


def _altered(qr, frac=0.5):
    """The payload with one character changed (an alphanumeric one near frac of its length)."""
    i = int(len(qr) * frac)
    while not qr[i].isalnum():
        i += 1
    ch = qr[i]
    repl = "A" if ch != "A" else "B"
    if ch.isdigit():
        repl = "7" if ch != "7" else "3"
    return qr[:i] + repl + qr[i + 1:]


def test_forged_and_altered_qr_refused(server, sysadm, daoli_id, kiosk, qhall):
    c, b = booked_today(server, qhall["id"])
    qr = b["qr"]
    for bad in ("TB1:forged:" + "0" * 40, "hello", qr + "x", qr[:-1], _altered(qr, 0.25), _altered(qr), _altered(qr, 0.8),
                qr.replace(b["code"], b["code"][:-1] + ("1" if b["code"][-1] != "1" else "2"))):
        if bad == qr:
            continue
        e = expect_error(checkin(kiosk, qhall["id"], qr=bad), 400, "QR_INVALID")
        assert e["message"]
    # a genuine code presented at another hall
    other = create_hall(sysadm, daoli_id)
    expect_error(checkin(kiosk, other["id"], qr=qr), 400, "QR_INVALID")
    assert get_booking(c.client, b["code"])["status"] == "booked"
    checkin_ok(kiosk, qhall["id"], qr=qr)


def test_rescheduled_booking_old_qr_refused(server, kiosk, qhall, days):
    c = make_citizen(server.base)
    b = book_ok(c, qhall["id"], PASSPORT, days[0], "10:00")
    r = c.post(f"/api/v1/bookings/{b['code']}/reschedule", json={"day": days[1], "start": "11:00"})
    assert r.status_code == 200, r.text[:300]
    new_qr = r.json()["qr"]
    make_due_now(server, b["code"])
    r = checkin(kiosk, qhall["id"], qr=b["qr"])
    assert r.status_code in (400, 409), f"the QR code of the old slot still checks in: {r.status_code} {r.text[:300]}"
    checkin_ok(kiosk, qhall["id"], qr=new_qr)


def test_checkin_validity_window(server, kiosk, qhall):
    c, b = booked_today(server, qhall["id"], opens=2 * 3600, closes=3 * 3600)
    e = expect_error(checkin(kiosk, qhall["id"], id_number=c.id_number), 409, "BOOKING_TOO_EARLY")
    opens = datetime.datetime.fromtimestamp(time.time() + 2 * 3600, now8().tzinfo)
    assert any(x.strftime("%H:%M") in e["message"] for x in (opens, opens - datetime.timedelta(minutes=1))), \
        f"the message names the time the booking opens ({opens:%H:%M}): {e['message']}"
    expect_error(checkin(kiosk, qhall["id"], qr=b["qr"]), 409, "BOOKING_TOO_EARLY")
    # expired (whether or not the no-show sweep has marked it yet)
    c2, b2 = booked_today(server, qhall["id"], opens=-3 * 3600, closes=-60)
    e = expect_error(checkin(kiosk, qhall["id"], id_number=c2.id_number), 409, "BOOKING_EXPIRED")
    assert e["message"]
    expect_error(checkin(kiosk, qhall["id"], qr=b2["qr"]), 409, "BOOKING_EXPIRED")
    assert get_booking(c.client, b["code"])["status"] == "booked"


def test_checkin_not_found(server, sysadm, daoli_id, kiosk, qhall, days):
    expect_error(checkin(kiosk, qhall["id"], id_number=new_id_number()), 404, "BOOKING_NOT_FOUND")
    # booked for a later day: nothing today
    c = make_citizen(server.base)
    book_ok(c, qhall["id"], PASSPORT, days[1], "10:00")
    expect_error(checkin(kiosk, qhall["id"], id_number=c.id_number), 404, "BOOKING_NOT_FOUND")
    # today, but at another hall
    c2, _ = booked_today(server, qhall["id"])
    other = create_hall(sysadm, daoli_id)
    expect_error(checkin(kiosk, other["id"], id_number=c2.id_number), 404, "BOOKING_NOT_FOUND")
    # cancelled, then (as a row) moved to today
    c3 = make_citizen(server.base)
    b3 = book_ok(c3, qhall["id"], HKMO, days[0], "10:00")
    r = c3.post(f"/api/v1/bookings/{b3['code']}/cancel", json={})
    assert r.status_code == 200, r.text[:300]
    make_due_now(server, b3["code"])
    expect_error(checkin(kiosk, qhall["id"], id_number=c3.id_number), 404, "BOOKING_NOT_FOUND")
    r = checkin(kiosk, qhall["id"], qr=b3["qr"])   # the code names the booking: not found, or its state
    assert (r.status_code, r.json()["error"]["code"]) in ((404, "BOOKING_NOT_FOUND"), (409, "CONFLICT")), r.text
    expect_error(checkin(kiosk, qhall["id"], id_number="230102199001011234"), 400, "INVALID_ID_NUMBER",
                 "id_number")
    r = checkin(kiosk, qhall["id"])
    assert r.status_code == 400, r.text[:300]


# ================================================================ the insert-three-ahead rule


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10])
def test_booked_number_three_ahead(server, kiosk, officer, qhall, n):
    c, b = booked_today(server, qhall["id"])
    line = [walkin(kiosk, qhall["id"])["ticket"] for _ in range(n)]
    assert waiting(officer, qhall["id"]) == line
    t = checkin_ok(kiosk, qhall["id"], id_number=c.id_number)
    expect = three_ahead(n, line, t["ticket"])
    assert waiting(officer, qhall["id"]) == expect
    assert t["ahead"] == expect.index(t["ticket"])
    # the ahead count of every waiting number follows its place
    assert [x["ahead"] for x in queue(officer, qhall["id"])["waiting"]] == list(range(len(expect)))


def test_two_booked_numbers_in_a_row(server, kiosk, officer, qhall):
    c1, _ = booked_today(server, qhall["id"])
    c2, _ = booked_today(server, qhall["id"])
    line = [walkin(kiosk, qhall["id"])["ticket"] for _ in range(10)]
    y1 = checkin_ok(kiosk, qhall["id"], id_number=c1.id_number)["ticket"]
    line = three_ahead(10, line, y1)
    y2 = checkin_ok(kiosk, qhall["id"], id_number=c2.id_number)["ticket"]
    line = three_ahead(11, line, y2)
    assert waiting(officer, qhall["id"]) == line
    assert line[7:9] == [y1, y2] and [int(x[1:]) for x in line[-3:]] == [8, 9, 10], line


def test_walkin_and_booked_letters_and_numbers(server, kiosk, officer, qhall):
    a = [walkin(kiosk, qhall["id"]) for _ in range(3)]
    assert [number(t) for t in a] == [number(a[0]) + i for i in range(3)] and number(a[0]) == 1
    c, _ = booked_today(server, qhall["id"])
    y = checkin_ok(kiosk, qhall["id"], id_number=c.id_number)
    assert number(y) == 1, "booked numbers count on their own"
    h = walkin(kiosk, qhall["id"], HKMO)
    assert number(h) == 4 and h["matter"]["code"] == HKMO
    # a walk-in with a phone and an ID number is fine; a bad phone is not
    walkin(kiosk, qhall["id"], phone=new_phone())
    expect_error(kiosk.post(f"/api/v1/halls/{qhall['id']}/tickets", json={"matter_code": PASSPORT,
                                                                           "phone": "12345"}), 400, "INVALID_PHONE",
                 "phone")
    r = kiosk.post(f"/api/v1/halls/{qhall['id']}/tickets", json={"matter_code": "NOSUCHMATTER"})
    assert r.status_code in (404, 422), r.text[:300]


# ================================================================ calling


def test_call_next_follows_window_matters(server, kiosk, officer, qhall):
    w1, w2, w3 = qhall["windows"]
    calls = "SELECT count(*) FROM audit_log WHERE realm = 'staff' AND action LIKE '%call%' AND result = 'ok'"
    audited = server.sql(calls)[0][0]
    h1 = walkin(kiosk, qhall["id"], HKMO)
    p1 = walkin(kiosk, qhall["id"], PASSPORT)
    h2 = walkin(kiosk, qhall["id"], HKMO)
    p2 = walkin(kiosk, qhall["id"], PASSPORT)
    assert call_next(officer, qhall["id"], w1)["id"] == p1["id"]       # passport window skips the HKMO number
    assert call_next(officer, qhall["id"], w2)["id"] == h1["id"]
    t = call_next(officer, qhall["id"], w3)                              # every matter: the head of the line
    assert t["id"] == h2["id"] and t["window"]["no"] == "3"
    assert waiting(officer, qhall["id"]) == [p2["ticket"]]
    expect_error(officer.post(f"/api/v1/halls/{qhall['id']}/windows/{w2}/call-next", json={}), 404, "QUEUE_EMPTY")
    q = queue(officer, qhall["id"])
    assert {x["ticket"] for x in q["calling"]} == {p1["ticket"], h1["ticket"], h2["ticket"]}
    cur = {w["id"]: (w["current"] or {}).get("ticket") for w in q["windows"]}
    assert cur == {w1: p1["ticket"], w2: h1["ticket"], w3: h2["ticket"]}, q["windows"]
    assert server.sql(calls)[0][0] - audited >= 3, "every call is audited"


def test_call_next_empty_and_unknown_window(server, officer, qhall):
    expect_error(officer.post(f"/api/v1/halls/{qhall['id']}/windows/{qhall['windows'][2]}/call-next", json={}), 404,
                 "QUEUE_EMPTY")
    expect_error(officer.post(f"/api/v1/halls/{qhall['id']}/windows/99999999/call-next", json={}), 404,
                 "WINDOW_NOT_FOUND")


def test_recall_and_screen(server, kiosk, officer, qhall):
    c, b = booked_today(server, qhall["id"])
    t = checkin_ok(kiosk, qhall["id"], id_number=c.id_number)
    called = call_next(officer, qhall["id"], qhall["windows"][0])
    assert called["id"] == t["id"]
    again = act(officer, t["id"], "recall")
    assert again["id"] == t["id"] and again["status"] == "called"
    r = Client(server.base).get(f"/api/v1/halls/{qhall['id']}/screen")
    assert r.status_code == 200, r.text[:300]
    s = r.json()
    assert s["hall"]["id"] == qhall["id"]
    assert [(x["ticket"], x["window_no"]) for x in s["calling"]] == [(t["ticket"], "1")]
    assert t["ticket"] in [x["ticket"] for x in s["recent"]]
    assert isinstance(s["waiting"], int) and s["at"]
    for secret in (c.name, c.id_number, c.phone, mask_id(c.id_number), mask_phone(c.phone)):
        assert secret not in r.text, f"the public screen shows {secret}"
    assert all("name" not in x for x in s["calling"] + s["recent"]), "no names on the screen"


def test_skip_and_return_once(server, kiosk, officer, qhall):
    w3 = qhall["windows"][2]
    first = walkin(kiosk, qhall["id"])
    line = [walkin(kiosk, qhall["id"])["ticket"] for _ in range(5)]
    assert call_next(officer, qhall["id"], w3)["id"] == first["id"]
    s = act(officer, first["id"], "skip")
    assert s["status"] == "skipped"
    assert waiting(officer, qhall["id"]) == line
    back = act(officer, first["id"], "return")
    assert back["status"] == "waiting"
    line = three_ahead(5, line, first["ticket"])
    assert waiting(officer, qhall["id"]) == line
    # called and skipped again: no second return
    while True:
        t = call_next(officer, qhall["id"], w3)
        if t["id"] == first["id"]:
            break
        act(officer, t["id"], "start")
        act(officer, t["id"], "finish")
    act(officer, first["id"], "skip")
    r = officer.post(f"/api/v1/queue/tickets/{first['id']}/return", json={})
    assert r.status_code == 409, f"second return: {r.status_code} {r.text[:300]}"
    assert first["ticket"] not in waiting(officer, qhall["id"])
    # only a skipped number comes back
    w = walkin(kiosk, qhall["id"])
    r = officer.post(f"/api/v1/queue/tickets/{w['id']}/return", json={})
    assert r.status_code == 409, r.text[:300]


def test_late_return_refused(server, kiosk, officer, qhall):
    t = walkin(kiosk, qhall["id"])
    u = walkin(kiosk, qhall["id"])
    call_next(officer, qhall["id"], qhall["windows"][2])
    act(officer, t["id"], "skip")
    # skipped 31 minutes ago (queue_skip_return_minutes = 30)
    rows = server.sql("UPDATE queue_tickets SET skipped_at = ? WHERE id = ? RETURNING id",
                      (int(time.time()) - 31 * 60, t["id"]))
    assert len(rows) == 1
    r = officer.post(f"/api/v1/queue/tickets/{t['id']}/return", json={})
    assert r.status_code == 409, f"late return: {r.status_code} {r.text[:300]}"
    assert waiting(officer, qhall["id"]) == [u["ticket"]]
    # 29 minutes ago: still in time
    v = walkin(kiosk, qhall["id"])
    call_next(officer, qhall["id"], qhall["windows"][2])  # u
    act(officer, u["id"], "skip")
    server.sql("UPDATE queue_tickets SET skipped_at = ? WHERE id = ? RETURNING id", (int(time.time()) - 29 * 60,
                                                                                     u["id"]))
    assert act(officer, u["id"], "return")["status"] == "waiting"
    assert waiting(officer, qhall["id"]) == [v["ticket"], u["ticket"]]


def test_start_finish_and_messages_of_a_booked_number(server, kiosk, officer, qhall):
    c, b = booked_today(server, qhall["id"])
    base = len(messages(server.base, c.phone))
    t = checkin_ok(kiosk, qhall["id"], id_number=c.id_number)
    called = call_next(officer, qhall["id"], qhall["windows"][0])
    assert called["id"] == t["id"]
    expect_error(officer.post(f"/api/v1/queue/tickets/{t['id']}/finish", json={}), 409, "CONFLICT")
    s = act(officer, t["id"], "start")
    assert s["status"] == "serving"
    assert get_booking(c.client, b["code"])["status"] == "checked_in"
    f = act(officer, t["id"], "finish")
    assert f["status"] == "done"
    assert get_booking(c.client, b["code"])["status"] == "done"
    expect_error(officer.post(f"/api/v1/queue/tickets/{t['id']}/start", json={}), 409, "CONFLICT")
    msgs = [m["text"] for m in messages(server.base, c.phone)[base:]]
    # issued, called, acceptance started (the number was first in line: no "three ahead" message needed)
    assert len(msgs) >= 3, msgs
    assert all(t["ticket"] in m for m in msgs[:3]), msgs
    assert "受理" in msgs[-1] or "办理" in msgs[-1], msgs
    # done: the matter can be booked again
    book_ok(c, qhall["id"], PASSPORT, window_days(server.base, 1)[0], "11:00")


def test_messages_issue_three_ahead_call_acceptance(server, kiosk, officer, qhall):
    w3 = qhall["windows"][2]
    phone = new_phone()
    ahead = [walkin(kiosk, qhall["id"]) for _ in range(4)]
    t = walkin(kiosk, qhall["id"], phone=phone)
    assert t["ahead"] == 4
    msgs = messages(server.base, phone)
    assert len(msgs) == 1 and t["ticket"] in msgs[0]["text"], msgs           # issued
    first = call_next(officer, qhall["id"], w3)
    assert first["id"] == ahead[0]["id"]
    msgs = messages(server.base, phone)
    assert len(msgs) == 2 and t["ticket"] in msgs[1]["text"] and "3" in msgs[1]["text"], msgs   # three ahead
    act(officer, first["id"], "skip")
    for a in ahead[1:]:
        got = call_next(officer, qhall["id"], w3)
        assert got["id"] == a["id"]
        act(officer, got["id"], "start")
        act(officer, got["id"], "finish")
    assert len(messages(server.base, phone)) == 2, "one message when three are ahead, not one per step"
    assert call_next(officer, qhall["id"], w3)["id"] == t["id"]
    msgs = messages(server.base, phone)
    assert len(msgs) == 3 and t["ticket"] in msgs[2]["text"] and "窗口" in msgs[2]["text"], msgs  # called
    act(officer, t["id"], "start")
    msgs = messages(server.base, phone)
    assert len(msgs) == 4 and t["ticket"] in msgs[3]["text"], msgs          # acceptance started
    assert len({m["text"] for m in msgs}) == 4


def test_online_number(server, sysadm, daoli_id, officer, qhall):
    c = make_citizen(server.base)
    r = c.post(f"/api/v1/halls/{qhall['id']}/queue/online", json={"matter_code": PASSPORT})
    assert r.status_code == 201, r.text[:300]
    t = r.json()
    assert re.fullmatch(r"W\d+", t["ticket"]) and t["kind"] == "online" and t["qr"], t
    assert t["ticket"] in waiting(officer, qhall["id"])
    r = c.get("/api/v1/queue/mine")
    assert r.status_code == 200
    mine = {x["ticket"]: x for x in r.json()["items"]}
    assert mine[t["ticket"]]["ahead"] == 0
    # another citizen does not see it; an anonymous client cannot take one
    assert t["ticket"] not in {x["ticket"] for x in make_citizen(server.base).get("/api/v1/queue/mine").json()["items"]}
    expect_error(Client(server.base).post(f"/api/v1/halls/{qhall['id']}/queue/online",
                                          json={"matter_code": PASSPORT}), 401, "UNAUTHENTICATED")
    # a hall closed today
    closed = create_hall(sysadm, daoli_id, hours={str(d): [] for d in range(1, 8)})
    expect_error(c.post(f"/api/v1/halls/{closed['id']}/queue/online", json={"matter_code": PASSPORT}), 409,
                 "HALL_CLOSED")


def test_waiting_count_is_public(server, kiosk, qhall):
    for _ in range(3):
        walkin(kiosk, qhall["id"])
    r = Client(server.base).get(f"/api/v1/halls/{qhall['id']}")
    assert r.status_code == 200 and r.json()["waiting"] == 3, r.text[:300]


def test_queue_names_masked(server, kiosk, officer, qhall):
    c, _ = booked_today(server, qhall["id"])
    checkin_ok(kiosk, qhall["id"], id_number=c.id_number)
    r = officer.get(f"/api/v1/halls/{qhall['id']}/queue")
    assert r.status_code == 200
    assert c.name not in r.text and c.id_number not in r.text and c.phone not in r.text
    assert r.json()["waiting"][0]["name"] == c.name[0] + "*" * (len(c.name) - 1)


def test_queue_permissions_and_scope(server, kiosk, officer, qhall):
    w = walkin(kiosk, qhall["id"])
    c = make_citizen(server.base)
    clerk = staff_session(server.base, CLERK_LOGIN, CLERK_PASSWORD)
    for r in (clerk.post(f"/api/v1/halls/{qhall['id']}/tickets", json={"matter_code": PASSPORT}),
              clerk.post(f"/api/v1/halls/{qhall['id']}/windows/{qhall['windows'][2]}/call-next", json={}),
              clerk.get(f"/api/v1/halls/{qhall['id']}/queue")):
        expect_error(r, 403, "FORBIDDEN")
    for r in (c.post(f"/api/v1/halls/{qhall['id']}/checkin", json={"id_number": c.id_number}),
              c.post(f"/api/v1/halls/{qhall['id']}/tickets", json={"matter_code": PASSPORT}),
              Client(server.base).get(f"/api/v1/halls/{qhall['id']}/queue")):
        expect_error(r, 401, "UNAUTHENTICATED")
    # the kiosk does not call; a window officer is not a kiosk
    expect_error(kiosk.post(f"/api/v1/halls/{qhall['id']}/windows/{qhall['windows'][2]}/call-next", json={}), 403,
                 "FORBIDDEN")
    # staff of another department: not their hall
    far_kiosk = staff_with_role(server, "hall_kiosk", NANGANG)
    far_officer = staff_with_role(server, "hall_officer", NANGANG)
    r = far_kiosk.post(f"/api/v1/halls/{qhall['id']}/tickets", json={"matter_code": PASSPORT})
    assert r.status_code in (403, 404), r.text[:300]
    r = far_officer.post(f"/api/v1/halls/{qhall['id']}/windows/{qhall['windows'][2]}/call-next", json={})
    assert r.status_code in (403, 404), r.text[:300]
    r = far_officer.post(f"/api/v1/queue/tickets/{w['id']}/skip", json={})
    assert r.status_code in (403, 404), r.text[:300]
    assert waiting(officer, qhall["id"]) == [w["ticket"]]
    expect_error(kiosk.post(f"/api/v1/halls/{qhall['id']}/tickets", json={"matter_code": PASSPORT}, csrf=False), 403,
                 "CSRF_FAILED")


def test_queue_listing_agrees_with_each_number(server, kiosk, officer, qhall):
    """The officers' queue page (polled every few seconds) is built from the
    lists it loads: every waiting number's `ahead`, matter, window and booking
    code equal what the number's own view says (counted in the database)."""
    w1, w2, w3 = qhall["windows"]
    c, b = booked_today(server, qhall["id"], HKMO)
    issued = [walkin(kiosk, qhall["id"], PASSPORT if i % 3 else HKMO) for i in range(9)]
    y = checkin_ok(kiosk, qhall["id"], id_number=c.id_number)
    called = call_next(officer, qhall["id"], w2)        # the first HKMO number, from the head of the line
    assert called["id"] == issued[0]["id"] and called["window"] == {"id": w2, "no": "2", "name": "港澳窗口"}
    p = call_next(officer, qhall["id"], w1)             # the first passport number, from the middle
    assert p["id"] == issued[1]["id"]
    act(officer, p["id"], "skip")

    q = queue(officer, qhall["id"])
    line = q["waiting"]
    assert len(line) == 8 and [x["ahead"] for x in line] == list(range(8))
    assert line[-4]["id"] == y["id"], "the booked number went in with three numbers behind it"
    for x in line:
        r = kiosk.post(f"/api/v1/halls/{qhall['id']}/checkin", json={"qr": x["qr"]})  # reprint: the number alone
        assert r.status_code == 200, r.text[:300]
        own = r.json()
        assert own["ahead"] == x["ahead"], (x["ticket"], own["ahead"], x["ahead"])
        for key in ("ticket", "matter", "window", "booking_code", "status"):
            assert own[key] == x[key], (key, own[key], x[key])
    assert next(x for x in line if x["id"] == y["id"])["booking_code"] == b["code"]
    assert {x["matter"]["name"] for x in line} == {issued[2]["matter"]["name"], issued[0]["matter"]["name"]}
    assert [x["ticket"] for x in q["calling"]] == [called["ticket"]]
    assert q["calling"][0]["window"] == called["window"] and q["calling"][0]["ahead"] == 0
    assert [(x["ticket"], x["ahead"], x["window"]["id"]) for x in q["skipped"]] == [(p["ticket"], 0, w1)]
    cur = {w["id"]: (w["current"] or {}).get("ticket") for w in q["windows"]}
    assert cur == {w1: None, w2: called["ticket"], w3: None}
