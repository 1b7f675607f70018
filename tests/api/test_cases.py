"""Uploads, case submission, 我的办件, progress query."""

import datetime
import hashlib
import json
import os
import re
import subprocess
import threading
import uuid

import pytest
import requests

from conftest import (JPEG_BYTES, PDF_BYTES, PNG_BYTES, TB_TEST_PG, TIME_RE, TZ8, Client, case_body, expect_error,
                      guide, psql_bin, validate_form, valid_form)

QPW_RE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")


def serial_re(region):
    return re.compile(r"^" + region + r"(\d{8})(\d{3,8})$")


def today_set():
    now = datetime.datetime.now(TZ8)
    return {(now + datetime.timedelta(minutes=d)).strftime("%Y%m%d") for d in (-2, 0, 2)}


def sm3(b):
    return hashlib.new("sm3", b).hexdigest()


def submit(c, body, **kw):
    return c.client.post("/api/v1/cases", json=body, **kw)


# ---------------------------------------------------------------- uploads


@pytest.mark.parametrize("name,content,ctype", [
    ("护照照片.pdf", PDF_BYTES, "application/pdf"),
    ("photo.png", PNG_BYTES, "image/png"),
    ("photo.jpg", JPEG_BYTES, "image/jpeg"),
])
def test_upload_ok(citizen, name, content, ctype):
    r = citizen.client.post("/api/v1/uploads", files={"file": (name, content, ctype)})
    assert r.status_code == 201, r.text
    u = r.json()
    assert re.fullmatch(r"u_[A-Za-z0-9_-]{8,}", u["id"]), u
    assert u["file_name"] == name
    assert u["size"] == len(content)
    assert u["content_type"] == ctype
    assert u["sm3"] == sm3(content)


def test_upload_type_by_content_not_name(citizen):
    r = citizen.client.post("/api/v1/uploads", files={"file": ("scan.pdf", PNG_BYTES, "application/pdf")})
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "image/png"
    r = citizen.client.post("/api/v1/uploads", files={"file": ("scan.bin", PDF_BYTES, "application/octet-stream")})
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "application/pdf"


@pytest.mark.parametrize("name,content", [
    ("evil.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
    ("evil.pdf", b"<html><body>%PDF-1.4</body></html>"),
    ("image.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("a.jpg", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
    ("a.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),
    ("a.pdf", b"PK\x03\x04" + b"\x00" * 100),
    ("a.pdf", b"just some text"),
])
def test_upload_type_not_allowed(citizen, name, content):
    r = citizen.client.post("/api/v1/uploads", files={"file": (name, content, "application/pdf")})
    expect_error(r, 415, "UPLOAD_TYPE_NOT_ALLOWED")


def test_upload_empty_file(citizen):
    r = citizen.client.post("/api/v1/uploads", files={"file": ("empty.pdf", b"", "application/pdf")})
    assert r.status_code in (400, 415), r.status_code


def test_upload_oversize(citizen):
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1)
    try:
        r = citizen.client.post("/api/v1/uploads", files={"file": ("big.pdf", big, "application/pdf")}, timeout=60)
    except requests.ConnectionError as e:
        pytest.fail(f"connection dropped instead of 413 UPLOAD_TOO_LARGE: {e}")
    expect_error(r, 413, "UPLOAD_TOO_LARGE")


def test_upload_exactly_10_mib_ok(citizen):
    data = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 - 9)
    assert len(data) == 10 * 1024 * 1024
    r = citizen.client.post("/api/v1/uploads", files={"file": ("max.pdf", data, "application/pdf")}, timeout=60)
    assert r.status_code == 201, f"a 10 MiB file must be accepted: {r.status_code} {r.text[:200]}"
    assert r.json()["size"] == len(data)


def test_upload_stored_content_addressed(server, citizen):
    content = PDF_BYTES + uuid.uuid4().hex.encode()
    u = citizen.upload(content, "ca.pdf")
    hits = []
    for root, _, files in os.walk(server.data_dir):
        for f in files:
            if u["sm3"] in os.path.join(root, f):
                hits.append(os.path.join(root, f))
    assert hits, f"no file named by its SM3 digest {u['sm3']} under data_dir"


def test_upload_safe_file_name(citizen):
    r = citizen.client.post("/api/v1/uploads", files={"file": ("../../etc/passwd<x>.pdf", PDF_BYTES, "application/pdf")})
    assert r.status_code == 201, r.text
    fn = r.json()["file_name"]
    assert "/" not in fn and "\\" not in fn and ".." not in fn, fn


def test_upload_not_multipart(citizen):
    r = citizen.client.post("/api/v1/uploads", data=PDF_BYTES, headers={"Content-Type": "application/pdf"})
    expect_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_upload_without_file_part(citizen):
    r = citizen.client.post("/api/v1/uploads", files={"other": ("a.pdf", PDF_BYTES, "application/pdf")})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] in ("FIELD_REQUIRED", "BAD_REQUEST") and r.json()["error"].get("field") == "file"


def test_upload_broken_multipart(citizen):
    r = citizen.client.post("/api/v1/uploads", data=b"--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc",
                            headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    assert r.status_code == 400, r.text


def test_upload_unauthenticated(anon):
    r = anon.post("/api/v1/uploads", files={"file": ("a.pdf", PDF_BYTES, "application/pdf")})
    expect_error(r, 401, "UNAUTHENTICATED")


# ---------------------------------------------------------------- submission


def test_submit_passport(citizen, passport):
    body = case_body(citizen, passport["code"])
    before = datetime.datetime.now(TZ8)
    r = submit(citizen, body)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert set(doc) >= {"serial", "query_password", "case"}
    m = serial_re(body["region"]).match(doc["serial"])
    assert m, f"serial {doc['serial']} is not region {body['region']} + yyyymmdd + sequence"
    assert m.group(1) in today_set(), f"serial date {m.group(1)} is not today (+08:00)"
    assert QPW_RE.match(doc["query_password"]), doc["query_password"]
    c = doc["case"]
    assert c["serial"] == doc["serial"]
    assert c["matter_code"] == passport["code"] and c["matter_name"] == passport["name"]
    assert c["region"] == body["region"] and c["region_name"] == "道里区"
    assert c["status"] == "submitted" and c["status_name"] == "已提交"
    # the step the case now waits at (网上申请 done, or already handed on to 受理 by the flow engine)
    assert c["current_step"] in passport["flow_steps"] + ["网上申请", "受理"], c["current_step"]
    assert TIME_RE.match(c["submitted_at"]) and TIME_RE.match(c["updated_at"]), c
    assert abs(datetime.datetime.fromisoformat(c["submitted_at"]) - before) < datetime.timedelta(minutes=2)
    assert c["applicant_name"] == citizen.name
    assert c["applicant_id_number_masked"] == citizen.id_number[:4] + "*" * 10 + citizen.id_number[-4:]
    outside_form = json.dumps({k: v for k, v in doc["case"].items() if k != "form"}, ensure_ascii=False)
    assert citizen.id_number not in outside_form, "full ID number in the case outside the applicant's own form"
    assert c["form"] == body["form"]
    got = {m["material_id"]: m for m in c["materials"]}
    assert set(got) == {m["material_id"] for m in body["materials"]}
    for mm in got.values():
        assert mm["sm3"] == sm3(PDF_BYTES) and mm["size"] == len(PDF_BYTES) and mm["name"] and mm["file_name"]
    assert len(c["history"]) == 1
    h = c["history"][0]
    assert h["action"] == "submit" and h["status"] == "submitted" and TIME_RE.match(h["at"]), h
    assert "query_password" not in json.dumps(c)
    assert c["payment_status"] is None and c["delivery_status"] is None


def test_submit_increments_metric(citizen, passport):
    def count():
        t = citizen.client.get("/metrics").text
        m = re.search(r"^tongban_cases_submitted_total(\{[^}]*\})?\s+([0-9.e+]+)$", t, re.M)
        assert m, "no tongban_cases_submitted_total sample"
        return float(m.group(2))
    before = count()
    assert submit(citizen, case_body(citizen, passport["code"])).status_code == 201
    assert count() == before + 1


def test_serial_unique_under_concurrency(citizen_factory, passport):
    citizens = [citizen_factory() for _ in range(5)]
    bodies = []
    for i in range(50):
        c = citizens[i % 5]
        bodies.append((c, case_body(c, passport["code"])))
    results = [None] * 50
    barrier = threading.Barrier(50)

    def worker(i):
        c, body = bodies[i]
        cl = c.client.clone()
        barrier.wait()
        try:
            results[i] = cl.post("/api/v1/cases", json=body, timeout=60)
        except Exception as e:  # noqa: BLE001
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = [(i, r if isinstance(r, Exception) else (r.status_code, r.text[:200])) for i, r in enumerate(results)
           if isinstance(r, Exception) or r.status_code != 201]
    assert not bad, f"{len(bad)} of 50 concurrent submissions failed: {bad[:5]}"
    serials = [r.json()["serial"] for r in results]
    assert len(set(serials)) == 50, f"duplicate serials: {sorted(serials)}"
    region = bodies[0][1]["region"]
    seqs = set()
    for s in serials:
        m = serial_re(region).match(s)
        assert m, s
        seqs.add(int(m.group(2)))
    assert len(seqs) == 50
    for c in citizens:
        assert c.client.get("/api/v1/cases").json()["total"] == 10


def test_form_invalid_lists_everything(citizen, passport):
    g = passport
    required = [f["name"] for f in g["form"]["fields"] if f.get("required")]
    req_mats = [m["id"] for m in g["materials"] if m.get("required")]
    assert required and req_mats, "passport form has no required fields/materials"
    body = {"matter_code": g["code"], "region": "230102", "form": {}, "materials": []}
    r = submit(citizen, body)
    e = expect_error(r, 422, "FORM_INVALID")
    fields = [d["field"] for d in e.get("details", [])]
    for f in required:
        assert f in fields, f"required field {f} not reported; details: {fields}"
    for mid in req_mats:
        assert f"materials.{mid}" in fields, f"missing material materials.{mid} not reported; details: {fields}"
    assert len(fields) == len(set(fields)), f"a field reported twice: {fields}"
    for d in e["details"]:
        assert d["message"] and isinstance(d.get("code"), str), d
    assert citizen.client.get("/api/v1/cases").json()["total"] == 0, "an invalid case was stored"


def test_form_invalid_values(citizen, passport):
    g = passport
    body = case_body(citizen, g["code"])
    form = dict(body["form"])
    broken = {}
    for f in g["form"]["fields"]:
        if f["name"] not in form:
            continue
        if f["type"] in ("select", "radio"):
            form[f["name"]] = "no-such-option"
            broken[f["name"]] = 1
        elif f.get("pattern") or f["type"] in ("id_number", "phone", "email"):
            form[f["name"]] = "!!!"
            broken[f["name"]] = 1
        elif f.get("max_length"):
            form[f["name"]] = "测" * (f["max_length"] + 1)
            broken[f["name"]] = 1
    assert broken, "no field could be broken"
    body["form"] = form
    e = expect_error(submit(citizen, body), 422, "FORM_INVALID")
    fields = {d["field"] for d in e["details"]}
    assert set(broken) <= fields, f"not all bad fields reported: {set(broken) - fields}"
    # the validate endpoint gives the same answer
    errs = validate_form(citizen.client, g["code"], form)
    assert {x["field"] for x in errs} >= set(broken)


def test_form_unknown_field_reported(citizen, passport):
    body = case_body(citizen, passport["code"])
    body["form"] = dict(body["form"], not_a_field="x")
    r = submit(citizen, body)
    assert r.status_code in (400, 422), r.text
    e = r.json()["error"]
    if r.status_code == 422:
        assert "not_a_field" in {d["field"] for d in e["details"]}
    else:
        assert e["code"] == "UNKNOWN_FIELD" and "not_a_field" in (e.get("field") or "")


def _rule_fields(guides):
    for g in guides:
        for f in g["form"]["fields"]:
            if f.get("rule"):
                yield g, f


@pytest.fixture(scope="module")
def published_guides(server):
    from conftest import all_matters
    return [guide(server.base, m["code"]) for m in all_matters(server.base)]


def test_rule_failure_message(citizen, published_guides):
    found = list(_rule_fields(published_guides))
    assert found, "no seeded form carries a rule expression"
    tried = []
    for g, f in found:
        base_form = valid_form(citizen, g["code"])
        selects = [x for x in g["form"]["fields"] if x["type"] in ("select", "radio")]
        variants = [{}]
        for s in selects:
            variants += [{s["name"]: o["value"]} for o in s.get("options", [])]
        for v in variants[:30]:
            for val in ("", "短", "a", "0", "-1", "1"):
                form = dict(base_form, **v)
                form[f["name"]] = val
                errs = validate_form(citizen.client, g["code"], form)
                mine = [x for x in errs if x["field"] == f["name"]]
                if mine and f.get("rule_message") and any(x["message"] == f["rule_message"] for x in mine):
                    body = case_body(citizen, g["code"])
                    body["form"] = form
                    e = expect_error(submit(citizen, body), 422, "FORM_INVALID")
                    d = [x for x in e["details"] if x["field"] == f["name"]]
                    assert d and d[0]["message"] == f["rule_message"], e
                    return
                tried.append((g["code"], f["name"], v, val, mine))
    pytest.fail(f"no rule ever failed with its rule_message; tried {len(tried)} variants, e.g. {tried[:3]}")


def test_rule_that_loops_forever():
    pytest.skip("a looping rule cannot be set through the API in issue 2 (no staff form editor yet)")


def test_matter_not_found(citizen, passport):
    body = case_body(citizen, passport["code"])
    body["matter_code"] = "NO_SUCH_MATTER_0000"
    expect_error(submit(citizen, body), 404, "MATTER_NOT_FOUND")


@pytest.mark.parametrize("region", ["110101", "440305", "999999"])
def test_region_not_allowed(citizen, passport, region):
    body = case_body(citizen, passport["code"])
    body["region"] = region
    r = submit(citizen, body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] in ("REGION_NOT_ALLOWED", "INVALID_FIELD")
    assert r.json()["error"]["field"] == "region"


def test_region_not_allowed_for_regional_matter(citizen, published_guides):
    regional = [g for g in published_guides if not any(x.endswith("0000") for x in g["regions"])]
    if not regional:
        pytest.skip("every published matter is province-wide")
    g = regional[0]
    from conftest import covered
    outside = next(r for r in ("230102", "230202", "230302", "231002", "232701", "230602") if not covered(g["regions"], r))
    body = case_body(citizen, g["code"])
    body["region"] = outside
    expect_error(submit(citizen, body), 400, "REGION_NOT_ALLOWED", "region")


def test_other_citizens_upload(citizen_factory, passport):
    a, b = citizen_factory(), citizen_factory()
    up = a.upload()
    body = case_body(b, passport["code"])
    body["materials"][0]["upload_id"] = up["id"]
    expect_error(submit(b, body), 404, "UPLOAD_NOT_FOUND")
    body["materials"][0]["upload_id"] = "u_doesnotexist000000"
    expect_error(submit(b, body), 404, "UPLOAD_NOT_FOUND")
    assert b.client.get("/api/v1/cases").json()["total"] == 0


def test_unauthenticated(anon, passport):
    expect_error(anon.post("/api/v1/cases", json={"matter_code": passport["code"], "region": "230102", "form": {},
                                                  "materials": []}), 401, "UNAUTHENTICATED")
    expect_error(anon.get("/api/v1/cases"), 401, "UNAUTHENTICATED")
    expect_error(anon.get("/api/v1/cases/2301022026010100001"), 401, "UNAUTHENTICATED")


# ---------------------------------------------------------------- 我的办件


@pytest.fixture
def two_cases(citizen, passport):
    out = []
    for _ in range(2):
        r = submit(citizen, case_body(citizen, passport["code"]))
        assert r.status_code == 201, r.text
        out.append(r.json())
    return out


def test_my_cases(citizen, two_cases):
    r = citizen.client.get("/api/v1/cases")
    assert r.status_code == 200
    doc = r.json()
    assert doc["total"] == 2
    assert [i["serial"] for i in doc["items"]] == [two_cases[1]["serial"], two_cases[0]["serial"]], "not newest first"
    for i in doc["items"]:
        assert not ({"form", "materials", "history"} & set(i)), f"CaseSummary carries {set(i)}"
        assert i["status"] == "submitted" and i["matter_name"] and TIME_RE.match(i["submitted_at"])
    p = citizen.client.get("/api/v1/cases", params={"page": 2, "page_size": 1}).json()
    assert p["total"] == 2 and [i["serial"] for i in p["items"]] == [two_cases[0]["serial"]]
    r = citizen.client.get("/api/v1/cases", params={"page_size": 101})
    assert r.status_code == 400 and r.json()["error"]["code"] in ("INVALID_FIELD", "BAD_REQUEST"), r.text


def test_case_detail(citizen, two_cases):
    s = two_cases[0]["serial"]
    r = citizen.client.get("/api/v1/cases/" + s)
    assert r.status_code == 200
    c = r.json()
    assert c["serial"] == s and c["form"] == two_cases[0]["case"]["form"]
    assert c["materials"] and c["history"]
    assert "query_password" not in r.text and two_cases[0]["query_password"] not in r.text


def test_other_citizens_case_404(citizen_factory, citizen, two_cases):
    other = citizen_factory()
    s = two_cases[0]["serial"]
    r1 = other.client.get("/api/v1/cases/" + s)
    expect_error(r1, 404, "CASE_NOT_FOUND")
    r2 = other.client.get("/api/v1/cases/" + s[:-1] + ("9" if s[-1] != "9" else "8") + "9")
    expect_error(r2, 404, "CASE_NOT_FOUND")
    assert r1.json() == r2.json()
    assert other.client.get("/api/v1/cases").json()["total"] == 0


@pytest.mark.parametrize("serial", ["x", "' OR 1=1 --", "%27", "0" * 200, "..%2f..%2f"])
def test_case_weird_serial(citizen, serial):
    r = citizen.client.get("/api/v1/cases/" + serial)
    # an encoded slash may be decoded by path normalisation and miss the route (generic NOT_FOUND)
    expect_error(r, 404, "NOT_FOUND" if "%2f" in serial and r.json()["error"]["code"] == "NOT_FOUND"
                 else "CASE_NOT_FOUND")


# ---------------------------------------------------------------- idempotency


def test_idempotency_key(citizen, passport):
    body = case_body(citizen, passport["code"])
    key = str(uuid.uuid4())
    r1 = submit(citizen, body, headers={"Idempotency-Key": key})
    assert r1.status_code == 201, r1.text
    r2 = submit(citizen, body, headers={"Idempotency-Key": key})
    assert r2.status_code == r1.status_code
    assert r2.json()["serial"] == r1.json()["serial"]
    assert r2.json()["query_password"] == r1.json()["query_password"]
    assert citizen.client.get("/api/v1/cases").json()["total"] == 1
    # another key: a new case
    r3 = submit(citizen, body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r3.status_code == 201 and r3.json()["serial"] != r1.json()["serial"]
    # no key: a new case each time
    r4 = submit(citizen, body)
    assert r4.status_code == 201 and r4.json()["serial"] not in (r1.json()["serial"], r3.json()["serial"])
    assert citizen.client.get("/api/v1/cases").json()["total"] == 3


def test_idempotency_key_is_per_citizen(citizen_factory, passport):
    a, b = citizen_factory(), citizen_factory()
    key = str(uuid.uuid4())
    ra = submit(a, case_body(a, passport["code"]), headers={"Idempotency-Key": key})
    rb = submit(b, case_body(b, passport["code"]), headers={"Idempotency-Key": key})
    assert ra.status_code == rb.status_code == 201
    assert ra.json()["serial"] != rb.json()["serial"]
    assert a.client.get("/api/v1/cases/" + rb.json()["serial"]).status_code == 404


def test_idempotency_key_concurrent(citizen, passport):
    body = case_body(citizen, passport["code"])
    key = str(uuid.uuid4())
    results = []
    barrier = threading.Barrier(8)

    def w():
        cl = citizen.client.clone()
        barrier.wait()
        results.append(cl.post("/api/v1/cases", json=body, headers={"Idempotency-Key": key}))
    ts = [threading.Thread(target=w) for _ in range(8)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    ok = [r for r in results if r.status_code == 201]
    assert ok, [(r.status_code, r.text[:100]) for r in results]
    assert len({r.json()["serial"] for r in ok}) == 1
    for r in results:
        assert r.status_code in (201, 409), (r.status_code, r.text[:200])
    assert citizen.client.get("/api/v1/cases").json()["total"] == 1


# ---------------------------------------------------------------- progress


def test_progress(citizen, two_cases, passport):
    first = two_cases[0]
    anon = Client(citizen.base)
    r = anon.post("/api/v1/progress", json={"serial": first["serial"], "query_password": first["query_password"]})
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["serial"] == first["serial"] and p["matter_code"] == passport["code"]
    assert p["matter_name"] == passport["name"]
    assert p["status"] == "submitted" and p["current_step"]
    assert TIME_RE.match(p["submitted_at"])
    assert p["history"] and p["history"][0]["action"] == "submit"
    assert "form" not in p and "materials" not in p
    assert "payment_status" in p and "delivery_status" in p
    name = citizen.name
    assert p["applicant_name"] != name and p["applicant_name"].startswith(name[0]) and "*" in p["applicant_name"]
    assert citizen.id_number not in r.text and citizen.phone not in r.text


def test_progress_uniform_not_found(citizen, two_cases):
    s, pw = two_cases[0]["serial"], two_cases[0]["query_password"]
    anon = Client(citizen.base)
    wrong_pw = "AAAA-AAAA" if pw != "AAAA-AAAA" else "BBBB-BBBB"
    r1 = anon.post("/api/v1/progress", json={"serial": s, "query_password": wrong_pw})
    r2 = anon.post("/api/v1/progress", json={"serial": s[:-4] + "9999", "query_password": pw})
    r3 = anon.post("/api/v1/progress", json={"serial": "2399992000010100001", "query_password": wrong_pw})
    r4 = anon.post("/api/v1/progress", json={"serial": s, "query_password": pw.lower()})
    for r in (r1, r2, r3):
        expect_error(r, 404, "PROGRESS_NOT_FOUND")
    assert r1.content == r2.content == r3.content, "answers differ between wrong password and unknown serial"
    assert r4.status_code in (200, 404)


def test_progress_rate_limited(citizen, two_cases):
    s, pw = two_cases[0]["serial"], two_cases[0]["query_password"]
    c = Client(citizen.base)
    codes = []
    for i in range(10):
        r = c.post("/api/v1/progress", json={"serial": s, "query_password": "ZZZZ-ZZZ" + str(i)})
        codes.append(r.status_code)
    assert codes == [404] * 10, codes
    r = c.post("/api/v1/progress", json={"serial": s, "query_password": "ZZZZ-ZZZZ"})
    expect_error(r, 429, "RATE_LIMITED")
    # the right password does not bypass the limit
    expect_error(c.post("/api/v1/progress", json={"serial": s, "query_password": pw}), 429, "RATE_LIMITED")
    # another client is not affected
    assert Client(citizen.base).post("/api/v1/progress", json={"serial": s, "query_password": pw}).status_code == 200


def test_progress_bad_body(anon):
    for body in ({}, {"serial": "x"}, {"serial": 1, "query_password": "x"}, {"serial": "x", "query_password": None}):
        r = anon.post("/api/v1/progress", json=body)
        assert r.status_code in (400, 404), (body, r.status_code)
        assert r.json()["error"]["code"] in ("FIELD_REQUIRED", "WRONG_TYPE", "PROGRESS_NOT_FOUND")


# ---------------------------------------------------------------- at rest


def database_bytes(server):
    if TB_TEST_PG:
        pg_dump = os.path.join(os.path.dirname(psql_bin()), "pg_dump")
        p = subprocess.run([pg_dump, "--data-only", TB_TEST_PG], capture_output=True, timeout=120)
        assert p.returncode == 0, p.stderr
        return p.stdout
    out = b""
    for suffix in ("", "-wal", "-journal"):
        path = server.database + suffix
        if os.path.exists(path):
            with open(path, "rb") as f:
                out += f.read()
    return out


def test_no_plaintext_secrets_at_rest(server, citizen, passport):
    r = submit(citizen, case_body(citizen, passport["code"]))
    assert r.status_code == 201
    qpw = r.json()["query_password"]
    blob = database_bytes(server)
    assert blob, "could not read the database"
    assert qpw.encode() not in blob and qpw.replace("-", "").encode() not in blob, "query password stored in clear"
    assert citizen.password.encode() not in blob, "password stored in clear"
    assert citizen.id_number.encode() not in blob, "ID number stored in clear (expected SM4 field encryption)"
    assert citizen.phone.encode() not in blob, "phone number stored in clear (expected SM4 field encryption)"
