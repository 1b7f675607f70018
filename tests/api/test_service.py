"""Service endpoints, security headers, request ids, static files, 404/405."""

import os
import re
import uuid

import pytest

from conftest import WEB_ROOT, Client, check_error_shape, expect_error

SEC_PATHS = [
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/meta"),
    ("GET", "/api/v1/matters?page_size=1"),
    ("GET", "/api/v1/matters/NO_SUCH_MATTER"),
    ("GET", "/api/v1/no-such-route"),
    ("GET", "/api/v1/me"),
    ("DELETE", "/api/v1/matters"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/"),
    ("GET", "/no/such/page"),
]


def test_healthz(anon):
    r = anon.get("/healthz")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"status": "ok"}


def test_readyz(anon):
    r = anon.get("/readyz")
    assert r.status_code == 200
    assert r.json()["status"] == "ready"


@pytest.mark.parametrize("method,path", SEC_PATHS)
def test_security_headers_on_every_response(anon, method, path):
    r = anon.request(method, path, json={} if method == "POST" else None)
    h = r.headers
    csp = h.get("Content-Security-Policy")
    assert csp, f"{method} {path} ({r.status_code}): no Content-Security-Policy"
    assert "default-src" in csp or "script-src" in csp, csp
    assert h.get("X-Content-Type-Options", "").lower() == "nosniff", dict(h)
    assert h.get("Referrer-Policy", "").lower() in (
        "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"), dict(h)
    xfo = h.get("X-Frame-Options", "").upper()
    assert xfo == "DENY" or re.search(r"frame-ancestors\s+'none'", csp), (
        f"neither X-Frame-Options DENY nor frame-ancestors 'none': {dict(h)}")
    assert h.get("X-Request-Id"), f"{method} {path}: no X-Request-Id"


def test_request_id_generated_unique(anon):
    ids = {anon.get("/healthz").headers.get("X-Request-Id") for _ in range(5)}
    assert None not in ids
    assert len(ids) == 5, f"request ids repeat: {ids}"
    for i in ids:
        assert 8 <= len(i) <= 128 and re.fullmatch(r"[A-Za-z0-9._:-]+", i), i


def test_request_id_echoed_when_sane(anon):
    rid = "test-" + uuid.uuid4().hex
    r = anon.get("/api/v1/meta", headers={"X-Request-Id": rid})
    assert r.headers.get("X-Request-Id") == rid
    r = anon.get("/api/v1/no-such-route", headers={"X-Request-Id": rid})
    assert r.headers.get("X-Request-Id") == rid


@pytest.mark.parametrize("bad", ["<script>alert(1)</script>", "a" * 1000, "x y z", "id\twith\ttabs", "'; DROP TABLE x"])
def test_request_id_not_echoed_when_insane(anon, bad):
    r = anon.get("/healthz", headers={"X-Request-Id": bad})
    assert r.status_code == 200
    got = r.headers.get("X-Request-Id")
    assert got and got != bad, f"unsafe request id echoed: {got!r}"


# ---------------------------------------------------------------- metrics

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(,\s*[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*,?)?\})?\s+(-?[0-9.eE+-]+|NaN|[+-]Inf)(\s+-?\d+)?$')


def parse_metrics(text):
    samples = []
    types = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$", line)
            assert m, f"bad comment line in /metrics: {line!r}"
            if m.group(1) == "TYPE":
                assert m.group(3) in ("counter", "gauge", "histogram", "summary", "untyped"), line
                types[m.group(2)] = m.group(3)
            continue
        m = SAMPLE.match(line)
        assert m, f"line is not Prometheus text format: {line!r}"
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        samples.append((m.group(1), labels, float(m.group(5))))
    return samples, types


def metric_sum(samples, name, **labels):
    return sum(v for n, lab, v in samples if n == name and all(lab.get(k) == x for k, x in labels.items()))


def test_metrics_format(anon):
    anon.get("/healthz")
    anon.get("/api/v1/matters?page_size=1")
    r = anon.get("/metrics")
    assert r.status_code == 200
    ct = r.headers.get("Content-Type", "")
    assert ct.startswith("text/plain"), ct
    samples, types = parse_metrics(r.text)
    names = {n for n, _, _ in samples}
    for need in ("tongban_http_requests_total", "tongban_cases_submitted_total", "tongban_build_info",
                 "tongban_http_request_duration_seconds_bucket", "tongban_http_request_duration_seconds_sum",
                 "tongban_http_request_duration_seconds_count"):
        assert need in names, f"/metrics lacks {need}"
    assert types.get("tongban_http_requests_total") == "counter"
    assert types.get("tongban_http_request_duration_seconds") == "histogram"
    reqs = [lab for n, lab, _ in samples if n == "tongban_http_requests_total"]
    assert all("route" in lab and "status" in lab for lab in reqs), reqs[:5]
    # route labels are templates, not raw paths with ids (bounded cardinality)
    assert not any("NO_SUCH" in lab["route"] for lab in reqs)
    # histogram: per series, buckets non-decreasing, +Inf bucket == count
    buckets = {}
    for n, lab, v in samples:
        if n == "tongban_http_request_duration_seconds_bucket":
            key = tuple(sorted((k, x) for k, x in lab.items() if k != "le"))
            buckets.setdefault(key, []).append((float(lab["le"].replace("+Inf", "inf")), v))
    assert buckets, "histogram has no buckets"
    for key, bs in buckets.items():
        bs.sort()
        assert bs[-1][0] == float("inf"), f"no +Inf bucket for {key}"
        vals = [v for _, v in bs]
        assert vals == sorted(vals), f"buckets decrease for {key}: {bs}"
        count = metric_sum(samples, "tongban_http_request_duration_seconds_count", **dict(key))
        assert count == bs[-1][1], f"+Inf bucket {bs[-1][1]} != _count {count} for {key}"


def test_metrics_families_contiguous(anon):
    """Text format 0.0.4: all lines of one metric family form one group."""
    anon.get("/healthz")
    anon.get("/api/v1/meta")
    text = anon.get("/metrics").text
    seen, current = set(), None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("# "):
            name = line.split()[2]
        else:
            name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
            name = re.sub(r"_(bucket|sum|count)$", "", name)
        if name != current:
            assert name not in seen, f"metric family {name} is split into several groups"
            seen.add(name)
            current = name


def test_metrics_count_requests(anon):
    def healthz_count():
        s, _ = parse_metrics(anon.get("/metrics").text)
        return sum(v for n, lab, v in s if n == "tongban_http_requests_total" and lab.get("status") in ("200", "2xx")
                   and "healthz" in lab.get("route", ""))
    before = healthz_count()
    for _ in range(7):
        anon.get("/healthz")
    after = healthz_count()
    assert after - before >= 7, f"healthz counter went {before} -> {after}"


# ---------------------------------------------------------------- 404 / 405


@pytest.mark.parametrize("path", ["/api/v1/no-such-route", "/api/v1/matters/x/y/z/w", "/api/v2/matters",
                                  "/api/nothing", "/api/v1/"])
def test_unknown_api_path_is_json_404(anon, path):
    r = anon.get(path)
    assert r.status_code == 404, f"{path}: {r.status_code}"
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers.get("Content-Type")
    check_error_shape(r.json(), 404, path)
    assert "<html" not in r.text.lower()


@pytest.mark.parametrize("method,path", [
    ("DELETE", "/healthz"), ("POST", "/healthz"), ("POST", "/readyz"), ("PUT", "/metrics"),
    ("DELETE", "/api/v1/matters"), ("POST", "/api/v1/matters"), ("PUT", "/api/v1/meta"),
    ("GET", "/api/v1/auth/login"), ("GET", "/api/v1/auth/register"), ("GET", "/api/v1/progress"),
    ("DELETE", "/api/v1/cases"), ("PATCH", "/api/v1/uploads"), ("GET", "/api/v1/staff/auth/login"),
])
def test_wrong_method_is_405(anon, method, path):
    r = anon.request(method, path, data=b"{}" if method != "GET" else None,
                     headers={"Content-Type": "application/json"} if method != "GET" else None)
    expect_error(r, 405, "METHOD_NOT_ALLOWED")
    allow = r.headers.get("Allow")
    assert allow, "405 without an Allow header"
    assert method not in [a.strip() for a in allow.split(",")], allow


# ---------------------------------------------------------------- static files

# the citizen portal is built into web/dist/portal (the work portal into web/dist/work)
PORTAL = os.path.join(WEB_ROOT, "portal") if os.path.isdir(os.path.join(WEB_ROOT, "portal")) else WEB_ROOT
have_web = os.path.isfile(os.path.join(PORTAL, "index.html"))
needs_web = pytest.mark.skipif(not have_web, reason="web/dist/portal/index.html not built")


@needs_web
def test_static_index(anon):
    r = anon.get("/")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    with open(os.path.join(PORTAL, "index.html"), "rb") as f:
        assert r.content == f.read()
    cc = r.headers.get("Cache-Control", "")
    assert "no-cache" in cc or "no-store" in cc or "max-age=0" in cc, f"index.html must revalidate, got {cc!r}"


@needs_web
@pytest.mark.parametrize("path", ["/matters/11230000", "/progress", "/my/cases", "/deep/ly/nested/route"])
def test_spa_fallback(anon, path):
    r = anon.get(path)
    assert r.status_code == 200, f"{path}: {r.status_code}"
    assert r.headers["Content-Type"].startswith("text/html")
    with open(os.path.join(PORTAL, "index.html"), "rb") as f:
        assert r.content == f.read()


@needs_web
def test_static_asset_cache_headers(anon):
    assets = []
    for root, _, files in os.walk(os.path.join(PORTAL, "assets")):
        for f in files:
            if f.endswith((".js", ".css")):
                assets.append(os.path.relpath(os.path.join(root, f), PORTAL))
    if not assets:
        pytest.skip("no built assets")
    rel = assets[0]
    r = anon.get("/" + rel)
    assert r.status_code == 200
    with open(os.path.join(PORTAL, rel), "rb") as f:
        assert r.content == f.read()
    assert "max-age" in r.headers.get("Cache-Control", ""), r.headers
    want = "javascript" if rel.endswith(".js") else "text/css"
    assert want in r.headers.get("Content-Type", ""), r.headers.get("Content-Type")


@needs_web
@pytest.mark.parametrize("path", ["/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2f..%2fetc/passwd"])
def test_static_no_traversal(server, path):
    # raw request so that the client library does not normalise the path
    import socket
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    assert b"root:x:0:0" not in data
    status = int(data.split(b" ", 2)[1])
    assert status < 500


# ---------------------------------------------------------------- timeouts (keep last)


def test_idle_timeout_and_lock_expiry(timed_probe):
    """Second server: session_idle_minutes = 1, login_lock_minutes = 1."""
    import time
    p = timed_probe
    assert p.lock_answers[:4] == [401] * 4 and p.locked_answer == 429, (p.lock_answers, p.locked_answer)
    wait = p.t0 + 65 - time.time()
    if wait > 0:
        time.sleep(wait)
    stale = Client(p.server.base)
    stale.s.cookies.set("tb_sid", p.idle_cookie, domain="127.0.0.1", path="/")
    expect_error(stale.get("/api/v1/me"), 401, "UNAUTHENTICATED")
    # control: a fresh login on the same server works, so the 401 is the timeout
    fresh = Client(p.server.base)
    r = fresh.post("/api/v1/auth/login", json={"account": p.idle.id_number, "password": p.idle.password})
    assert r.status_code == 200, r.text
    assert fresh.get("/api/v1/me").status_code == 200
    # the lock has expired
    r = Client(p.server.base).post("/api/v1/auth/login", json={"account": p.locked.id_number,
                                                               "password": p.locked.password})
    assert r.status_code == 200, f"still locked after login_lock_minutes: {r.text}"
