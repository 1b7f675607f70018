/* Versioned migrations. Files are named NNNN_name.sql; the number is the
 * version. Two tokens cover the dialect differences of our DDL:
 *   @ID@    an auto-increment primary key
 *   @BLOB@  a binary column */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "db/db.h"

extern const struct {
    const char *name;
    const char *text;
} tb_migrations[];

static char *dialect(const tb_db *db, const char *text)
{
    const char *id = db->kind == TB_DB_PG ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
    const char *blob = db->kind == TB_DB_PG ? "BYTEA" : "BLOB";
    size_t cap = strlen(text) * 2 + 64;
    char *out = malloc(cap), *o = out;
    if (!out)
        return NULL;
    for (const char *p = text; *p;) {
        if (!strncmp(p, "@ID@", 4)) {
            o += sprintf(o, "%s", id);
            p += 4;
        } else if (!strncmp(p, "@BLOB@", 6)) {
            o += sprintf(o, "%s", blob);
            p += 6;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

int tb_db_schema_version(tb_db *db)
{
    tb_stmt *st = tb_db_query(db, "SELECT MAX(version) FROM schema_migrations", NULL);
    if (!st)
        return 0;
    int v = tb_stmt_step(st) == TB_ROW ? (int)tb_stmt_int(st, 0) : 0;
    tb_stmt_done(st);
    return v;
}

static int apply_one(tb_db *db, int version, const char *name, const char *text, char *err, size_t errlen)
{
    char *sql = dialect(db, text);
    if (!sql || tb_db_begin(db) != 0)
        goto fail;
    if (tb_db_exec_script(db, sql) != 0 ||
        tb_db_exec(db, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)", "dti", version,
                   name, tb_now()) < 0) {
        tb_db_rollback(db);
        goto fail;
    }
    if (tb_db_commit(db) != 0)
        goto fail;
    free(sql);
    return 0;
fail:
    snprintf(err, errlen, "迁移 %s 失败: %s", name, tb_db_errmsg(db));
    free(sql);
    return -1;
}

int tb_db_migrate(tb_db *db, char *err, size_t errlen)
{
    if (db->kind == TB_DB_PG && tb_db_exec_script(db, "SELECT pg_advisory_lock(7262001)") != 0) {
        snprintf(err, errlen, "无法获取迁移锁: %s", tb_db_errmsg(db));
        return -1;
    }
    int rc = 0;
    if (tb_db_exec_script(db, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                              "name TEXT NOT NULL, applied_at BIGINT NOT NULL)") != 0) {
        snprintf(err, errlen, "无法创建迁移表: %s", tb_db_errmsg(db));
        rc = -1;
    }
    int current = rc == 0 ? tb_db_schema_version(db) : 0;
    for (int i = 0; rc == 0 && tb_migrations[i].name; i++) {
        int version = atoi(tb_migrations[i].name);
        if (version <= current)
            continue;
        rc = apply_one(db, version, tb_migrations[i].name, tb_migrations[i].text, err, errlen);
    }
    if (db->kind == TB_DB_PG)
        tb_db_exec_script(db, "SELECT pg_advisory_unlock(7262001)");
    return rc;
}
