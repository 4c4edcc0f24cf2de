-- Delivery events (deployments, commits, pull requests, incidents) and the
-- cursors of incremental ingestion. Every event is keyed by its natural key;
-- `hash` is the SHA-256 of the event's content, so that re-sending an event
-- is recognised as unchanged without comparing every column. `occurred_at_ms`
-- is the time a window selects on (see each table). Keep it in step with
-- ../sqlite/0002_delivery_events.sql.

-- occurred_at_ms: the finish, else the start.
CREATE TABLE delivery_deployments (
    id TEXT PRIMARY KEY CHECK (id <> ''),
    name TEXT NOT NULL,
    service TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    environment TEXT NOT NULL,
    result TEXT NOT NULL,
    started_at_ms BIGINT,
    finished_at_ms BIGINT,
    occurred_at_ms BIGINT,
    hash TEXT NOT NULL,
    CONSTRAINT deployment_finishes_after_start
        CHECK (finished_at_ms IS NULL OR started_at_ms IS NULL OR finished_at_ms >= started_at_ms)
);
CREATE INDEX delivery_deployments_occurred ON delivery_deployments (occurred_at_ms);

-- The commits a deployment shipped, in the order the event listed them.
CREATE TABLE delivery_deployment_commits (
    deployment_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    sha TEXT NOT NULL,
    PRIMARY KEY (deployment_id, position)
);

-- occurred_at_ms: the author time, else the committer time.
CREATE TABLE delivery_commits (
    service TEXT NOT NULL,
    sha TEXT NOT NULL CHECK (sha <> ''),
    authored_at_ms BIGINT,
    committed_at_ms BIGINT,
    parents TEXT NOT NULL,            -- JSON ["sha", ...]
    deployed_at_ms BIGINT,
    deployment_id TEXT,
    occurred_at_ms BIGINT,
    hash TEXT NOT NULL,
    PRIMARY KEY (service, sha)
);
CREATE INDEX delivery_commits_occurred ON delivery_commits (occurred_at_ms);

-- occurred_at_ms: the merge, else the creation.
CREATE TABLE delivery_pull_requests (
    id TEXT PRIMARY KEY CHECK (id <> ''),
    repo_id TEXT NOT NULL,
    service TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    merged_at_ms BIGINT,
    merge_commit_sha TEXT,
    first_commit_sha TEXT,
    first_commit_at_ms BIGINT,
    first_review_id TEXT,
    first_review_at_ms BIGINT,
    deployed_at_ms BIGINT,
    deployment_id TEXT,
    occurred_at_ms BIGINT NOT NULL,
    hash TEXT NOT NULL,
    CONSTRAINT pull_request_merges_after_creation CHECK (merged_at_ms IS NULL OR merged_at_ms >= created_at_ms)
);
CREATE INDEX delivery_pull_requests_occurred ON delivery_pull_requests (occurred_at_ms);

-- occurred_at_ms: the creation.
CREATE TABLE delivery_incidents (
    id TEXT PRIMARY KEY CHECK (id <> ''),
    service TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    resolved_at_ms BIGINT,
    severity TEXT,
    root_cause_commit TEXT,
    deployment_id TEXT,
    occurred_at_ms BIGINT NOT NULL,
    hash TEXT NOT NULL,
    CONSTRAINT incident_resolves_after_creation CHECK (resolved_at_ms IS NULL OR resolved_at_ms >= created_at_ms)
);
CREATE INDEX delivery_incidents_occurred ON delivery_incidents (occurred_at_ms);

-- Where an incremental ingestion stopped, per source (for git: the
-- repository, service and deployment rule). `state` is the ingester's own
-- text; it is written in the transaction that records the events it covers.
CREATE TABLE ingest_cursors (
    source TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
