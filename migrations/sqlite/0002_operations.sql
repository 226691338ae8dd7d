-- helmd's own state, identical to the Postgres twin but for BLOB and
-- AUTOINCREMENT: operations with their event log and lease, release locks,
-- the audit log and registered chart repositories.

CREATE TABLE IF NOT EXISTS helmd_operations (
    id               TEXT    PRIMARY KEY,
    kind             TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    namespace        TEXT    NOT NULL,
    release_name     TEXT    NOT NULL,
    revision         INTEGER NOT NULL DEFAULT 0,
    requested_by     TEXT    NOT NULL,
    request_id       TEXT,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    lease_holder     TEXT,
    lease_expires_us BIGINT,
    last_sequence    BIGINT  NOT NULL DEFAULT 0,
    result           BLOB ,
    create_time_us   BIGINT  NOT NULL,
    start_time_us    BIGINT,
    finish_time_us   BIGINT
);
CREATE UNIQUE INDEX IF NOT EXISTS helmd_operations_request_idx
    ON helmd_operations (requested_by, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS helmd_operations_release_idx
    ON helmd_operations (namespace, release_name, create_time_us);
CREATE INDEX IF NOT EXISTS helmd_operations_create_idx ON helmd_operations (create_time_us, id);

CREATE TABLE IF NOT EXISTS helmd_operation_events (
    operation_id TEXT   NOT NULL REFERENCES helmd_operations (id) ON DELETE CASCADE,
    sequence     BIGINT NOT NULL,
    time_us      BIGINT NOT NULL,
    event        BLOB   NOT NULL,
    PRIMARY KEY (operation_id, sequence)
);

CREATE TABLE IF NOT EXISTS helmd_release_locks (
    namespace     TEXT   NOT NULL,
    release_name  TEXT   NOT NULL,
    operation_id  TEXT   NOT NULL REFERENCES helmd_operations (id) ON DELETE CASCADE,
    holder        TEXT   NOT NULL,
    expires_us    BIGINT NOT NULL,
    PRIMARY KEY (namespace, release_name)
);

CREATE TABLE IF NOT EXISTS helmd_audit_events (
    id              INTEGER   PRIMARY KEY AUTOINCREMENT,
    time_us         BIGINT    NOT NULL,
    principal       TEXT      NOT NULL,
    groups          TEXT      NOT NULL DEFAULT '',
    auth_method     TEXT      NOT NULL DEFAULT '',
    action          TEXT      NOT NULL,
    namespace       TEXT      NOT NULL DEFAULT '',
    release_name    TEXT      NOT NULL DEFAULT '',
    operation_id    TEXT,
    code            INTEGER   NOT NULL,
    message         TEXT      NOT NULL DEFAULT '',
    request_summary TEXT      NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS helmd_audit_events_time_idx ON helmd_audit_events (time_us, id);

CREATE TABLE IF NOT EXISTS helmd_repositories (
    name            TEXT   PRIMARY KEY,
    type            TEXT   NOT NULL,
    url             TEXT   NOT NULL,
    config          TEXT   NOT NULL DEFAULT '{}',
    credentials     BLOB ,
    create_time_us  BIGINT NOT NULL,
    update_time_us  BIGINT NOT NULL,
    last_refresh_us BIGINT,
    index_digest    TEXT
);
