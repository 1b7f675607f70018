"""Tongban API test harness.

Starts one real `tongban serve` per test session against a fresh data
directory and database, and gives tests small helpers to act as citizens
and staff.

    /usr/bin/python3 -m pytest tests/api                   # SQLite
    TB_TEST_PG=postgres://postgres@127.0.0.1:55432/tongban_test \
        /usr/bin/python3 -m pytest tests/api               # PostgreSQL
    TB_BIN=/path/to/tongban ...                            # another binary

With TB_TEST_PG the schema `public` of that database is dropped and
recreated before the server starts (use a throwaway database, e.g. from
`scripts/pg.sh start DIR PORT`).

Every client made here checks two invariants on every response:
- an error body has the contract shape and its code/status pair matches
  src/core/errors.def;
- no password hash ever appears in a response.
Each client binds its own loopback source address (127.x.y.z), so per-client
limits (progress query rate limit, login lockout by address) of one test do
not leak into another.
"""

import datetime
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import threading
import time

import pytest
import requests
from requests.adapters import HTTPAdapter

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TB_BIN = os.environ.get("TB_BIN") or os.path.join(REPO, "build", "tongban")
TB_TEST_PG = os.environ.get("TB_TEST_PG", "").strip()
WEB_ROOT = os.path.join(REPO, "web", "dist")
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "Adm1n!" + "".join(random.choice(string.ascii_letters) for _ in range(10))
CLERK_LOGIN = "clerk"
CLERK_PASSWORD = "Cl3rk!" + "".join(random.choice(string.ascii_letters) for _ in range(10))
TZ8 = datetime.timezone(datetime.timedelta(hours=8))
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+08:00$")

# ---------------------------------------------------------------- error registry


def load_error_registry():
    reg = {}
    with open(os.path.join(REPO, "src", "core", "errors.def"), encoding="utf-8") as f:
        for m in re.finditer(r'^X\(\s*([A-Z_]+)\s*,\s*(\d{3})\s*,', f.read(), re.M):
            reg[m.group(1)] = int(m.group(2))
    assert reg, "no codes parsed from src/core/errors.def"
    return reg


ERRORS = load_error_registry()


class ContractViolation(AssertionError):
    pass


def check_response_invariants(r):
    """Invariants every response must satisfy; raise on violation."""
    body = r.content or b""
    low = body.lower()
    for needle in (b"$argon2", b"password_hash", b"passwd_hash", b"pwd_hash"):
        if needle in low:
            raise ContractViolation(f"{r.request.method} {r.request.url}: response contains {needle!r}")
    if r.status_code >= 500:
        # 5xx answers are allowed only for readiness (503); never a stack trace
        for needle in (b"Traceback", b"at 0x", b"segfault", b".c:"):
            if needle in body:
                raise ContractViolation(f"{r.request.method} {r.request.url}: 5xx body leaks internals: {body[:300]!r}")
    ctype = r.headers.get("Content-Type", "")
    if r.status_code >= 400 and "json" in ctype:
        try:
            doc = r.json()
        except ValueError:
            raise ContractViolation(f"{r.request.method} {r.request.url}: error body is not JSON: {body[:300]!r}")
        check_error_shape(doc, r.status_code, f"{r.request.method} {r.request.url}")


def check_error_shape(doc, status, where=""):
    if not isinstance(doc, dict) or not isinstance(doc.get("error"), dict):
        raise ContractViolation(f"{where}: {status} body lacks {{'error':{{...}}}}: {str(doc)[:300]}")
    err = doc["error"]
    code, msg = err.get("code"), err.get("message")
    if not isinstance(code, str) or not isinstance(msg, str) or not msg:
        raise ContractViolation(f"{where}: error without string code/message: {err}")
    if code not in ERRORS:
        raise ContractViolation(f"{where}: error code {code!r} is not in src/core/errors.def")
    if ERRORS[code] != status:
        raise ContractViolation(f"{where}: code {code} has status {ERRORS[code]} in errors.def but HTTP {status}")
    if "field" in err and err["field"] is not None and not isinstance(err["field"], str):
        raise ContractViolation(f"{where}: error.field not a string: {err}")
    if "details" in err:
        if code != "FORM_INVALID" and err["details"]:
            raise ContractViolation(f"{where}: details on a non-FORM_INVALID error: {err}")
        if not isinstance(err["details"], list):
            raise ContractViolation(f"{where}: details not a list: {err}")
        for d in err["details"]:
            if not (isinstance(d, dict) and isinstance(d.get("field"), str) and isinstance(d.get("message"), str)):
                raise ContractViolation(f"{where}: bad details item: {d}")


# ---------------------------------------------------------------- HTTP client


class SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source_ip, **kw):
        self._source = (source_ip, 0)
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        kw["source_address"] = self._source
        super().init_poolmanager(*args, **kw)


_ip_counter = itertools.count(1)
_ip_lock = threading.Lock()


def next_source_ip():
    """A fresh loopback source address (127.1.0.1, 127.1.0.2, ...)."""
    with _ip_lock:
        n = next(_ip_counter)
    return f"127.{1 + n // 65025}.{(n // 255) % 255}.{1 + n % 254}"


class Client:
    """A browser-like client: one requests.Session (cookies), the CSRF token it
    was given, a fixed loopback source address. Writes carry X-CSRF-Token
    unless csrf=False."""

    WRITE = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, base, source_ip=None):
        self.base = base
        self.source_ip = source_ip or next_source_ip()
        self.s = requests.Session()
        adapter = SourceAddressAdapter(self.source_ip, pool_connections=4, pool_maxsize=8)
        self.s.mount("http://", adapter)
        self.csrf = None
        self.user = None
        self.last = None

    def request(self, method, path, csrf=True, headers=None, timeout=30, check=True, **kw):
        h = dict(headers or {})
        if csrf and self.csrf and method.upper() in self.WRITE and "X-CSRF-Token" not in h:
            h["X-CSRF-Token"] = self.csrf
        url = path if path.startswith("http") else self.base + path
        r = self.s.request(method, url, headers=h, timeout=timeout, allow_redirects=False, **kw)
        self.last = r
        if check:
            check_response_invariants(r)
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def cookie(self, name):
        for c in self.s.cookies:
            if c.name == name:
                return c.value
        return None

    def clone(self):
        """Same cookies and CSRF token, own connection pool and source address
        (for threads)."""
        c = Client(self.base, self.source_ip)
        for ck in self.s.cookies:
            c.s.cookies.set_cookie(ck)
        c.csrf = self.csrf
        c.user = self.user
        return c


def err(r):
    """The error object of a response (asserts the shape)."""
    try:
        doc = r.json()
    except ValueError:
        raise AssertionError(f"expected a JSON error body, got {r.status_code} {r.headers.get('Content-Type')}: {r.text[:300]!r}")
    assert isinstance(doc, dict) and isinstance(doc.get("error"), dict), f"no error object: {doc}"
    return doc["error"]


def expect_error(r, status, code, field=None):
    """Assert an error answer with this status and code (and field if given)."""
    assert r.status_code == status, (
        f"{r.request.method} {r.request.path_url}: expected {status} {code}, got {r.status_code}: {r.text[:400]}")
    e = err(r)
    assert e.get("code") == code, f"expected code {code}, got {e}"
    if field is not None:
        assert e.get("field") == field, f"expected field {field!r}, got {e}"
    return e


# ---------------------------------------------------------------- generators

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def id_check_digit(first17):
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def make_id_number(region="230102", birth=None, seq=None):
    if birth is None:
        d = datetime.date(1960, 1, 1) + datetime.timedelta(days=random.randrange(0, 40 * 365))
        birth = d.strftime("%Y%m%d")
    if seq is None:
        seq = random.randrange(0, 1000)
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + id_check_digit(first17)


def uscc_check(first17):
    s = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARS[(31 - s % 31) % 31]


def org_code_check(first8):
    w = [3, 7, 9, 10, 5, 8, 4, 2]
    vals = [int(c) if c.isdigit() else ord(c) - 55 for c in first8]
    v = 11 - sum(a * b for a, b in zip(vals, w)) % 11
    return {10: "X", 11: "0"}.get(v, str(v))


def make_uscc(region="230102"):
    org8 = "".join(random.choice("0123456789") for _ in range(8))
    first17 = "91" + region + org8 + org_code_check(org8)
    return first17 + uscc_check(first17)


_used = set()
_used_lock = threading.Lock()


def _unique(gen):
    with _used_lock:
        while True:
            v = gen()
            if v not in _used:
                _used.add(v)
                return v


def new_id_number():
    return _unique(make_id_number)


def new_phone():
    return _unique(lambda: random.choice(["139", "138", "150", "186", "177", "199"]) +
                   "".join(random.choice(string.digits) for _ in range(8)))


def new_uscc():
    return _unique(make_uscc)


SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def new_name():
    return random.choice(SURNAMES) + "".join(random.choice(GIVEN) for _ in range(random.choice([1, 2])))


def new_password():
    return "Tb#" + "".join(random.choice(string.ascii_letters) for _ in range(6)) + str(random.randrange(10, 99))


def today8():
    return datetime.datetime.now(TZ8).strftime("%Y%m%d")


# tiny but real files (type by content)
PDF_BYTES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
             b"trailer<</Root 1 0 R>>\n%%EOF\n")
def _png_1x1():
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00\xff")) + chunk(b"IEND", b""))


PNG_BYTES = _png_1x1()
JPEG_BYTES = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432"
    "ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0b"
    "ffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa"
    "ffda0008010100003f00d2cf20ffd9")


# ---------------------------------------------------------------- the server


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql_bin():
    for p in ("/usr/lib/postgresql/15/bin/psql", shutil.which("psql") or ""):
        if p and os.path.exists(p):
            return p
    raise RuntimeError("psql not found (needed to reset the TB_TEST_PG database)")


# ---------------------------------------------------------------- staff second factor (RFC 6238)

STAFF_TOTP = {}      # (base, login) -> base32 TOTP secret printed by `tongban user add`
_TOTP_USED = {}      # (base, login) -> last time step used (the server refuses replays)
_TOTP_LOCK = threading.Lock()


def parse_totp_secret(text):
    m = re.search(r"otpauth://totp/\S*?[?&]secret=([A-Z2-7]+)", text)
    if m:
        return m.group(1)
    m = re.search(r"((?:[A-Z2-7]{4} ){3,}[A-Z2-7]{2,4})", text)
    return m.group(1).replace(" ", "") if m else None


def totp_code(secret, step):
    import base64
    import hashlib
    import hmac
    import struct
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    h = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    o = h[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def spent_totp(base, login, step):
    """Record that a time step of this account was used (outside next_totp)."""
    with _TOTP_LOCK:
        key = (base, login)
        _TOTP_USED[key] = max(_TOTP_USED.get(key, -1), step)


def next_totp(base, login):
    """A TOTP code for a time step this account has not used yet: the current
    step, else the next one (the server accepts +-1 step), else wait."""
    key = (base, login)
    secret = STAFF_TOTP[key]
    while True:
        with _TOTP_LOCK:
            now = int(time.time()) // 30
            step = max(now, _TOTP_USED.get(key, -1) + 1)
            if step <= now + 1 and not (step == now + 1 and time.time() % 30 < 3):
                _TOTP_USED[key] = step
                return totp_code(secret, step)
        time.sleep(max(0.5, (step - 1) * 30 - time.time() + 3.5))


def _sql_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, float)):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


def _sql_inline(statement, params):
    """`?` placeholders (outside quoted strings) replaced by SQL literals, for psql."""
    out, it, quote = [], iter(params), None
    for ch in statement:
        if quote:
            quote = None if ch == quote else quote
            out.append(ch)
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            try:
                out.append(_sql_literal(next(it)))
            except StopIteration:
                raise ValueError(f"too few parameters for {statement!r}")
        else:
            out.append(ch)
    if next(it, _sql_inline) is not _sql_inline:
        raise ValueError(f"too many parameters for {statement!r}")
    return "".join(out)


def pg_scratch_database(name):
    """The URL of a database `name` in the TB_TEST_PG cluster, created empty
    (dropped first if it exists): for a second server in the same test run."""
    assert TB_TEST_PG, "pg_scratch_database needs TB_TEST_PG"
    assert re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", name), name
    m = re.match(r"^(postgres(?:ql)?://[^/]+)/([^?]*)(\?.*)?$", TB_TEST_PG)
    assert m, f"cannot parse TB_TEST_PG {TB_TEST_PG!r}"
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        p = subprocess.run([psql_bin(), "-X", "-q", "-v", "ON_ERROR_STOP=1", TB_TEST_PG, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"{sql}: {p.stderr}")
    return f"{m.group(1)}/{name}{m.group(3) or ''}"


def regions_file():
    for p in (os.path.join(os.path.dirname(os.path.abspath(TB_BIN)), "regions.json"),
              os.path.join(REPO, "build", "regions.json")):
        if os.path.exists(p):
            return p
    return os.path.join(REPO, "build", "regions.json")


class Server:
    """One tongban instance. database: None = TB_TEST_PG or <tmp>/api.db;
    extra_env: more TONGBAN_* settings (e.g. for a configuration test)."""

    def __init__(self, tmp, database=None, extra_env=None):
        self.tmp = tmp
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data_dir = os.path.join(tmp, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.database = database or TB_TEST_PG or os.path.join(tmp, "api.db")
        self.engine = "postgres" if self.database.startswith(("postgres://", "postgresql://")) else "sqlite"
        self.stdout_path = os.path.join(tmp, "server.stdout")
        self.stderr_path = os.path.join(tmp, "server.stderr")
        self.proc = None
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("TONGBAN_"):
                del self.env[k]
        self.env.update({
            "TONGBAN_LISTEN": f"127.0.0.1:{self.port}",
            "TONGBAN_DATA_DIR": self.data_dir,
            "TONGBAN_WEB_ROOT": WEB_ROOT,
            "TONGBAN_DATABASE": self.database,
            "TONGBAN_SMS_PROVIDER": "sandbox",
            # relative defaults (seed/, build/regions.json) assume the repo as cwd
            "TONGBAN_SEED_DIR": os.path.join(REPO, "seed"),
            "TONGBAN_REGIONS_FILE": regions_file(),
        })
        self.env.update(extra_env or {})

    def run_cli(self, *args, stdin=None, timeout=120):
        p = subprocess.run([TB_BIN, *args], env=self.env, cwd=self.tmp, input=stdin,
                           capture_output=True, text=True, timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError(f"`tongban {' '.join(args)}` exited {p.returncode}\n"
                               f"stdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}")
        return p

    def add_staff(self, login, name, role, department=None, password=None):
        """`tongban user add` with a password on stdin; remembers the TOTP secret
        it prints (STAFF_TOTP) and returns the password."""
        password = password or new_password()
        args = ["user", "add", "--login", login, "--name", name, "--role", role]
        if department:
            args += ["--department", department]
        p = self.run_cli(*args, "--password-stdin", stdin=password + "\n")
        secret = parse_totp_secret(p.stdout + p.stderr)
        if secret:
            STAFF_TOTP[(self.base, login)] = secret
        return password

    def reset_pg(self):
        sql = "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"
        p = subprocess.run([psql_bin(), "-X", "-q", "-v", "ON_ERROR_STOP=1", self.database, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"could not reset {self.database}: {p.stderr}")

    def start(self):
        if not os.access(TB_BIN, os.X_OK):
            raise RuntimeError(f"server binary {TB_BIN} not found or not executable "
                               f"(build it with `make build`, or set TB_BIN)")
        if self.engine == "postgres":
            self.reset_pg()
        self.run_cli("migrate")
        self.run_cli("seed")
        self.add_staff(ADMIN_LOGIN, "管理员", "admin", password=ADMIN_PASSWORD)
        self.add_staff(CLERK_LOGIN, "办事员", "staff", password=CLERK_PASSWORD)
        self.proc = subprocess.Popen([TB_BIN, "serve"], env=self.env, cwd=self.tmp,
                                     stdout=open(self.stdout_path, "wb"), stderr=open(self.stderr_path, "wb"),
                                     start_new_session=True)
        deadline = time.time() + 60
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tongban serve exited with {self.proc.returncode}\n{self.tail()}")
            try:
                r = requests.get(self.base + "/readyz", timeout=2)
                if r.status_code == 200:
                    return
                last = f"{r.status_code} {r.text[:200]}"
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after 60 s (last: {last})\n{self.tail()}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def tail(self, n=60):
        out = []
        for label, path in (("stderr", self.stderr_path), ("stdout", self.stdout_path)):
            try:
                with open(path, "rb") as f:
                    f.seek(0, 2)
                    f.seek(max(0, f.tell() - 16384))
                    lines = f.read().decode("utf-8", "replace").splitlines()[-n:]
                out.append(f"--- server {label} (last {len(lines)} lines) ---\n" + "\n".join(lines))
            except OSError:
                pass
        return "\n".join(out)

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def pid(self):
        return self.proc.pid

    def sql(self, statement, params=()):
        """Run one SQL statement on this server's database, outside the server
        (e.g. to move a row in time). Placeholders are `?` on both engines.
        Returns the rows as tuples: SQLite values as stored; PostgreSQL values
        as text, integers as int, NULL as None."""
        if self.engine == "sqlite":
            import sqlite3
            db = sqlite3.connect(self.database, timeout=30)
            try:
                rows = [tuple(row) for row in db.execute(statement, tuple(params))]
                db.commit()
                return rows
            finally:
                db.close()
        text = _sql_inline(statement, params)
        p = subprocess.run([psql_bin(), "-X", "-q", "-At", "-F", "\x1f", "-P", "null=\x1e", "-v", "ON_ERROR_STOP=1",
                            self.database, "-c", text], capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"psql failed on {text!r}: {p.stderr}")
        rows = []
        lines = p.stdout.split("\n")  # not splitlines(): it breaks at the NULL marker \x1e too
        if lines and lines[-1] == "":
            lines.pop()
        for line in lines:
            vals = []
            for v in line.split("\x1f"):
                vals.append(None if v == "\x1e" else int(v) if re.fullmatch(r"-?\d{1,18}", v) else v)
            rows.append(tuple(vals))
        return rows


_SERVER = None


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    global _SERVER
    tmp = str(tmp_path_factory.mktemp("tongban"))
    srv = Server(tmp)
    _SERVER = srv
    try:
        srv.start()
    except Exception as e:  # print the tail and abort the whole session
        srv.stop()
        pytest.exit(f"could not start the server: {e}", returncode=3)
    yield srv
    srv.stop()
    rc = srv.proc.returncode
    if rc not in (0, -signal.SIGTERM):
        sys.stderr.write(f"\nwarning: tongban serve exited with {rc} on SIGTERM\n{srv.tail(30)}\n")


@pytest.fixture(autouse=True)
def _server_still_alive(request):
    yield
    if _SERVER is not None and _SERVER.proc is not None and "server" in request.fixturenames:
        if not _SERVER.alive():
            pytest.fail(f"the server died during this test (exit {_SERVER.proc.returncode})\n{_SERVER.tail()}",
                        pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and _SERVER is not None:
        rep.sections.append(("tongban server log tail", _SERVER.tail(12)))


def pytest_report_header(config):
    return [f"tongban binary: {TB_BIN}", f"database: {'PostgreSQL ' + TB_TEST_PG if TB_TEST_PG else 'SQLite (temp file)'}"]


# ---------------------------------------------------------------- actors


@pytest.fixture(scope="session")
def base(server):
    return server.base


@pytest.fixture
def anon(server):
    """A fresh client without any session."""
    return Client(server.base)


def new_client(server_or_base):
    b = server_or_base if isinstance(server_or_base, str) else server_or_base.base
    return Client(b)


def sms_outbox(base, phone):
    r = requests.get(base + "/api/v1/sandbox/sms-outbox", params={"phone": phone}, timeout=10)
    assert r.status_code == 200, f"sandbox outbox: {r.status_code} {r.text[:300]}"
    items = r.json()["items"]
    for it in items:
        assert it.get("phone") == phone, f"outbox for {phone} returned a message to {it.get('phone')}"
    return items


def latest_code(base, phone, purpose=None):
    items = [it for it in sms_outbox(base, phone) if purpose is None or it.get("purpose") == purpose]
    assert items, f"no SMS{' for ' + purpose if purpose else ''} to {phone} in the sandbox outbox"
    it = max(items, key=lambda i: i.get("id", 0))
    m = re.search(r"(?<!\d)(\d{6})(?!\d)", it["text"])
    assert m, f"no 6-digit code in SMS text {it['text']!r}"
    return m.group(1)


def request_code(client, phone, purpose="register"):
    r = client.post("/api/v1/auth/sms-code", json={"phone": phone, "purpose": purpose})
    assert r.status_code == 200, f"sms-code {phone}/{purpose}: {r.status_code} {r.text[:300]}"
    return latest_code(client.base, phone, purpose)


class Citizen:
    def __init__(self, base, kind="person"):
        self.base = base
        self.kind = kind
        self.client = Client(base)
        self.phone = new_phone()
        self.password = new_password()
        self.name = new_name()
        if kind == "person":
            self.id_number = new_id_number()
            self.uscc = None
            self.account = self.id_number
        else:
            self.id_number = None
            self.uscc = new_uscc()
            self.org_name = "哈尔滨" + random.choice(["龙江", "松北", "冰城", "北方"]) + "".join(random.choice(GIVEN) for _ in range(2)) + "有限公司"
            self.account = self.uscc
        self.user = None

    def register_body(self, code):
        if self.kind == "person":
            return {"type": "person", "name": self.name, "id_number": self.id_number, "phone": self.phone,
                    "sms_code": code, "password": self.password}
        return {"type": "legal", "org_name": self.org_name, "uscc": self.uscc, "legal_rep": self.name,
                "contact_name": self.name, "phone": self.phone, "sms_code": code, "password": self.password}

    def register(self):
        code = request_code(self.client, self.phone, "register")
        r = self.client.post("/api/v1/auth/register", json=self.register_body(code))
        assert r.status_code == 201, f"register: {r.status_code} {r.text[:400]}"
        self.user = r.json()["user"]
        return r

    def login(self, account=None, password=None):
        r = self.client.post("/api/v1/auth/login",
                             json={"account": account or self.account, "password": password or self.password})
        assert r.status_code == 200, f"login: {r.status_code} {r.text[:400]}"
        doc = r.json()
        assert isinstance(doc.get("csrf_token"), str) and len(doc["csrf_token"]) >= 16, doc
        self.client.csrf = doc["csrf_token"]
        self.client.user = doc["user"]
        return r

    # shortcuts
    def get(self, *a, **kw):
        return self.client.get(*a, **kw)

    def post(self, *a, **kw):
        return self.client.post(*a, **kw)

    def upload(self, content=PDF_BYTES, filename="材料.pdf", ctype="application/pdf"):
        r = self.client.post("/api/v1/uploads", files={"file": (filename, content, ctype)})
        assert r.status_code == 201, f"upload: {r.status_code} {r.text[:300]}"
        return r.json()


def make_citizen(base, kind="person", login=True):
    c = Citizen(base, kind)
    c.register()
    if login:
        c.login()
    return c


@pytest.fixture
def citizen_factory(server):
    def f(kind="person", login=True):
        return make_citizen(server.base, kind, login)
    return f


AGED_POOL = []
SMS_RESEND_SECONDS = 61


@pytest.fixture(scope="session", autouse=True)
def _aged_pool(server):
    """Citizens registered at session start. Tests that need a new SMS code for
    an already registered phone use one of them, waiting out what remains of
    the 60 s resend limit (usually little by the time they run)."""
    for _ in range(4):
        c = make_citizen(server.base, login=False)
        c.sms_at = time.time()
        AGED_POOL.append(c)


class TimedProbe:
    """A second server (SQLite) started at session start with a 1-minute idle
    timeout and a 1-minute login lock, so that test_service (the last module)
    can check that both expire without making the suite wait a minute."""

    def __init__(self, tmp):
        self.server = Server(tmp, database=os.path.join(tmp, "timed.db"),
                             extra_env={"TONGBAN_SESSION_IDLE_MINUTES": "1", "TONGBAN_LOGIN_LOCK_MINUTES": "1"})
        self.server.start()
        base = self.server.base
        self.idle = make_citizen(base)                  # logged in, then left idle
        self.idle_cookie = self.idle.client.cookie("tb_sid")
        self.locked = make_citizen(base, login=False)   # locked by five failures
        self.lock_answers = []
        for _ in range(6):
            r = Client(base).post("/api/v1/auth/login", json={"account": self.locked.id_number,
                                                               "password": "Wrong#Pass1"})
            self.lock_answers.append(r.status_code)
        r = Client(base).post("/api/v1/auth/login", json={"account": self.locked.id_number,
                                                           "password": self.locked.password})
        self.locked_answer = r.status_code
        self.t0 = time.time()


TIMED = []


@pytest.fixture(scope="session", autouse=True)
def _timed_probe(server, tmp_path_factory):
    probe = TimedProbe(str(tmp_path_factory.mktemp("timed")))
    TIMED.append(probe)
    yield probe
    probe.server.stop()


@pytest.fixture
def timed_probe(_timed_probe):
    return _timed_probe


@pytest.fixture
def aged_citizen(server):
    """A registered, logged-in citizen whose phone may receive a new code now."""
    assert AGED_POOL, "aged citizen pool exhausted; enlarge it in _aged_pool"
    c = AGED_POOL.pop(0)
    wait = c.sms_at + SMS_RESEND_SECONDS - time.time()
    if wait > 0:
        time.sleep(wait)
    c.login()
    return c


@pytest.fixture
def citizen(citizen_factory):
    """A freshly registered, logged-in natural person."""
    return citizen_factory()


def staff_login(base, login=ADMIN_LOGIN, password=ADMIN_PASSWORD):
    """Password, then (when asked for) the TOTP second factor. Returns a
    Client with the staff session, its CSRF token and .user = Staff."""
    c = Client(base)
    r = c.post("/api/v1/staff/auth/login", json={"login": login, "password": password})
    assert r.status_code == 200, f"staff login {login}: {r.status_code} {r.text[:300]}"
    doc = r.json()
    if doc.get("mfa_required"):
        assert (base, login) in STAFF_TOTP, f"no TOTP secret known for {login}"
        r = c.post("/api/v1/staff/auth/mfa", json={"mfa_token": doc["mfa_token"], "method": "totp",
                                                   "code": next_totp(base, login)})
        assert r.status_code == 200, f"staff second factor {login}: {r.status_code} {r.text[:300]}"
        doc = r.json()
    c.csrf = doc["csrf_token"]
    c.user = doc["staff"]
    return c


_STAFF_SESSIONS = {}


def staff_session(base, login=ADMIN_LOGIN, password=ADMIN_PASSWORD):
    """A cached signed-in staff client (re-signed in when its session ended), so
    that tests do not spend a TOTP time step each."""
    c = _STAFF_SESSIONS.get((base, login))
    if c is None or c.get("/api/v1/staff/me").status_code != 200:
        c = staff_login(base, login, password)
        _STAFF_SESSIONS[(base, login)] = c
    return c


@pytest.fixture
def admin(server):
    return staff_session(server.base)


@pytest.fixture
def clerk(server):
    return staff_session(server.base, CLERK_LOGIN, CLERK_PASSWORD)


def new_staff(server, role="staff", department=None, prefix="t"):
    """A fresh staff account (login, password) for tests that sign in and out."""
    login = f"{prefix}{next(_staff_counter)}_{random.randrange(10**6)}"
    return login, server.add_staff(login, new_name(), role, department)


_staff_counter = itertools.count(1)


# ---------------------------------------------------------------- catalog helpers


def all_matters(base):
    items, page = [], 1
    while True:
        r = requests.get(base + "/api/v1/matters", params={"page": page, "page_size": 100}, timeout=30)
        assert r.status_code == 200, r.text[:300]
        doc = r.json()
        items += doc["items"]
        if len(items) >= doc["total"] or not doc["items"]:
            return items
        page += 1


_guides = {}


def guide(base, code):
    if code not in _guides:
        r = requests.get(base + "/api/v1/matters/" + code, timeout=30)
        assert r.status_code == 200, f"guide {code}: {r.status_code} {r.text[:300]}"
        _guides[code] = r.json()
    return _guides[code]


def find_matter(base, name, q=None):
    r = requests.get(base + "/api/v1/matters", params={"q": q or name[:2], "page_size": 100}, timeout=30)
    assert r.status_code == 200, r.text[:300]
    for it in r.json()["items"]:
        if it["name"] == name:
            return it
    every = all_matters(base)
    for it in every:
        if it["name"] == name:
            return it
    raise AssertionError(f"matter {name!r} not in the published catalog (q={q or name[:2]!r} gave "
                         f"{[i['name'] for i in r.json()['items']]}; catalog has {len(every)}: "
                         f"{[i['name'] for i in every][:10]}…)")


def region_covers(listed, region):
    """GB/T 2260: 230000 covers 23xxxx, 230100 covers 2301xx, else exact."""
    if listed == region:
        return True
    if listed.endswith("0000"):
        return region.startswith(listed[:2])
    if listed.endswith("00"):
        return region.startswith(listed[:4])
    return False


def covered(regions, region):
    return any(region_covers(x, region) for x in regions)


def pick_region(g, prefer="230102"):
    regs = g.get("regions") or []
    if covered(regs, prefer):
        return prefer
    for rg in regs:
        if rg.endswith("0000"):
            return rg[:2] + "0102"
        if rg.endswith("00"):
            return rg[:4] + "02"
        return rg
    raise AssertionError(f"matter {g['code']} lists no regions")


def _candidates(field, citizen):
    t = field.get("type", "text")
    name = field.get("name", "")
    prefill = field.get("prefill")
    opts = [o["value"] for o in field.get("options") or []]
    cands = []
    if prefill == "user.name" or name in ("applicant_name", "name"):
        cands.append(citizen.name)
    if prefill == "user.id_number" or t == "id_number":
        cands.append(citizen.id_number)
    if prefill == "user.phone" or t == "phone":
        cands.append(citizen.phone)
    if t == "email":
        cands.append("zhangsan@example.com")
    if t in ("select", "radio"):
        cands += opts
    if t == "checkbox":
        cands += [[o] for o in opts] or [True]
    if t == "number":
        lo, hi = field.get("min"), field.get("max")
        v = lo if lo is not None else 1
        if hi is not None and v > hi:
            v = hi
        cands += [v, int((lo or 0) + (hi if hi is not None else 10)) // 2 if lo is not None or hi is not None else 30]
    if t == "date":
        d = datetime.date.today()
        cands += [(d + datetime.timedelta(days=30)).isoformat(), d.isoformat(), "1990-01-01",
                  (d - datetime.timedelta(days=30)).isoformat()]
    mn = field.get("min_length") or 0
    mx = field.get("max_length") or 200
    texts = [citizen.name, "哈尔滨市道里区中央大街1号", "黑龙江省哈尔滨市南岗区学府路52号院3单元501室",
             "因工作需要出国参加学术交流会议", "测试", "13912345678", citizen.phone, "150001", "汉族", "中国",
             "张三丰", "ABC123", "1", "无", "是", "yes"]
    if t in ("text", "textarea"):
        for s in texts:
            if len(s) < mn:
                s = (s * (mn // max(1, len(s)) + 1))[:max(mn, 1)]
            cands.append(s[:mx])
    pat = field.get("pattern")
    if pat:
        try:
            rx = re.compile(pat)
            good = [c for c in cands if isinstance(c, str) and rx.fullmatch(c)]
            cands = good + [c for c in cands if c not in good]
        except re.error:
            pass
    seen, out = set(), []
    for c in cands:
        if c is None:
            continue
        k = json.dumps(c, ensure_ascii=False)
        if k not in seen:
            seen.add(k)
            out.append(c)
    return out or ["测试"]


def validate_form(client, code, form):
    r = client.post(f"/api/v1/matters/{code}/form/validate", json={"form": form})
    assert r.status_code == 200, f"validate: {r.status_code} {r.text[:300]}"
    return r.json()["errors"]


def valid_form(citizen, code):
    """A form the server accepts for this matter (required fields filled with
    plausible values, checked with the validate endpoint)."""
    g = guide(citizen.base, code)
    fields = g["form"]["fields"]
    cands = {f["name"]: _candidates(f, citizen) for f in fields}
    form = {f["name"]: cands[f["name"]][0] for f in fields if f.get("required")}
    tried = {name: 0 for name in cands}
    for _ in range(40):
        errors = validate_form(citizen.client, code, form)
        if not errors:
            return form
        for e in errors:
            n = e.get("field")
            if n not in cands:
                continue
            tried[n] += 1
            if tried[n] < len(cands[n]):
                form[n] = cands[n][tried[n]]
            elif n not in form:
                form[n] = cands[n][0]
        # an optional field's rule may depend on others: also fill those
        for e in errors:
            n = e.get("field")
            if n in cands and n not in form:
                form[n] = cands[n][0]
    raise AssertionError(f"could not build a valid form for {code}; last errors: {errors}; form: {form}")


def case_body(citizen, code, uploads_per_material=None):
    g = guide(citizen.base, code)
    mats = []
    for m in g["materials"]:
        if m.get("required"):
            up = (uploads_per_material or {}).get(m["id"]) or citizen.upload(PDF_BYTES, f"{m['id']}.pdf")
            mats.append({"material_id": m["id"], "upload_id": up["id"]})
    return {"matter_code": code, "region": pick_region(g), "form": valid_form(citizen, code), "materials": mats}


PASSPORT = "普通护照签发"


@pytest.fixture(scope="session")
def passport(server):
    return guide(server.base, find_matter(server.base, PASSPORT, "护照")["code"])


# ---------------------------------------------------------------- staff of a test module, waiting for effects


def signed_in_staff(server, role, department=None, prefix="t"):
    """A new staff account with this role (and department), signed in (password,
    then TOTP); .staff_id is its id. `server` may be a Server of the test's own."""
    login, password = new_staff(server, role, department, prefix=prefix)
    c = staff_login(server.base, login, password)
    me = c.get("/api/v1/staff/me")
    assert me.status_code == 200, me.text
    c.staff_id = me.json().get("id") or me.json().get("staff", {}).get("id")
    assert isinstance(c.staff_id, int), me.text
    return c


def staff_fixture(role, department=None, prefix="t"):
    """A module-scoped fixture giving one signed_in_staff of this role; the name
    it is assigned to is the fixture's name:  officer = staff_fixture("accept_officer", DAOLI)"""
    @pytest.fixture(scope="module")
    def fixture(server):
        return signed_in_staff(server, role, department, prefix)
    return fixture


def poll(fn, timeout=20, interval=0.2):
    """Calls fn until it returns something true or `timeout` seconds have passed;
    returns its last value (for effects of background work: SMS, sweeps)."""
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(interval)
    return fn()


def assert_refuses_to_start(tmp_path, env, needle):
    """`tongban serve` with these TONGBAN_* settings exits non-zero with a Chinese message naming `needle`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
    base.update({"TONGBAN_DATABASE": str(tmp_path / "x.db"), "TONGBAN_DATA_DIR": str(tmp_path / "data"),
                 "TONGBAN_LISTEN": "127.0.0.1:1"}, **env)
    p = subprocess.run([TB_BIN, "serve"], env=base, cwd=str(tmp_path), capture_output=True, text=True, timeout=60)
    assert p.returncode != 0, p.stderr[-500:]
    assert needle in p.stderr and any("\u4e00" <= ch <= "\u9fff" for ch in p.stderr), p.stderr[-500:]
