-- The live data's version: one row, bumped by triggers in the same
-- transaction as every write to check-ins or status updates, so that a
-- server (or several on one database) can cache what it derives from live
-- data and know, in the query that reads the plan revision, whether it is
-- stale. It starts at the number of rows already written.
CREATE TABLE live_version (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    version BIGINT NOT NULL
);
INSERT INTO live_version (singleton, version)
VALUES (1, (SELECT COUNT(*) FROM check_ins) + (SELECT COUNT(*) FROM status_updates));

CREATE TRIGGER check_ins_insert_live_version AFTER INSERT ON check_ins
BEGIN UPDATE live_version SET version = version + 1 WHERE singleton = 1; END;
CREATE TRIGGER check_ins_update_live_version AFTER UPDATE ON check_ins
BEGIN UPDATE live_version SET version = version + 1 WHERE singleton = 1; END;
CREATE TRIGGER check_ins_delete_live_version AFTER DELETE ON check_ins
BEGIN UPDATE live_version SET version = version + 1 WHERE singleton = 1; END;
CREATE TRIGGER status_updates_insert_live_version AFTER INSERT ON status_updates
BEGIN UPDATE live_version SET version = version + 1 WHERE singleton = 1; END;
CREATE TRIGGER status_updates_update_live_version AFTER UPDATE ON status_updates
BEGIN UPDATE live_version SET version = version + 1 WHERE singleton = 1; END;
CREATE TRIGGER status_updates_delete_live_version AFTER DELETE ON status_updates
BEGIN UPDATE live_version SET version = version + 1 WHERE singleton = 1; END;
