/* Configuration: defaults, then an INI file (libinih), then TONGBAN_*
 * environment variables. One flat section-less key space; keys are the
 * lower-case names below, environment names their upper-case TONGBAN_ form. */
#ifndef TB_CORE_CONFIG_H
#define TB_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char listen[128];          /* host:port */
    char database[1024];       /* file path or postgres:// URL */
    char data_dir[512];        /* uploads, keys */
    char web_root[512];        /* built web assets (web/dist) */
    char seed_dir[512];        /* demo data (seed/) */
    char regions_file[512];    /* generated at build time */
    char sms_provider[32];     /* sandbox */
    char serial_rule[128];     /* business coding rule for 办件编号 */
    char log_level[16];
    char sqlite_synchronous[16];
    int threads;               /* 0 = one per core */
    bool secure_cookies;
    bool trust_proxy;          /* take the client address from X-Forwarded-For */
    int session_idle_minutes;
    int session_absolute_hours;
    int login_max_failures;
    int login_window_minutes;
    int login_lock_minutes;
    int progress_per_minute;
    int sms_per_ip_hour;
    int upload_max_mb;
    int body_max_kb;
    int rule_timeout_ms;
    int booking_cutoff_minutes;    /* cancel/reschedule until N minutes before the slot */
    int booking_max_active;        /* active bookings per booker (account or phone) */
    int booking_noshow_limit;      /* no-shows that put an ID number on the blacklist */
    int booking_blacklist_days;
    int queue_skip_return_minutes; /* a skipped number may come back within N minutes, once */
    char queue_booked_insert[16];  /* end3: three places ahead of the end; front3: behind the first three */
    int booking_sweep_seconds;     /* how often the no-show sweep runs */
    int evaluation_default_days;   /* unrated after N natural days -> 基本满意 (default channel) */
    int evaluation_rectify_days;   /* a verified bad rating is rectified within N natural days */
    int evaluation_sweep_seconds;  /* how often the default-rating sweep runs */
    /* message delivery (src/mod/notify/deliver.c, providers.c) */
    char sms_http_url[512];        /* sms_provider = http: the provider's endpoint */
    char sms_http_secret[256];     /* HMAC-SM3 key of the request signature */
    char sms_fallback_provider[32]; /* none | sandbox | http2 */
    char sms_http2_url[512];
    char sms_http2_secret[256];
    char smtp_url[512];            /* smtp://host:port or smtps://host:port; empty: e-mail to the sandbox */
    char smtp_from[256];
    char smtp_user[256];
    char smtp_password[256];
    int notify_max_attempts;       /* attempts before a message is dead */
    int notify_backoff_seconds;    /* first retry delay, doubling, at most one hour */
    int notify_breaker_failures;   /* consecutive failures that open a provider's breaker */
    int notify_breaker_seconds;    /* how long an open breaker skips the provider */
    int notify_worker_ms;          /* poll interval of the delivery worker */
    int notify_timeout_seconds;    /* one provider request */
    int notify_lease_seconds;      /* a claimed message is retaken by any node after this */
    int elevate_minutes;           /* second factor (SMS or face): how long the elevated window stays open */
    char face_provider[16];        /* face verification of the second factor: off | sandbox | http (a signed callback) */
    char face_secret[256];         /* HMAC-SM3 key the face-verification service signs its callbacks with */
    int face_challenge_seconds;    /* how long a face-verification QR code may be used */
    char sensitive_words_file[512]; /* sensitive words, one a line; "" = <seed_dir>/sensitive-words.txt; SIGHUP reloads */
    int kb_review_levels;          /* knowledge review: 1 upward (any reviewer), 2 first-level then second-level */
    /* server-sent events (src/http/stream.c) and human agents (src/mod/agent) */
    int sse_max_streams;           /* open event streams per process; more get 503 STREAM_LIMIT */
    int sse_poll_ms;               /* how often each event loop looks for new events of its streams */
    int sse_heartbeat_seconds;     /* comment line on a silent stream */
    int agent_default_channels;    /* concurrent sessions of an agent until the supervisor sets it */
    int agent_idle_prompt_seconds; /* citizen silent this long in a session: a friendly prompt */
    int agent_idle_close_seconds;  /* ... and this long: the session is closed, the channel freed */
    int agent_queue_notify_seconds; /* queue position re-sent to waiting citizens at least this often */
    int agent_history_hours;       /* earlier sessions of a visitor shown to the agent */
    int agent_sweep_ms;            /* assignment, idle and queue sweep interval */
    int agent_sessions_per_ip_hour; /* new 人工客服 sessions from one address per hour */
} tb_config;

/* path may be NULL: then $TONGBAN_CONFIG, then ./tongban.ini if present.
 * Returns 0, or -1 with a message in err. */
int tb_config_load(tb_config *c, const char *path, char *err, size_t errlen);
/* Applies one key=value; returns 0, or -1 for an unknown key or bad value. */
int tb_config_set(tb_config *c, const char *key, const char *value);
void tb_config_defaults(tb_config *c);
/* Relative asset paths (seed_dir, regions_file, web_root) that do not exist
 * from the working directory are looked up from the source tree the binary
 * was built in (<tree>/build/tongban), so `build/tongban seed` works from
 * anywhere. */
void tb_config_resolve_paths(tb_config *c);
/* The process-wide configuration, set once at start-up. */
extern tb_config tb_cfg;

#endif
