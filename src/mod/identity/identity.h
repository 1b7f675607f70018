/* Identity: citizen (natural and legal person) and staff accounts, SMS
 * verification codes, sessions and the authentication hook every
 * non-public route goes through. */
#ifndef TB_MOD_IDENTITY_H
#define TB_MOD_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

/* A citizen as other modules see it; strings live in the request arena. */
typedef struct {
    int64_t id;
    const char *type;        /* person | legal */
    const char *name;        /* person name or organisation name */
    const char *id_number;   /* decrypted; NULL for legal persons */
    const char *phone;       /* decrypted */
    const char *uscc;        /* legal persons */
} identity_citizen;

void identity_register(void);
/* Loads citizen `id` into *out; -1 when missing or on error. */
int identity_citizen_get(tb_req *r, int64_t id, identity_citizen *out);
/* CLI `tongban user add`: creates a staff account. role: admin | staff. */
int identity_staff_add(tb_db *db, const char *login, const char *name, const char *role, const char *password,
                       char *err, size_t errlen);

#endif
