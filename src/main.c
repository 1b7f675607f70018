/* tongban: one binary, subcommands in one table. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "db/db.h"
#include "http/http.h"
#include "mod/agent/agent.h"
#include "mod/assistant/assistant.h"
#include "mod/booking/booking.h"
#include "mod/evaluation/evaluation.h"
#include "mod/catalog/catalog.h"
#include "mod/identity/identity.h"
#include "mod/kb/kb.h"
#include "mod/audit/audit.h"
#include "mod/modules.h"
#include "mod/notify/notify_internal.h"
#include "mod/org/org.h"
#include "mod/work/work.h"
#include "rules/rules.h"
#include "rules/validators.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} command;

static const command *find_command(const char *name);

/* Loads configuration (--config FILE may precede other options) and keys. */
static int setup(int argc, char **argv, bool need_keys)
{
    const char *path = NULL;
    for (int i = 1; i < argc - 1; i++)
        if (!strcmp(argv[i], "--config"))
            path = argv[i + 1];
    char err[512];
    if (tb_config_load(&tb_cfg, path, err, sizeof err) != 0) {
        fprintf(stderr, "tongban: %s\n", err);
        return -1;
    }
    tb_log_set_level(tb_cfg.log_level);
    if (!need_keys)
        return 0;
    char keys[600];
    mkdir(tb_cfg.data_dir, 0700);
    snprintf(keys, sizeof keys, "%s/keys", tb_cfg.data_dir);
    if (tb_crypto_init(keys, err, sizeof err) != 0) {
        fprintf(stderr, "tongban: %s\n", err);
        return -1;
    }
    return 0;
}

/* Opens the database and brings the schema up to date. */
static tb_db *open_migrated(void)
{
    char err[1024];
    if (strncmp(tb_cfg.database, "postgres", 8)) { /* make the SQLite file's directory */
        char dir[1024];
        snprintf(dir, sizeof dir, "%s", tb_cfg.database);
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = '\0';
            mkdir(dir, 0700);
        }
    }
    tb_db *db = tb_db_open(tb_cfg.database, err, sizeof err);
    if (!db) {
        fprintf(stderr, "tongban: %s\n", err);
        return NULL;
    }
    if (tb_db_migrate(db, err, sizeof err) != 0) {
        fprintf(stderr, "tongban: %s\n", err);
        tb_db_close(db);
        return NULL;
    }
    return db;
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

static int cmd_serve(int argc, char **argv)
{
    char err[512];
    if (setup(argc, argv, true) != 0)
        return 1;
    tb_db *db = open_migrated();
    if (!db)
        return 1;
    tb_info("database schema at version %d", tb_db_schema_version(db));
    tb_db_close(db);
    tb_modules_register();
    if (tb_modules_check(err, sizeof err) != 0) {
        fprintf(stderr, "tongban: %s\n", err);
        return 1;
    }
    if (work_scheduler_start() != 0)
        tb_warn("work: the deadline scheduler could not start");
    if (booking_sweep_start() != 0)
        tb_warn("booking: the no-show sweep could not start");
    if (evaluation_sweep_start() != 0)
        tb_warn("evaluation: the default-rating sweep could not start");
    if (notify_worker_start() != 0)
        tb_warn("notify: the message delivery worker could not start");
    if (agent_sweep_start() != 0)
        tb_warn("agent: the assignment and idle sweep could not start");
    return tb_server_run() == 0 ? 0 : 1;
}

static int cmd_migrate(int argc, char **argv)
{
    if (setup(argc, argv, false) != 0)
        return 1;
    tb_db *db = open_migrated();
    if (!db)
        return 1;
    printf("数据库结构已是最新版本: %d\n", tb_db_schema_version(db));
    tb_db_close(db);
    return 0;
}

static int cmd_seed(int argc, char **argv)
{
    if (setup(argc, argv, true) != 0)
        return 1;
    const char *dir = tb_cfg.seed_dir, *regions = tb_cfg.regions_file;
    for (int i = 1; i < argc - 1; i++) {
        if (!strcmp(argv[i], "--dir"))
            dir = argv[i + 1];
        if (!strcmp(argv[i], "--regions"))
            regions = argv[i + 1];
    }
    tb_db *db = open_migrated();
    if (!db)
        return 1;
    char err[1024];
    int rc = catalog_seed(db, dir, regions, err, sizeof err);
    if (rc == 0)
        rc = org_seed(db, dir, err, sizeof err); /* departments need the regions */
    if (rc == 0)
        rc = work_seed(db, dir, err, sizeof err); /* flows need the roles */
    if (rc == 0)
        rc = booking_seed(db, dir, err, sizeof err); /* halls need departments and matters */
    if (rc == 0)
        rc = kb_seed(db, dir, err, sizeof err); /* public content and the knowledge categories */
    if (rc == 0)
        rc = assistant_seed(db, dir, err, sizeof err); /* guided dialogues name matters */
    if (rc != 0)
        fprintf(stderr, "tongban: 演示数据导入失败: %s\n", err);
    else
        printf("演示数据已导入（%s，区划 %s）\n", dir, regions);
    tb_db_close(db);
    return rc == 0 ? 0 : 1;
}

static int read_password_stdin(char *out, size_t cap)
{
    if (!fgets(out, (int)cap, stdin))
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return out[0] ? 0 : -1;
}

static int cmd_user(int argc, char **argv)
{
    static const struct option opts[] = {{"login", required_argument, 0, 'l'}, {"name", required_argument, 0, 'n'},
                                         {"role", required_argument, 0, 'r'}, {"password-stdin", no_argument, 0, 'p'},
                                         {"config", required_argument, 0, 'c'},
                                         {"department", required_argument, 0, 'd'}, {0, 0, 0, 0}};
    const char *login = NULL, *name = NULL, *role = "staff", *dept = NULL;
    bool from_stdin = false;
    int c;
    if (argc < 2 || strcmp(argv[1], "add")) {
        fprintf(stderr, "%s\n", find_command("user")->usage);
        return 2;
    }
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'l') login = optarg;
        else if (c == 'n') name = optarg;
        else if (c == 'r') role = optarg;
        else if (c == 'p') from_stdin = true;
        else if (c == 'd') dept = optarg;
        else if (c != 'c') return 2;
    }
    if (!login || !name) {
        fprintf(stderr, "tongban: user add 需要 --login 和 --name\n");
        return 2;
    }
    if (setup(argc, argv, true) != 0)
        return 1;
    char password[256], err[512];
    if (from_stdin ? read_password_stdin(password, sizeof password) != 0 : 0) {
        fprintf(stderr, "tongban: 未从标准输入读到密码\n");
        return 2;
    }
    if (!from_stdin) { /* generated: 20 random chars always meet the policy */
        char token[40];
        tb_random_token(token, 15);
        snprintf(password, sizeof password, "Tb-%s9a", token);
    }
    tb_db *db = open_migrated();
    if (!db)
        return 1;
    char *secret, *uri;
    int rc = org_user_add(db, login, name, role, dept, password, &secret, &uri, err, sizeof err);
    tb_db_close(db);
    if (rc != 0) {
        fprintf(stderr, "tongban: 创建账号失败: %s\n", err);
        return 1;
    }
    printf("已创建工作人员账号 %s（%s，角色 %s）\n", login, name, role);
    if (!from_stdin)
        printf("初始密码（只显示这一次）：%s\n", password);
    printf("动态口令密钥（只显示这一次，请在身份验证器中输入或扫描下方链接）：");
    for (const char *p = secret; *p; p += 4) /* groups of four, as authenticator apps show them */
        printf("%.4s%s", p, p[4] ? " " : "\n");
    printf("%s\n", uri);
    tb_wipe(password, sizeof password);
    tb_wipe(secret, strlen(secret));
    free(secret);
    free(uri);
    return 0;
}

static int cmd_audit(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "verify")) {
        fprintf(stderr, "%s\n", find_command("audit")->usage);
        return 2;
    }
    if (setup(argc, argv, true) != 0)
        return 1;
    tb_db *db = open_migrated();
    if (!db)
        return 1;
    int64_t rows = 0;
    int bad = audit_verify(db, stdout, &rows) + org_verify_acl(db, stdout);
    tb_db_close(db);
    if (bad)
        printf("审计校验未通过：发现 %d 处篡改或删除（已检查审计记录 %lld 条）\n", bad, (long long)rows);
    else
        printf("审计校验通过：审计记录 %lld 条，访问控制数据完整\n", (long long)rows);
    return bad ? 1 : 0;
}

/* YYYY-MM-DD as the epoch of that day's start in Beijing time; -1 when malformed. */
static int64_t beijing_day_start(const char *s)
{
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 2000 || m < 1 || m > 12 ||
        d < 1 || d > 31)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    if (tm.tm_mday != d) /* 02-30 normalised to another day */
        return -1;
    return (int64_t)t - 8 * 3600;
}

static int cmd_retention(int argc, char **argv)
{
    static const struct option opts[] = {{"before", required_argument, 0, 'b'}, {"approval", required_argument, 0, 'a'},
                                         {"dry-run", no_argument, 0, 'n'}, {"config", required_argument, 0, 'c'},
                                         {0, 0, 0, 0}};
    const char *before_text = NULL, *approval = NULL;
    bool dry_run = false;
    int c;
    if (argc < 2 || strcmp(argv[1], "purge")) {
        fprintf(stderr, "%s\n", find_command("retention")->usage);
        return 2;
    }
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'b') before_text = optarg;
        else if (c == 'a') approval = optarg;
        else if (c == 'n') dry_run = true;
        else if (c != 'c') return 2;
    }
    int64_t before = beijing_day_start(before_text);
    if (before < 0 || before > tb_now()) {
        fprintf(stderr, "tongban: --before 须为今天或更早的日期（YYYY-MM-DD，北京时间）\n");
        return 2;
    }
    if (!dry_run && (!approval || !*approval || strlen(approval) > 200)) {
        fprintf(stderr, "tongban: 销毁须用 --approval 写明档案销毁审批（文号或编号，200 字节以内）\n");
        return 2;
    }
    if (setup(argc, argv, true) != 0)
        return 1;
    tb_db *db = open_migrated();
    if (!db)
        return 1;
    int64_t n = dry_run ? identity_retention_due(db, before) : identity_retention_purge(db, before, before_text, approval);
    tb_db_close(db);
    if (n < 0) {
        fprintf(stderr, "tongban: 数据库错误，未做任何更改\n");
        return 1;
    }
    if (dry_run)
        printf("%s 之前注销、尚未销毁的账号：%lld 个（试运行，未做更改）\n", before_text, (long long)n);
    else
        printf("已销毁 %lld 个账号保留的身份证号、手机号及索引（%s 之前注销；审批：%s），已记审计日志\n", (long long)n,
               before_text, approval);
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    printf("tongban %s\n", TB_VERSION);
    return 0;
}

static int cmd_rule_worker(int argc, char **argv) { return tb_rule_worker_main(); }

static const command commands[] = {
    {"serve", cmd_serve, "用法: tongban serve [--config FILE]\n  启动服务（HTTP 接口、门户静态页面），启动时自动迁移数据库。"},
    {"migrate", cmd_migrate, "用法: tongban migrate [--config FILE]\n  将数据库结构升级到最新版本。"},
    {"seed", cmd_seed, "用法: tongban seed [--config FILE] [--dir seed] [--regions build/regions.json]\n"
                       "  导入演示数据：代码表、黑龙江省行政区划、公安政务服务事项（可重复执行）。"},
    {"user", cmd_user, "用法: tongban user add --login LOGIN --name 姓名 [--role 角色代码] [--department 部门] [--password-stdin]\n"
                       "  创建工作人员账号并绑定动态口令（密钥只显示一次）；不带 --password-stdin 时生成随机初始密码并只显示一次。\n"
                       "  角色代码：sys_admin 系统管理员、sec_admin 安全管理员、audit_admin 审计管理员、accept_officer 受理民警、\n"
                       "  approve_leader 审批领导、section_chief 科长（admin = sys_admin，staff = accept_officer）。"},
    {"audit", cmd_audit, "用法: tongban audit verify [--config FILE]\n"
                         "  校验审计日志链与访问控制数据的完整性，逐条列出被篡改或删除的记录；有问题时退出码非零。"},
    {"retention", cmd_retention,
     "用法: tongban retention purge --before YYYY-MM-DD (--approval 审批文号 | --dry-run) [--config FILE]\n"
     "  个人信息保留规则（运维手册 §15）：销毁在该日期（北京时间）之前注销的账号仍加密保留的身份证号、手机号和\n"
     "  释放的索引（姓名与办件等业务记录不动）；须写明档案销毁审批，一次事务完成并记审计日志。--dry-run 只统计个数。"},
    {"version", cmd_version, "用法: tongban version\n  显示版本。"},
    {"rule-worker", cmd_rule_worker, "用法: tongban rule-worker\n  内部使用：沙箱化的校验规则执行进程。"},
};

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "通办 Tongban %s — 互联网+公安政务服务平台\n\n用法: tongban <命令> [选项]\n\n命令:\n", TB_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, strchr(commands[i].usage, '\n') + 3);
    fprintf(f, "\n配置: tongban.ini 或 --config FILE；环境变量 TONGBAN_LISTEN、TONGBAN_DATABASE、TONGBAN_DATA_DIR 等覆盖。\n"
               "每个命令都支持 --help。\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    const command *c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "tongban: 未知命令 \"%s\"\n\n", argv[1]);
        usage(stderr);
        return 2;
    }
    if (wants_help(argc - 1, argv + 1)) {
        printf("%s\n", c->usage);
        return 0;
    }
    return c->run(argc - 1, argv + 1);
}
