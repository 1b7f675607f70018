/* The smart assistant (智能客服, §1-1-3-3): the chat API of the portal widget.
 *
 * A question goes through, in order: the sensitive-word filter (a hit asks the user to rephrase
 * and goes nowhere else), the guided dialogue the session is in (§1-1-3-3-4: nodes with buttons
 * leading to an answer naming a matter, defined as data and edited in the work portal), the
 * triggers of published dialogues, chit-chat (§1-1-3-3-10), then the knowledge base (kb_answer,
 * restricted to the session's region, grouped by library, §1-1-3-3-9) and the matter catalog (a
 * named matter answers with its materials and the apply link); when nothing answers, the default
 * reply offers the human channels and records the question as unresolved. Every reply is stored
 * with the question (history per citizen or per anonymous session, 30 days) and may be rated
 * 满意 / 不满意 with reason tags (§1-1-3-3-12; 不满意 opens a 差评 item for knowledge editors). */
#ifndef TB_MOD_ASSISTANT_H
#define TB_MOD_ASSISTANT_H

#include <stddef.h>

#include "db/db.h"

/* Routes of the module. */
void assistant_register(void);
/* Start-up of `serve`: SIGHUP reloads the sensitive-word list; an hourly job deletes questions
 * older than 180 days. 0, or -1 with err. */
int assistant_init(char *err, size_t errlen);
/* `tongban seed`: the dialogues of <dir>/dialogues.json, added (and published) when their code is
 * not there yet. Idempotent. 0, or -1 with err. */
int assistant_seed(tb_db *db, const char *dir, char *err, size_t errlen);

#endif
