"""The OpenAPI document describes every route: those in docs/api.md and those
the server answers."""

import os
import re

import pytest

from conftest import REPO

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def norm(path):
    """Template-insensitive form: /api/v1/matters/{code} == /api/v1/matters/{id}."""
    path = path.split("?")[0].rstrip("/") or "/"
    return re.sub(r"\{[^}/]+\}", "{}", path)


def api_md_routes():
    """(method or None, path) pairs named in docs/api.md."""
    with open(os.path.join(REPO, "docs", "api.md"), encoding="utf-8") as f:
        text = f.read()
    routes = set()
    text = text.replace("`/api/v1/admin/...`", "")
    # table rows: | GET | `/healthz` | ...
    for m in re.finditer(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`(/[^`\s]*)`", text, re.M):
        routes.add((m.group(1), norm(m.group(2))))
    # inline: `GET /api/v1/meta`, `POST /api/v1/auth/login` {...}
    for m in re.finditer(r"`(GET|POST|PUT|PATCH|DELETE)\s+(/[^`\s]*)`", text):
        routes.add((m.group(1), norm(m.group(2))))
    # any other `/api/v1/...` mention, method unknown
    for m in re.finditer(r"`(/api/v1/[^`\s]*)`", text):
        if "..." in m.group(1) or "…" in m.group(1):
            continue  # prose such as "every `/api/v1/admin/...` route"
        p = norm(m.group(1))
        if not any(p == q for _, q in routes):
            routes.add((None, p))
    return sorted(routes, key=lambda x: (x[1], x[0] or ""))


ROUTES = api_md_routes()
# POST routes of docs/api.md that take a body (JSON or multipart)
BODY_ROUTES = {"/api/v1/auth/sms-code", "/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/password-reset",
               "/api/v1/me/password", "/api/v1/cases", "/api/v1/progress", "/api/v1/staff/auth/login",
               "/api/v1/matters/{}/form/validate", "/api/v1/uploads"}


def test_api_md_parsed():
    paths = {p for _, p in ROUTES}
    # a guard against a parser that silently finds nothing
    for p in ("/healthz", "/api/v1/matters", "/api/v1/matters/{}", "/api/v1/auth/login", "/api/v1/cases",
              "/api/v1/progress", "/api/v1/sandbox/sms-outbox", "/api/v1/admin/sms-outbox", "/api/v1/uploads"):
        assert p in paths, f"parser missed {p}: {sorted(paths)}"
    assert len(ROUTES) >= 25, ROUTES


@pytest.fixture(scope="module")
def doc(server):
    import requests
    r = requests.get(server.base + "/api/v1/openapi.json", timeout=10)
    assert r.status_code == 200
    assert r.headers.get("Content-Type", "").startswith("application/json")
    return r.json()


@pytest.fixture(scope="module")
def doc_ops(doc):
    ops = {}
    for path, item in doc["paths"].items():
        for m, op in item.items():
            if m.upper() in METHODS:
                ops.setdefault(norm(path), {})[m.upper()] = op
    return ops


def test_openapi_3(doc):
    assert isinstance(doc.get("openapi"), str) and re.match(r"^3\.\d+\.\d+$", doc["openapi"]), doc.get("openapi")
    assert isinstance(doc.get("info"), dict) and doc["info"].get("title") and doc["info"].get("version")
    assert isinstance(doc.get("paths"), dict) and doc["paths"]


def test_every_operation_well_formed(doc):
    for path, item in doc["paths"].items():
        assert path.startswith("/"), path
        params_in_path = set(re.findall(r"\{([^}/]+)\}", path))
        for m, op in item.items():
            if m.upper() not in METHODS:
                continue
            where = f"{m.upper()} {path}"
            assert isinstance(op.get("responses"), dict) and op["responses"], f"{where}: no responses"
            for code in op["responses"]:
                assert code == "default" or re.fullmatch(r"[1-5](\d\d|XX)", str(code)), f"{where}: response {code}"
            declared = {p.get("name") for p in (op.get("parameters") or []) + (item.get("parameters") or [])
                        if isinstance(p, dict) and p.get("in") == "path"}
            assert params_in_path <= declared, f"{where}: path parameters {params_in_path - declared} not declared"
            if m.upper() == "POST" and norm(path) in BODY_ROUTES:
                assert "requestBody" in op, f"{where}: no requestBody"


@pytest.mark.parametrize("method,path", ROUTES, ids=[f"{m or 'ANY'} {p}" for m, p in ROUTES])
def test_api_md_route_in_openapi(doc_ops, method, path):
    assert path in doc_ops, f"{path} (docs/api.md) missing from openapi.json"
    if method:
        assert method in doc_ops[path], f"{method} {path} missing from openapi.json (has {sorted(doc_ops[path])})"


def concrete(path):
    return re.sub(r"\{[^}/]*\}", "ZZ_TEST_NOPE", path)


def route_exists(anon, method, path):
    """True when the server has a handler for METHOD PATH (anything but a
    route-level 404 / 405)."""
    kw = {}
    if method in ("POST", "PUT", "PATCH"):
        kw["json"] = {}
    r = anon.request(method, concrete(path), **kw)
    if r.status_code == 405:
        return False
    if r.status_code == 404:
        try:
            return r.json()["error"]["code"] != "NOT_FOUND"
        except (ValueError, KeyError, TypeError):
            return False
    return True


def test_documented_routes_exist(anon, doc):
    """Nothing in the document is a phantom: every (method, path) answers."""
    missing = []
    for path, item in doc["paths"].items():
        for m in item:
            if m.upper() in METHODS and not route_exists(anon, m.upper(), path):
                missing.append(f"{m.upper()} {path}")
    assert not missing, f"described in openapi.json but not served: {missing}"


def template_rx(path):
    return re.compile("^" + re.sub(r"\\\{\\\}", "[^/]+", re.escape(path)) + "$")


def test_served_routes_are_described(anon, doc_ops):
    """Every method the server answers on a known path is described."""
    paths = set(doc_ops) | {p for _, p in ROUTES}
    undocumented = []
    for path in sorted(paths):
        for m in METHODS:
            if m in doc_ops.get(path, {}):
                continue
            # another described template may answer this concrete path
            # (GET /admin/flows/{} also matches /admin/flows/validate)
            c = concrete(path)
            if any(m in ops and q != path and template_rx(q).match(c) for q, ops in doc_ops.items()):
                continue
            if route_exists(anon, m, path):
                undocumented.append(f"{m} {path}")
    assert not undocumented, f"served but not in openapi.json: {undocumented}"
