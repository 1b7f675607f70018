/* The audit trail: every important write and security event, appended to a
 * chain where each row's MAC covers the previous row's, so an altered or
 * deleted row breaks the chain at that point. */
#ifndef TB_MOD_AUDIT_H
#define TB_MOD_AUDIT_H

#include "http/http.h"

/* Records an event in the caller's transaction (or alone when there is
 * none). realm/actor come from the request (anonymous when no subject);
 * object and detail must not contain passwords, tokens or full ID numbers.
 * Returns 0 or -1. */
int audit_record(tb_req *r, const char *action, const char *object, const char *result, const char *detail);
/* For actions outside HTTP (CLI): explicit realm, actor and ip. */
int audit_record_as(tb_db *db, const char *realm, const char *actor, const char *ip, const char *action,
                    const char *object, const char *result, const char *detail);
void audit_register(void);

#endif
