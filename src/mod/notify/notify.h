/* Outgoing messages. SMS goes through a provider chosen by `sms_provider`;
 * the built-in sandbox provider keeps every message in an outbox that tests
 * and administrators can read. */
#ifndef TB_MOD_NOTIFY_H
#define TB_MOD_NOTIFY_H

#include <stdbool.h>

#include "db/db.h"

/* Checks the configured provider at start-up; -1 with a message if it is
 * not available. */
int notify_init(char *err, size_t errlen);
bool notify_sms_is_sandbox(void);
/* The sandbox with no smtp_url: e-mail stays in the outbox too (GET /api/v1/sandbox/email-outbox). */
bool notify_email_is_sandbox(void);
/* Sends (sandbox: stores) one SMS. Returns 0 or -1. */
int notify_sms_send(tb_db *db, const char *phone, const char *purpose, const char *text);
/* Queues one e-mail of the platform's own (SMTP via smtp_url; without it the sandbox outbox keeps it), in
 * the caller's transaction when there is one. to: a valid address. 0 or -1. */
int notify_email_send(tb_db *db, const char *to, const char *purpose, const char *subject, const char *text);
void notify_register(void);

/* ---- notices to people (the platform's own messages) ----
 * Both write in the caller's transaction, so a notice exists exactly when the change it reports was
 * committed; delivery (SMS) is then done by the message worker, at least once.
 *
 * notify_citizen: an in-app message in 我的消息, and an SMS to the citizen's phone unless the citizen
 * turned SMS off for `kind` (notification preferences; kinds "account" and "security" cannot be turned
 * off). Nothing at all to a deregistered citizen. kind: "case" "booking" "evaluation" "complaint"
 * "consultation" "suggestion" "account" "security"; title ≤ 40 characters; text: the body (the SMS gets
 * "【黑龙江公安】" + text); link: a portal path ("/my/cases/…") or NULL. 0 or -1. */
int notify_citizen(tb_req *r, int64_t citizen_id, const char *kind, const char *title, const char *text,
                   const char *link);
/* An in-app message to a staff member (work portal 消息). 0 or -1. */
int notify_staff(tb_req *r, int64_t staff_id, const char *kind, const char *title, const char *text,
                 const char *link);
/* Whether the citizen wants SMS for kind (default yes). */
bool notify_citizen_wants_sms(tb_db *db, int64_t citizen_id, const char *kind);

#endif
