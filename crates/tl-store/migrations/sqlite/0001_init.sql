-- Throughline's schema for SQLite. Times are BIGINT epoch milliseconds, lists
-- are JSON text, flags are 0/1 integers (the portable subset that sqlx's Any
-- driver decodes). Keep it in step with ../postgres/0001_init.sql.

-- The plan's head: one row. `revision` is the plan's version for optimistic
-- concurrency: a write moves it from N to N+1 only if it is still N.
CREATE TABLE plan_head (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    revision BIGINT NOT NULL
);
INSERT INTO plan_head (singleton, revision) VALUES (1, 0);

-- One row per apply that changed something.
CREATE TABLE plan_revisions (
    revision BIGINT PRIMARY KEY,
    author TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    forced BIGINT NOT NULL,           -- 1 when lint errors were overridden
    added TEXT NOT NULL,              -- JSON [[kind, id], ...]
    changed TEXT NOT NULL,
    removed TEXT NOT NULL,
    reordered BIGINT NOT NULL         -- entities that only moved
);

-- The current plan: one YAML document per top-level entity, as the
-- workspace writer prints it.
CREATE TABLE plan_documents (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    position BIGINT NOT NULL,         -- order within its kind
    body TEXT NOT NULL,
    hash TEXT NOT NULL,               -- SHA-256 of body, hex
    revision BIGINT NOT NULL,         -- the revision that last wrote it
    PRIMARY KEY (kind, id)
);

-- Every entity of the current plan, nested ones (key results, milestones)
-- included, with the document that holds it: what live data may refer to.
CREATE TABLE plan_entities (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    doc_kind TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX plan_entities_doc ON plan_entities (doc_kind, doc_id);

-- Check-ins on key results, append-only. `version` counts a key result's
-- check-ins from 1; the primary key makes a stale writer fail.
CREATE TABLE check_ins (
    key_result TEXT NOT NULL,
    version BIGINT NOT NULL,
    value REAL NOT NULL,
    confidence REAL NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    blockers TEXT NOT NULL,           -- JSON ["...", ...]
    author TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (key_result, version)
);

-- Status updates of milestones and dependencies, append-only, versioned
-- like check-ins.
CREATE TABLE status_updates (
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    author TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, version)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,               -- admin | editor | viewer
    password_hash TEXT NOT NULL,      -- argon2id PHC string
    version BIGINT NOT NULL,
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    data TEXT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at_ms);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,  -- a hash of the secret; the secret is never stored
    role TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at_ms BIGINT NOT NULL,
    last_used_at_ms BIGINT
);
