-- Working-day calendar shared by the deadline clock and appointment booking
-- (src/mod/calendar). A weekday is a working day unless listed here as a
-- holiday, a weekend day is a rest day unless listed here as a workday
-- (调休上班). Weekend days inside a leave block are listed too, so the
-- published calendar names every day of the block.
-- Administrators edit the rows through PUT/DELETE /api/v1/admin/calendar/{day}
-- and every edit bumps cache_epochs 'calendar', which makes every node reload.
CREATE TABLE calendar_days (
    day        TEXT PRIMARY KEY,   -- YYYY-MM-DD, China Standard Time (+08:00)
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       TEXT NOT NULL,      -- 春节, 国庆节调休上班 ...
    updated_at BIGINT,             -- epoch seconds, NULL for seeded rows
    updated_by TEXT                -- 'staff:<id>' or 'migration'
);

INSERT INTO cache_epochs(name, epoch) VALUES ('calendar', 1);

-- 2025: 《国务院办公厅关于2025年部分节假日安排的通知》（国办发明电〔2024〕12号，
-- 2024年11月12日）, the first year under the 2024 amendment of
-- 《全国年节及纪念日放假办法》 (春节 and 劳动节 one day longer).
INSERT INTO calendar_days(day, kind, name, updated_at, updated_by) VALUES
    ('2025-01-01', 'holiday', '元旦', NULL, 'migration'), -- 周三
    ('2025-01-26', 'workday', '春节调休上班', NULL, 'migration'), -- 周日
    ('2025-01-28', 'holiday', '春节', NULL, 'migration'), -- 周二
    ('2025-01-29', 'holiday', '春节', NULL, 'migration'), -- 周三
    ('2025-01-30', 'holiday', '春节', NULL, 'migration'), -- 周四
    ('2025-01-31', 'holiday', '春节', NULL, 'migration'), -- 周五
    ('2025-02-01', 'holiday', '春节', NULL, 'migration'), -- 周六
    ('2025-02-02', 'holiday', '春节', NULL, 'migration'), -- 周日
    ('2025-02-03', 'holiday', '春节', NULL, 'migration'), -- 周一
    ('2025-02-04', 'holiday', '春节', NULL, 'migration'), -- 周二
    ('2025-02-08', 'workday', '春节调休上班', NULL, 'migration'), -- 周六
    ('2025-04-04', 'holiday', '清明节', NULL, 'migration'), -- 周五
    ('2025-04-05', 'holiday', '清明节', NULL, 'migration'), -- 周六
    ('2025-04-06', 'holiday', '清明节', NULL, 'migration'), -- 周日
    ('2025-04-27', 'workday', '劳动节调休上班', NULL, 'migration'), -- 周日
    ('2025-05-01', 'holiday', '劳动节', NULL, 'migration'), -- 周四
    ('2025-05-02', 'holiday', '劳动节', NULL, 'migration'), -- 周五
    ('2025-05-03', 'holiday', '劳动节', NULL, 'migration'), -- 周六
    ('2025-05-04', 'holiday', '劳动节', NULL, 'migration'), -- 周日
    ('2025-05-05', 'holiday', '劳动节', NULL, 'migration'), -- 周一
    ('2025-05-31', 'holiday', '端午节', NULL, 'migration'), -- 周六
    ('2025-06-01', 'holiday', '端午节', NULL, 'migration'), -- 周日
    ('2025-06-02', 'holiday', '端午节', NULL, 'migration'), -- 周一
    ('2025-09-28', 'workday', '国庆节、中秋节调休上班', NULL, 'migration'), -- 周日
    ('2025-10-01', 'holiday', '国庆节、中秋节', NULL, 'migration'), -- 周三
    ('2025-10-02', 'holiday', '国庆节、中秋节', NULL, 'migration'), -- 周四
    ('2025-10-03', 'holiday', '国庆节、中秋节', NULL, 'migration'), -- 周五
    ('2025-10-04', 'holiday', '国庆节、中秋节', NULL, 'migration'), -- 周六
    ('2025-10-05', 'holiday', '国庆节、中秋节', NULL, 'migration'), -- 周日
    ('2025-10-06', 'holiday', '国庆节、中秋节', NULL, 'migration'), -- 周一
    ('2025-10-07', 'holiday', '国庆节、中秋节', NULL, 'migration'), -- 周二
    ('2025-10-08', 'holiday', '国庆节、中秋节', NULL, 'migration'), -- 周三
    ('2025-10-11', 'workday', '国庆节、中秋节调休上班', NULL, 'migration'); -- 周六

-- 2026: 《国务院办公厅关于2026年部分节假日安排的通知》（国办发明电〔2025〕7号，
-- 2025年11月4日）. Note the two 国庆 workdays, 9月20日（周日） and 10月10日（周六）.
INSERT INTO calendar_days(day, kind, name, updated_at, updated_by) VALUES
    ('2026-01-01', 'holiday', '元旦', NULL, 'migration'), -- 周四
    ('2026-01-02', 'holiday', '元旦', NULL, 'migration'), -- 周五
    ('2026-01-03', 'holiday', '元旦', NULL, 'migration'), -- 周六
    ('2026-01-04', 'workday', '元旦调休上班', NULL, 'migration'), -- 周日
    ('2026-02-14', 'workday', '春节调休上班', NULL, 'migration'), -- 周六
    ('2026-02-15', 'holiday', '春节', NULL, 'migration'), -- 周日
    ('2026-02-16', 'holiday', '春节', NULL, 'migration'), -- 周一
    ('2026-02-17', 'holiday', '春节', NULL, 'migration'), -- 周二
    ('2026-02-18', 'holiday', '春节', NULL, 'migration'), -- 周三
    ('2026-02-19', 'holiday', '春节', NULL, 'migration'), -- 周四
    ('2026-02-20', 'holiday', '春节', NULL, 'migration'), -- 周五
    ('2026-02-21', 'holiday', '春节', NULL, 'migration'), -- 周六
    ('2026-02-22', 'holiday', '春节', NULL, 'migration'), -- 周日
    ('2026-02-23', 'holiday', '春节', NULL, 'migration'), -- 周一
    ('2026-02-28', 'workday', '春节调休上班', NULL, 'migration'), -- 周六
    ('2026-04-04', 'holiday', '清明节', NULL, 'migration'), -- 周六
    ('2026-04-05', 'holiday', '清明节', NULL, 'migration'), -- 周日
    ('2026-04-06', 'holiday', '清明节', NULL, 'migration'), -- 周一
    ('2026-05-01', 'holiday', '劳动节', NULL, 'migration'), -- 周五
    ('2026-05-02', 'holiday', '劳动节', NULL, 'migration'), -- 周六
    ('2026-05-03', 'holiday', '劳动节', NULL, 'migration'), -- 周日
    ('2026-05-04', 'holiday', '劳动节', NULL, 'migration'), -- 周一
    ('2026-05-05', 'holiday', '劳动节', NULL, 'migration'), -- 周二
    ('2026-05-09', 'workday', '劳动节调休上班', NULL, 'migration'), -- 周六
    ('2026-06-19', 'holiday', '端午节', NULL, 'migration'), -- 周五
    ('2026-06-20', 'holiday', '端午节', NULL, 'migration'), -- 周六
    ('2026-06-21', 'holiday', '端午节', NULL, 'migration'), -- 周日
    ('2026-09-20', 'workday', '国庆节调休上班', NULL, 'migration'), -- 周日
    ('2026-09-25', 'holiday', '中秋节', NULL, 'migration'), -- 周五
    ('2026-09-26', 'holiday', '中秋节', NULL, 'migration'), -- 周六
    ('2026-09-27', 'holiday', '中秋节', NULL, 'migration'), -- 周日
    ('2026-10-01', 'holiday', '国庆节', NULL, 'migration'), -- 周四
    ('2026-10-02', 'holiday', '国庆节', NULL, 'migration'), -- 周五
    ('2026-10-03', 'holiday', '国庆节', NULL, 'migration'), -- 周六
    ('2026-10-04', 'holiday', '国庆节', NULL, 'migration'), -- 周日
    ('2026-10-05', 'holiday', '国庆节', NULL, 'migration'), -- 周一
    ('2026-10-06', 'holiday', '国庆节', NULL, 'migration'), -- 周二
    ('2026-10-07', 'holiday', '国庆节', NULL, 'migration'), -- 周三
    ('2026-10-10', 'workday', '国庆节调休上班', NULL, 'migration'); -- 周六

-- 2027: PROVISIONAL. The State Council notice for 2027 was not published when
-- this was written. Seeded are only the statutory days that follow with
-- certainty from 《全国年节及纪念日放假办法》 (2024 amendment): 元旦 1 day,
-- 春节 4 days (农历除夕 and 正月初一至初三), 清明节 1 day (the solar term),
-- 劳动节 2 days from 5月1日, 端午节 1 day (五月初五), 中秋节 1 day (八月十五),
-- 国庆节 3 days from 10月1日. Lunar and solar-term dates of 2027: 除夕 2月5日,
-- 正月初一 2月6日, 清明 4月5日, 端午 6月9日, 中秋 9月15日 (checked against
-- new-moon and solar-longitude computations, +08:00). Deliberately absent until the
-- notice: the weekday 补休 for statutory days that fall on a weekend and all
-- 调休 (leave blocks and weekend workdays). Each name carries
-- （预排，以国务院通知为准）. When the notice appears, administrators
-- replace these rows through the API (or a later migration does).
INSERT INTO calendar_days(day, kind, name, updated_at, updated_by) VALUES
    ('2027-01-01', 'holiday', '元旦（预排，以国务院通知为准）', NULL, 'migration'), -- 周五
    ('2027-02-05', 'holiday', '春节（预排，以国务院通知为准）', NULL, 'migration'), -- 周五
    ('2027-02-06', 'holiday', '春节（预排，以国务院通知为准）', NULL, 'migration'), -- 周六
    ('2027-02-07', 'holiday', '春节（预排，以国务院通知为准）', NULL, 'migration'), -- 周日
    ('2027-02-08', 'holiday', '春节（预排，以国务院通知为准）', NULL, 'migration'), -- 周一
    ('2027-04-05', 'holiday', '清明节（预排，以国务院通知为准）', NULL, 'migration'), -- 周一
    ('2027-05-01', 'holiday', '劳动节（预排，以国务院通知为准）', NULL, 'migration'), -- 周六
    ('2027-05-02', 'holiday', '劳动节（预排，以国务院通知为准）', NULL, 'migration'), -- 周日
    ('2027-06-09', 'holiday', '端午节（预排，以国务院通知为准）', NULL, 'migration'), -- 周三
    ('2027-09-15', 'holiday', '中秋节（预排，以国务院通知为准）', NULL, 'migration'), -- 周三
    ('2027-10-01', 'holiday', '国庆节（预排，以国务院通知为准）', NULL, 'migration'), -- 周五
    ('2027-10-02', 'holiday', '国庆节（预排，以国务院通知为准）', NULL, 'migration'), -- 周六
    ('2027-10-03', 'holiday', '国庆节（预排，以国务院通知为准）', NULL, 'migration'); -- 周日
