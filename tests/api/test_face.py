"""Face verification as the second factor (§1-1-3-7-4-12 人脸识别认证): a challenge QR code for the
signed-in citizen, the face-verification service's signed callback (HMAC-SM3), a pass only for the
account holder's own ID number, one use per challenge, expiry, owner-only polling, the sandbox stand-in
for the mobile app, and the configurations that turn it off or require the secret."""

import json
import time

import pytest
import requests

from conftest import (TB_TEST_PG, Client, Server, assert_refuses_to_start, expect_error, make_citizen,
                      pg_scratch_database)
from test_delivery import sm3_sign

SECRET = "face-service-secret-2026"


def challenge(c):
    r = c.post("/api/v1/me/elevate/face")
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["qr"] == "TBFACE1:" + doc["token"] and doc["qr_svg"].startswith("<svg")
    return doc


def status(c, token):
    r = c.get(f"/api/v1/me/elevate/face/{token}")
    assert r.status_code == 200, r.text
    return r.json()


def sandbox(base, token, result):
    return requests.post(f"{base}/api/v1/sandbox/face/{token}", json={"result": result}, timeout=10)


def elevated(c):
    return c.get("/api/v1/me/elevation").json()["elevated"]


def test_sandbox_pass_opens_the_window_of_the_asking_session(server, citizen):
    c = citizen
    meta = requests.get(server.base + "/api/v1/meta", timeout=10).json()
    assert meta["face_verification"] is True and meta["sandbox_face"] is True
    expect_error(c.get("/api/v1/me/addresses"), 403, "ELEVATION_REQUIRED")
    doc = challenge(c)
    assert doc["expires_in"] == 120 and doc["sandbox"] is True
    assert status(c, doc["token"]) == {"status": "pending", "reason": None}
    # another session of the same citizen is not elevated by this challenge
    other_session = Client(server.base)
    other_session.csrf = other_session.post("/api/v1/auth/login", json={"account": c.account,
                                                                          "password": c.password}).json()["csrf_token"]
    r = sandbox(server.base, doc["token"], "pass")
    assert r.status_code == 200 and r.json() == {"status": "passed"}
    st = status(c, doc["token"])
    assert st["status"] == "passed" and st["elevated"] is True and 590 <= st["seconds_left"] <= 600
    assert elevated(c) and c.get("/api/v1/me/addresses").status_code == 200
    assert other_session.get("/api/v1/me/elevation").json()["elevated"] is False
    # one use only
    expect_error(sandbox(server.base, doc["token"], "pass"), 409, "FACE_CHALLENGE_USED", "challenge")
    uid = c.client.user["id"]
    assert server.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'citizen.elevate' AND object = 'face' "
                      "AND actor = ? AND result = 'ok'", (str(uid),))[0][0] == 1
    # only the digest of the token is stored
    assert server.sql("SELECT COUNT(*) FROM face_challenges WHERE token_digest = ?", (doc["token"],))[0][0] == 0


@pytest.mark.parametrize("result,reason", [("mismatch", "人证不符"), ("fail", "活体检测未通过")])
def test_a_failed_comparison_opens_nothing(server, citizen, result, reason):
    doc = challenge(citizen)
    r = sandbox(server.base, doc["token"], result)
    assert r.status_code == 200 and r.json() == {"status": "failed"}
    assert status(citizen, doc["token"]) == {"status": "failed", "reason": reason}
    assert not elevated(citizen)
    expect_error(sandbox(server.base, doc["token"], "pass"), 409, "FACE_CHALLENGE_USED")


def test_challenges_are_the_owners_and_unknown_tokens_are_refused(server, citizen_factory, anon):
    a, b = citizen_factory(), citizen_factory()
    doc = challenge(a)
    expect_error(b.get(f"/api/v1/me/elevate/face/{doc['token']}"), 404, "FACE_CHALLENGE_NOT_FOUND")
    expect_error(anon.get(f"/api/v1/me/elevate/face/{doc['token']}"), 401, "UNAUTHENTICATED")
    expect_error(anon.post("/api/v1/me/elevate/face"), 401, "UNAUTHENTICATED")
    expect_error(sandbox(server.base, "no-such-token", "pass"), 404, "FACE_CHALLENGE_NOT_FOUND")
    expect_error(sandbox(server.base, doc["token"], "maybe"), 400, "INVALID_FIELD", "result")
    # the real callback is not open while the provider is the sandbox
    expect_error(requests.post(server.base + "/api/v1/face/callback", json={}, timeout=10), 409, "FACE_NOT_AVAILABLE")


def test_expired_challenge(server, citizen):
    doc = challenge(citizen)
    server.sql("UPDATE face_challenges SET expires_at = ? WHERE citizen_id = ? AND status = 'pending'",
               (int(time.time()) - 1, citizen.client.user["id"]))
    assert status(citizen, doc["token"])["status"] == "expired"
    expect_error(sandbox(server.base, doc["token"], "pass"), 409, "FACE_CHALLENGE_USED")
    assert not elevated(citizen)


def test_legal_person_accounts_use_sms(citizen_factory):
    legal = citizen_factory("legal")
    e = expect_error(legal.post("/api/v1/me/elevate/face"), 409, "FACE_NOT_AVAILABLE")
    assert "法人" in e["message"]


def test_challenges_per_hour_are_limited(server, citizen):
    for _ in range(10):
        challenge(citizen)
    expect_error(citizen.post("/api/v1/me/elevate/face"), 429, "RATE_LIMITED")


# ---------------------------------------------------------------- the real callback


@pytest.fixture(scope="module")
def http_server(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("face_http"))
    database = pg_scratch_database("tb_face_http") if TB_TEST_PG else None
    srv = Server(tmp, database=database, extra_env={"TONGBAN_FACE_PROVIDER": "http", "TONGBAN_FACE_SECRET": SECRET})
    srv.start()
    yield srv
    srv.stop()


def callback(base, body, secret=SECRET, ts=None):
    raw = json.dumps(body, ensure_ascii=False).encode()
    ts = str(ts or int(time.time()))
    return requests.post(base + "/api/v1/face/callback", data=raw, timeout=10, headers={
        "Content-Type": "application/json", "X-Tongban-Timestamp": ts, "X-Tongban-Signature": sm3_sign(secret, ts, raw)})


def test_signed_callback_passes_only_the_account_holder(http_server):
    base = http_server.base
    c = make_citizen(base)
    assert requests.get(base + "/api/v1/meta", timeout=10).json()["sandbox_face"] is False
    doc = challenge(c)
    assert doc["sandbox"] is False
    expect_error(sandbox(base, doc["token"], "pass"), 404, "NOT_FOUND")  # no stand-in outside the sandbox
    body = {"challenge": doc["token"], "result": "pass", "id_number": c.id_number}
    expect_error(callback(base, body, secret="wrong"), 401, "FACE_SIGNATURE_INVALID")
    expect_error(callback(base, body, ts=int(time.time()) - 600), 401, "FACE_SIGNATURE_INVALID")
    raw = json.dumps(body).encode()
    r = requests.post(base + "/api/v1/face/callback", data=raw, timeout=10, headers={
        "Content-Type": "application/json", "X-Tongban-Timestamp": str(int(time.time())),
        "X-Tongban-Signature": sm3_sign(SECRET, str(int(time.time())), raw + b" ")})
    expect_error(r, 401, "FACE_SIGNATURE_INVALID")  # the body is covered by the signature
    assert status(c, doc["token"])["status"] == "pending"
    expect_error(callback(base, {"challenge": doc["token"], "result": "ok"}), 400, "INVALID_FIELD", "result")
    # somebody else's face
    other = make_citizen(base)
    r = callback(base, {"challenge": doc["token"], "result": "pass", "id_number": other.id_number})
    assert r.status_code == 200 and r.json() == {"status": "failed"}
    assert status(c, doc["token"])["reason"] == "人证不符" and not elevated(c)
    # the holder's own face, with a lower-case check letter when there is one
    doc = challenge(c)
    r = callback(base, {"challenge": doc["token"], "result": "pass", "id_number": c.id_number.lower()})
    assert r.status_code == 200 and r.json() == {"status": "passed"}
    assert elevated(c)
    expect_error(callback(base, {"challenge": doc["token"], "result": "pass", "id_number": c.id_number}), 409,
                 "FACE_CHALLENGE_USED")


def test_off_hides_the_option(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("face_off"))
    database = pg_scratch_database("tb_face_off") if TB_TEST_PG else None
    srv = Server(tmp, database=database, extra_env={"TONGBAN_FACE_PROVIDER": "off"})
    srv.start()
    try:
        c = make_citizen(srv.base)
        assert requests.get(srv.base + "/api/v1/meta", timeout=10).json()["face_verification"] is False
        expect_error(c.post("/api/v1/me/elevate/face"), 409, "FACE_NOT_AVAILABLE")
    finally:
        srv.stop()


@pytest.mark.parametrize("env,needle", [
    ({"TONGBAN_FACE_PROVIDER": "http"}, "face_secret"),
    ({"TONGBAN_FACE_PROVIDER": "camera"}, "face_provider"),
    ({"TONGBAN_FACE_CHALLENGE_SECONDS": "5"}, "face_challenge_seconds"),
])
def test_misconfigured_face_refuses_to_start(tmp_path, env, needle):
    assert_refuses_to_start(tmp_path, env, needle)
