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
/* Sends (sandbox: stores) one SMS. Returns 0 or -1. */
int notify_sms_send(tb_db *db, const char *phone, const char *purpose, const char *text);
void notify_register(void);

#endif
