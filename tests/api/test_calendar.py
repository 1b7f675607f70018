"""The working-day calendar through the API: the seeded 2026 calendar
(国办发明电〔2025〕7号), the next working days used by booking, and the
administrators' edits (permission, CSRF, audit, bad input)."""

import datetime
import sqlite3
import subprocess

import pytest

from conftest import TB_TEST_PG, TZ8, Client, expect_error, psql_bin

# A year no seeded row and no other test touches, so edits cannot collide.
EDIT_YEAR = 2031


def calendar(client, year):
    r = client.get("/api/v1/calendar", params={"year": year})
    assert r.status_code == 200, r.text[:300]
    doc = r.json()
    assert doc["year"] == year
    return doc


def working_days(client, start, count):
    r = client.get("/api/v1/calendar/working-days", params={"from": start, "count": count})
    assert r.status_code == 200, r.text[:300]
    return r.json()["items"]


def audit_rows(server, obj):
    """(action, result, realm) of the audit rows about one object, oldest first."""
    sql = "SELECT action, result, realm FROM audit_log WHERE object = '%s' ORDER BY id" % obj.replace("'", "")
    if TB_TEST_PG:
        p = subprocess.run([psql_bin(), "-X", "-At", "-F", "|", TB_TEST_PG, "-c", sql], capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        return [tuple(line.split("|")) for line in p.stdout.splitlines() if line]
    with sqlite3.connect(server.database, timeout=10) as db:
        return [tuple(row) for row in db.execute(sql)]


# ---------------------------------------------------------------- public reads


def test_calendar_2026_as_published(anon):
    doc = calendar(anon, 2026)
    days = {it["day"]: it for it in doc["items"]}
    assert [it["day"] for it in doc["items"]] == sorted(days), "items not sorted by day"
    assert len(doc["items"]) == 39
    # 261 weekdays less the 13 statutory days of the 2024 rules
    assert doc["working_days_in_year"] == 248
    for d in ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"):
        assert days[d]["kind"] == "workday", d
        assert days[d]["weekday"] in (6, 7), d
    assert days["2026-10-10"]["name"] == "国庆节调休上班"
    spring = [d for d, it in days.items() if it["kind"] == "holiday" and it["name"] == "春节"]
    assert spring == [f"2026-02-{n}" for n in range(15, 24)]
    assert days["2026-09-25"] == {"day": "2026-09-25", "kind": "holiday", "name": "中秋节", "weekday": 5}


def test_calendar_2027_is_marked_provisional(anon):
    doc = calendar(anon, 2027)
    assert doc["items"], "2027 statutory days are seeded"
    for it in doc["items"]:
        assert it["kind"] == "holiday" and "（预排，以国务院通知为准）" in it["name"], it
    assert {"2027-02-06", "2027-10-01"} <= {it["day"] for it in doc["items"]}


def test_calendar_defaults_to_this_year(anon):
    r = anon.get("/api/v1/calendar")
    assert r.status_code == 200
    assert r.json()["year"] == datetime.datetime.now(TZ8).year


def test_working_days_across_national_day_2026(anon):
    assert working_days(anon, "2026-09-28", 5) == ["2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08",
                                                   "2026-10-09"]
    # Saturday 10-10 is a working day (调休), Sunday 10-11 is not
    assert working_days(anon, "2026-10-01", 4) == ["2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12"]


def test_working_days_default_from_today(anon):
    r = anon.get("/api/v1/calendar/working-days")
    assert r.status_code == 200
    doc = r.json()
    today = datetime.datetime.now(TZ8).date().isoformat()
    assert doc["from"] == today and doc["count"] == 5 and len(doc["items"]) == 5
    assert doc["items"][0] >= today and doc["items"] == sorted(set(doc["items"]))


@pytest.mark.parametrize("path,params,field", [
    ("/api/v1/calendar", {"year": "abc"}, "year"),
    ("/api/v1/calendar", {"year": "1900"}, "year"),
    ("/api/v1/calendar/working-days", {"from": "2026-13-01"}, "from"),
    ("/api/v1/calendar/working-days", {"from": "2026/10/01"}, "from"),
    ("/api/v1/calendar/working-days", {"from": "2026-10-01", "count": "0"}, "count"),
    ("/api/v1/calendar/working-days", {"from": "2026-10-01", "count": "1000"}, "count"),
    ("/api/v1/calendar/working-days", {"from": "2026-10-01", "count": "x"}, "count"),
])
def test_public_bad_input(anon, path, params, field):
    e = expect_error(anon.get(path, params=params), 400, "INVALID_FIELD", field)
    assert e["message"]


# ---------------------------------------------------------------- admin edits


def test_admin_edit_then_read_back(server, admin, anon):
    year = EDIT_YEAR
    before = calendar(anon, year)
    assert before["items"] == []
    # a Wednesday off
    r = admin.put(f"/api/v1/admin/calendar/{year}-03-12", json={"kind": "holiday", "name": "测试放假"})
    assert r.status_code == 200, r.text[:300]
    assert r.json() == {"day": f"{year}-03-12", "kind": "holiday", "name": "测试放假", "weekday": 3}
    # the same day again replaces the row
    r = admin.put(f"/api/v1/admin/calendar/{year}-03-12", json={"kind": "holiday", "name": "测试放假（改）"})
    assert r.status_code == 200, r.text[:300]
    # and the following Saturday worked
    r = admin.put(f"/api/v1/admin/calendar/{year}-03-15", json={"kind": "workday", "name": "测试调休上班"})
    assert r.status_code == 200, r.text[:300]
    after = calendar(anon, year)
    assert after["items"] == [
        {"day": f"{year}-03-12", "kind": "holiday", "name": "测试放假（改）", "weekday": 3},
        {"day": f"{year}-03-15", "kind": "workday", "name": "测试调休上班", "weekday": 6},
    ]
    assert after["working_days_in_year"] == before["working_days_in_year"]  # one off, one on
    assert working_days(anon, f"{year}-03-11", 4) == [f"{year}-03-11", f"{year}-03-13", f"{year}-03-14",
                                                      f"{year}-03-15"]
    for day in ("03-12", "03-15"):
        r = admin.delete(f"/api/v1/admin/calendar/{year}-{day}")
        assert r.status_code == 200, r.text[:300]
        assert r.json() == {"day": f"{year}-{day}", "deleted": True}
    assert calendar(anon, year)["items"] == []
    assert working_days(anon, f"{year}-03-11", 2) == [f"{year}-03-11", f"{year}-03-12"]
    expect_error(admin.delete(f"/api/v1/admin/calendar/{year}-03-12"), 404, "NOT_FOUND", "day")
    assert audit_rows(server, f"{year}-03-12") == [("calendar.set", "ok", "staff"), ("calendar.set", "ok", "staff"),
                                                   ("calendar.delete", "ok", "staff")]


def test_others_are_refused(server, clerk, citizen, anon):
    url = f"/api/v1/admin/calendar/{EDIT_YEAR}-05-07"
    body = {"kind": "holiday", "name": "越权"}
    expect_error(clerk.put(url, json=body), 403, "FORBIDDEN")
    expect_error(clerk.delete(url), 403, "FORBIDDEN")
    expect_error(citizen.client.put(url, json=body), 401, "UNAUTHENTICATED")
    expect_error(anon.put(url, json=body), 401, "UNAUTHENTICATED")
    expect_error(anon.delete(url), 401, "UNAUTHENTICATED")
    assert f"{EDIT_YEAR}-05-07" not in {it["day"] for it in calendar(anon, EDIT_YEAR)["items"]}


def test_admin_write_needs_csrf(admin, anon):
    r = admin.put(f"/api/v1/admin/calendar/{EDIT_YEAR}-05-08", json={"kind": "holiday", "name": "无令牌"},
                  csrf=False)
    expect_error(r, 403, "CSRF_FAILED")
    assert f"{EDIT_YEAR}-05-08" not in {it["day"] for it in calendar(anon, EDIT_YEAR)["items"]}


@pytest.mark.parametrize("day", ["2026-1-01", "2026-02-30", "20260101", "2026-10-1x", "1900-01-01", "今天"])
def test_bad_day_format(admin, day):
    e = expect_error(admin.put(f"/api/v1/admin/calendar/{day}", json={"kind": "holiday", "name": "错"}), 400,
                     "INVALID_FIELD", "day")
    assert e["message"]
    expect_error(admin.delete(f"/api/v1/admin/calendar/{day}"), 400, "INVALID_FIELD", "day")


@pytest.mark.parametrize("body,status,code,field", [
    ({"kind": "vacation", "name": "错"}, 400, "INVALID_FIELD", "kind"),
    ({"kind": "workday", "name": "周三不能调休上班"}, 400, "INVALID_FIELD", "kind"),
    ({"kind": "holiday"}, 400, "FIELD_REQUIRED", "name"),
    ({"kind": "holiday", "name": ""}, 400, "FIELD_REQUIRED", "name"),
    ({"name": "缺类型"}, 400, "FIELD_REQUIRED", "kind"),
    ({"kind": 1, "name": "错"}, 400, "WRONG_TYPE", "kind"),
    ({"kind": "holiday", "name": "长" * 41}, 400, "INVALID_FIELD", "name"),
    ({"kind": "holiday", "name": "错", "extra": 1}, 400, "UNKNOWN_FIELD", "extra"),
])
def test_bad_edit_body(admin, anon, body, status, code, field):
    day = f"{EDIT_YEAR}-06-11"  # a Wednesday
    e = expect_error(admin.put(f"/api/v1/admin/calendar/{day}", json=body), status, code, field)
    assert e["message"]
    assert day not in {it["day"] for it in calendar(anon, EDIT_YEAR)["items"]}


def test_bad_edit_body_not_json(admin):
    r = admin.put(f"/api/v1/admin/calendar/{EDIT_YEAR}-06-11", data="kind=holiday",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code in (400, 415), r.text[:300]
