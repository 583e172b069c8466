-- What an HL7 v2 mapping leaves unread is a matter for the interface analyst, the same for every message of a type:
-- one digest row per source, mapping, message type and leftovers counts the messages (occurrences, first at
-- detected_at, last at last_detected_at) instead of a row per message, which flooded the digest (one group per
-- message, up to its 5,000 rows) and wrote a random entry of ix_data_quality_issue_record per message.
-- Other rows keep occurrences 1 and last_detected_at NULL (the same as detected_at).
ALTER TABLE data_quality_issue ADD COLUMN occurrences INTEGER DEFAULT 1 NOT NULL;
ALTER TABLE data_quality_issue ADD COLUMN last_detected_at TIMESTAMP WITH TIME ZONE;
