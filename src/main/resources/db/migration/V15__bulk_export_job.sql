-- The Bulk Data export job a feed's initial load is waiting for: remembered so that an engine restarted while
-- the EHR still prepares the files asks that job again instead of starting (and abandoning) another one.
CREATE TABLE bulk_export_job (
    source      VARCHAR(64)   NOT NULL,
    feed        VARCHAR(64)   NOT NULL,
    status_url  VARCHAR(2000) NOT NULL,
    started_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (source, feed)
);
