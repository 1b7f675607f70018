"""Organisation and staff administration (system administrator): the
department tree, fuzzy search by short name, move, guarded bulk delete,
checked CSV imports (one bad row → nothing written, the row and field named),
exports, staff accounts with encrypted phones, transfer, retirement and the
retired archive, groups."""

import time

import pytest

from conftest import Client, expect_error, new_name, staff_login


def uniq(prefix=""):
    return f"{prefix}{int(time.time() * 1000000) % 10000000000}"


def dept_by_name(admin, name):
    for d in admin.get("/api/v1/admin/departments", params={"q": name}).json()["items"]:
        if d["name"] == name:
            return d
    return None


@pytest.fixture
def harbin(admin):
    return dept_by_name(admin, "哈尔滨市公安局")


def test_seeded_tree(admin):
    r = admin.get("/api/v1/admin/department-tree")
    assert r.status_code == 200, r.text
    roots = r.json()["items"]
    assert [x["name"] for x in roots] == ["黑龙江省公安厅"]
    cities = roots[0]["children"]
    assert len(cities) == 13 and cities[0]["name"] == "哈尔滨市公安局" and cities[0]["region"] == "230100"
    harbin_children = {c["name"] for c in cities[0]["children"]}
    assert {"哈尔滨市公安局出入境管理支队", "哈尔滨市公安局交通警察支队", "哈尔滨市公安局道里分局",
            "哈尔滨市公安局南岗分局"} <= harbin_children


def test_fuzzy_search_by_short_name(admin):
    r = admin.get("/api/v1/admin/departments", params={"q": "出入境"})
    names = [d["name"] for d in r.json()["items"]]
    assert "哈尔滨市公安局出入境管理支队" in names and "哈尔滨市公安局道里分局" not in names
    assert admin.get("/api/v1/admin/departments", params={"q": "不存在的部门"}).json()["total"] == 0


def test_create_edit_move(admin, harbin):
    name = "哈尔滨市公安局" + uniq("测试大队")
    r = admin.post("/api/v1/admin/departments", json={"name": name, "short_name": "测试大队", "level": 3,
                                                       "parent_id": harbin["id"], "region": "230103",
                                                       "sort_order": 50})
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["parent_id"] == harbin["id"] and d["region"] == "230103"
    expect_error(admin.post("/api/v1/admin/departments", json={"name": name, "short_name": "重复", "region": "230103",
                                                                "parent_id": harbin["id"]}), 409, "CONFLICT")
    expect_error(admin.post("/api/v1/admin/departments", json={"name": "某某部门", "short_name": "某某",
                                                                "region": "999999"}), 400, "INVALID_FIELD", "region")
    expect_error(admin.post("/api/v1/admin/departments", json={"name": "某某部门", "short_name": "某某",
                                                                "region": "230103", "parent_id": 99999999}),
                 404, "DEPARTMENT_NOT_FOUND", "parent_id")
    # drag and drop: under 南岗分局, first
    nangang = dept_by_name(admin, "哈尔滨市公安局南岗分局")
    r = admin.post(f"/api/v1/admin/departments/{d['id']}/move", json={"parent_id": nangang["id"], "sort_order": 0})
    assert r.status_code == 200 and r.json()["parent_id"] == nangang["id"], r.text
    # never under itself or its own subtree
    e = expect_error(admin.post(f"/api/v1/admin/departments/{nangang['id']}/move",
                                json={"parent_id": d["id"], "sort_order": 1}), 400, "INVALID_FIELD", "parent_id")
    assert "下级" in e["message"]
    r = admin.put(f"/api/v1/admin/departments/{d['id']}", json={"name": name, "short_name": "测试队", "level": 4,
                                                               "region": "230103"})
    assert r.status_code == 200 and r.json()["short_name"] == "测试队"
    expect_error(admin.get("/api/v1/admin/departments/99999999"), 404, "DEPARTMENT_NOT_FOUND")


def test_bulk_delete_guarded(admin, harbin, server):
    parent = "哈尔滨市公安局" + uniq("删除测试")
    p = admin.post("/api/v1/admin/departments", json={"name": parent, "short_name": "删除测试", "region": "230102",
                                                       "parent_id": harbin["id"]}).json()
    child = admin.post("/api/v1/admin/departments", json={"name": parent + "一科", "short_name": "一科",
                                                           "region": "230102", "parent_id": p["id"]}).json()
    daoli = dept_by_name(admin, "哈尔滨市公安局道里分局")
    # a department with staff and one with children are refused, by name, and nothing goes
    e = expect_error(admin.post("/api/v1/admin/departments-delete", json={"ids": [p["id"], daoli["id"]]}),
                     409, "DEPARTMENT_IN_USE")
    assert daoli["name"] in e["message"] and "人员" in e["message"]
    assert dept_by_name(admin, parent) is not None
    expect_error(admin.post("/api/v1/admin/departments-delete", json={"ids": [p["id"]]}), 409, "DEPARTMENT_IN_USE")
    # with its child in the same request it can go
    r = admin.post("/api/v1/admin/departments-delete", json={"ids": [p["id"], child["id"]]})
    assert r.status_code == 200 and r.json()["deleted"] == 2, r.text
    assert dept_by_name(admin, parent) is None
    expect_error(admin.post("/api/v1/admin/departments-delete", json={"ids": []}), 400, "INVALID_FIELD", "ids")


def csv_upload(client, path, text, name="import.csv"):
    return client.post(path, files={"file": (name, text.encode("utf-8"), "text/csv")})


def test_department_import_all_or_nothing(admin):
    tag = uniq()
    good = (f"全称,简称,级别,上级部门,区划代码,排序\n"
            f"哈尔滨市公安局香坊分局导入{tag},导入{tag},3,哈尔滨市公安局,230110,9\n"
            f"哈尔滨市公安局香坊分局导入{tag}一科,一科{tag},4,哈尔滨市公安局香坊分局导入{tag},230110,1\n")
    bad = good + f"哈尔滨市公安局坏行{tag},坏行,3,哈尔滨市公安局,999999,1\n" + \
        f"哈尔滨市公安局坏行二{tag},,3,没有这个部门,230110,1\n"
    r = csv_upload(admin, "/api/v1/admin/departments-import", bad)
    e = expect_error(r, 422, "FORM_INVALID")
    fields = {d["field"] for d in e["details"]}
    assert "line4.region" in fields and "line5.short_name" in fields, e
    assert all("第" in d["message"] and "行" in d["message"] for d in e["details"])
    assert dept_by_name(admin, f"哈尔滨市公安局香坊分局导入{tag}") is None, "a bad file wrote its good rows"
    r = csv_upload(admin, "/api/v1/admin/departments-import", good)
    assert r.status_code == 200 and r.json()["imported"] == 2, r.text
    sub = dept_by_name(admin, f"哈尔滨市公安局香坊分局导入{tag}一科")
    assert sub and sub["parent_name"] == f"哈尔滨市公安局香坊分局导入{tag}"
    # the same file again: every row is now a duplicate
    e = expect_error(csv_upload(admin, "/api/v1/admin/departments-import", good), 422, "FORM_INVALID")
    assert {d["field"] for d in e["details"]} == {"line2.name", "line3.name"}
    expect_error(csv_upload(admin, "/api/v1/admin/departments-import", 'a,"b\n'), 422, "FORM_INVALID")
    expect_error(admin.post("/api/v1/admin/departments-import", data=good.encode(),
                            headers={"Content-Type": "text/csv"}), 415, "UNSUPPORTED_MEDIA_TYPE")


def test_department_export(admin):
    r = admin.get("/api/v1/admin/departments-export")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    assert text.startswith("全称,简称,级别,上级部门,区划代码,排序")
    assert "哈尔滨市公安局道里分局,道里分局,3,哈尔滨市公安局,230102" in text
    expect_error(admin.get("/api/v1/admin/departments-export", params={"format": "pdf"}), 400, "INVALID_FIELD",
                 "format")


def xlsx_rows(content):
    """Rows of the first sheet of an XLSX (inline strings), read with the standard library only."""
    import io
    import xml.etree.ElementTree as ET
    import zipfile
    z = zipfile.ZipFile(io.BytesIO(content))
    assert z.testzip() is None
    names = set(z.namelist())
    assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml"} <= names
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    root = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    return [[c.findtext("m:is/m:t", default="", namespaces=ns) for c in row.findall("m:c", ns)]
            for row in root.iterfind("m:sheetData/m:row", ns)]


def test_xlsx_exports(admin):
    r = admin.get("/api/v1/admin/departments-export", params={"format": "xlsx"})
    assert r.status_code == 200 and "spreadsheetml" in r.headers["Content-Type"], r.text[:200]
    assert 'filename="departments.xlsx"' in r.headers["Content-Disposition"]
    rows = xlsx_rows(r.content)
    assert rows[0] == ["全称", "简称", "级别", "上级部门", "区划代码", "排序"]
    assert ["哈尔滨市公安局道里分局", "道里分局", "3", "哈尔滨市公安局", "230102"] == rows[[x[0] for x in rows].index(
        "哈尔滨市公安局道里分局")][:5]
    r = admin.get("/api/v1/admin/staff-export", params={"format": "xlsx"})
    rows = xlsx_rows(r.content)
    assert rows[0][0] == "登录名" and len(rows) >= 2


# ---------------------------------------------------------------- staff

def new_staff(admin, dept, phone=None):
    body = {"login": uniq("s"), "name": new_name(), "department_id": dept["id"], "police_no": uniq()[-6:]}
    if phone:
        body["phone"] = phone
    r = admin.post("/api/v1/admin/staff", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_staff_account_and_masked_phone(server, admin):
    daoli = dept_by_name(admin, "哈尔滨市公安局道里分局")
    phone = "186" + uniq()[-8:]
    doc = new_staff(admin, daoli, phone)
    s = doc["staff"]
    assert s["phone_masked"] == phone[:3] + "****" + phone[-4:] and "phone" not in s
    assert s["department_name"] == daoli["name"] and s["status"] == "active"
    assert doc["otpauth_uri"].startswith("otpauth://totp/") and len(doc["totp_secret"]) == 32
    listed = admin.get("/api/v1/admin/staff", params={"q": s["name"]}).json()["items"]
    assert any(x["id"] == s["id"] for x in listed)
    assert phone not in admin.get("/api/v1/admin/staff", params={"page_size": 100}).text
    assert phone not in admin.get("/api/v1/admin/staff-export").content.decode("utf-8-sig")
    # not stored in the clear either
    from test_audit import sql
    raw = sql(server, "SELECT phone_enc, phone_bidx FROM staff WHERE id = ?", s["id"])[0]
    assert phone not in "".join(raw) and raw[0].startswith("s4:")
    expect_error(admin.post("/api/v1/admin/staff", json={"login": s["login"], "name": new_name(),
                                                          "department_id": daoli["id"]}), 409, "CONFLICT", "login")
    expect_error(admin.post("/api/v1/admin/staff", json={"login": uniq("x"), "name": new_name(), "phone": "12345",
                                                          "department_id": daoli["id"]}), 400, "INVALID_PHONE", "phone")
    expect_error(admin.post("/api/v1/admin/staff", json={"login": "bad login!", "name": new_name(),
                                                          "department_id": daoli["id"]}), 400, "INVALID_FIELD", "login")


def test_transfer_is_audited(server, admin):
    daoli = dept_by_name(admin, "哈尔滨市公安局道里分局")
    nangang = dept_by_name(admin, "哈尔滨市公安局南岗分局")
    s = new_staff(admin, daoli)["staff"]
    r = admin.post(f"/api/v1/admin/staff/{s['id']}/transfer", json={"department_id": nangang["id"], "note": "工作需要"})
    assert r.status_code == 200 and r.json()["department_id"] == nangang["id"], r.text
    expect_error(admin.post(f"/api/v1/admin/staff/{s['id']}/transfer", json={"department_id": 99999999}),
                 404, "DEPARTMENT_NOT_FOUND")
    login = uniq("au")
    pw = server.add_staff(login, new_name(), "audit_admin")
    aud = staff_login(server.base, login, pw)
    trail = aud.get("/api/v1/admin/audit", params={"action": "org.staff.transfer",
                                                    "object": f"staff:{s['id']}"}).json()["items"]
    assert len(trail) == 1 and f"to={nangang['id']}" in trail[0]["detail"]


def test_retired_archive(admin):
    chuyj = dept_by_name(admin, "哈尔滨市公安局出入境管理支队")
    s = new_staff(admin, chuyj)["staff"]
    r = admin.post(f"/api/v1/admin/staff/{s['id']}/retire", json={})
    assert r.status_code == 200 and r.json()["status"] == "retired", r.text
    expect_error(admin.post(f"/api/v1/admin/staff/{s['id']}/retire", json={}), 409, "STAFF_NOT_ACTIVE")
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    found = admin.get("/api/v1/admin/staff-retired", params={"name": s["name"], "department": "出入境",
                                                              "from": today, "to": today}).json()
    assert [x["id"] for x in found["items"]] == [s["id"]]
    assert found["items"][0]["former_department"] == chuyj["name"] and found["items"][0]["retired_at"]
    assert admin.get("/api/v1/admin/staff-retired", params={"name": s["name"], "to": "2000-01-01"}).json()["total"] == 0
    assert admin.get("/api/v1/admin/staff-retired", params={"name": s["name"], "department": "交通"}).json()["total"] == 0
    expect_error(admin.get("/api/v1/admin/staff-retired", params={"from": "2026-13-45"}), 400, "INVALID_FIELD", "from")


def test_staff_import_all_or_nothing(server, admin):
    t = uniq()
    good = f"登录名,姓名,部门,警号,手机号\nim{t}a,张明,道里分局,A{t[-5:]},\nim{t}b,李华,哈尔滨市公安局南岗分局,,139{t[-8:]}\n"
    bad = good + f"im{t}c,王五,不存在的部门,,\nim{t}a,赵六,道里分局,,\n"
    e = expect_error(csv_upload(admin, "/api/v1/admin/staff-import", bad), 422, "FORM_INVALID")
    assert {d["field"] for d in e["details"]} == {"line4.department", "line5.login"}, e
    assert admin.get("/api/v1/admin/staff", params={"q": f"im{t}"}).json()["total"] == 0
    r = csv_upload(admin, "/api/v1/admin/staff-import", good)
    assert r.status_code == 200 and r.json()["imported"] == 2, r.text
    acc = r.json()["accounts"]
    assert [a["login"] for a in acc] == [f"im{t}a", f"im{t}b"] and all(a["initial_password"] for a in acc)
    assert admin.get("/api/v1/admin/staff", params={"q": f"im{t}"}).json()["total"] == 2


def test_groups(admin):
    daoli = dept_by_name(admin, "哈尔滨市公安局道里分局")
    a, b = new_staff(admin, daoli)["staff"], new_staff(admin, daoli)["staff"]
    r = admin.post("/api/v1/admin/groups", json={"name": uniq("护照审核组"), "description": "护照业务会签"})
    assert r.status_code == 201, r.text
    g = r.json()["id"]
    for s in (a, b):
        assert admin.post(f"/api/v1/admin/groups/{g}/members", json={"staff_id": s["id"]}).status_code == 201
    members = admin.get(f"/api/v1/admin/groups/{g}/members").json()["items"]
    assert {m["id"] for m in members} == {a["id"], b["id"]}
    assert admin.delete(f"/api/v1/admin/groups/{g}/members/{a['id']}").status_code == 200
    expect_error(admin.delete(f"/api/v1/admin/groups/{g}/members/{a['id']}"), 404, "NOT_FOUND")
    expect_error(admin.post("/api/v1/admin/groups/99999999/members", json={"staff_id": a["id"]}), 404,
                 "GROUP_NOT_FOUND")


# ---------------------------------------------------------------- XLSX imports

def make_xlsx(rows, shared=True, compression=None, sheet_xml=None, names=None):
    """An .xlsx of one sheet, as spreadsheet programs write it: numbers as numeric cells, text as
    shared strings (one of them rich text with a phonetic run) or inline strings, empty cells left
    out, and the sheet at a path found only through workbook.xml.rels."""
    import io
    import zipfile
    from xml.sax.saxutils import escape
    compression = zipfile.ZIP_DEFLATED if compression is None else compression
    strings, cells_xml = [], []
    for r, row in enumerate(rows, 1):
        cells = []
        for c, v in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if v == "":
                continue
            if v.isdigit() and len(v) < 6:
                cells.append(f'<c r="{ref}" t="n"><v>{v}</v></c>')
            elif shared:
                strings.append(v)
                cells.append(f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>')
        cells_xml.append(f'<row r="{r}">{"".join(cells)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    sheet = sheet_xml or (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>'
                          f'{"".join(cells_xml)}</sheetData></worksheet>')
    # a rich-text run split in two, with a phonetic reading that is not part of the value
    si = "".join(f'<si><r><t>{escape(s[:1])}</t></r><r><rPr><b/></rPr><t xml:space="preserve">{escape(s[1:])}</t>'
                 f'</r><rPh sb="0" eb="1"><t>ハ</t></rPh></si>' for s in strings)
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"/>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {ns} {rel}><sheets><sheet name="部门" sheetId="7" '
                           f'r:id="rId3"/><sheet name="其他" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                                      'package/2006/relationships"><Relationship Id="rId1" Type="x" Target="worksheets/'
                                      'sheet1.xml"/><Relationship Id="rId3" Type="x" Target="worksheets/data.xml"/>'
                                      '</Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet {ns}><sheetData><row r="1"><c t="inlineStr"><is><t>wrong sheet</t>'
                                    f'</is></c></row></sheetData></worksheet>',
        "xl/worksheets/data.xml": sheet,
        "xl/sharedStrings.xml": f'<sst {ns} count="{len(strings)}">{si}</sst>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name in names or parts:
            z.writestr(name, parts[name])
    return out.getvalue()


def xlsx_upload(client, path, content, name="import.xlsx"):
    return client.post(path, files={"file": (name, content, "application/vnd.openxmlformats-officedocument."
                                                            "spreadsheetml.sheet")})


def csv_rows(text):
    return [line.split(",") for line in text.strip("\n").split("\n")]


def test_department_import_xlsx(admin):
    import zipfile
    tag = uniq()
    good = (f"全称,简称,级别,上级部门,区划代码,排序\n"
            f"哈尔滨市公安局香坊分局表格{tag},表格{tag},3,哈尔滨市公安局,230110,9\n"
            f"哈尔滨市公安局香坊分局表格{tag}一科,表&<一科{tag}>,4,哈尔滨市公安局香坊分局表格{tag},230110,\n")
    bad = good + f"哈尔滨市公安局坏表{tag},坏行,3,哈尔滨市公安局,999999,1\n" + \
        f"哈尔滨市公安局坏表二{tag},,3,没有这个部门,230110,1\n"
    path = "/api/v1/admin/departments-import"
    csv_e = expect_error(csv_upload(admin, path, bad), 422, "FORM_INVALID")
    for shared, compression in ((True, zipfile.ZIP_DEFLATED), (False, zipfile.ZIP_STORED)):
        e = expect_error(xlsx_upload(admin, path, make_xlsx(csv_rows(bad), shared, compression)), 422, "FORM_INVALID")
        assert e["details"] == csv_e["details"], (e, csv_e)  # the same rows and fields, line numbers and all
    assert dept_by_name(admin, f"哈尔滨市公安局香坊分局表格{tag}") is None, "a bad file wrote its good rows"
    r = xlsx_upload(admin, path, make_xlsx(csv_rows(good)))
    assert r.status_code == 200 and r.json()["imported"] == 2, r.text
    sub = dept_by_name(admin, f"哈尔滨市公安局香坊分局表格{tag}一科")
    assert sub and sub["parent_name"] == f"哈尔滨市公安局香坊分局表格{tag}" and sub["short_name"] == f"表&<一科{tag}>"
    assert sub["sort_order"] == 0 and sub["level"] == 4
    e = expect_error(xlsx_upload(admin, path, make_xlsx(csv_rows(good), False, zipfile.ZIP_STORED)), 422,
                     "FORM_INVALID")
    assert {d["field"] for d in e["details"]} == {"line2.name", "line3.name"}


def test_staff_import_xlsx(admin):
    t = uniq()
    good = f"登录名,姓名,部门,警号,手机号\nix{t}a,张明,道里分局,A{t[-5:]},\nix{t}b,李华,哈尔滨市公安局南岗分局,,139{t[-8:]}\n"
    bad = good + f"ix{t}c,王五,不存在的部门,,\nix{t}a,赵六,道里分局,,\n"
    path = "/api/v1/admin/staff-import"
    e = expect_error(xlsx_upload(admin, path, make_xlsx(csv_rows(bad))), 422, "FORM_INVALID")
    assert {d["field"] for d in e["details"]} == {"line4.department", "line5.login"}, e
    assert admin.get("/api/v1/admin/staff", params={"q": f"ix{t}"}).json()["total"] == 0
    r = xlsx_upload(admin, path, make_xlsx(csv_rows(good), shared=False))
    assert r.status_code == 200 and r.json()["imported"] == 2, r.text
    assert [a["login"] for a in r.json()["accounts"]] == [f"ix{t}a", f"ix{t}b"]


def test_xlsx_import_refusals(admin):
    import io
    import zipfile
    path = "/api/v1/admin/departments-import"
    before = len(admin.get("/api/v1/admin/departments").json()["items"])
    # a zip bomb: 21 MiB of one letter deflates to ~20 KB; refused while inflating, not after
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    bomb = f'<worksheet {ns}><sheetData><row r="1"><c t="inlineStr"><is><t>' + "A" * (21 << 20) + \
        "</t></is></c></row></sheetData></worksheet>"
    content = make_xlsx([["x"]], sheet_xml=bomb)
    assert len(content) < 200_000
    e = expect_error(xlsx_upload(admin, path, content), 413, "UPLOAD_TOO_LARGE", "file")
    assert "20MB" in e["message"]
    # a zip that is not a workbook
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("readme.txt", "not a spreadsheet")
    e = expect_error(xlsx_upload(admin, path, buf.getvalue(), "a.zip"), 400, "INVALID_FIELD", "file")
    assert "XLSX" in e["message"]
    good = make_xlsx([["全称", "简称", "级别", "上级部门", "区划代码", "排序"]])
    # cut short, a flipped byte (CRC), encrypted, a sheet past 10,000 rows or 50 columns, malformed XML
    expect_error(xlsx_upload(admin, path, good[: len(good) // 2]), 400, "INVALID_FIELD", "file")
    i = good.index(b"xl/worksheets/data.xml") + 40
    expect_error(xlsx_upload(admin, path, good[:i] + bytes([good[i] ^ 1]) + good[i + 1:]), 400, "INVALID_FIELD")
    cd = good.rindex(b"PK\x01\x02")
    enc = good[:cd + 8] + bytes([good[cd + 8] | 1]) + good[cd + 9:]
    enc = enc.replace(b"PK\x01\x02\x14\x00\x14\x00\x00", b"PK\x01\x02\x14\x00\x14\x00\x01")
    e = expect_error(xlsx_upload(admin, path, enc), 400, "INVALID_FIELD", "file")
    assert "加密" in e["message"], e
    for sheet, why in ((f'<worksheet {ns}><sheetData><row r="10001"><c t="inlineStr"><is><t>x</t></is></c></row>'
                        f'</sheetData></worksheet>', "10000"),
                       (f'<worksheet {ns}><sheetData><row r="1"><c r="AZ1"><v>1</v></c></row></sheetData>'
                        f'</worksheet>', "50"),
                       (f'<worksheet {ns}><sheetData><row r="1"><c t="s"><v>99</v></c></row></sheetData>'
                        f'</worksheet>', "第1行"),
                       (f'<worksheet {ns}><sheetData><row r="1"><c t="inlineStr"><is><t>&bogus;</t></is></c>'
                        f'</row></sheetData></worksheet>', "第1行"),
                       (f'<worksheet {ns}><sheetData><row r="1"><c><v>1</v></c></row>', "损坏")):
        e = expect_error(xlsx_upload(admin, path, make_xlsx([["x"]], sheet_xml=sheet)), 400, "INVALID_FIELD", "file")
        assert why in e["message"], (why, e)
    assert len(admin.get("/api/v1/admin/departments").json()["items"]) == before


def test_xlsx_export_reads_back(admin):
    """Our own export (no cell references, inline strings) reads back row for row: every department
    already exists, so each row is refused on its name at its own line."""
    content = admin.get("/api/v1/admin/departments-export", params={"format": "xlsx"}).content
    e = expect_error(xlsx_upload(admin, "/api/v1/admin/departments-import", content), 422, "FORM_INVALID")
    n = len(xlsx_rows(content))
    assert [d["field"] for d in e["details"]] == [f"line{i}.name" for i in range(2, n + 1)], e["details"][:3]
