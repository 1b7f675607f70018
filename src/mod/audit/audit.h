/* The audit trail: every important write and security event, appended to a
 * chain where each row's MAC covers the previous row's, so an altered or
 * deleted row breaks the chain at that point. */
#ifndef TB_MOD_AUDIT_H
#define TB_MOD_AUDIT_H

#include <stdio.h>

#include "http/http.h"

/* Records an event in the caller's transaction (or alone when there is
 * none). realm/actor come from the request (anonymous when no subject);
 * object and detail must not contain passwords, tokens or full ID numbers.
 * Returns 0 or -1. */
int audit_record(tb_req *r, const char *action, const char *object, const char *result, const char *detail);
/* For actions outside HTTP (CLI): explicit realm, actor and ip. */
int audit_record_as(tb_db *db, const char *realm, const char *actor, const char *ip, const char *action,
                    const char *object, const char *result, const char *detail);
/* Routes of the audit administrator: search and CSV export. */
void audit_register(void);

/* ---- reading ---- */
typedef struct {
    int64_t from, to;                                   /* epoch seconds, inclusive */
    const char *actor, *action, *object, *result, *ip; /* "" = any; action is a prefix, object a substring */
} audit_filter;
typedef struct {
    int64_t id, at;
    const char *realm, *actor, *action, *object, *result, *ip, *detail;
} audit_row;
int64_t audit_count(tb_db *db, const audit_filter *f);
/* Newest first; row() sees each row (strings valid during the call). 0 or -1. */
int audit_search(tb_db *db, const audit_filter *f, int64_t limit, int64_t offset,
                 void (*row)(void *arg, const audit_row *r), void *arg);
/* `tongban audit verify`: walks the chain and writes one line per altered row (MAC mismatch) or
 * deleted row(s) (the chain does not continue; the head names a later row). Returns the number of
 * problems; *checked gets the number of rows read. */
int audit_verify(tb_db *db, FILE *out, int64_t *checked);

#endif
