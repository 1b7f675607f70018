/* 人工客服 (§2-1-3-3-5): citizens (signed in or anonymous visitors) wait in
 * one queue and are assigned fairly — the longest waiting first, to the
 * least loaded online agent with a free channel — and chat with the agent
 * over server-sent event streams (docs/adr/0007). Agents switch between
 * online / busy / away, keep canned phrases, transfer to an expert (a skill
 * group or a named agent), see the visitor's last 48 hours, register
 * unresolved questions for the knowledge base; a supervisor watches agents
 * and sessions live. Idle sessions get a prompt and are closed; messages
 * are checked against the sensitive-word list both ways; the citizen rates
 * a closed session. */
#ifndef TB_MOD_AGENT_H
#define TB_MOD_AGENT_H

/* Routes of the module. */
void agent_register(void);
/* Starts the sweep (every agent_sweep_ms): assignment, idle prompts and closes, queue positions. 0 or -1. */
int agent_sweep_start(void);

#endif
