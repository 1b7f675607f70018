-- 0015: the message center's per-application rate counter (§3-1-1-6): one
-- row per application and minute (epoch seconds / 60), incremented once per
-- send request by the number of messages in it. The limit (msg_apps.per_minute)
-- is checked against a sliding estimate over the current and the previous
-- minute; older rows are removed when an application's new minute starts.
CREATE TABLE msg_rate (
    app    TEXT NOT NULL,
    minute BIGINT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (app, minute)
);
