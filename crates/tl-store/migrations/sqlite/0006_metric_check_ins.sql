-- Check-ins on team metrics: the value of a core metric that no event
-- definition measures, reported by hand. Append-only and versioned per
-- metric like key-result check-ins, without confidence, status or blockers
-- (a metric is a reading, not a commitment). Keep it in step with
-- ../postgres/0006_metric_check_ins.sql.
CREATE TABLE metric_check_ins (
    metric TEXT NOT NULL,
    version BIGINT NOT NULL,
    value REAL NOT NULL,
    note TEXT,
    author TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (metric, version)
);

-- 1 for a metric bound to delivery events with `measure:`: its value is
-- computed, so it takes no check-ins. Written by apply; existing bound
-- metrics are found in the writer's text (a `measure:` line at a metric's
-- field indentation).
ALTER TABLE plan_entities ADD COLUMN measured BIGINT NOT NULL DEFAULT 0;
UPDATE plan_entities SET measured = 1
WHERE kind = 'metric' AND EXISTS (
    SELECT 1 FROM plan_documents d
    WHERE d.kind = 'metric' AND d.id = plan_entities.id AND d.body LIKE '%' || char(10) || '    measure:%'
);

-- Metric check-ins are live data: they move `live_version` like the others.
CREATE TRIGGER metric_check_ins_insert_live_version AFTER INSERT ON metric_check_ins
BEGIN UPDATE live_version SET version = version + 1 WHERE singleton = 1; END;
CREATE TRIGGER metric_check_ins_update_live_version AFTER UPDATE ON metric_check_ins
BEGIN UPDATE live_version SET version = version + 1 WHERE singleton = 1; END;
CREATE TRIGGER metric_check_ins_delete_live_version AFTER DELETE ON metric_check_ins
BEGIN UPDATE live_version SET version = version + 1 WHERE singleton = 1; END;
