"""The retention rule of deregistered accounts (docs/operations.md §15): `tongban retention purge`
destroys the identifiers deregistration kept — only for accounts deregistered before the given day,
only with a destruction approval, in one transaction with an audit row; the name and the business
records stay, and the old account can no longer be recognised at login."""

import re
import subprocess

from conftest import TB_BIN, Client, expect_error
from test_account import last_sms_id, wait_code


def deregister(server, c):
    before = last_sms_id(server.base, c.phone)
    assert c.post("/api/v1/me/deregister/sms-code").status_code == 200
    code = wait_code(server.base, c.phone, "deregister", before)
    assert c.post("/api/v1/me/deregister", json={"sms_code": code}).status_code == 200


def row(server, uid):
    return dict(zip(("status", "name", "id_enc", "phone_enc", "rel_id", "rel_phone", "pw", "purged_at"), server.sql(
        "SELECT status, name, COALESCE(id_number_enc, ''), phone_enc, COALESCE(released_id_bidx, ''), "
        "COALESCE(released_phone_bidx, ''), password_hash, COALESCE(purged_at, 0) FROM citizens WHERE id = ?",
        (uid,))[0]))


def cli(server, *args):
    return subprocess.run([TB_BIN, "retention", *args], env=server.env, cwd=server.tmp, capture_output=True,
                          text=True, timeout=60)


def test_purge_destroys_kept_identifiers_after_the_period_only_with_an_approval(server, citizen_factory):
    old1, old2, recent, active = (citizen_factory() for _ in range(4))
    for c in (old1, old2, recent):
        deregister(server, c)
    ids = {name: c.client.user["id"] for name, c in (("old1", old1), ("old2", old2), ("recent", recent),
                                                        ("active", active))}
    server.sql("UPDATE citizens SET deregistered_at = 1577836800 WHERE id IN (?, ?)", (ids["old1"], ids["old2"]))

    # refused: no approval, a future or malformed day, another subcommand
    for args in (("purge", "--before", "2021-01-01"), ("purge", "--before", "2999-01-01", "--approval", "x"),
                 ("purge", "--before", "2021-02-30", "--approval", "x"), ("purge", "--approval", "x"), ("list",)):
        p = cli(server, *args)
        assert p.returncode == 2, (args, p.stdout, p.stderr)
    assert row(server, ids["old1"])["id_enc"].startswith("s4:")

    p = cli(server, "purge", "--before", "2021-01-01", "--dry-run")
    assert p.returncode == 0, p.stderr
    due = int(re.search(r"：(\d+) 个", p.stdout).group(1))
    assert due >= 2
    assert row(server, ids["old1"])["purged_at"] == 0, "a dry run changes nothing"

    approval = "黑公档销〔2026〕12号"
    p = cli(server, "purge", "--before", "2021-01-01", "--approval", approval)
    assert p.returncode == 0, p.stderr
    assert f"已销毁 {due} 个账号" in p.stdout and approval in p.stdout
    for name in ("old1", "old2"):
        r = row(server, ids[name])
        assert r["status"] == "deregistered" and r["name"]
        assert (r["id_enc"], r["phone_enc"], r["rel_id"], r["rel_phone"], r["pw"]) == ("", "", "", "", ""), r
        assert r["purged_at"] > 0
    # deregistered after the day, and active accounts, are untouched
    assert row(server, ids["recent"])["rel_phone"] and row(server, ids["recent"])["id_enc"].startswith("s4:")
    assert row(server, ids["active"])["status"] == "active" and row(server, ids["active"])["pw"]
    audit = server.sql("SELECT realm, actor, object, detail FROM audit_log WHERE action = 'citizen.retention_purge' "
                       "ORDER BY id DESC LIMIT 1")[0]
    assert audit[:3] == ("system", "cli", "citizens") and approval in audit[3] and f"accounts={due}" in audit[3]

    # the old account is no longer recognised: a login is an ordinary failure, not 「已注销」
    expect_error(Client(server.base).post("/api/v1/auth/login", json={"account": old1.phone,
                                                                      "password": old1.password}), 401, "LOGIN_FAILED")
    expect_error(Client(server.base).post("/api/v1/auth/login", json={"account": recent.phone,
                                                                      "password": recent.password}), 403,
                 "ACCOUNT_DEREGISTERED")
    # a second run finds nothing left to destroy
    p = cli(server, "purge", "--before", "2021-01-01", "--approval", approval)
    assert p.returncode == 0 and "已销毁 0 个账号" in p.stdout, p.stdout
