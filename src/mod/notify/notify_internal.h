#ifndef TB_MOD_NOTIFY_INTERNAL_H
#define TB_MOD_NOTIFY_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"

#include "mod/notify/notify.h"

int notify_outbox_put(tb_db *db, const char *phone, const char *purpose, const char *text, const char *provider);
/* Newest first; NULL on a database error. */
json_t *notify_outbox_list(tb_db *db, const char *phone, int64_t limit, int64_t offset, int64_t *total);

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

#endif
