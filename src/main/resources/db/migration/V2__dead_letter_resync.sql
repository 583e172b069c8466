-- Dead letters are worked off, not only stored: a record's open dead letter (status NEW) is
-- re-synced on a schedule with bounded attempts, then waits for an operator (NEEDS_OPERATOR);
-- it is RESOLVED when its record later reaches the portal. A dead letter written while the
-- portal database was down comes from the local journal, keyed by its entry id so that an import
-- interrupted half-way never doubles it.
ALTER TABLE dead_letter ADD COLUMN resync_attempts INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE dead_letter ADD COLUMN next_resync_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE dead_letter ADD COLUMN resolved_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE dead_letter ADD COLUMN journal_entry_id VARCHAR(64);
CREATE UNIQUE INDEX uq_dead_letter_journal_entry ON dead_letter (journal_entry_id);
-- every delivery resolves its record's open dead letters, and a new failure finds them: both by record
CREATE INDEX ix_dead_letter_record ON dead_letter (record_ref, source, status);
CREATE INDEX ix_dead_letter_status ON dead_letter (status, next_resync_at);
