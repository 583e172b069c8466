-- Every record with a data-quality problem asks whether that problem already waits for the digest
-- (DataQualityLog): without an index each record scanned every earlier problem, and a sync grew
-- quadratically with the number of problems. A record has few problems, so (source, record_ref,
-- field) finds them; the problem text (up to 2000 characters) stays out of the index.
-- Portable SQL (H2 2.x, PostgreSQL 12+).
CREATE INDEX ix_data_quality_issue_pending ON data_quality_issue (source, record_ref, field);
