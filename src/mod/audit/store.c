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


/* ---- reading (audit administrator) ---- */
#define FILTER "WHERE at BETWEEN ? AND ? AND (? = '' OR actor = ?) AND (? = '' OR action LIKE ?) " \
               "AND (? = '' OR object LIKE ?) AND (? = '' OR result = ?) AND (? = '' OR ip = ?) "
static const char SQL_COUNT[] = "SELECT COUNT(*) FROM audit_log " FILTER;
static const char SQL_SEARCH[] = "SELECT id, at, realm, actor, action, object, result, ip, detail FROM audit_log "
                                 FILTER "ORDER BY id DESC LIMIT ? OFFSET ?";

#define FILTER_ARGS(f, like_action, like_object)                                                              \
    (f)->from, (f)->to, (f)->actor, (f)->actor, (f)->action, like_action, (f)->object, like_object, (f)->result, \
        (f)->result, (f)->ip, (f)->ip

static void likes(const audit_filter *f, char action[160], char object[160])
{
    snprintf(action, 160, "%s%%", f->action);  /* "authz." finds every authz.* action */
    snprintf(object, 160, "%%%s%%", f->object);
}

int64_t audit_count(tb_db *db, const audit_filter *f)
{
    char la[160], lo[160];
    likes(f, la, lo);
    return tb_db_int(db, -1, SQL_COUNT, "iitttttttttt", FILTER_ARGS(f, la, lo));
}

int audit_search(tb_db *db, const audit_filter *f, int64_t limit, int64_t offset,
                 void (*row)(void *arg, const audit_row *r), void *arg)
{
    char la[160], lo[160];
    likes(f, la, lo);
    tb_stmt *st = tb_db_query(db, SQL_SEARCH, "iittttttttttii", FILTER_ARGS(f, la, lo), limit, offset);
    if (!st)
        return -1;
    while (tb_stmt_step(st) == TB_ROW) {
        audit_row a = {tb_stmt_int(st, 0), tb_stmt_int(st, 1), tb_stmt_text(st, 2), tb_stmt_text(st, 3),
                       tb_stmt_text(st, 4), tb_stmt_text(st, 5), tb_stmt_text(st, 6), tb_stmt_text(st, 7),
                       tb_stmt_text(st, 8)};
        row(arg, &a);
    }
    return 0;
}

/* ---- tongban audit verify ---- */
static const char SQL_ALL[] = "SELECT id, at, realm, actor, action, object, result, ip, detail, prev_mac, mac "
                              "FROM audit_log ORDER BY id";
static const char SQL_HEAD_ROW[] = "SELECT seq, mac FROM audit_head WHERE id = 1";
static const char ZERO_MAC[] = "0000000000000000000000000000000000000000000000000000000000000000";

static void row_mac(tb_stmt *st, char out[65])
{
    char *msg = NULL;
    if (asprintf(&msg, "%s|%lld|%s|%s|%s|%s|%s|%s|%s", tb_stmt_text(st, 9), (long long)tb_stmt_int(st, 1),
                 tb_stmt_text(st, 2), tb_stmt_text(st, 3), tb_stmt_text(st, 4), tb_stmt_text(st, 5),
                 tb_stmt_text(st, 6), tb_stmt_text(st, 7), tb_stmt_text(st, 8)) < 0) {
        out[0] = '\0';
        return;
    }
    tb_token_digest(msg, out);
    free(msg);
}

/* A link that does not continue the previous row: rows between were deleted (or, with no id gap,
 * the prev_mac column itself was altered). */
static int report_link(FILE *out, int64_t last_id, int64_t id)
{
    if (id > last_id + 1 && id == last_id + 2)
        fprintf(out, "audit_log %lld: deleted (chain broken before row %lld)\n", (long long)(last_id + 1),
                (long long)id);
    else if (id > last_id + 1)
        fprintf(out, "audit_log %lld-%lld: deleted (chain broken before row %lld)\n", (long long)(last_id + 1),
                (long long)(id - 1), (long long)id);
    else
        fprintf(out, "audit_log %lld: altered (prev_mac does not continue row %lld)\n", (long long)id,
                (long long)last_id);
    return 1;
}

static int verify_tail(tb_db *db, FILE *out, int64_t last_id, const char *last_mac, int64_t rows)
{
    tb_stmt *st = tb_db_query(db, SQL_HEAD_ROW, NULL);
    if (!st || tb_stmt_step(st) != TB_ROW)
        return fprintf(out, "audit_head: missing\n"), 1;
    int64_t seq = tb_stmt_int(st, 0);
    bool head_ok = !strcmp(tb_stmt_text(st, 1), last_mac);
    tb_stmt_done(st);
    if (!head_ok) {
        fprintf(out, "audit_log after %lld: deleted (the head names a later row; %lld rows written, %lld present)\n",
                (long long)last_id, (long long)seq, (long long)rows);
        return 1;
    }
    return 0;
}

int audit_verify(tb_db *db, FILE *out, int64_t *checked)
{
    tb_stmt *st = tb_db_query(db, SQL_ALL, NULL);
    if (!st)
        return fprintf(out, "audit_log: cannot read: %s\n", tb_db_errmsg(db)), 1;
    int bad = 0;
    int64_t last_id = 0, rows = 0;
    char last_mac[65];
    snprintf(last_mac, sizeof last_mac, "%s", ZERO_MAC);
    while (tb_stmt_step(st) == TB_ROW) {
        int64_t id = tb_stmt_int(st, 0);
        char want[65];
        row_mac(st, want);
        if (strcmp(tb_stmt_text(st, 9), last_mac))
            bad += report_link(out, last_id, id);
        if (strcmp(tb_stmt_text(st, 10), want) && ++bad)
            fprintf(out, "audit_log %lld: altered (MAC mismatch)\n", (long long)id);
        snprintf(last_mac, sizeof last_mac, "%s", tb_stmt_text(st, 10));
        last_id = id;
        rows++;
    }
    *checked = rows;
    return bad + verify_tail(db, out, last_id, last_mac, rows);
}
