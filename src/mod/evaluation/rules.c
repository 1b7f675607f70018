/* The fixed vocabularies of 好差评: the five levels with their GB/T 39046
 * A.8 codes, the evaluation channels of table 9, and the reason tags a bad
 * rating picks from. */
#include <string.h>

#include "mod/evaluation/evaluation_internal.h"

static const ev_level levels[] = {
    {"very_satisfied", "非常满意", 1}, {"satisfied", "满意", 2},           {"basic", "基本满意", 3},
    {"dissatisfied", "不满意", 4},     {"very_dissatisfied", "非常不满意", 5},
};

static const ev_named channels[] = {
    {"pc", "PC端"},           {"mobile", "移动服务端"},
    {"qrcode", "二维码"},     {"hall_tablet", "政务大厅平板电脑"},
    {"hall_terminal", "政务大厅其他终端"}, {"phone", "电话"},
    {"sms", "短信"},          {"default", "系统默认评价"},
};

static const ev_named tags[] = {
    {"attitude", "服务态度差"},         {"slow", "办理时间长、超时办结"},
    {"repeat", "多次跑动、重复提交材料"}, {"guide", "办事指南不清楚、与实际不符"},
    {"system", "网上办理系统不好用"},   {"fee", "乱收费、多收费"},
    {"result", "办理结果不正确"},       {"other", "其他"},
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

const ev_level *ev_levels(int *n) { return *n = N(levels), levels; }
const ev_named *ev_channels(int *n) { return *n = N(channels), channels; }
const ev_named *ev_tags(int *n) { return *n = N(tags), tags; }

const ev_level *ev_level_find(const char *key)
{
    for (int i = 0; key && i < N(levels); i++)
        if (!strcmp(levels[i].key, key))
            return &levels[i];
    return NULL;
}

bool ev_level_bad(const char *key)
{
    const ev_level *l = ev_level_find(key);
    return l && l->code >= 4;
}

static const ev_named *find(const ev_named *list, int n, const char *key)
{
    for (int i = 0; key && i < n; i++)
        if (!strcmp(list[i].key, key))
            return &list[i];
    return NULL;
}

const ev_named *ev_channel_find(const char *key) { return find(channels, N(channels), key); }
const ev_named *ev_tag_find(const char *key) { return find(tags, N(tags), key); }

json_t *ev_options_json(void)
{
    json_t *l = json_array(), *c = json_array(), *t = json_array();
    for (int i = 0; i < N(levels); i++)
        json_array_append_new(l, json_pack("{s:s, s:s, s:i, s:b}", "key", levels[i].key, "name", levels[i].name,
                                           "code", levels[i].code, "reason_required", levels[i].code >= 4));
    for (int i = 0; i < N(channels); i++)
        json_array_append_new(c, json_pack("{s:s, s:s}", "key", channels[i].key, "name", channels[i].name));
    for (int i = 0; i < N(tags); i++)
        json_array_append_new(t, json_pack("{s:s, s:s}", "key", tags[i].key, "name", tags[i].name));
    return json_pack("{s:o, s:o, s:o, s:i}", "levels", l, "channels", c, "tags", t, "text_max", EV_TEXT_MAX);
}
