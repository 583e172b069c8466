-- A row about the patient itself (an ADT: its record_ref is the patient) is now stored with patient_ref NULL, as a row
-- that names no patient is; a row's patient is COALESCE(patient_ref, record_ref). An ADT then adds no entry to
-- ix_legacy_inbox_patient, where each one landed at a random place of the index (the record refs are hashes) and, on
-- H2, rewrote a page of it at every checkpoint. Rows stored before keep patient_ref = record_ref: the claim reads both
-- forms alike (Hl7v2Inbox.CLAIM_SQL), so nothing is rewritten here.
COMMENT ON COLUMN legacy_inbox.patient_ref IS 'the patient the row is about when that is not its own record (an SIU''s, a result''s); NULL: the record itself, or none named';
