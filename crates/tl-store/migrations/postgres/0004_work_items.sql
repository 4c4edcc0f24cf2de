-- Work items from issue trackers (Jira issues, GitHub issues), keyed by
-- (source, item_key), with a content hash like the delivery events, and the
-- status transitions the store has observed between imports. Keep it in
-- step with ../sqlite/0004_work_items.sql.

-- One row per item: what the tracker said last, and what the mapping rules
-- gave it (team, initiative, milestone). `transitions` counts the item's
-- rows in work_item_transitions, so the next one can be numbered without a
-- second query.
CREATE TABLE work_items (
    source TEXT NOT NULL CHECK (source <> ''),
    item_key TEXT NOT NULL CHECK (item_key <> ''),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    resolved_at_ms BIGINT,
    updated_at_ms BIGINT,
    epic TEXT,
    team TEXT,
    initiative TEXT,
    milestone TEXT,
    transitions BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (source, item_key),
    CONSTRAINT work_item_resolves_after_creation CHECK (resolved_at_ms IS NULL OR resolved_at_ms >= created_at_ms)
);
CREATE INDEX work_items_created ON work_items (created_at_ms);
CREATE INDEX work_items_initiative ON work_items (initiative);

-- Status changes, numbered per item from 1: the first is the status the
-- item was first recorded with (from_status NULL), each later one a
-- recording that changed it. at_ms is the item's updated time, else its
-- resolution, else its creation, as the tracker reported them.
CREATE TABLE work_item_transitions (
    source TEXT NOT NULL,
    item_key TEXT NOT NULL,
    position BIGINT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (source, item_key, position)
);
