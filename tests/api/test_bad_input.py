"""Bad input never yields a 500: malformed JSON, sizes, content types,
unknown fields, wrong types, odd strings, deep nesting, and a sweep of junk
over every POST endpoint of the OpenAPI document."""

import json
import random
import re
import socket

import pytest
import requests

from conftest import Client, check_error_shape, expect_error

JSON = {"Content-Type": "application/json"}
LOGIN = "/api/v1/auth/login"


def post_raw(client, path, data, ctype="application/json", **kw):
    h = dict(kw.pop("headers", {}))
    if ctype is not None:
        h["Content-Type"] = ctype
    return client.post(path, data=data, headers=h, **kw)


# ---------------------------------------------------------------- JSON syntax


@pytest.mark.parametrize("body", [b'{"account":', b"{'account':'a'}", b'{"account":"a",}', b'{"account":"a"} x',
                                  b"NaN", b'{"account":"a" "password":"b"}', b"{", b"}", b'{"a":tru}',
                                  b'{"account":"\\x41"}', b'{"account":"\\ud800","password":"x"}'])
def test_malformed_json(anon, body):
    expect_error(post_raw(anon, LOGIN, body), 400, "INVALID_JSON")


def test_empty_body(anon):
    r = post_raw(anon, LOGIN, b"")
    assert r.status_code == 400 and r.json()["error"]["code"] in ("INVALID_JSON", "BAD_REQUEST"), r.text


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"1", b"null", b"true", b'[{"account":"a","password":"b"}]'])
def test_top_level_not_object(anon, body):
    r = post_raw(anon, LOGIN, body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] in ("INVALID_JSON", "BAD_REQUEST", "WRONG_TYPE"), r.text


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"abc\x80", b"\xf8\x88\x80\x80\x80"])
def test_invalid_utf8(anon, raw):
    body = b'{"account":"' + raw + b'","password":"Abc#12345"}'
    expect_error(post_raw(anon, LOGIN, body), 400, "INVALID_JSON")


def test_utf8_bom(anon):
    r = post_raw(anon, LOGIN, b'\xef\xbb\xbf{"account":"a","password":"b"}')
    assert r.status_code in (400, 401), r.text


@pytest.mark.parametrize("depth", [64, 1000, 100000])
def test_deeply_nested(anon, depth):
    body = ('{"account":' + "[" * depth + "]" * depth + ',"password":"x"}').encode()
    r = post_raw(anon, LOGIN, body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] in ("INVALID_JSON", "WRONG_TYPE", "BAD_REQUEST")
    body = ('{"a":' * depth + "1" + "}" * depth).encode()
    r = post_raw(anon, LOGIN, body)
    assert r.status_code in (400, 413), r.text
    assert anon.get("/healthz").status_code == 200


@pytest.mark.parametrize("num", [b"1e999", b"-1e999", b"123456789012345678901234567890", b"1" * 5000,
                                 b"0.000000000000000000000000000000000001", b"-0"])
def test_huge_numbers(anon, num):
    r = post_raw(anon, LOGIN, b'{"account":' + num + b',"password":"x"}')
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] in ("INVALID_JSON", "WRONG_TYPE")
    r = post_raw(anon, "/api/v1/progress", b'{"serial":' + num + b',"query_password":"AAAA-AAAA"}')
    assert r.status_code == 400, r.text


# ---------------------------------------------------------------- sizes & types


def test_body_too_large(anon):
    body = json.dumps({"account": "a" * (1024 * 1024 + 10), "password": "x"}).encode()
    try:
        r = post_raw(anon, LOGIN, body)
    except requests.ConnectionError as e:
        pytest.fail(f"connection dropped instead of 413: {e}")
    expect_error(r, 413, "BODY_TOO_LARGE")


def test_body_too_large_chunked(anon):
    def gen():
        yield b'{"account":"'
        for _ in range(2 * 1024):
            yield b"a" * 1024
        yield b'","password":"x"}'
    try:
        r = post_raw(anon, LOGIN, gen())
    except requests.ConnectionError as e:
        pytest.fail(f"connection dropped instead of 413: {e}")
    expect_error(r, 413, "BODY_TOO_LARGE")


def test_body_just_under_limit_is_parsed(anon):
    body = json.dumps({"account": "a" * (1024 * 1024 - 100), "password": "x"}).encode()
    assert len(body) < 1024 * 1024
    r = post_raw(anon, LOGIN, body)
    assert r.status_code in (400, 401), r.text  # parsed, then refused on content (not 413)


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                   "multipart/form-data; boundary=x", "application/jsonp", None, "json"])
def test_wrong_content_type(anon, ctype):
    body = b'{"account":"a","password":"b"}'
    if ctype is None:
        r = anon.s.post(anon.base + LOGIN, data=body, headers={"Content-Type": ""}, timeout=10)
    else:
        r = post_raw(anon, LOGIN, body, ctype)
    expect_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize("ctype", ["application/json; charset=utf-8", "application/json;charset=UTF-8",
                                   "Application/JSON"])
def test_json_content_type_variants_accepted(anon, ctype):
    r = post_raw(anon, LOGIN, b'{"account":"23010219800101001X","password":"Wrong#123"}', ctype)
    expect_error(r, 401, "LOGIN_FAILED")


# ---------------------------------------------------------------- fields


@pytest.mark.parametrize("path,body,field", [
    (LOGIN, {"account": "a", "password": "b", "remember": True}, "remember"),
    ("/api/v1/auth/sms-code", {"phone": "13800138000", "purpose": "register", "x": 1}, "x"),
    ("/api/v1/auth/register", {"type": "person", "name": "张三", "id_number": "11010519491231002X", "phone": "13800138000",
                               "sms_code": "123456", "password": "Abc#12345", "is_admin": True}, "is_admin"),
    ("/api/v1/progress", {"serial": "1", "query_password": "AAAA-AAAA", "debug": 1}, "debug"),
    ("/api/v1/auth/password-reset", {"phone": "13800138000", "sms_code": "123456", "new_password": "Abc#12345",
                                     "user_id": 1}, "user_id"),
    ("/api/v1/staff/auth/login", {"login": "admin", "password": "x", "role": "admin"}, "role"),
])
def test_unknown_field(anon, path, body, field):
    expect_error(anon.post(path, json=body), 400, "UNKNOWN_FIELD", field)


def test_unknown_field_authenticated(citizen):
    expect_error(citizen.client.post("/api/v1/me/password", json={"old_password": "a", "new_password": "b", "z": 1}),
                 400, "UNKNOWN_FIELD", "z")
    expect_error(citizen.client.post("/api/v1/cases", json={"matter_code": "x", "region": "230102", "form": {},
                                                            "materials": [], "status": "done"}),
                 400, "UNKNOWN_FIELD", "status")


@pytest.mark.parametrize("path,body,field", [
    (LOGIN, {"account": 123, "password": "b"}, "account"),
    (LOGIN, {"account": "a", "password": ["b"]}, "password"),
    (LOGIN, {"account": {"$ne": ""}, "password": "b"}, "account"),
    ("/api/v1/auth/sms-code", {"phone": 13800138000, "purpose": "register"}, "phone"),
    ("/api/v1/auth/sms-code", {"phone": "13800138000", "purpose": True}, "purpose"),
    ("/api/v1/auth/register", {"type": "person", "name": ["张三"], "id_number": "11010519491231002X",
                               "phone": "13800138000", "sms_code": "123456", "password": "Abc#12345"}, "name"),
    ("/api/v1/auth/register", {"type": "person", "name": "张三", "id_number": 11010519491231002,
                               "phone": "13800138000", "sms_code": "123456", "password": "Abc#12345"}, "id_number"),
    ("/api/v1/auth/register", {"type": "person", "name": "张三", "id_number": "11010519491231002X",
                               "phone": "13800138000", "sms_code": 123456, "password": "Abc#12345"}, "sms_code"),
    ("/api/v1/progress", {"serial": 2301022026112800001, "query_password": "AAAA-AAAA"}, "serial"),
    ("/api/v1/progress", {"serial": "1", "query_password": 1.5}, "query_password"),
])
def test_wrong_type(anon, path, body, field):
    expect_error(anon.post(path, json=body), 400, "WRONG_TYPE", field)


def test_wrong_type_cases(citizen):
    c = citizen.client
    from conftest import PASSPORT, find_matter
    base = {"matter_code": find_matter(citizen.base, PASSPORT, "护照")["code"], "region": "230102", "form": {},
            "materials": []}
    for key, bad in (("form", []), ("form", "x"), ("materials", {}), ("materials", "M01"), ("region", 230102),
                     ("matter_code", None)):
        r = c.post("/api/v1/cases", json=dict(base, **{key: bad}))
        assert r.status_code == 400, f"{key}={bad!r}: {r.status_code} {r.text[:200]}"
        e = r.json()["error"]
        assert e["code"] in ("WRONG_TYPE", "FIELD_REQUIRED") and e["field"] == key, e
    r = c.post("/api/v1/cases", json=dict(base, materials=[{"material_id": 1, "upload_id": "u_x"}]))
    assert r.status_code == 400 and r.json()["error"]["code"] == "WRONG_TYPE", r.text
    assert "material_id" in r.json()["error"]["field"]


@pytest.mark.parametrize("path,body,field", [
    (LOGIN, {"password": "b"}, "account"),
    (LOGIN, {"account": "a"}, "password"),
    ("/api/v1/auth/sms-code", {"purpose": "register"}, "phone"),
    ("/api/v1/auth/register", {"type": "person", "name": "张三", "id_number": "11010519491231002X",
                               "sms_code": "123456", "password": "Abc#12345"}, "phone"),
    ("/api/v1/progress", {"serial": "1"}, "query_password"),
    ("/api/v1/staff/auth/login", {"password": "x"}, "login"),
])
def test_field_required(anon, path, body, field):
    expect_error(anon.post(path, json=body), 400, "FIELD_REQUIRED", field)


def test_register_type_invalid(anon):
    r = anon.post("/api/v1/auth/register", json={"type": "alien", "name": "张三", "phone": "13800138000",
                                                 "sms_code": "123456", "password": "Abc#12345"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "type", r.text


@pytest.mark.parametrize("s", ["abc\u0000def", "\u0000", "张三\u0000", "a\u202eb", "\u0007\u0008\u001b[31m", "\ufeff",
                               "𠀀𠀁", "😀", "x" * 100000])
def test_odd_strings(anon, s):
    r = anon.post(LOGIN, json={"account": s, "password": s or "x"})
    assert r.status_code in (400, 401, 413), r.text[:200]
    r = anon.post("/api/v1/auth/sms-code", json={"phone": s, "purpose": "register"})
    assert r.status_code in (400, 413), r.text[:200]
    r = anon.post("/api/v1/progress", json={"serial": s, "query_password": s})
    assert r.status_code in (400, 404, 413, 429), r.text[:200]


def test_null_byte_in_register_name(server):
    from test_identity import person_body
    c, body = person_body(server.base, name="张\u0000三")
    r = c.post("/api/v1/auth/register", json=body)
    assert r.status_code == 400, r.text
    e = r.json()["error"]
    assert e["code"] == "INVALID_JSON" or e.get("field") == "name", e


def test_duplicate_keys(anon):
    r = post_raw(anon, LOGIN, b'{"account":"a","account":"b","password":"x"}')
    assert r.status_code in (400, 401), r.text


def test_large_headers(server):
    r = requests.get(server.base + "/api/v1/meta", headers={"Cookie": "tb_sid=" + "a" * 60000}, timeout=10)
    assert r.status_code in (200, 400, 401, 413, 431), r.status_code
    assert requests.get(server.base + "/healthz", timeout=5).status_code == 200


def test_garbage_request_line(server):
    for raw in (b"\x00\x01\x02\x03\r\n\r\n", b"GET /healthz HTTP/9.9\r\n\r\n", b"G\xffT / HTTP/1.1\r\n\r\n",
                b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 10\r\n\r\n{\"a\"",
                b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                b"Content-Type: application/json\r\n\r\nZZZ\r\n"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
            s.sendall(raw)
            s.shutdown(socket.SHUT_WR)
            try:
                data = s.recv(4096)
            except socket.timeout:
                data = b""
        if data.startswith(b"HTTP/"):
            assert int(data.split(b" ", 2)[1]) < 500 or data.split(b" ", 2)[1] in (b"505",), data[:100]
    assert requests.get(server.base + "/healthz", timeout=5).status_code == 200


@pytest.mark.parametrize("qs", ["page=1e999", "page_size=%00", "q=%ff%fe", "q=%", "page=1&page=2", "q=" + "%E6%8A" * 3,
                                "region=" + "9" * 100, "appointment[]=1", "page_size=99999999999999999999999"])
def test_odd_query_strings(server, qs):
    r = requests.get(server.base + "/api/v1/matters?" + qs, timeout=10)
    assert r.status_code in (200, 400), f"{qs}: {r.status_code} {r.text[:200]}"
    if r.status_code == 400:
        check_error_shape(r.json(), 400, qs)


# ---------------------------------------------------------------- multipart junk


@pytest.mark.parametrize("body,ctype", [
    (b"", "multipart/form-data; boundary=abc"),
    (b"--abc--\r\n", "multipart/form-data; boundary=abc"),
    (b"garbage", "multipart/form-data"),
    (b"--abc\r\n\r\n\r\n--abc--\r\n", "multipart/form-data; boundary=abc"),
    (b"--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\r\n",
     "multipart/form-data; boundary=abc"),
    (b"--" + b"a" * 5000 + b"\r\n", "multipart/form-data; boundary=" + "a" * 5000),
    ((b"--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\r\n") * 200 + b"--abc--\r\n",
     "multipart/form-data; boundary=abc"),
])
def test_multipart_junk(citizen, body, ctype):
    r = citizen.client.post("/api/v1/uploads", data=body, headers={"Content-Type": ctype})
    assert 400 <= r.status_code < 500, f"{r.status_code} {r.text[:200]}"


def test_multipart_two_files(citizen):
    from conftest import PDF_BYTES
    r = citizen.client.post("/api/v1/uploads", files=[("file", ("a.pdf", PDF_BYTES, "application/pdf")),
                                                      ("file", ("b.pdf", PDF_BYTES, "application/pdf"))])
    assert r.status_code in (201, 400), r.text


# ---------------------------------------------------------------- sweep


def junk_bodies():
    rnd = random.Random(20261128)
    out = [
        (b"", "application/json"), (b"{", "application/json"), (b"[]", "application/json"),
        (b'"x"', "application/json"), (b"null", "application/json"), (b"0", "application/json"),
        (b"{}", "application/json"), (b'{"a":1}', "application/json"), (b'{"\\u0000":1}', "application/json"),
        (b'{"x":"\xff"}', "application/json"), (b"[" * 50000 + b"]" * 50000, "application/json"),
        (b'{"n":1e999}', "application/json"), (b'{"n":123456789012345678901234567890}', "application/json"),
        (b'{"x":"' + b"A" * 200000 + b'"}', "application/json"), (b"\x00\x01\x02\x03", "application/json"),
        (b"{}", "text/plain"), (b"a=b&c=d", "application/x-www-form-urlencoded"),
        (bytes(rnd.randrange(256) for _ in range(2048)), "application/json"),
        (bytes(rnd.randrange(256) for _ in range(2048)), "application/octet-stream"),
        (b'{"form":{"a":{"b":{"c":[1,2,{"d":null}]}}},"materials":[[[]]]}', "application/json"),
    ]
    return out


# body fields per endpoint (docs/api.md), used when the OpenAPI schema does not list properties
KNOWN_FIELDS = {
    "/api/v1/auth/sms-code": ["phone", "purpose"],
    "/api/v1/auth/register": ["type", "name", "id_number", "phone", "sms_code", "password", "org_name", "uscc",
                              "legal_rep", "contact_name"],
    "/api/v1/auth/login": ["account", "password"],
    "/api/v1/auth/password-reset": ["phone", "sms_code", "new_password"],
    "/api/v1/me/password": ["old_password", "new_password"],
    "/api/v1/cases": ["matter_code", "region", "form", "materials"],
    "/api/v1/progress": ["serial", "query_password"],
    "/api/v1/staff/auth/login": ["login", "password"],
    "/api/v1/matters/{code}/form/validate": ["form"],
}


def schema_bodies(op, path=""):
    """Type-confused and injection-laden bodies, one field at a time, built from
    the operation's schema and the fields named in docs/api.md."""
    props = []
    try:
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        props = list((schema.get("properties") or {}).keys())
    except (KeyError, TypeError, AttributeError):
        pass
    for k, v in KNOWN_FIELDS.items():
        if re.sub(r"\{[^}]+\}", "{}", k) == re.sub(r"\{[^}]+\}", "{}", path):
            props += [f for f in v if f not in props]
    out = []
    for p in props:
        for v in ({"$gt": ""}, [1, 2], 1e308, -1, True, None, "'; DROP TABLE users; --", "<script>alert(1)</script>",
                  "\u0000", "../" * 50, "%s%s%n", "1" * 10000):
            body = {q: "x" for q in props}
            body[p] = v
            out.append((json.dumps(body).encode(), "application/json"))
    return out


@pytest.fixture(scope="module")
def openapi(server):
    return requests.get(server.base + "/api/v1/openapi.json", timeout=10).json()


@pytest.fixture(scope="module")
def passport_code(server):
    from conftest import find_matter
    return find_matter(server.base, "普通护照签发", "护照")["code"]


def post_ops(openapi):
    ops = []
    for path, item in openapi["paths"].items():
        for m, op in item.items():
            if m.lower() in ("post", "put", "patch", "delete"):
                ops.append((m.upper(), path, op))
    # logouts last so that the session stays usable for the rest
    ops.sort(key=lambda x: ("logout" in x[1], x[1]))
    return ops


def test_sweep_junk_over_every_write_endpoint(server, openapi, passport_code, citizen_factory):
    ops = post_ops(openapi)
    assert len(ops) >= 10, f"only {len(ops)} write operations in openapi.json"
    citizen = citizen_factory()
    from conftest import staff_session
    admin = staff_session(server.base)
    failures = []
    count = 0
    for method, path, op in ops:
        # a real matter only where the call cannot change anything (validation); every other
        # path parameter names nothing, so that junk sent with an admin session mutates nothing
        real = path.startswith("/api/v1/matters/") and path.endswith("/form/validate")
        concrete = re.sub(r"\{[^}]+\}", passport_code if real else "ZZ_TEST", path)
        for actor_name, actor in (("anon", Client(server.base)), ("citizen", citizen.client), ("admin", admin)):
            for body, ctype in junk_bodies() + schema_bodies(op, path):
                count += 1
                try:
                    r = actor.request(method, concrete, data=body, headers={"Content-Type": ctype}, check=False,
                                      timeout=30)
                except requests.RequestException as e:
                    failures.append(f"{actor_name} {method} {concrete} {body[:60]!r}: connection error {e}")
                    continue
                problem = None
                if r.status_code >= 500:
                    problem = f"HTTP {r.status_code}"
                elif r.status_code >= 400:
                    try:
                        check_error_shape(r.json(), r.status_code, concrete)
                    except Exception as e:  # noqa: BLE001
                        problem = f"bad error shape: {e}"
                if problem:
                    failures.append(f"{actor_name} {method} {concrete} [{ctype}] {body[:60]!r}: {problem} "
                                    f"{r.text[:150]}")
        assert server.alive(), f"server died during the sweep of {path}"
    assert count > 1500, count
    assert not failures, f"{len(failures)} bad answers, first ones:\n" + "\n".join(failures[:15])


INJECTIONS = ["<script>alert(1)</script>", "' OR '1'='1", "\"; DROP TABLE cases; --", "${jndi:ldap://x}",
              "{{7*7}}", "../../etc/passwd", "%00", "\u202e反转", "𠀀𠀁𠀂", "a\r\nSet-Cookie: x=1"]


def test_injection_in_every_form_field(citizen, passport):
    """Every passport form field × hostile strings: validate answers 200, submit
    answers 201 or 422, and what is accepted comes back byte for byte."""
    from conftest import case_body
    code = passport["code"]
    base = case_body(citizen, code)
    accepted = 0
    for f in passport["form"]["fields"]:
        for inj in INJECTIONS:
            form = dict(base["form"], **{f["name"]: inj})
            r = citizen.client.post(f"/api/v1/matters/{code}/form/validate", json={"form": form})
            assert r.status_code == 200, f"validate {f['name']}={inj!r}: {r.status_code} {r.text[:200]}"
            errs = r.json()["errors"]
            body = dict(base, form=form)
            r = citizen.client.post("/api/v1/cases", json=body)
            assert r.status_code in (201, 422), f"submit {f['name']}={inj!r}: {r.status_code} {r.text[:200]}"
            if r.status_code == 201:
                assert not errs, f"validate reported {errs} but the submission was accepted"
                serial = r.json()["serial"]
                got = citizen.client.get("/api/v1/cases/" + serial).json()["form"]
                assert got.get(f["name"]) == inj, f"{f['name']}: stored {got.get(f['name'])!r}, sent {inj!r}"
                accepted += 1
            else:
                fields = {d["field"] for d in r.json()["error"]["details"]}
                assert f["name"] in fields, f"422 for {f['name']}={inj!r} names other fields: {fields}"
                assert {e["field"] for e in errs} == fields, f"validate {errs} vs submit {fields}"
    assert accepted > 0, "no free-text field accepted any hostile string (nothing proved to round-trip)"
