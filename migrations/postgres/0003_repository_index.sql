-- What RefreshRepository learned from an HTTP repository's index: how many charts it
-- has and, for SearchCharts, one JSON array of every chart version's searchable
-- fields (name, version, appVersion, description, keywords, deprecated).

ALTER TABLE helmd_repositories ADD COLUMN chart_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE helmd_repositories ADD COLUMN charts TEXT;
