-- A record dead-lettered while an HL7 v2 message was applied names that message (its legacy_inbox row).
-- A legacy EHR cannot be asked for the record again, so the re-sync (routes/dead-letter-resync.yaml)
-- applies the stored message again instead, and the nightly purge keeps a message an open dead letter names.
ALTER TABLE dead_letter ADD COLUMN legacy_inbox_id BIGINT;
CREATE INDEX ix_dead_letter_legacy_inbox ON dead_letter (legacy_inbox_id, status);
