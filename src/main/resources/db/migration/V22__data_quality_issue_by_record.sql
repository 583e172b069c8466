-- A poll's page reads the problems waiting for all its records in one statement (record_ref IN (...)).
-- H2 cannot use the second column of ix_data_quality_issue_pending (source, record_ref, field) for an IN
-- list, and would read every problem of the source for each page. With record_ref first, one index
-- serves that statement and the per-record lookup (source, record_ref, field and problem), in both databases.
DROP INDEX ix_data_quality_issue_pending;
CREATE INDEX ix_data_quality_issue_record ON data_quality_issue (record_ref, source, field);
