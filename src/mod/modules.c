/* The list of domain modules: registration of their routes and their
 * start-up checks, in one place. */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "http/http.h"
#include "mod/agent/agent.h"
#include "mod/assistant/assistant.h"
#include "mod/audit/audit.h"
#include "mod/booking/booking.h"
#include "mod/calendar/calendar.h"
#include "mod/cases/cases.h"
#include "mod/catalog/catalog.h"
#include "mod/evaluation/evaluation.h"
#include "mod/feedback/feedback.h"
#include "mod/identity/identity.h"
#include "mod/kb/kb.h"
#include "mod/modules.h"
#include "mod/notify/notify.h"
#include "mod/org/org.h"
#include "mod/work/work.h"

void tb_service_register(void);
void identity_staff_register(void); /* staff sign-in second step, src/mod/identity/staff.c */

void tb_modules_register(void)
{
    tb_router_reset();
    tb_service_register();
    identity_register();
    catalog_register();
    cases_register();
    notify_register();
    audit_register();
    calendar_register();
    identity_staff_register();
    org_register();
    work_register();
    booking_register();
    evaluation_register();
    feedback_register();
    kb_register();
    agent_register();
    assistant_register();
}

int tb_modules_check(char *err, size_t errlen)
{
    if (cases_serial_rule_ok(tb_cfg.serial_rule) != 0) {
        snprintf(err, errlen, "办件编号规则无效: %s（需包含且仅包含一个 {seq:N}）", tb_cfg.serial_rule);
        return -1;
    }
    if (strcmp(tb_cfg.queue_booked_insert, "end3") && strcmp(tb_cfg.queue_booked_insert, "front3")) {
        snprintf(err, errlen, "queue_booked_insert 只能是 end3 或 front3: %s", tb_cfg.queue_booked_insert);
        return -1;
    }
    if (tb_cfg.kb_review_levels != 1 && tb_cfg.kb_review_levels != 2) {
        snprintf(err, errlen, "kb_review_levels 只能是 1 或 2: %d", tb_cfg.kb_review_levels);
        return -1;
    }
    if (assistant_init(err, errlen) != 0 || identity_face_check(err, errlen) != 0)
        return -1;
    return notify_init(err, errlen);
}
