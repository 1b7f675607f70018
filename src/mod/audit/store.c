/* SQL of the audit module. The head row is updated first: that row lock
 * orders concurrent appenders on PostgreSQL, as the writer lock does on
 * SQLite, so the chain never forks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"

static const char SQL_HEAD[] = "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, mac";
static const char SQL_SET_HEAD[] = "UPDATE audit_head SET mac = ? WHERE id = 1";
static const char SQL_INSERT[] = "INSERT INTO audit_log(at, realm, actor, action, object, result, ip, detail, "
                                 "prev_mac, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static int append(tb_db *db, const char *realm, const char *actor, const char *ip, const char *action,
                  const char *object, const char *result, const char *detail)
{
    tb_stmt *st = tb_db_query(db, SQL_HEAD, NULL);
    if (!st || tb_stmt_step(st) != TB_ROW)
        return -1;
    char prev[65];
    snprintf(prev, sizeof prev, "%s", tb_stmt_text(st, 1));
    tb_stmt_done(st);
    int64_t at = tb_now();
    char *msg = NULL, mac[65];
    if (asprintf(&msg, "%s|%lld|%s|%s|%s|%s|%s|%s|%s", prev, (long long)at, realm, actor, action, object, result,
                 ip, detail) < 0)
        return -1;
    tb_token_digest(msg, mac);
    free(msg);
    if (tb_db_exec(db, SQL_INSERT, "ittttttttt", at, realm, actor, action, object, result, ip, detail, prev, mac) < 0)
        return -1;
    return tb_db_exec(db, SQL_SET_HEAD, "t", mac) < 0 ? -1 : 0;
}

int audit_record_as(tb_db *db, const char *realm, const char *actor, const char *ip, const char *action,
                    const char *object, const char *result, const char *detail)
{
    object = object ? object : "";
    detail = detail ? detail : "";
    if (db->tx_depth)
        return append(db, realm, actor, ip, action, object, result, detail);
    if (tb_db_begin(db) != 0)
        goto fail;
    if (append(db, realm, actor, ip, action, object, result, detail) != 0) {
        tb_db_rollback(db);
        goto fail;
    }
    if (tb_db_commit(db) == 0)
        return 0;
fail:
    tb_error("audit: cannot record %s on %s: %s", action, object, tb_db_errmsg(db));
    return -1;
}

int audit_record(tb_req *r, const char *action, const char *object, const char *result, const char *detail)
{
    const char *realm = "anonymous";
    char actor[32] = "-";
    if (r->subject_id) {
        realm = r->subject_realm ? r->subject_realm : "citizen";
        snprintf(actor, sizeof actor, "%lld", (long long)r->subject_id);
    }
    return audit_record_as(r->db, realm, actor, r->ip, action, object, result, detail);
}

void audit_register(void) {}
