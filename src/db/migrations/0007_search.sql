-- 0007: synonym groups of the search engine that staff maintain (§1-1-3-5-2),
-- on top of the built-in list compiled into the binary
-- (src/search/data/synonyms.txt). One row is one rule of the engine:
-- `words` alone are interchangeable (驾照, 驾驶证); with `targets` the rule
-- is one way (words => targets: a query with a word also finds the targets).
-- Words are stored comma-separated, each checked to hold no separator.
-- Every change bumps cache_epochs 'search', which makes every node rebuild
-- its in-memory index with the new groups.
CREATE TABLE search_synonyms (
    id         @ID@,
    words      TEXT NOT NULL,
    targets    TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,      -- 'staff:<id>'
    created_at BIGINT NOT NULL
);

INSERT INTO cache_epochs(name, epoch) VALUES ('search', 1);
