/* SQL of the catalog module. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/catalog/catalog_internal.h"

static const char SQL_EPOCH[] = "SELECT epoch FROM cache_epochs WHERE name = 'catalog'";
static const char SQL_EPOCH_SEARCH[] = "SELECT epoch FROM cache_epochs WHERE name = 'search'";
static const char SQL_BUMP_SEARCH[] = "UPDATE cache_epochs SET epoch = epoch + 1 WHERE name = 'search'";
static const char SQL_SYNONYMS[] = "SELECT id, words, targets, created_by, created_at FROM search_synonyms ORDER BY id";
static const char SQL_SYNONYM_ADD[] = "INSERT INTO search_synonyms(words, targets, created_by, created_at) "
                                      "VALUES (?, ?, ?, ?) RETURNING id";
static const char SQL_SYNONYM_DELETE[] = "DELETE FROM search_synonyms WHERE id = ?";
static const char SQL_BUMP[] = "UPDATE cache_epochs SET epoch = epoch + 1 WHERE name = 'catalog'";
static const char SQL_MATTERS[] = "SELECT guide, hot, sort, status FROM matters WHERE status = 'published' "
                                  "ORDER BY sort, id";
static const char SQL_REGIONS[] = "SELECT code, name, level, parent FROM regions ORDER BY sort, code";
static const char SQL_META[] = "SELECT kind, code, name FROM meta_codes ORDER BY kind, sort, code";
static const char SQL_UPSERT_MATTER[] =
    "INSERT INTO matters(code, name, police_category, theme, online_level, appointment, service_objects, channels, "
    "regions, status, hot, sort, form_version, guide, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(code) DO UPDATE SET name = excluded.name, police_category = excluded.police_category, "
    "theme = excluded.theme, online_level = excluded.online_level, appointment = excluded.appointment, "
    "service_objects = excluded.service_objects, channels = excluded.channels, regions = excluded.regions, "
    "status = excluded.status, hot = excluded.hot, sort = excluded.sort, form_version = excluded.form_version, "
    "guide = excluded.guide, updated_at = excluded.updated_at";
static const char SQL_UPSERT_FORM[] = "INSERT INTO matter_forms(matter_code, version, schema_json, created_at) "
                                      "VALUES (?, ?, ?, ?) ON CONFLICT(matter_code, version) DO UPDATE SET "
                                      "schema_json = excluded.schema_json";
static const char SQL_UPSERT_REGION[] = "INSERT INTO regions(code, name, level, parent, sort) VALUES (?, ?, ?, ?, ?) "
                                        "ON CONFLICT(code) DO UPDATE SET name = excluded.name, level = "
                                        "excluded.level, parent = excluded.parent, sort = excluded.sort";
static const char SQL_UPSERT_META[] = "INSERT INTO meta_codes(kind, code, name, sort) VALUES (?, ?, ?, ?) "
                                      "ON CONFLICT(kind, code) DO UPDATE SET name = excluded.name, "
                                      "sort = excluded.sort";

int64_t store_epoch(tb_db *db) { return tb_db_int(db, -1, SQL_EPOCH, NULL); }

int catalog_bump_epoch(tb_db *db) { return tb_db_exec(db, SQL_BUMP, NULL) == 1 ? 0 : -1; }

int64_t store_search_epoch(tb_db *db) { return tb_db_int(db, -1, SQL_EPOCH_SEARCH, NULL); }

json_t *store_synonyms(tb_db *db)
{
    tb_stmt *st = tb_db_query(db, SQL_SYNONYMS, NULL);
    if (!st)
        return NULL;
    json_t *out = json_array();
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW)
        json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)tb_stmt_int(st, 0),
                                             "words", tb_stmt_text(st, 1), "targets", tb_stmt_text(st, 2),
                                             "created_by", tb_stmt_text(st, 3), "created_at",
                                             (json_int_t)tb_stmt_int(st, 4)));
    if (rc < 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

int64_t store_synonym_add(tb_db *db, const char *words, const char *targets, const char *actor)
{
    int64_t id = tb_db_int(db, -1, SQL_SYNONYM_ADD, "ttti", words, targets, actor, tb_now());
    if (id > 0 && tb_db_exec(db, SQL_BUMP_SEARCH, NULL) != 1)
        return -1;
    return id;
}

int store_synonym_delete(tb_db *db, int64_t id)
{
    long n = tb_db_exec(db, SQL_SYNONYM_DELETE, "i", id);
    if (n <= 0)
        return n < 0 ? -1 : 1;
    return tb_db_exec(db, SQL_BUMP_SEARCH, NULL) == 1 ? 0 : -1;
}

static json_t *load_matters(tb_db *db)
{
    tb_stmt *st = tb_db_query(db, SQL_MATTERS, NULL);
    if (!st)
        return NULL;
    json_t *out = json_array();
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        const char *text = tb_stmt_text(st, 0);
        json_array_append_new(out, json_pack("{s:s, s:I, s:I}", "text", text, "hot",
                                             (json_int_t)(tb_stmt_null(st, 1) ? 0 : tb_stmt_int(st, 1)), "sort",
                                             (json_int_t)tb_stmt_int(st, 2)));
    }
    if (rc < 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static json_t *load_rows(tb_db *db, const char *sql, int ncols, const char *const *names, const char *types)
{
    tb_stmt *st = tb_db_query(db, sql, NULL);
    if (!st)
        return NULL;
    json_t *out = json_array();
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        json_t *o = json_object();
        for (int c = 0; c < ncols; c++) {
            if (tb_stmt_null(st, c))
                json_object_set_new(o, names[c], json_null());
            else if (types[c] == 'i')
                json_object_set_new(o, names[c], json_integer(tb_stmt_int(st, c)));
            else
                json_object_set_new(o, names[c], json_string(tb_stmt_text(st, c)));
        }
        json_array_append_new(out, o);
    }
    if (rc < 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *store_load_all(tb_db *db, int64_t *epoch, int64_t *search_epoch)
{
    static const char *const region_cols[] = {"code", "name", "level", "parent"};
    static const char *const meta_cols[] = {"kind", "code", "name"};
    *epoch = store_epoch(db);
    *search_epoch = store_search_epoch(db);
    json_t *m = load_matters(db);
    json_t *reg = load_rows(db, SQL_REGIONS, 4, region_cols, "ttit");
    json_t *meta = load_rows(db, SQL_META, 3, meta_cols, "ttt");
    json_t *syn = store_synonyms(db);
    if (*epoch < 0 || *search_epoch < 0 || !m || !reg || !meta || !syn) {
        json_decref(m);
        json_decref(reg);
        json_decref(meta);
        json_decref(syn);
        return NULL;
    }
    return json_pack("{s:o, s:o, s:o, s:o}", "matters", m, "regions", reg, "meta", meta, "synonyms", syn);
}

/* ",a,b," lists for LIKE-free membership columns */
static char *join_list(const json_t *arr, char *buf, size_t cap)
{
    size_t o = 0;
    size_t i;
    json_t *v;
    buf[o++] = ',';
    json_array_foreach(arr, i, v) {
        int n = json_is_integer(v) ? snprintf(buf + o, cap - o, "%lld,", (long long)json_integer_value(v))
                                   : snprintf(buf + o, cap - o, "%s,", json_string_value(v) ? json_string_value(v) : "");
        if (n < 0 || (size_t)n >= cap - o)
            break;
        o += (size_t)n;
    }
    buf[o] = '\0';
    return buf;
}

int store_upsert_matter(tb_db *db, const json_t *g, const char *text, int hot, int sort)
{
    char objects[128], channels[128], regions[1024];
    int64_t now = tb_now();
    const json_t *form = json_object_get(g, "form");
    int64_t version = tb_json_int(form, "version", 1);
    if (tb_db_exec(db, SQL_UPSERT_MATTER, "tttttittttiiitii", tb_json_str(g, "code"), tb_json_str(g, "name"),
                   tb_json_str(g, "police_category"), tb_json_str(g, "theme"), tb_json_str(g, "online_level"),
                   (int64_t)json_is_true(json_object_get(g, "appointment")),
                   join_list(json_object_get(g, "service_objects"), objects, sizeof objects),
                   join_list(json_object_get(g, "channels"), channels, sizeof channels),
                   join_list(json_object_get(g, "regions"), regions, sizeof regions), tb_json_str(g, "status"),
                   (int64_t)hot, (int64_t)sort, version, text, now, now) < 0)
        return -1;
    char *schema = json_dumps(form, JSON_COMPACT);
    long rc = schema ? tb_db_exec(db, SQL_UPSERT_FORM, "titi", tb_json_str(g, "code"), version, schema, now) : -1;
    free(schema);
    return rc < 0 ? -1 : 0;
}

int store_upsert_region(tb_db *db, const char *code, const char *name, int level, const char *parent, int sort)
{
    return tb_db_exec(db, SQL_UPSERT_REGION, "ttiti", code, name, (int64_t)level, parent, (int64_t)sort) < 0 ? -1 : 0;
}

int store_upsert_meta(tb_db *db, const char *kind, const char *code, const char *name, int sort)
{
    return tb_db_exec(db, SQL_UPSERT_META, "ttti", kind, code, name, (int64_t)sort) < 0 ? -1 : 0;
}

static const char SQL_GUIDE_OF[] = "SELECT guide FROM matters WHERE code = ?";
static const char SQL_SET_STATUS[] = "UPDATE matters SET status = ?, channels = ?, guide = ?, updated_at = ? "
                                     "WHERE code = ?";

/* The guide document is the source of truth for what the portal shows, so
 * status and channels change there and in the filter columns together. */
static int write_status(tb_db *db, const char *code, const char *status, const json_t *channels)
{
    tb_stmt *st = tb_db_query(db, SQL_GUIDE_OF, "t", code);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return st ? 1 : -1;
    }
    json_t *g = json_loads(tb_stmt_text(st, 0), 0, NULL);
    tb_stmt_done(st);
    if (!g)
        return -1;
    size_t i;
    json_t *v;
    json_array_foreach(channels, i, v) {
        const char *c = json_string_value(v);
        if (!c || (strcmp(c, "pc") && strcmp(c, "mobile") && strcmp(c, "kiosk"))) {
            json_decref(g);
            return 2;
        }
    }
    json_object_set_new(g, "status", json_string(status));
    if (channels)
        json_object_set(g, "channels", (json_t *)channels);
    char list[128], *text = json_dumps(g, JSON_COMPACT);
    long n = text ? tb_db_exec(db, SQL_SET_STATUS, "tttit", status,
                               join_list(json_object_get(g, "channels"), list, sizeof list), text, tb_now(), code)
                  : -1;
    free(text);
    json_decref(g);
    return n == 1 && catalog_bump_epoch(db) == 0 ? 0 : -1;
}

int catalog_set_status(tb_db *db, const char *code, const char *status, const json_t *channels)
{
    if (tb_db_begin(db) != 0)
        return -1;
    int rc = write_status(db, code, status, channels);
    if (rc != 0) {
        tb_db_rollback(db);
        return rc;
    }
    return tb_db_commit(db) == 0 ? 0 : -1;
}

static const char SQL_ONLINE_LEVEL[] = "SELECT online_level FROM matters WHERE code = ?";

bool catalog_is_window_only(tb_db *db, const char *code)
{
    tb_stmt *st = tb_db_query(db, SQL_ONLINE_LEVEL, "t", code);
    bool window = st && tb_stmt_step(st) == TB_ROW && !strcmp(tb_stmt_text(st, 0), "window");
    tb_stmt_done(st);
    return window;
}
