#ifndef TB_MOD_NOTIFY_INTERNAL_H
#define TB_MOD_NOTIFY_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"

#include "mod/notify/notify.h"

int notify_outbox_put(tb_db *db, const char *phone, const char *purpose, const char *text, const char *provider);
/* The same with the phone already encrypted (tb_field_encrypt) and its blind index. */
int notify_outbox_put_enc(tb_db *db, const char *enc, const char *bidx, const char *purpose, const char *text,
                          const char *provider);
/* Newest first; NULL on a database error. */
json_t *notify_outbox_list(tb_db *db, const char *phone, int64_t limit, int64_t offset, int64_t *total);

/* ---- the message queue (queue.c) ----
 * One row of `messages` per message and channel: the queue and the delivery log at once. */
typedef struct {
    const char *app;           /* "platform" or a registered application's code */
    const char *idem_key;      /* NULL: none; unique per app */
    const char *template_code; /* NULL for the platform's own texts */
    int template_version;
    const char *channel;       /* "sms" | "email" | "inapp" */
    const char *recipient;     /* phone number, e-mail address or account name (plain; stored encrypted) */
    const char *inbox_realm;   /* inapp: "citizen" | "staff" and the account's id (identity_account_lookup) */
    int64_t inbox_subject;
    const char *recipient_bidx; /* NULL, or tb_blind_index(recipient) when the caller has made it already */
    const char *subject, *body, *purpose;
    int64_t send_at;           /* 0: now */
} notify_message;
/* Inserts as `accepted` in the caller's transaction (or one of its own when there is none); when the channel's
 * provider is local (the sandbox) and the message is due, the row is inserted `delivered` and the provider
 * given the message in the same transaction (*delivered = true). Returns the id; -2 when the idempotency key
 * was used before (*existing = that message's id); -1 on error. existing and delivered may be NULL. */
int64_t notify_enqueue(tb_db *db, const notify_message *m, int64_t *existing, bool *delivered);

/* ---- delivery (deliver.c, providers.c) ---- */
/* Whether `channel` is delivered by a local provider inside the enqueueing transaction (the sandbox). */
bool notify_channel_local(const char *channel);
/* Local delivery in the caller's transaction (the sandbox outbox) of a message inserted as delivered; enc and
 * bidx: its recipient encrypted and blind-indexed. 0 or -1. */
int notify_deliver_local(tb_db *db, const notify_message *m, const char *enc, const char *bidx);
/* Starts the delivery worker: claims due rows (accepted or failed with next_at <= now, or sending with an
 * expired lease), sends through the channel's provider chain with a circuit breaker and fail-over,
 * marks delivered / failed (attempts + 1, next_at = now + exponential backoff) / dead after
 * notify_max_attempts. 0 or -1. */
int notify_worker_start(void);

/* message center rows (store.c) */
typedef struct {
    const char *app, *status, *channel, *to_bidx; /* NULL: any */
    int64_t from, to;                             /* created_at range */
} notify_filter;
/* -2: idempotency key used before (nothing inserted, the transaction stays usable). delivered_by: NULL for
 * an `accepted` row, or the local provider that delivers it in this transaction (the row is inserted
 * `delivered`, attempts 1). */
int64_t notify_store_msg_insert(tb_db *db, const notify_message *m, const char *enc, const char *bidx, int64_t now,
                                const char *delivered_by);
char *notify_store_msg_status(tb_db *db, int64_t id); /* malloc'd; NULL when missing or on error */
/* The application's per-minute limit: n more messages now? 1 (counted), 0 (over the limit, nothing counted),
 * -1 on a database error. One counter row per application and minute (msg_rate); the limit applies to a
 * sliding estimate: this minute's count plus the previous minute's weighted by what is left of it. */
int notify_store_rate_take(tb_db *db, const char *app, int n, int64_t per_minute, int64_t now);
int64_t notify_store_msg_by_idem(tb_db *db, const char *app, const char *key);
int64_t notify_store_recent_to(tb_db *db, const char *bidx, const char *app, int64_t since);
json_t *notify_store_msg_get(tb_db *db, int64_t id); /* recipient masked */
json_t *notify_store_msg_search(tb_db *db, const notify_filter *f, int64_t limit, int64_t offset, int64_t *total);
int notify_store_msg_resend(tb_db *db, int64_t id);
json_t *notify_store_msg_stats(tb_db *db, int64_t from, int64_t to);
json_t *notify_store_template(tb_db *db, const char *code, int64_t version); /* version 0: newest */
json_t *notify_store_templates(tb_db *db, const char *code);                  /* NULL: newest of each */
int64_t notify_store_template_add(tb_db *db, const char *code, const char *channel, const char *name,
                                  const char *subject, const char *body, const char *variables, const char *by);
json_t *notify_store_app(tb_db *db, const char *code, char **key); /* *key: malloc'd secret when key != NULL */
json_t *notify_store_apps(tb_db *db);
int notify_store_app_insert(tb_db *db, const char *code, const char *name, const char *key_enc, const char *templates,
                            const char *callback, int64_t per_minute);
int notify_store_app_update(tb_db *db, const char *code, const char *name, const char *templates, const char *callback,
                            int64_t per_minute, const char *status);
int notify_store_app_key(tb_db *db, const char *code, const char *key_enc);
/* queue.c / center.c */
void notify_queue_register(void);
void notify_center_register(void);

/* inbox (store.c) */
int notify_inbox_put(tb_db *db, const char *realm, int64_t subject, const char *kind, const char *title,
                     const char *body, const char *link);
json_t *notify_inbox_list(tb_db *db, const char *realm, int64_t subject, bool unread_only, int64_t limit,
                          int64_t offset, int64_t *total, int64_t *unread);
int notify_inbox_read(tb_db *db, const char *realm, int64_t subject, int64_t id);
long notify_inbox_read_all(tb_db *db, const char *realm, int64_t subject);
int notify_pref_get(tb_db *db, int64_t citizen, const char *kind, int64_t *sms);
int notify_pref_set(tb_db *db, int64_t citizen, const char *kind, bool sms);
/* inbox.c */
void notify_inbox_register(void);

/* ---- providers (providers.c): one interface for every channel ----
 * A provider sends one message and answers 0 (delivered) or -1 with a reason in err (failed). The chain of
 * a channel: sms = sms_provider, then sms_fallback_provider; email = smtp (smtp_url) or the sandbox when
 * smtp_url is empty. Each provider has a circuit breaker in this process. */
typedef struct {
    tb_db *db;                 /* the worker's connection (the sandbox writes its outbox) */
    int64_t id;
    const char *app, *channel, *recipient, *subject, *body, *purpose;
} notify_outgoing;
typedef struct notify_provider notify_provider;
/* The providers of channel in order, at most max; returns how many. */
int notify_chain(const char *channel, const notify_provider **out, int max);
const char *notify_provider_name(const notify_provider *p);
int notify_provider_send(const notify_provider *p, const notify_outgoing *m, char *err, size_t errlen);
/* Breaker of a provider (thread-safe): whether to try it now (false: open, skip); the outcome of a try. */
bool notify_provider_allow(const notify_provider *p, int64_t now);
void notify_provider_result(const notify_provider *p, bool ok, int64_t now);
/* When an open breaker of p lets a trial through again (0 when closed). */
int64_t notify_provider_reopens(const notify_provider *p);
/* Signed JSON POST, the scheme of the send API (queue.c) in the other direction: hex HMAC-SM3 of
 * "<ts>\n<body>" under secret in X-Tongban-Signature, ts in X-Tongban-Timestamp. 0 when the answer is 2xx JSON with "accepted": true (require_accepted) or any 2xx;
 * -1 with a reason otherwise. */
int notify_http_post(const char *url, const char *secret, const char *ts, const char *body, bool require_accepted,
                     char *err, size_t errlen);
/* Pure parts, unit-tested (tests/unit/test_notify.c). */
typedef struct {
    int failures;      /* consecutive */
    int64_t open_until; /* 0: closed */
    bool trial;        /* half-open: one trial in flight */
} notify_breaker;
bool notify_breaker_allow(notify_breaker *b, int64_t now);
void notify_breaker_result(notify_breaker *b, bool ok, int64_t now, int threshold, int open_seconds);
/* Seconds to wait after the attempts-th failed attempt: base * 2^(attempts-1), at most 3600. */
int64_t notify_backoff(int attempts, int base);
/* hex HMAC-SM3(secret, ts || "\n" || body) */
void notify_sign(const char *secret, const char *ts, const char *body, char out[65]);
/* RFC 2047 encoded words (=?UTF-8?B?…?=, each at most 75 characters, never splitting a UTF-8 sequence),
 * folded with CRLF SP; plain ASCII without specials is returned as is. malloc'd. */
char *notify_mime_header(const char *utf8);
/* Whether an e-mail address is safe to put in a header and an SMTP envelope. */
bool notify_email_ok(const char *addr);

#endif
