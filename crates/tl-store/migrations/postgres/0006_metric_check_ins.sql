-- Check-ins on team metrics: the value of a core metric that no event
-- definition measures, reported by hand. Append-only and versioned per
-- metric like key-result check-ins, without confidence, status or blockers
-- (a metric is a reading, not a commitment). Keep it in step with
-- ../sqlite/0006_metric_check_ins.sql.
CREATE TABLE metric_check_ins (
    metric TEXT NOT NULL,
    version BIGINT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
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
    WHERE d.kind = 'metric' AND d.id = plan_entities.id AND d.body LIKE '%' || chr(10) || '    measure:%'
);

-- Metric check-ins are live data: they move `live_version` like the others.
CREATE TRIGGER metric_check_ins_live_version AFTER INSERT OR UPDATE OR DELETE ON metric_check_ins
FOR EACH ROW EXECUTE FUNCTION bump_live_version();
