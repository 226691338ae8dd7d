-- Helm's SQL storage driver schema (releases_v1, custom_labels_v1), created so
-- that `helm` with HELM_DRIVER=sql reads and writes the releases helmd records.
-- Helm tracks its own migrations in gorp_migrations under the ids `init` and
-- `custom_labels`; recording both here makes Helm skip its set-up. Everything is
-- IF NOT EXISTS / ON CONFLICT so a database Helm set up first is left as it is.

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
CREATE INDEX IF NOT EXISTS releases_v1_key_namespace_idx ON releases_v1 (key, namespace);
CREATE INDEX IF NOT EXISTS releases_v1_version_idx ON releases_v1 (version);
CREATE INDEX IF NOT EXISTS releases_v1_status_idx ON releases_v1 (status);
CREATE INDEX IF NOT EXISTS releases_v1_owner_idx ON releases_v1 (owner);
CREATE INDEX IF NOT EXISTS releases_v1_createdat_idx ON releases_v1 (createdAt);
CREATE INDEX IF NOT EXISTS releases_v1_modifiedat_idx ON releases_v1 (modifiedAt);
GRANT ALL ON releases_v1 TO PUBLIC;
ALTER TABLE releases_v1 ENABLE ROW LEVEL SECURITY;

CREATE TABLE IF NOT EXISTS custom_labels_v1 (
    releaseKey       VARCHAR(64),
    releaseNamespace VARCHAR(67),
    key              VARCHAR(317),
    value            VARCHAR(63)
);
CREATE INDEX IF NOT EXISTS custom_labels_v1_releasekey_releasenamespace_idx
    ON custom_labels_v1 (releaseKey, releaseNamespace);
GRANT ALL ON custom_labels_v1 TO PUBLIC;
ALTER TABLE custom_labels_v1 ENABLE ROW LEVEL SECURITY;

CREATE TABLE IF NOT EXISTS gorp_migrations (
    id         TEXT NOT NULL PRIMARY KEY,
    applied_at TIMESTAMP WITH TIME ZONE
);
INSERT INTO gorp_migrations (id, applied_at) VALUES ('init', now()), ('custom_labels', now())
    ON CONFLICT (id) DO NOTHING;
