#ifndef TB_MOD_NOTIFY_INTERNAL_H
#define TB_MOD_NOTIFY_INTERNAL_H

#include <jansson.h>

#include "mod/notify/notify.h"

int notify_outbox_put(tb_db *db, const char *phone, const char *purpose, const char *text, const char *provider);
/* Newest first; NULL on a database error. */
json_t *notify_outbox_list(tb_db *db, const char *phone, int64_t limit, int64_t offset, int64_t *total);

#endif
