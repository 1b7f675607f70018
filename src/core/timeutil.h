/* Time as integer seconds/milliseconds since the epoch; formatting in
 * China Standard Time (+08:00, no daylight saving). */
#ifndef TB_CORE_TIMEUTIL_H
#define TB_CORE_TIMEUTIL_H

#include <stdint.h>

int64_t tb_now(void);
int64_t tb_now_ms(void);
double tb_monotonic(void);
/* "2026-11-28T20:15:03+08:00"; out needs 26 bytes */
void tb_time_iso(int64_t epoch, char out[32]);
/* "2026-11-28T20:15:03.123+08:00" */
void tb_time_iso_ms(int64_t epoch_ms, char out[40]);
/* "20261128" in +08:00 */
void tb_date_compact(int64_t epoch, char out[9]);
/* Test hook: when set, tb_now() returns this value (0 = real clock). */
void tb_time_freeze(int64_t epoch);

#endif
