#include "core/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/timeutil.h"

static int min_level = TB_LOG_INFO;
static const char *names[] = {"debug", "info", "warn", "error"};

void tb_log_set_level(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (name && strcmp(name, names[i]) == 0)
            min_level = i;
}

void tb_log(int level, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char msg[2048], ts[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tb_time_iso_ms(tb_now_ms(), ts);
    json_t *o = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", names[level], "msg", msg);
    char *line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (line) {
        size_t n = strlen(line);
        line[n] = '\n'; /* json_dumps leaves room only for NUL: write in two parts */
        if (write(2, line, n + 1) < 0) { /* nothing sensible left to do */ }
        free(line);
    }
}

void tb_log_access(const char *line, int len)
{
    if (write(1, line, (size_t)len) < 0) { /* stdout closed: drop */ }
}
