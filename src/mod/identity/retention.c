/* Destruction of a deregistered account's kept identifiers once the archive period has passed
 * (docs/operations.md §15). Deregistration keeps the encrypted ID number and phone (business records
 * are linked by them); after the period, and only with the archive department's destruction approval,
 * `tongban retention purge` removes them from the account row. Business records (cases, bookings,
 * evaluations, complaints) follow their own archive rules and are not touched here. */
#include <stdio.h>

#include "core/timeutil.h"
#include "db/db.h"
#include "mod/audit/audit.h"
#include "mod/identity/identity.h"

static const char SQL_DUE[] = "SELECT COUNT(*) FROM citizens WHERE status = 'deregistered' AND deregistered_at < ? "
                              "AND purged_at IS NULL";
/* phone_enc and password_hash are NOT NULL: '' holds nothing and matches no password */
static const char SQL_PURGE[] =
    "UPDATE citizens SET id_number_enc = NULL, phone_enc = '', password_hash = '', released_id_bidx = NULL, "
    "released_phone_bidx = NULL, released_uscc = NULL, profile_enc = NULL, email_enc = NULL, purged_at = ?, "
    "updated_at = ? WHERE status = 'deregistered' AND deregistered_at < ? AND purged_at IS NULL";

typedef struct {
    int64_t before;
    const char *approval, *before_text;
    int64_t rows;
} purge_ctx;

static int purge_tx(tb_db *db, void *arg)
{
    purge_ctx *p = arg;
    int64_t now = tb_now();
    long n = tb_db_exec(db, SQL_PURGE, "iii", now, now, p->before);
    if (n < 0)
        return -1;
    p->rows = n;
    char detail[600];
    snprintf(detail, sizeof detail, "approval=%s; deregistered before %s; accounts=%ld", p->approval, p->before_text, n);
    return audit_record_as(db, "system", "cli", "local", "citizen.retention_purge", "citizens", "ok", detail);
}

int64_t identity_retention_due(tb_db *db, int64_t before)
{
    return tb_db_int(db, -1, SQL_DUE, "i", before);
}

int64_t identity_retention_purge(tb_db *db, int64_t before, const char *before_text, const char *approval)
{
    purge_ctx p = {before, approval, before_text, 0};
    return tb_db_tx(db, purge_tx, &p) == 0 ? p.rows : -1;
}
