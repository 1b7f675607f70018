/* Face verification as the second factor (§1-1-3-7-4-12 人脸识别认证): "the mobile app scans the face
 * QR code the page shows, takes a photo and verifies the face". The page asks for a challenge and shows
 * its QR code (a one-time token, TBFACE1:<token>); the app scans it, runs live face comparison against
 * the trusted identity service and reports to POST /api/v1/face/callback, signed with HMAC-SM3 under
 * face_secret, whether the face matched and whose ID number it matched. The platform accepts a pass only
 * for the account holder's own ID number ("人证不符" otherwise) and then opens the elevated window of the
 * session that asked; the page learns it by polling. face_provider = sandbox replaces the app with
 * POST /api/v1/sandbox/face/{token} for the demo and the tests; off hides the option. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "core/jsonx.h"
#include "core/qr.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/identity/identity_internal.h"
#include "rules/validators.h"

#define FACE_PER_HOUR 10
#define SIGNATURE_SKEW 300
#define QR_PREFIX "TBFACE1:"

bool identity_face_enabled(void) { return strcmp(tb_cfg.face_provider, "off") != 0; }
bool identity_face_sandbox(void) { return !strcmp(tb_cfg.face_provider, "sandbox"); }

static const char *digest_of(tb_req *r, const char *token)
{
    char *d = tb_arena_alloc(r->arena, 65);
    tb_token_digest(token, d);
    return d;
}

/* POST /api/v1/me/elevate/face: a new challenge and its QR code. */
static void post_challenge(tb_req *r)
{
    citizen_row c;
    if (!identity_face_enabled())
        return tb_reply_err(r, TB_E_FACE_NOT_AVAILABLE, NULL);
    if (!active_citizen(r, &c))
        return;
    if (!c.id_number_enc) /* a legal person's account has no face to compare with */
        return (void)tb_reply_fail(r, TB_E_FACE_NOT_AVAILABLE, NULL, "法人账号不能使用人脸识别认证，请使用短信验证码");
    if (store_face_recent(r->db, c.id, tb_now() - 3600) >= FACE_PER_HOUR)
        return tb_reply_err(r, TB_E_RATE_LIMITED, NULL);
    char token[40];
    tb_random_token(token, 16);
    int64_t expires = tb_now() + tb_cfg.face_challenge_seconds;
    if (store_face_insert(r->db, digest_of(r, token), c.id, r->session_digest, expires) < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    const char *qr = tb_arena_printf(r->arena, QR_PREFIX "%s", token);
    size_t len;
    char *svg = tb_qr_svg(qr, &len);
    if (!svg)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    json_t *out = json_pack("{s:s, s:s, s:s, s:i, s:b}", "token", token, "qr", qr, "qr_svg", svg, "expires_in",
                            tb_cfg.face_challenge_seconds, "sandbox", identity_face_sandbox());
    free(svg);
    audit_record(r, "citizen.elevate_face_start", "", "ok", "");
    tb_reply_json(r, 201, out);
}

/* GET /api/v1/me/elevate/face/{token}: pending | passed | failed | expired, for the owner only. */
static void get_challenge(tb_req *r)
{
    face_row f;
    if (store_face_get(r, digest_of(r, r->params[0]), &f) != 0 || f.citizen_id != r->subject_id)
        return tb_reply_err(r, TB_E_FACE_CHALLENGE_NOT_FOUND, "token");
    const char *status = !strcmp(f.status, "pending") && f.expires_at <= tb_now() ? "expired" : f.status;
    json_t *out = json_pack("{s:s, s:s?}", "status", status, "reason", *f.reason ? f.reason : NULL);
    if (!strcmp(status, "passed")) {
        int64_t until = 0, phone_until;
        store_session_windows(r, r->session_digest, &until, &phone_until);
        json_t *w = elevation_json(until);
        json_object_update(out, w);
        json_decref(w);
    }
    tb_reply_json(r, 200, out);
}

typedef struct {
    tb_req *r;
    const face_row *f;
    const char *status, *reason;
    int changed;
} settle_ctx;

static int settle_tx(tb_db *db, void *arg)
{
    settle_ctx *s = arg;
    if ((s->changed = store_face_settle(db, s->f->id, s->status, s->reason)) != 1)
        return s->changed < 0 ? -1 : 0;
    bool passed = !strcmp(s->status, "passed");
    if (passed &&
        store_session_set_elevated(db, s->f->session_digest, tb_now() + (int64_t)tb_cfg.elevate_minutes * 60) != 0)
        s->changed = 0; /* the session ended meanwhile: the pass opens nothing */
    return audit_record_as(db, "citizen", tb_arena_printf(s->r->arena, "%lld", (long long)s->f->citizen_id),
                           s->r->ip, "citizen.elevate", "face", passed ? "ok" : "failed", s->reason ? s->reason : "");
}

/* The app's verdict on a challenge. pass: the face matched the person of id_number (checked here against
 * the account). Replies {status}. */
static void settle(tb_req *r, const char *token, bool pass, const char *id_number, const char *reason)
{
    face_row f;
    if (!token || store_face_get(r, digest_of(r, token), &f) != 0)
        return tb_reply_err(r, TB_E_FACE_CHALLENGE_NOT_FOUND, "challenge");
    if (strcmp(f.status, "pending") || f.expires_at <= tb_now())
        return tb_reply_err(r, TB_E_FACE_CHALLENGE_USED, "challenge");
    if (pass) {
        citizen_row c;
        const char *own = store_citizen_by_id(r, f.citizen_id, &c) == 0 ? identity_reveal(r, c.id_number_enc) : NULL;
        char given[24] = "";
        snprintf(given, sizeof given, "%s", id_number ? id_number : "");
        if (given[17] == 'x')
            given[17] = 'X';
        if (!own || strlen(given) != strlen(own) || !tb_ct_equal(given, own, strlen(own)))
            pass = false, reason = "人证不符";
    }
    settle_ctx s = {r, &f, pass ? "passed" : "failed", pass ? NULL : (reason && *reason ? reason : "人脸比对未通过")};
    if (tb_db_tx(r->db, settle_tx, &s) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (s.changed != 1)
        return tb_reply_err(r, TB_E_FACE_CHALLENGE_USED, "challenge");
    tb_reply_json(r, 200, json_pack("{s:s}", "status", s.status));
}

/* POST /api/v1/face/callback (the face-verification service). */
static void post_callback(tb_req *r)
{
    if (strcmp(tb_cfg.face_provider, "http")) /* the sandbox and off take no callbacks */
        return tb_reply_err(r, TB_E_FACE_NOT_AVAILABLE, NULL);
    if (!tb_req_signed(r, tb_cfg.face_secret, SIGNATURE_SKEW)) {
        audit_record(r, "face.callback", "", "refused", "signature");
        return tb_reply_err(r, TB_E_FACE_SIGNATURE_INVALID, NULL);
    }
    const char *token = NULL, *result = NULL, *id_number = NULL, *reason = NULL;
    tb_jfield spec[] = {TB_JSTR("challenge", &token, true, 64), TB_JSTR("result", &result, true, 8),
                        TB_JSTR("id_number", &id_number, false, 18), TB_JSTR("reason", &reason, false, 100),
                        TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (strcmp(result, "pass") && strcmp(result, "fail"))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "result");
    settle(r, token, !strcmp(result, "pass"), id_number, reason);
}

/* POST /api/v1/sandbox/face/{token}: the demo's stand-in for the app. pass: the account holder's face;
 * mismatch: somebody else's; fail: no live face. */
static void post_sandbox(tb_req *r)
{
    const char *result = NULL;
    tb_jfield spec[] = {TB_JSTR("result", &result, true, 10), TB_JEND};
    if (!identity_face_sandbox())
        return tb_reply_err(r, TB_E_NOT_FOUND, NULL);
    if (!tb_req_json_spec(r, spec))
        return;
    face_row f;
    citizen_row c;
    if (store_face_get(r, digest_of(r, r->params[0]), &f) != 0 || store_citizen_by_id(r, f.citizen_id, &c) != 0)
        return tb_reply_err(r, TB_E_FACE_CHALLENGE_NOT_FOUND, "token");
    if (!strcmp(result, "pass"))
        return settle(r, r->params[0], true, identity_reveal(r, c.id_number_enc), NULL);
    if (!strcmp(result, "mismatch"))
        return settle(r, r->params[0], true, "11010519491231002X", NULL);
    if (!strcmp(result, "fail"))
        return settle(r, r->params[0], false, NULL, "活体检测未通过");
    tb_reply_err(r, TB_E_INVALID_FIELD, "result");
}

int identity_face_check(char *err, size_t errlen)
{
    const char *p = tb_cfg.face_provider;
    if (strcmp(p, "off") && strcmp(p, "sandbox") && strcmp(p, "http")) {
        snprintf(err, errlen, "人脸识别认证 face_provider \"%s\" 无效：只能是 off、sandbox 或 http", p);
        return -1;
    }
    if (!strcmp(p, "http") && !tb_cfg.face_secret[0]) {
        snprintf(err, errlen, "face_provider = http 需要配置 face_secret（人脸核验服务回调签名的密钥）");
        return -1;
    }
    if (tb_cfg.face_challenge_seconds < 30 || tb_cfg.face_challenge_seconds > 600) {
        snprintf(err, errlen, "face_challenge_seconds 须在 30 到 600 之间: %d", tb_cfg.face_challenge_seconds);
        return -1;
    }
    if (!strcmp(p, "sandbox"))
        tb_warn("face verification is the sandbox: anyone holding a challenge token can pass it at "
                "/api/v1/sandbox/face/{token}. Never run a public deployment like this.");
    return 0;
}

static const tb_route routes[] = {
    {"POST", "/api/v1/me/elevate/face", post_challenge, TB_AUTH_CITIZEN, NULL, 0, "identity",
     "二次认证：生成人脸识别认证二维码"},
    {"GET", "/api/v1/me/elevate/face/{token}", get_challenge, TB_AUTH_CITIZEN, NULL, 0, "identity",
     "二次认证：人脸识别认证结果（轮询）"},
    {"POST", "/api/v1/face/callback", post_callback, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "identity",
     "人脸核验服务回调（HMAC-SM3 签名）"},
    {"POST", "/api/v1/sandbox/face/{token}", post_sandbox, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "identity",
     "沙箱：模拟手机 APP 完成人脸核验（仅沙箱模式）"},
};

void identity_face_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
