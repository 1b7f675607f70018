/* Shared between the files of the org module only. */
#ifndef TB_MOD_ORG_INTERNAL_H
#define TB_MOD_ORG_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "mod/org/org.h"

/* ---- perms.c: the one registry of permission codes ---- */
typedef struct {
    const char *code, *name, *category; /* category: system | security | audit | business */
} org_perm;
const org_perm *org_perm_find(const char *code);
json_t *org_perms_json(void);
bool org_kind_valid(const char *kind);
bool org_scope_valid(const char *scope);
const char *org_kind_name(const char *kind);

/* ---- acl.c: MACs of access-control rows ---- */
void acl_mac_role(int64_t id, const char *code, const char *kind, const char *scope, int64_t mfa, char out[65]);
void acl_mac_role_perm(int64_t role_id, const char *perm, char out[65]);
void acl_mac_staff_role(int64_t staff_id, int64_t role_id, char out[65]);
void acl_mac_role_dept(int64_t role_id, int64_t dept_id, char out[65]);
bool acl_mac_ok(const char *stored, const char *expected);
/* Alarm for a row that failed its MAC: error log + audit event (deduplicated per thread and second). */
void acl_alarm(tb_db *db, const char *ip, const char *table, int64_t id);

/* ---- authz.c ---- */
typedef struct {
    int64_t id;
    const char *code, *name, *kind, *scope;
    bool mfa;
} org_role;
/* The intact roles of a staff member (arena); count or -1. Broken rows are alarmed and skipped. */
int authz_roles(tb_db *db, tb_arena *a, const char *ip, int64_t staff_id, org_role **out);
bool authz_staff_has(tb_db *db, tb_arena *a, const char *ip, int64_t staff_id, const char *perm);
/* Admin kind held through roles: NULL (business only / none) or system|security|audit. */
const char *authz_admin_kind(const org_role *roles, int n);

/* ---- store_acl.c ---- */
int64_t org_store_role_insert(tb_db *db, const char *code, const char *name, const char *kind, const char *scope, bool mfa);
int org_store_role_update(tb_db *db, int64_t id, const char *code, const char *name, const char *kind, const char *scope,
                      bool mfa);
int org_store_role_delete(tb_db *db, int64_t id);
int org_store_role_by_code(tb_db *db, tb_arena *a, const char *code, org_role *out);
int org_store_role_by_id(tb_db *db, tb_arena *a, int64_t id, org_role *out);
json_t *org_store_roles_list(tb_db *db);
int org_store_role_perms_set(tb_db *db, int64_t role_id, json_t *perms /* array of codes */);
int org_store_role_depts_set(tb_db *db, int64_t role_id, json_t *depts /* array of ids */);
json_t *org_store_role_perms(tb_db *db, tb_arena *a, const char *ip, int64_t role_id);
json_t *org_store_role_depts(tb_db *db, tb_arena *a, const char *ip, int64_t role_id);
int org_store_role_has_perm(tb_db *db, const char *ip, int64_t role_id, const char *perm);
int org_store_role_member_count(tb_db *db, int64_t role_id);
int org_store_staff_role_add(tb_db *db, int64_t staff_id, int64_t role_id);
int org_store_staff_role_remove(tb_db *db, int64_t staff_id, int64_t role_id);
/* raw rows (id, role_id, mac / …) of a staff member: for authz.c */
typedef struct {
    int64_t link_id, role_id;
    const char *link_mac;
    org_role role;
    const char *role_mac;
} staff_role_row;
int org_store_staff_role_rows(tb_db *db, tb_arena *a, int64_t staff_id, staff_role_row **out);
/* Members of a role, filtered by name (substring) and department; {"items","total"}. */
json_t *org_store_role_members(tb_db *db, int64_t role_id, const char *q, int64_t dept, int64_t limit, int64_t offset);
/* Staff ids holding role code (intact rows only, active staff). */
int org_store_role_users(tb_db *db, const char *code, int64_t *out, int max);
int org_store_custom_depts(tb_db *db, tb_arena *a, const char *ip, int64_t role_id, int64_t **out);
/* org_verify_acl */
int org_store_acl_verify(tb_db *db, FILE *out);

/* ---- store_dept.c ---- */
typedef struct {
    int64_t id, parent_id, head_staff_id;
    const char *name, *short_name, *region;
    int64_t level, sort_order;
} org_dept;
int org_store_dept_get(tb_db *db, tb_arena *a, int64_t id, org_dept *out);
int64_t org_store_dept_by_name(tb_db *db, const char *name);
int64_t org_store_dept_insert(tb_db *db, const org_dept *d);
int org_store_dept_update(tb_db *db, const org_dept *d);
int org_store_dept_move(tb_db *db, int64_t id, int64_t parent, int64_t sort);
int org_store_dept_delete(tb_db *db, int64_t id);
json_t *org_store_dept_list(tb_db *db, const char *q, int64_t parent, bool has_parent);
/* Why a department cannot go: children, staff, roles' custom scope, head of … (counts). */
void org_store_dept_usage(tb_db *db, int64_t id, int64_t *children, int64_t *staff, int64_t *roles);
/* Every first-column integer of a query's rows into an arena array; the count or -1. */
int org_store_ids(tb_stmt *st, tb_arena *a, int64_t **out);
int org_store_dept_subtree(tb_db *db, tb_arena *a, int64_t root, int64_t **out);
int org_store_dept_region_prefix(tb_db *db, tb_arena *a, const char *prefix, int64_t **out);
int64_t org_store_dept_for_region(tb_db *db, const char *region);
int org_store_dept_parent(tb_db *db, int64_t id, int64_t *parent);
bool org_store_dept_is_descendant(tb_db *db, int64_t node, int64_t ancestor);
bool org_store_region_exists(tb_db *db, const char *code);

/* ---- store_staff.c ---- */
typedef struct {
    int64_t id, department_id, retired_at;
    const char *login, *name, *status, *police_no, *phone_enc, *department_name, *region, *former_department;
} org_staff_row;
int org_store_staff_get(tb_db *db, tb_arena *a, int64_t id, org_staff_row *out);
int64_t org_store_staff_by_login(tb_db *db, const char *login);
/* The list shape of one staff member (phone masked), NULL when missing. */
json_t *org_store_staff_json(tb_db *db, int64_t id);
json_t *org_store_staff_list(tb_db *db, const char *q, int64_t dept, const char *status, int64_t limit, int64_t offset,
                         int64_t *total);
json_t *org_store_staff_retired(tb_db *db, const char *name, const char *dept, int64_t from, int64_t to, int64_t limit,
                            int64_t offset, int64_t *total);
int org_store_staff_set_profile(tb_db *db, int64_t id, int64_t dept, const char *police_no, const char *phone_enc,
                            const char *phone_bidx);
int org_store_staff_update(tb_db *db, int64_t id, const char *name, const char *police_no, const char *phone_enc,
                       const char *phone_bidx);
int org_store_staff_set_department(tb_db *db, int64_t id, int64_t dept);
int org_store_staff_set_status(tb_db *db, int64_t id, const char *status);
int org_store_staff_retire(tb_db *db, int64_t id, const char *former_dept);
int org_store_staff_set_password(tb_db *db, int64_t id, const char *hash);
int org_store_staff_set_totp(tb_db *db, int64_t id, const char *enc);
int org_store_staff_totp(tb_db *db, tb_arena *a, int64_t id, const char **enc, int64_t *last_step);
/* Spends step: succeeds only when it is newer than the last one spent (no replay). */
int org_store_staff_totp_spend(tb_db *db, int64_t id, int64_t step);
int org_store_staff_kill_sessions(tb_db *db, int64_t id);
bool org_store_police_no_taken(tb_db *db, const char *police_no, int64_t except);
int64_t org_store_staff_insert_full(tb_db *db, const char *login, const char *name, const char *hash, int64_t dept,
                                const char *police_no, const char *phone_enc, const char *phone_bidx);
/* groups */
json_t *org_store_groups_list(tb_db *db);
int64_t org_store_group_insert(tb_db *db, const char *name, const char *desc);
int org_store_group_delete(tb_db *db, int64_t id);
bool org_store_group_exists(tb_db *db, int64_t id);
int org_store_group_member_add(tb_db *db, int64_t group, int64_t staff);
int org_store_group_member_remove(tb_db *db, int64_t group, int64_t staff);
json_t *org_store_group_members(tb_db *db, int64_t group);
int org_store_staff_groups(tb_db *db, tb_arena *a, int64_t staff, int64_t **out);
/* unban */
int64_t org_store_unban_insert(tb_db *db, int64_t staff, int64_t dept, int64_t by, const char *reason);
int org_store_unban_get(tb_db *db, tb_arena *a, int64_t id, int64_t *staff, int64_t *dept, const char **status);
int org_store_unban_decide(tb_db *db, int64_t id, const char *status, int64_t by, const char *note);
json_t *org_store_unban_for_head(tb_db *db, int64_t head);
bool org_store_unban_pending(tb_db *db, int64_t staff);

/* ---- csv.c: checked import ---- */
typedef struct {
    int line;
    int nfields;
    char **fields;
} csv_row;
/* Parses RFC 4180 CSV (UTF-8, optional BOM) into rows in the arena; -1 with *err_line on a broken
 * quote. */
int csv_parse(tb_arena *a, const char *text, size_t len, csv_row **rows, int *nrows, int *err_line);
/* One CSV field, quoted when needed, appended to buf (arena growth by caller via tb_buf). */
typedef struct {
    char *p;
    size_t n, cap;
} tb_buf;
void buf_put(tb_buf *b, const char *s, size_t n);
void buf_csv_field(tb_buf *b, const char *s, bool last);
/* detail for FORM_INVALID: {"field":"第3行 short_name","code":…,"message":…} */
json_t *import_issue(int line, const char *field, tb_errcode code, const char *msg);
/* Reads the uploaded file (multipart part "file", or a text/csv body) into *data. -1 after replying. */
int import_body(tb_req *r, const char **data, size_t *len);

/* ---- xlsx_read.c: XLSX uploads as CSV-shaped rows ---- */
/* A ZIP by its magic bytes: such an upload is read as XLSX, anything else as CSV. */
bool xlsx_sniff(const char *data, size_t len);
/* Rows of the first worksheet, shaped as csv_parse's: line is the sheet's row number, blank rows
 * skipped, every row padded to the widest. Bounded: 20 MiB inflated, 10,000 rows, 50 columns;
 * encrypted, ZIP64 and multi-disk archives refused. -1 with *e (UPLOAD_TOO_LARGE or INVALID_FIELD
 * "file" with a message). */
int xlsx_parse(tb_arena *a, const char *data, size_t len, csv_row **rows, int *nrows, tb_error *e);
/* The rows of an import upload in either format (*format "csv" or "xlsx"); -1 after replying. */
int import_rows(tb_req *r, const char *data, size_t len, csv_row **rows, int *n, const char **format);

/* ---- api helpers (api_util.c) ---- */
int64_t path_id(tb_req *r, int i, const char *field);
const char *obj(tb_req *r, const char *kind, int64_t id);
/* Replies an import result: 422 FORM_INVALID with every issue or 200 {"imported":n}. */
void reply_import(tb_req *r, json_t *issues, int imported);
/* ?format=csv|xlsx of an export (csv by default); NULL after replying 400. */
const char *export_format(tb_req *r);
/* Replies a table (row-major cells, the first row the header) as CSV (UTF-8 with BOM) or XLSX. */
void reply_table(tb_req *r, const char *format, const char *base, const char *sheet, const char *const *cells,
                 int ncols, int nrows);
/* xlsx.c: one-sheet workbook of inline strings into out */
void xlsx_build(tb_buf *out, const char *sheet, const char *const *cells, int ncols, int nrows);
/* Transactions around a handler's writes: open (-1 after replying), abort with an error reply, or
 * commit and reply. The audit row joins the transaction, so the action and its record commit
 * together. */
int tx_open(tb_req *r);
void tx_abort(tb_req *r, tb_errcode code, const char *field);
void tx_commit_reply(tb_req *r, int status, json_t *body);

/* route tables */
void org_dept_register(void);
void org_staff_register(void);
void org_role_register(void);
void org_group_register(void);

/* totp.c: new secret stored encrypted; malloc'd secret and otpauth URI */
int totp_enrol_db(tb_db *db, int64_t staff_id, const char *login, char **secret, char **uri);

/* seed.c helper used by the CLI and the API */
int org_assign_role(tb_db *db, int64_t staff_id, int64_t role_id, tb_error *e);

#endif
