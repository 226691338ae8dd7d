-- The release table in Helm's SQL driver shape (releases_v1, custom_labels_v1),
-- kept identical to the Postgres schema so one storage layer serves both.
-- Helm itself only speaks Postgres; the embedded SQLite database is helmd's own.

CREATE TABLE IF NOT EXISTS releases_v1 (
    key        VARCHAR(90),
    type       VARCHAR(64) NOT NULL,
    body       TEXT        NOT NULL,
    name       VARCHAR(64) NOT NULL,
    namespace  VARCHAR(64) NOT NULL,
    version    INTEGER     NOT NULL,
    status     TEXT        NOT NULL,
    owner      TEXT        NOT NULL,
    createdAt  INTEGER     NOT NULL,
    modifiedAt INTEGER     NOT NULL DEFAULT 0,
    PRIMARY KEY (key, namespace)
);
CREATE INDEX IF NOT EXISTS releases_v1_version_idx ON releases_v1 (version);
CREATE INDEX IF NOT EXISTS releases_v1_status_idx ON releases_v1 (status);
CREATE INDEX IF NOT EXISTS releases_v1_owner_idx ON releases_v1 (owner);
CREATE INDEX IF NOT EXISTS releases_v1_name_namespace_idx ON releases_v1 (name, namespace);

CREATE TABLE IF NOT EXISTS custom_labels_v1 (
    releaseKey       VARCHAR(64),
    releaseNamespace VARCHAR(67),
    key              VARCHAR(317),
    value            VARCHAR(63)
);
CREATE INDEX IF NOT EXISTS custom_labels_v1_release_idx ON custom_labels_v1 (releaseKey, releaseNamespace);
