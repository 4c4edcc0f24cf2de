-- The live data's version: one row, bumped by triggers in the same
-- transaction as every write to check-ins or status updates, so that a
-- server (or several on one database) can cache what it derives from live
-- data and know, in the query that reads the plan revision, whether it is
-- stale. It starts at the number of rows already written. The row lock the
-- bump takes is held to commit, so versions follow commit order.
CREATE TABLE live_version (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    version BIGINT NOT NULL
);
INSERT INTO live_version (singleton, version)
VALUES (1, (SELECT COUNT(*) FROM check_ins) + (SELECT COUNT(*) FROM status_updates));

CREATE FUNCTION bump_live_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE live_version SET version = version + 1 WHERE singleton = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER check_ins_live_version AFTER INSERT OR UPDATE OR DELETE ON check_ins
FOR EACH ROW EXECUTE FUNCTION bump_live_version();
CREATE TRIGGER status_updates_live_version AFTER INSERT OR UPDATE OR DELETE ON status_updates
FOR EACH ROW EXECUTE FUNCTION bump_live_version();
