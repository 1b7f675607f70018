/* Logs are JSON lines: diagnostics on stderr, the access log on stdout.
 * Never log passwords, tokens or full ID numbers. */
#ifndef TB_CORE_LOG_H
#define TB_CORE_LOG_H

enum { TB_LOG_DEBUG, TB_LOG_INFO, TB_LOG_WARN, TB_LOG_ERROR };

void tb_log_set_level(const char *name);
void tb_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define tb_debug(...) tb_log(TB_LOG_DEBUG, __VA_ARGS__)
#define tb_info(...) tb_log(TB_LOG_INFO, __VA_ARGS__)
#define tb_warn(...) tb_log(TB_LOG_WARN, __VA_ARGS__)
#define tb_error(...) tb_log(TB_LOG_ERROR, __VA_ARGS__)
/* Writes one ready JSON line to stdout (access log), atomically. */
void tb_log_access(const char *line, int len);

#endif
