/* Delivery of the message center's queue (§3-1-1-6).
 *
 * Local channels (the sandbox) are delivered inside the enqueueing transaction (the row is inserted
 * `delivered`). Everything else is sent by one worker thread per node with its own database connection:
 *   1. due rows: accepted or failed with next_at <= now, or sending with an expired lease;
 *   2. claim: one UPDATE guarded by the old status (and, for a retaken row, by the expired lease), so two
 *      nodes never both claim a row; the new lease_until is this claim's fencing token;
 *   3. send through the channel's provider chain, skipping providers whose breaker is open (fail-over);
 *   4. finish with an UPDATE guarded by status = 'sending' AND lease_until = our token: delivered, or
 *      failed (attempts + 1, next_at = now + backoff) or dead after notify_max_attempts.
 * A crash between 2 and 4 leaves the row `sending`; after the lease any node takes it again, so an
 * accepted message is delivered at least once and never lost (twice only when the crash came after the
 * provider accepted it; the provider sees the same message id both times).
 * When a message of a registered application reaches delivered or dead and the application has a
 * callback_url, the final status is POSTed there once, signed with the application's secret. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "http/http.h"
#include "mod/notify/notify_internal.h"

#define BATCH 32
#define CHAIN_MAX 4

/* One query per status, each an ordered range of messages_due (one query with OR sorts the whole backlog
 * on every pass); merged by (next_at, id) in run_once. */
static const char SQL_DUE_WAITING[] =
    "SELECT id, next_at FROM messages WHERE status = ? AND next_at <= ? ORDER BY next_at, id LIMIT ?";
static const char SQL_DUE_LEASED[] = "SELECT id, next_at FROM messages WHERE status = 'sending' AND lease_until < ? "
                                     "ORDER BY next_at, id LIMIT ?";
static const char SQL_CLAIM[] =
    "UPDATE messages SET status = 'sending', lease_until = ?, sending_at = ? WHERE id = ? AND "
    "((status IN ('accepted', 'failed') AND next_at <= ?) OR (status = 'sending' AND lease_until < ?))";
static const char SQL_ROW[] = "SELECT app, channel, recipient_enc, subject, body, purpose, attempts, "
                              "COALESCE(idem_key, '') FROM messages WHERE id = ?";
static const char SQL_DELIVERED[] =
    "UPDATE messages SET status = 'delivered', attempts = attempts + 1, provider = ?, error = NULL, "
    "delivered_at = ?, lease_until = NULL WHERE id = ? AND status = 'sending' AND lease_until = ?";
static const char SQL_FAILED[] =
    "UPDATE messages SET status = ?, attempts = attempts + 1, provider = ?, error = ?, failed_at = ?, next_at = ?, "
    "lease_until = NULL WHERE id = ? AND status = 'sending' AND lease_until = ?";
static const char SQL_RELEASE[] =
    "UPDATE messages SET status = CASE WHEN attempts = 0 THEN 'accepted' ELSE 'failed' END, next_at = ?, "
    "error = ?, lease_until = NULL WHERE id = ? AND status = 'sending' AND lease_until = ?";
static const char SQL_APP_CALLBACK[] = "SELECT COALESCE(callback_url, ''), key_enc FROM msg_apps WHERE code = ?";

bool notify_channel_local(const char *channel)
{
    if (!strcmp(channel, "sms"))
        return !strcmp(tb_cfg.sms_provider, "sandbox");
    if (!strcmp(channel, "email"))
        return tb_cfg.smtp_url[0] == '\0';
    return !strcmp(channel, "inapp"); /* the inbox is a table of ours */
}

int notify_deliver_local(tb_db *db, const notify_message *m, const char *enc, const char *bidx)
{
    /* the sandbox provider's outbox row (as providers.c writes it), with the recipient as already encrypted
     * for the message row: no second encryption and blind index per message */
    if (!strcmp(m->channel, "inapp")) { /* the subject is the title (the template's name when it has none) */
        if (notify_inbox_put(db, m->inbox_realm, m->inbox_subject, "app", m->subject, m->body, NULL) != 0)
            return -1;
        tb_metrics_count("messages_delivered", 1);
        return 0;
    }
    const char *text = m->body;
    char *joined = NULL;
    if (!strcmp(m->channel, "email") && m->subject && *m->subject) {
        size_t n = strlen(m->subject) + strlen(m->body) + 2;
        if (!(joined = malloc(n)))
            return -1;
        snprintf(joined, n, "%s\n%s", m->subject, m->body);
        text = joined;
    }
    int rc = notify_outbox_put_enc(db, enc, bidx, m->purpose ? m->purpose : "", text, "sandbox");
    free(joined);
    if (rc != 0)
        return -1;
    tb_metrics_count("messages_delivered", 1);
    return 0;
}

/* The worker's writes on SQLite go through a transaction, which takes this process's writer mutex in turn
 * with the request threads: a bare statement would wait for the file lock with the busy handler's sleeps
 * and lose to them whenever acceptance is busy (delivery starved while the send API is under load).
 *   long n = wbegin(db) ? wend(db, tb_db_exec(...)) : -1;   (PostgreSQL: the statement alone) */
static bool wbegin(tb_db *db) { return db->kind != TB_DB_SQLITE || tb_db_begin(db) == 0; }

static long wend(tb_db *db, long n)
{
    if (db->kind != TB_DB_SQLITE)
        return n;
    if (n < 0) {
        tb_db_rollback(db);
        return n;
    }
    return tb_db_commit(db) == 0 ? n : -1;
}

static int64_t lease_seconds(void)
{
    int64_t t = tb_cfg.notify_timeout_seconds > 0 ? tb_cfg.notify_timeout_seconds : 10;
    int64_t min = t * (CHAIN_MAX - 1) + 2; /* the whole chain and the callback fit in one lease */
    return tb_cfg.notify_lease_seconds > min ? tb_cfg.notify_lease_seconds : min;
}

typedef struct {
    char *app, *channel, *recipient, *subject, *body, *purpose, *idem;
    int64_t attempts;
} row;

static void row_free(row *w)
{
    if (w->recipient)
        tb_wipe(w->recipient, strlen(w->recipient));
    free(w->app);
    free(w->channel);
    free(w->recipient);
    free(w->subject);
    free(w->body);
    free(w->purpose);
    free(w->idem);
}

static int row_load(tb_db *db, int64_t id, row *w)
{
    memset(w, 0, sizeof *w);
    tb_stmt *st = tb_db_query(db, SQL_ROW, "i", id);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    w->app = strdup(tb_stmt_text(st, 0));
    w->channel = strdup(tb_stmt_text(st, 1));
    w->recipient = tb_field_decrypt(tb_stmt_text(st, 2)); /* NULL: cannot be decrypted */
    w->subject = strdup(tb_stmt_text(st, 3));
    w->body = strdup(tb_stmt_text(st, 4));
    w->purpose = strdup(tb_stmt_text(st, 5));
    w->attempts = tb_stmt_int(st, 6);
    w->idem = strdup(tb_stmt_text(st, 7));
    tb_stmt_done(st);
    return 0;
}

/* Best effort: one signed POST of the final status to the application's callback_url. */
static void callback(tb_db *db, int64_t id, const row *w, const char *status, const char *provider,
                     const char *error)
{
    if (!strcmp(w->app, "platform"))
        return;
    tb_stmt *st = tb_db_query(db, SQL_APP_CALLBACK, "t", w->app);
    if (!st || tb_stmt_step(st) != TB_ROW || !*tb_stmt_text(st, 0)) {
        tb_stmt_done(st);
        return;
    }
    char *url = strdup(tb_stmt_text(st, 0));
    char *secret = tb_field_decrypt(tb_stmt_text(st, 1));
    tb_stmt_done(st);
    char ts[24], err[256];
    snprintf(ts, sizeof ts, "%lld", (long long)tb_now());
    json_t *o = json_pack("{s:I, s:s, s:s?, s:s, s:I, s:s?, s:s?, s:s}", "id", (json_int_t)id, "app", w->app,
                          "idem_key", *w->idem ? w->idem : NULL, "status", status, "attempts",
                          (json_int_t)(w->attempts + 1), "provider", provider, "error", error, "ts", ts);
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (url && secret && body && notify_http_post(url, secret, ts, body, false, err, sizeof err) != 0)
        tb_warn("notify: callback of application %s for message %lld failed: %s", w->app, (long long)id, err);
    if (secret)
        tb_wipe(secret, strlen(secret));
    free(secret);
    free(url);
    free(body);
}

static void finish_failed(tb_db *db, int64_t id, int64_t lease, const row *w, const char *provider,
                          const char *reason, bool permanent)
{
    int64_t now = tb_now();
    int max = tb_cfg.notify_max_attempts > 0 ? tb_cfg.notify_max_attempts : 1;
    bool dead = permanent || w->attempts + 1 >= max;
    int64_t next = now + notify_backoff((int)w->attempts + 1, tb_cfg.notify_backoff_seconds);
    long n = wbegin(db) ? wend(db, tb_db_exec(db, SQL_FAILED, "tttiiii", dead ? "dead" : "failed", provider, reason,
                                               now, next, id, lease))
                        : -1;
    if (n != 1) {
        if (n < 0)
            tb_error("notify: message %lld: %s", (long long)id, tb_db_errmsg(db));
        return; /* our lease ran out and another worker owns the row now */
    }
    tb_metrics_count("messages_failed", 1);
    if (dead) {
        tb_metrics_count("messages_dead", 1);
        tb_warn("notify: message %lld is dead after %lld attempts: %s", (long long)id, (long long)w->attempts + 1,
                reason);
        callback(db, id, w, "dead", provider, reason);
    }
}

static void process(tb_db *db, int64_t id)
{
    int64_t now = tb_now(), lease = now + lease_seconds();
    if ((wbegin(db) ? wend(db, tb_db_exec(db, SQL_CLAIM, "iiiii", lease, now, id, now, now)) : -1) != 1)
        return; /* another node was first, or the row changed */
    row w;
    if (row_load(db, id, &w) != 0) {
        row_free(&w);
        return;
    }
    const notify_provider *chain[CHAIN_MAX];
    int n = notify_chain(w.channel, chain, CHAIN_MAX);
    if (!w.recipient || !w.app || !w.channel || !w.subject || !w.body || !w.purpose || !w.idem) {
        finish_failed(db, id, lease, &w, NULL, "收件人无法解密或内存不足", !w.recipient);
        row_free(&w);
        return;
    }
    if (!strcmp(w.channel, "email") && !notify_email_ok(w.recipient)) {
        finish_failed(db, id, lease, &w, NULL, "邮件地址无效", true);
        row_free(&w);
        return;
    }
    if (n == 0) {
        finish_failed(db, id, lease, &w, NULL, "该渠道没有可用的服务商", true);
        row_free(&w);
        return;
    }
    notify_outgoing o = {.db = db, .id = id, .app = w.app, .channel = w.channel, .recipient = w.recipient,
                         .subject = w.subject, .body = w.body, .purpose = w.purpose};
    char reasons[600] = "", err[256];
    const char *last = NULL;
    int64_t reopen = 0;
    for (int i = 0; i < n; i++) {
        if (!notify_provider_allow(chain[i], tb_now())) {
            int64_t t = notify_provider_reopens(chain[i]);
            reopen = reopen == 0 || (t && t < reopen) ? t : reopen;
            continue;
        }
        err[0] = '\0';
        int rc = notify_provider_send(chain[i], &o, err, sizeof err);
        notify_provider_result(chain[i], rc == 0, tb_now());
        last = notify_provider_name(chain[i]);
        if (rc == 0) {
            long k = wbegin(db) ? wend(db, tb_db_exec(db, SQL_DELIVERED, "tiii", last, tb_now(), id, lease)) : -1;
            if (k == 1) {
                tb_metrics_count("messages_delivered", 1);
                callback(db, id, &w, "delivered", last, NULL);
            } else if (k < 0) {
                tb_error("notify: message %lld: %s", (long long)id, tb_db_errmsg(db));
            }
            row_free(&w);
            return;
        }
        size_t used = strlen(reasons);
        snprintf(reasons + used, sizeof reasons - used, "%s%s: %s", used ? "；" : "", last, err);
    }
    if (!last) { /* every provider's breaker is open: not an attempt, wait for the first trial */
        int64_t at = reopen > tb_now() ? reopen : tb_now() + 1;
        if (wbegin(db))
            wend(db, tb_db_exec(db, SQL_RELEASE, "itii", at, "服务商熔断中，暂缓发送", id, lease));
    } else {
        finish_failed(db, id, lease, &w, last, reasons, false);
    }
    row_free(&w);
}

typedef struct {
    int64_t id, next_at;
} due;

static int due_cmp(const void *a, const void *b)
{
    const due *x = a, *y = b;
    if (x->next_at != y->next_at)
        return x->next_at < y->next_at ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int due_collect(tb_stmt *st, due *out, int n)
{
    while (st && n < 3 * BATCH && tb_stmt_step(st) == TB_ROW) {
        out[n].id = tb_stmt_int(st, 0);
        out[n++].next_at = tb_stmt_int(st, 1);
    }
    tb_stmt_done(st);
    return n;
}

/* One pass: claims and sends what is due, oldest first. Returns how many rows were due (at most BATCH). */
static int run_once(tb_db *db)
{
    int64_t now = tb_now();
    due d[3 * BATCH];
    int n = 0;
    tb_stmt *st = tb_db_query(db, SQL_DUE_WAITING, "tii", "accepted", now, (int64_t)BATCH);
    if (!st) {
        tb_error("notify worker: %s", tb_db_errmsg(db));
        return 0;
    }
    n = due_collect(st, d, n);
    n = due_collect(tb_db_query(db, SQL_DUE_WAITING, "tii", "failed", now, (int64_t)BATCH), d, n);
    n = due_collect(tb_db_query(db, SQL_DUE_LEASED, "ii", now, (int64_t)BATCH), d, n);
    qsort(d, (size_t)n, sizeof d[0], due_cmp);
    if (n > BATCH)
        n = BATCH;
    /* claimed one at a time, right before sending: only the message at the provider is `sending` when the
     * process dies, the others are taken again at once after a restart */
    for (int i = 0; i < n && !tb_server_stopping(); i++)
        process(db, d[i].id);
    return n;
}

static void *worker_main(void *arg)
{
    (void)arg;
    char err[512];
    tb_db *db = tb_db_open(tb_cfg.database, err, sizeof err);
    if (!db) {
        tb_error("notify worker: %s", err);
        return NULL;
    }
    int ms = tb_cfg.notify_worker_ms > 10 ? tb_cfg.notify_worker_ms : 10;
    while (!tb_server_stopping()) {
        if (run_once(db) >= BATCH)
            continue; /* more are probably due */
        for (int slept = 0; slept < ms && !tb_server_stopping(); slept += 50)
            usleep((useconds_t)(ms - slept < 50 ? ms - slept : 50) * 1000);
    }
    tb_db_close(db);
    return NULL;
}

int notify_worker_start(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    pthread_t t;
    if (pthread_create(&t, NULL, worker_main, NULL) != 0)
        return -1;
    pthread_detach(t);
    return 0;
}
