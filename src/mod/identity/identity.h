/* Identity: citizen (natural and legal person) and staff accounts, SMS
 * verification codes, sessions and the authentication hook every
 * non-public route goes through. */
#ifndef TB_MOD_IDENTITY_H
#define TB_MOD_IDENTITY_H

#include <stdbool.h>
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
    const char *status;      /* active | deregistered … */
} identity_citizen;

void identity_register(void);
/* Start-up check of face_provider (off | sandbox | http; http needs face_secret). 0, or -1 with a message. */
int identity_face_check(char *err, size_t errlen);
/* Whether pages offer face verification, and whether it is the sandbox's stand-in for the app. */
bool identity_face_enabled(void);
bool identity_face_sandbox(void);
/* `tongban retention purge` (docs/operations.md §15): accounts deregistered before `before` (epoch s) whose
 * kept identifiers are not yet destroyed — counted, or destroyed (ID number, phone, released indexes,
 * password hash; name kept) in one transaction with one audit row naming the approval. -1 on error. */
int64_t identity_retention_due(tb_db *db, int64_t before);
int64_t identity_retention_purge(tb_db *db, int64_t before, const char *before_text, const char *approval);
/* The active account an outside system names for an in-app message: a citizen by ID number (natural
 * person) or unified social credit code (legal person), or "staff:<login>". 0 with *realm ("citizen" |
 * "staff") and *id set; -1 when there is no such active account. */
int identity_account_lookup(tb_req *r, const char *name, const char **realm, int64_t *id);
/* Loads citizen `id` into *out; -1 when missing or on error. */
int identity_citizen_get(tb_req *r, int64_t id, identity_citizen *out);
/* For public routes that also serve signed-in citizens (booking): resolves the citizen session when
 * the cookie names a live one (subject_id set, CSRF checked on unsafe methods); no or a stale cookie
 * leaves the request anonymous. 0, or -1 with e = CSRF_FAILED. */
int identity_citizen_optional(tb_req *r, tb_error *e);
/* Checks and consumes the SMS code sent to phone for purpose (e.g. "booking"); 0, or -1 with e set
 * (SMS_CODE_INVALID / SMS_CODE_EXPIRED, field sms_code). */
int identity_sms_code_check(tb_req *r, const char *phone, const char *purpose, const char *code, tb_error *e);
/* The SMS second factor of sensitive pages (§1-1-3-7-4-12): call first in a citizen handler. true when
 * the session's elevated window is open; false after replying 403 ELEVATION_REQUIRED. */
bool identity_elevated(tb_req *r);
/* 我的足迹: records that the signed-in citizen of this request (if any) opened the guide of `code`.
 * Public routes call it; no session means nothing is recorded. Never replies. */
void identity_footprint_record(tb_req *r, const char *code);
/* CLI `tongban user add`: creates a staff account. role: admin | staff. */
int identity_staff_add(tb_db *db, const char *login, const char *name, const char *role, const char *password,
                       char *err, size_t errlen);

#endif
