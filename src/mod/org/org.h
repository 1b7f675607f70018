/* Organisation of the work portal: departments, staff profiles and groups,
 * roles with function permissions and data scopes, the three-administrator
 * separation (三员分立), and the integrity check of access-control rows.
 *
 * Every staff route's `perm` is checked here (org_authorize, called by the
 * identity module's authentication hook) before its handler runs. Access
 * rows (staff→role, role→permission, role→custom departments, the role row
 * itself) carry an HMAC-SM3; a row whose MAC fails is ignored — it grants
 * nothing — and raises the audit alarm `security.integrity_violation`.
 *
 * Strings and arrays handed out live in the request arena. */
#ifndef TB_MOD_ORG_H
#define TB_MOD_ORG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "flow/flow.h"
#include "http/http.h"

/* ---- for the workbench ---- */
typedef struct {
    int64_t id;
    const char *login, *name;
    int64_t department_id; /* 0: none */
    const char *department_name, *region;
} org_staff;

/* 0, or -1 when there is no such staff member. */
int org_staff_get(tb_req *r, int64_t staff_id, org_staff *out);
/* Whether the current staff subject holds perm (through an intact role). */
bool org_has_permission(tb_req *r, const char *perm);
/* Data scope of the current staff subject for case visibility: true = all; else *depts (arena array)
 * are the visible department ids and *self_only says only the subject's own items are visible
 * (no role gives a department-level scope). */
bool org_scope(tb_req *r, const int64_t **depts, size_t *n, bool *self_only);
bool org_can_see_department(tb_req *r, int64_t department_id);
/* user, department, role codes and groups of the current staff subject. admin is set for holders of
 * `work.case.supervise`. 0 or -1. */
int org_flow_actor(tb_req *r, flow_actor *out);
/* Directory callbacks for the flow engine. Thread-safe: the table is static and keeps no state;
 * every callback takes the calling thread's connection as `arg`. Copy it and set arg:
 *     flow_env env = {...}; env.dir = *org_flow_directory(); env.dir.arg = r->db;   (tb_db *)
 * region_legal_department answers the department handling the region (org_department_for_region);
 * role_users lists active staff holding the role code through intact rows. */
const flow_directory *org_flow_directory(void);
/* The department that handles a region: the highest-level department whose region is exactly it
 * (a district's branch 分局, a city's bureau 市局 — not their sections or detachments), else the
 * bureau of its city, else the provincial department; 0 if none. */
int64_t org_department_for_region(tb_req *r, const char *region);

/* ---- for the identity module ---- */
/* The central check of a staff route's permission; NULL perm passes. 0, or -1 with e = FORBIDDEN
 * (the refusal is audited). */
int org_authorize(tb_req *r, const char *perm, tb_error *e);
/* Whether staff_id signs in with a second factor: always for administrators, otherwise when any
 * of the staff member's roles asks for it (default), or when the staff member has no role. */
bool org_mfa_required(tb_db *db, int64_t staff_id);
/* Second-factor methods available to staff_id: "totp" when enrolled, "sms" when a phone is on file.
 * Arena array of at most 2; returns the count. */
int org_mfa_methods(tb_req *r, int64_t staff_id, const char *methods[2]);
/* Checks a TOTP code against the staff member's secret (±1 step) and spends its time step so the
 * same code cannot be replayed. true when accepted. */
bool org_totp_accept(tb_req *r, int64_t staff_id, const char *code);
/* The staff member's phone, decrypted into the arena, or NULL. */
const char *org_staff_phone(tb_req *r, int64_t staff_id);
/* New TOTP secret for staff_id (stored encrypted); *secret (base32) and *uri (otpauth://) in the
 * arena, shown once. 0 or -1. */
int org_totp_enrol(tb_req *r, int64_t staff_id, const char **secret, const char **uri);
/* {"roles":[{"code","name","kind"}],"permissions":[…],"department":{…}|null} for /staff/me. */
json_t *org_staff_profile_json(tb_req *r, int64_t staff_id);

/* ---- TOTP (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits) ---- */
/* The code of time step `step` for a raw key. out gets 6 digits. */
void org_totp_code(const unsigned char *key, size_t keylen, uint64_t step, int digits, char *out);
/* 20 random bytes as unpadded base32 (32 chars + NUL). */
void org_totp_secret_new(char out[33]);
/* Decodes unpadded base32 into key (at most cap bytes); length or -1. */
int org_base32_decode(const char *in, unsigned char *key, size_t cap);

/* ---- CLI ---- */
void org_register(void);
/* `tongban seed`: departments, roles and their permissions from <dir>/org.json. Idempotent. */
int org_seed(tb_db *db, const char *dir, char *err, size_t errlen);
/* `tongban user add`: the account (identity), its role (a role code; "admin" means sys_admin and
 * "staff" accept_officer), optional department (full or short name) and a TOTP secret printed once.
 * secret/uri receive malloc'd strings (caller frees). 0 or -1 with err. */
int org_user_add(tb_db *db, const char *login, const char *name, const char *role, const char *department,
                 const char *password, char **secret, char **uri, char *err, size_t errlen);
/* `tongban audit verify`: reports access-control rows whose MAC fails, one line each, to out.
 * Returns how many. */
int org_verify_acl(tb_db *db, FILE *out);

#endif
