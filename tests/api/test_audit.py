"""The audit trail as the audit administrator sees it: search and export,
nothing personal in it, and the tamper test — rows altered or deleted
directly in the database are named exactly by `tongban audit verify`, and an
altered role→permission row stops granting access and raises the alarm."""

import re
import sqlite3
import subprocess
import time

import pytest

from conftest import (ADMIN_PASSWORD, CLERK_PASSWORD, TB_BIN, Client, expect_error, new_name, psql_bin, staff_login)


def uniq(prefix):
    return f"{prefix}{int(time.time() * 1000) % 100000000}"


def sql(server, statement, *params):
    """Runs SQL directly against the server's database (as an intruder would)."""
    if server.engine == "sqlite":
        con = sqlite3.connect(server.database, timeout=30)
        try:
            rows = con.execute(statement, params).fetchall()
            con.commit()
            return rows
        finally:
            con.close()
    for p in params:  # psql has no bind parameters here; the tests pass integers and fixed words only
        statement = statement.replace("?", str(p) if isinstance(p, int) else "'" + p.replace("'", "''") + "'", 1)
    out = subprocess.run([psql_bin(), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", server.database,
                          "-c", statement], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [tuple(line.split("\t")) for line in out.stdout.splitlines() if line]


def verify(server):
    p = subprocess.run([TB_BIN, "audit", "verify"], env=server.env, cwd=server.tmp, capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout + p.stderr


@pytest.fixture(scope="module")
def auditor(server):
    login = uniq("audit")
    pw = server.add_staff(login, new_name(), "audit_admin")
    return staff_login(server.base, login, pw)


@pytest.fixture(scope="module")
def security(server):
    login = uniq("secu")
    pw = server.add_staff(login, new_name(), "sec_admin")
    return staff_login(server.base, login, pw)


def test_search_filters_and_paging(server, auditor, admin):
    admin.get("/api/v1/admin/departments")
    r = auditor.get("/api/v1/admin/audit", params={"action": "staff.login", "result": "ok", "page_size": 5})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["total"] >= 2 and len(doc["items"]) <= 5
    assert all(i["action"] == "staff.login" and i["result"] == "ok" for i in doc["items"])
    first = doc["items"][0]
    assert set(first) >= {"id", "at", "realm", "actor", "action", "object", "result", "ip", "detail"}
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$", first["at"])
    # by actor and IP
    mine = auditor.get("/api/v1/admin/audit", params={"actor": first["actor"], "ip": first["ip"]}).json()
    assert mine["total"] >= 1 and all(i["actor"] == first["actor"] and i["ip"] == first["ip"] for i in mine["items"])
    # by time range
    today = first["at"][:10]
    assert auditor.get("/api/v1/admin/audit", params={"from": today, "to": today}).json()["total"] >= 1
    assert auditor.get("/api/v1/admin/audit", params={"to": "2000-01-01"}).json()["total"] == 0
    expect_error(auditor.get("/api/v1/admin/audit", params={"from": "yesterday"}), 400, "INVALID_FIELD", "from")
    # pages do not overlap
    # (searching is itself recorded, so page a filter that leaves the auditor's own rows out)
    p1 = auditor.get("/api/v1/admin/audit", params={"action": "staff.", "page_size": 3, "page": 1}).json()["items"]
    p2 = auditor.get("/api/v1/admin/audit", params={"action": "staff.", "page_size": 3, "page": 2}).json()["items"]
    assert not ({i["id"] for i in p1} & {i["id"] for i in p2})
    # the auditor's own reading is recorded
    assert auditor.get("/api/v1/admin/audit", params={"action": "audit.search"}).json()["total"] >= 1


def test_export_csv(auditor):
    r = auditor.get("/api/v1/admin/audit/export", params={"action": "staff.login"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv"), r.text[:200]
    assert "attachment" in r.headers.get("Content-Disposition", "")
    text = r.content.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0].startswith('"序号","时间"') and len(lines) >= 2
    assert all('"staff.login"' in line for line in lines[1:])


def test_only_the_audit_administrator_reads(admin, security, clerk):
    for c in (admin, security, clerk):
        expect_error(c.get("/api/v1/admin/audit"), 403, "FORBIDDEN")
        expect_error(c.get("/api/v1/admin/audit/export"), 403, "FORBIDDEN")


def test_nothing_personal_in_the_trail(server, auditor, citizen_factory, admin):
    c = citizen_factory()
    sysc = admin
    phone = "137" + str(int(time.time() * 1000))[-8:]
    dept = sysc.get("/api/v1/admin/departments", params={"q": "南岗分局"}).json()["items"][0]["id"]
    r = sysc.post("/api/v1/admin/staff", json={"login": uniq("pii"), "name": new_name(), "phone": phone,
                                                "department_id": dept})
    assert r.status_code == 201, r.text
    staff_pw = r.json()["initial_password"]
    text = auditor.get("/api/v1/admin/audit/export").content.decode("utf-8-sig")
    for secret in (c.id_number, c.phone, c.password, phone, staff_pw, ADMIN_PASSWORD, CLERK_PASSWORD,
                   r.json()["totp_secret"]):
        assert secret not in text, f"the audit trail contains {secret[:3]}…"
    assert not re.search(r"(?<!\d)\d{17}[\dX](?!\d)", text), "an ID number in the audit trail"
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text), "a phone number in the audit trail"


def test_tamper_is_named_exactly(server, auditor, security):
    rc, out = verify(server)
    assert rc == 0, out
    # a role of the audit kind whose export right will be moved by an intruder to a reader role
    codes = {k: uniq(k) for k in ("exp", "rdr")}
    for k, perms in (("exp", ["audit.export"]), ("rdr", ["audit.read"])):
        r = security.post("/api/v1/admin/roles", json={"code": codes[k], "name": "篡改测试" + k, "kind": "audit",
                                                       "scope": "all", "permissions": perms})
        assert r.status_code == 201, r.text
        codes[k + "_id"] = r.json()["id"]
    login = uniq("rd")
    pw = server.add_staff(login, new_name(), codes["rdr"])
    reader = staff_login(server.base, login, pw)
    expect_error(reader.get("/api/v1/admin/audit/export"), 403, "FORBIDDEN")
    rp = sql(server, "SELECT id FROM role_permissions WHERE role_id = ? AND perm = 'audit.export'", codes["exp_id"])
    rp_id = int(rp[0][0])
    # two audit rows well inside the chain, with neighbours on both sides
    ids = [int(x[0]) for x in sql(server, "SELECT id FROM audit_log ORDER BY id")]
    cands = [i for i in ids[5:-5] if i - 1 in ids and i + 1 in ids and i + 2 in ids]
    altered, deleted = cands[0], cands[len(cands) // 2]
    assert deleted > altered + 1
    sql(server, "UPDATE audit_log SET detail = 'nothing happened' WHERE id = ?", altered)
    sql(server, "DELETE FROM audit_log WHERE id = ?", deleted)
    sql(server, "UPDATE role_permissions SET role_id = ? WHERE id = ?", codes["rdr_id"], rp_id)
    # the moved grant is refused and raises the alarm
    expect_error(reader.get("/api/v1/admin/audit/export"), 403, "FORBIDDEN")
    assert reader.get("/api/v1/admin/audit").status_code == 200, "intact rows keep working"
    alarms = auditor.get("/api/v1/admin/audit", params={"action": "security.integrity_violation"}).json()["items"]
    assert any(a["object"] == f"role_permissions:{rp_id}" and a["result"] == "alarm" for a in alarms), alarms
    # the verifier names exactly those rows
    rc, out = verify(server)
    assert rc != 0, out
    problems = sorted(line for line in out.splitlines() if ": altered" in line or ": deleted" in line)
    assert problems == sorted([f"audit_log {altered}: altered (MAC mismatch)",
                               f"audit_log {deleted}: deleted (chain broken before row {deleted + 1})",
                               f"role_permissions {rp_id}: altered (MAC mismatch)"]), out
