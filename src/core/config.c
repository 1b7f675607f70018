#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

tb_config tb_cfg;

enum { T_STR, T_INT, T_BOOL };

#define S(k) {#k, T_STR, offsetof(tb_config, k), sizeof(((tb_config *)0)->k)}
#define I(k) {#k, T_INT, offsetof(tb_config, k), 0}
#define B(k) {#k, T_BOOL, offsetof(tb_config, k), 0}

static const struct key {
    const char *name;
    int type;
    size_t off, size;
} keys[] = {
    S(listen), S(database), S(data_dir), S(web_root), S(seed_dir), S(regions_file), S(sms_provider),
    S(serial_rule), S(log_level), S(sqlite_synchronous), I(threads), B(secure_cookies), B(trust_proxy),
    I(session_idle_minutes), I(session_absolute_hours), I(login_max_failures), I(login_window_minutes),
    I(login_lock_minutes), I(progress_per_minute), I(sms_per_ip_hour), I(upload_max_mb), I(body_max_kb), I(rule_timeout_ms),
    I(booking_cutoff_minutes), I(booking_max_active), I(booking_noshow_limit), I(booking_blacklist_days),
    I(queue_skip_return_minutes), I(booking_sweep_seconds),
    I(evaluation_default_days), I(evaluation_rectify_days), I(evaluation_sweep_seconds), S(queue_booked_insert), I(elevate_minutes),
    S(face_provider), S(face_secret), I(face_challenge_seconds),
    S(sms_http_url), S(sms_http_secret), S(sms_fallback_provider), S(sms_http2_url), S(sms_http2_secret),
    S(smtp_url), S(smtp_from), S(smtp_user), S(smtp_password), I(notify_max_attempts), I(notify_backoff_seconds),
    I(notify_breaker_failures), I(notify_breaker_seconds), I(notify_worker_ms), I(notify_timeout_seconds),
    I(notify_lease_seconds),
    I(sse_max_streams), I(sse_poll_ms), I(sse_heartbeat_seconds), I(agent_default_channels),
    I(agent_idle_prompt_seconds), I(agent_idle_close_seconds), I(agent_queue_notify_seconds), I(agent_history_hours),
    I(agent_sweep_ms), I(agent_sessions_per_ip_hour),
    S(sensitive_words_file),
    I(kb_review_levels),
};

void tb_config_defaults(tb_config *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->listen, "127.0.0.1:8080");
    strcpy(c->database, "var/tongban.db");
    strcpy(c->data_dir, "var");
    strcpy(c->web_root, "web/dist");
    strcpy(c->seed_dir, "seed");
    strcpy(c->regions_file, "build/regions.json");
    strcpy(c->sms_provider, "sandbox");
    strcpy(c->serial_rule, "{region}{date}{seq:5}");
    strcpy(c->log_level, "info");
    strcpy(c->sqlite_synchronous, "normal");
    c->session_idle_minutes = 30;
    c->session_absolute_hours = 12;
    c->login_max_failures = 5;
    c->login_window_minutes = 15;
    c->login_lock_minutes = 15;
    c->progress_per_minute = 10;
    c->sms_per_ip_hour = 30;
    c->upload_max_mb = 10;
    c->body_max_kb = 1024;
    c->rule_timeout_ms = 500;
    c->booking_cutoff_minutes = 60;
    c->booking_max_active = 5;
    c->booking_noshow_limit = 3;
    c->booking_blacklist_days = 90;
    c->queue_skip_return_minutes = 30;
    strcpy(c->queue_booked_insert, "end3");
    c->booking_sweep_seconds = 60;
    c->evaluation_default_days = 7;
    c->evaluation_rectify_days = 15;
    c->evaluation_sweep_seconds = 10;
    strcpy(c->sms_fallback_provider, "none");
    strcpy(c->smtp_from, "noreply@tongban.local");
    c->notify_max_attempts = 6;
    c->notify_backoff_seconds = 30;
    c->notify_breaker_failures = 5;
    c->notify_breaker_seconds = 60;
    c->notify_worker_ms = 500;
    c->notify_timeout_seconds = 10;
    c->notify_lease_seconds = 60;
    c->elevate_minutes = 10;
    strcpy(c->face_provider, "sandbox");
    c->face_challenge_seconds = 120;
    c->sse_max_streams = 10000;
    c->sse_poll_ms = 300;
    c->sse_heartbeat_seconds = 15;
    c->agent_default_channels = 3;
    c->agent_idle_prompt_seconds = 120;
    c->agent_idle_close_seconds = 300;
    c->agent_queue_notify_seconds = 10;
    c->agent_history_hours = 48;
    c->agent_sweep_ms = 1000;
    c->agent_sessions_per_ip_hour = 30;
    c->kb_review_levels = 1;
}

static int parse_int(const char *v, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 0 || n > 1000000)
        return -1;
    *out = (int)n;
    return 0;
}

static int parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on"))
        *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off"))
        *out = false;
    else
        return -1;
    return 0;
}

int tb_config_set(tb_config *c, const char *key, const char *value)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const struct key *k = &keys[i];
        if (strcmp(k->name, key))
            continue;
        char *field = (char *)c + k->off;
        switch (k->type) {
        case T_STR:
            if (strlen(value) >= k->size)
                return -1;
            strcpy(field, value);
            return 0;
        case T_INT:
            return parse_int(value, (int *)field);
        default:
            return parse_bool(value, (bool *)field);
        }
    }
    return -1;
}

typedef struct {
    tb_config *c;
    char *err;
    size_t errlen;
    int failed;
} ini_ctx;

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    ini_ctx *x = user;
    if (tb_config_set(x->c, name, value) != 0) {
        if (!x->failed)
            snprintf(x->err, x->errlen, "配置项无效: %s%s%s = %s", section[0] ? section : "", section[0] ? "." : "",
                     name, value);
        x->failed = 1;
    }
    return 1;
}

static int apply_env(tb_config *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char env[64] = "TONGBAN_";
        size_t n = strlen(env);
        for (const char *p = keys[i].name; *p && n < sizeof env - 1; p++)
            env[n++] = (char)toupper((unsigned char)*p);
        env[n] = '\0';
        const char *v = getenv(env);
        if (v && tb_config_set(c, keys[i].name, v) != 0) {
            snprintf(err, errlen, "环境变量取值无效: %s=%s", env, v);
            return -1;
        }
    }
    return 0;
}

static void resolve_one(char *path, size_t cap, const char *root)
{
    char alt[2048];
    if (path[0] == '/' || access(path, F_OK) == 0)
        return;
    snprintf(alt, sizeof alt, "%s/%s", root, path);
    if (access(alt, F_OK) == 0 && strlen(alt) < cap)
        strcpy(path, alt);
}

void tb_config_resolve_paths(tb_config *c)
{
    char exe[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    for (int up = 0; up < 2; up++) { /* <tree>/build/tongban -> <tree> */
        char *slash = strrchr(exe, '/');
        if (!slash)
            return;
        *slash = '\0';
    }
    resolve_one(c->seed_dir, sizeof c->seed_dir, exe);
    resolve_one(c->regions_file, sizeof c->regions_file, exe);
    resolve_one(c->web_root, sizeof c->web_root, exe);
}

int tb_config_load(tb_config *c, const char *path, char *err, size_t errlen)
{
    tb_config_defaults(c);
    if (!path)
        path = getenv("TONGBAN_CONFIG");
    if (!path && access("tongban.ini", R_OK) == 0)
        path = "tongban.ini";
    if (path) {
        ini_ctx x = {c, err, errlen, 0};
        int rc = ini_parse(path, on_ini, &x);
        if (rc < 0) {
            snprintf(err, errlen, "无法读取配置文件 %s", path);
            return -1;
        }
        if (rc > 0 && !x.failed)
            snprintf(err, errlen, "配置文件 %s 第 %d 行格式错误", path, rc);
        if (rc > 0 || x.failed)
            return -1;
    }
    if (apply_env(c, err, errlen) != 0)
        return -1;
    tb_config_resolve_paths(c);
    return 0;
}
