-- The content a document had before a revision changed or removed it, so
-- that a revision can be shown as a line diff. Written in the same
-- transaction as the revision. A document's content after revision N is the
-- body of its next history row (the lowest revision above N) or, if there is
-- none, its current row in plan_documents. Revisions applied before this
-- migration have no rows: their diffs are not available. Keep it in step
-- with ../postgres/0005_plan_history.sql.
CREATE TABLE plan_history (
    revision BIGINT NOT NULL,         -- the revision that changed or removed it
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,               -- the document before that revision
    PRIMARY KEY (kind, id, revision)
);
CREATE INDEX plan_history_revision ON plan_history (revision);
