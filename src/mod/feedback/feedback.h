/* Consultations (咨询), complaints (投诉) and suggestions (建议) — §1-1-3-7-4-3/4/5 and §2-1-6-3.
 *
 * Citizens submit them from the portal and read them in 我的咨询 / 我的投诉 / 我的建议 (owner only; a
 * complaint's conclusion only inside the SMS second-factor window). Staff reply to consultations and
 * suggestions; complaints follow 登记 → 调查 → 审核 → (批示) → 办结 with every step recorded, the
 * conclusion naming the department and officer complained about and the finding (成立 / 部分成立 /
 * 不成立), which the statistics count per department and officer for performance assessment. Staff
 * also type in complaints received by phone or at a visit. Deadlines are working days on the
 * calendar: consultation 5, suggestion 10, complaint 15. */
#ifndef TB_MOD_FEEDBACK_H
#define TB_MOD_FEEDBACK_H

/* Routes of the module. */
void feedback_register(void);

#endif
