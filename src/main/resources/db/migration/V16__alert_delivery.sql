-- Alerts leave the engine (routes/alert-delivery.yaml) and data-quality rows reach the front desk
-- (routes/data-quality-digest.yaml). Portable SQL (H2 2.x, PostgreSQL 12+).

-- Storm control: while an outage of one kind lasts at one source (EHR down, authentication failing,
-- ...), its one alert row counts the failures instead of a row per failure. open_key is kind|source
-- while the outage lasts and null once it ended: the unique index keeps one open row per outage,
-- across threads and instances. raised_at is the first occurrence, last_raised_at the latest.
ALTER TABLE alert ADD COLUMN source VARCHAR(64);
ALTER TABLE alert ADD COLUMN occurrences INTEGER DEFAULT 1 NOT NULL;
ALTER TABLE alert ADD COLUMN last_raised_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE alert ADD COLUMN open_key VARCHAR(120);
ALTER TABLE alert ADD COLUMN recovered_at TIMESTAMP WITH TIME ZONE;        -- the outage ended: a successful call
ALTER TABLE alert ADD COLUMN recovery_sent_at TIMESTAMP WITH TIME ZONE;    -- every channel took the "recovered" notice
CREATE UNIQUE INDEX uq_alert_open_key ON alert (open_key);
CREATE INDEX ix_alert_unsent ON alert (severity, sent_at);

-- Which channel took which notice of an alert: sent_at (recovery_sent_at) is set once every configured
-- channel has; a channel that failed is tried again without sending twice through the others.
CREATE TABLE alert_delivery (
    alert_id   BIGINT       NOT NULL REFERENCES alert (id),
    notice     VARCHAR(10)  NOT NULL,   -- ALERT, RECOVERED
    channel    VARCHAR(10)  NOT NULL,   -- mail, webhook
    sent_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (alert_id, notice, channel)
);

-- The daily digest reports each discrepancy once.
ALTER TABLE reconciliation_discrepancy ADD COLUMN reported_at TIMESTAMP WITH TIME ZONE;
CREATE INDEX ix_data_quality_issue_unreported ON data_quality_issue (reported_at, detected_at);
