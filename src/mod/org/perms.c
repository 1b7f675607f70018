/* The registry of permission codes: one per action, with its Chinese name and
 * its category. The category decides which kind of role may carry it: a
 * system, security or audit administrator role carries only its own
 * category (三员分立), a business role only business permissions. */
#include <string.h>

#include "mod/org/org_internal.h"

static const org_perm perms[] = {
    /* system administrator: organisation, staff, configuration, flows and matters */
    {"org.dept.read", "查看组织机构", "system"},
    {"org.dept.write", "维护组织机构（新增、修改、移动、删除、导入）", "system"},
    {"org.staff.read", "查看工作人员", "system"},
    {"org.staff.write", "维护工作人员（新增、修改、调动、退休、导入）", "system"},
    {"org.group.write", "维护用户组", "system"},
    {"calendar.write", "维护工作日历", "system"},
    {"notify.outbox.read", "查看短信发件箱", "system"},
    {"notify.template.write", "维护消息模板", "system"},
    {"notify.app.write", "维护消息接入应用（密钥、可用模板、回调）", "system"},
    {"notify.message.read", "查询消息发送记录与统计、重新发送", "system"},
    {"work.flow.design", "设计与发布流程", "system"},
    {"work.matter.config", "配置事项（表单、流程绑定与发布）", "system"},
    {"hall.manage", "维护办事大厅、窗口、可预约事项与号源", "system"},
    {"search.synonym.write", "维护搜索同义词", "system"},
    /* security administrator: roles, permissions, assignments, bans and unlocks */
    {"authz.role.read", "查看角色与权限", "security"},
    {"authz.role.write", "维护角色、权限与数据范围", "security"},
    {"authz.assign", "为工作人员分配角色", "security"},
    {"authz.staff.ban", "封禁账号、申请解封", "security"},
    {"authz.credential.reset", "重置账号密码和动态口令", "security"},
    {"authz.unlock", "解除登录锁定", "security"},
    /* audit administrator: reading the trail only */
    {"audit.read", "查阅审计日志", "audit"},
    {"audit.export", "导出审计日志", "audit"},
    /* business */
    {"work.case.read", "查看办件", "business"},
    {"work.case.act", "办理办件（受理、补正、审批、办结）", "business"},
    {"work.case.supervise", "督办（处理范围内任意任务、调整期限）", "business"},
    {"booking.read", "查看大厅预约", "business"},
    {"booking.blacklist", "管理预约黑名单（查看、解除）", "business"},
    {"queue.call", "窗口叫号（呼叫、重呼、过号、受理、办结）", "business"},
    {"queue.kiosk", "大厅取号机（预约签到、现场取号）", "business"},
    {"evaluation.read", "查看好差评（评价、汇总、整改任务）", "business"},
    {"evaluation.review", "审核文字评价（公开或不公开）", "business"},
    {"evaluation.verify", "核实差评（属实则开启整改）", "business"},
    {"evaluation.rectify", "差评整改（延期说明、记录整改结果并反馈）", "business"},
    {"evaluation.export", "导出好差评数据", "business"},
    {"feedback.read", "查看咨询、投诉、建议", "business"},
    {"feedback.reply", "答复咨询、建议", "business"},
    {"complaint.handle", "投诉受理（录入来电来访、登记、调查、办结）", "business"},
    {"complaint.review", "投诉审核与批示", "business"},
    {"complaint.stats", "投诉统计（部门、人员绩效）", "business"},
    {"assistant.dialogue.read", "查看智能客服多轮问答模板", "business"},
    {"assistant.dialogue.write", "维护智能客服多轮问答模板（编辑、校验、发布、停用）", "business"},
    {"agent.serve", "人工客服接待（坐席状态、会话、常用语、转接、疑难登记）", "business"},
    {"agent.supervise", "客服班长（坐席状态监控、通道设置）", "business"},
    {"kb.read", "查看知识库（分类、知识、流转记录）", "business"},
    {"kb.edit", "知识采编（栏目分类、知识新增修改删除、导入导出、评价处置、未解决问题）", "business"},
    {"kb.review", "知识审核（审核通过上架、退回修改）", "business"},
    {"kb.stats", "知识统计分析与运营管理", "business"},
    {"content.write", "维护公示公告、政策法规、网站常见问题（编辑、发布、撤回）", "business"},
};

static const char *const kinds[][2] = {
    {"business", "业务"}, {"system", "系统管理员"}, {"security", "安全管理员"}, {"audit", "审计管理员"}};

static const char *const scopes[] = {"all", "region", "dept_tree", "dept", "self", "custom"};

const org_perm *org_perm_find(const char *code)
{
    for (size_t i = 0; code && i < sizeof perms / sizeof perms[0]; i++)
        if (!strcmp(perms[i].code, code))
            return &perms[i];
    return NULL;
}

json_t *org_perms_json(void)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof perms / sizeof perms[0]; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "code", perms[i].code, "name", perms[i].name,
                                           "category", perms[i].category, "category_name",
                                           org_kind_name(perms[i].category)));
    return a;
}

bool org_kind_valid(const char *kind) { return org_kind_name(kind) != NULL; }

const char *org_kind_name(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kinds[i][0], kind))
            return kinds[i][1];
    return NULL;
}

bool org_scope_valid(const char *scope)
{
    for (size_t i = 0; scope && i < sizeof scopes / sizeof scopes[0]; i++)
        if (!strcmp(scopes[i], scope))
            return true;
    return false;
}
