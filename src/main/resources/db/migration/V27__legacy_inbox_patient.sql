-- "Messages from one sender for one patient are applied in order", also across records: an SIU's patient (its PID)
-- or a result's subject is applied after that patient's older ADT rows, and the ADT after an older SIU. patient_ref
-- names the patient a row is about (an ADT's is its record_ref); a row is claimed only when no older row of its
-- sender and record, nor of its sender and patient, still waits. Rows stored before this have none and are ordered
-- by their record alone.
ALTER TABLE legacy_inbox ADD COLUMN patient_ref VARCHAR(200);
CREATE INDEX ix_legacy_inbox_patient ON legacy_inbox (sender, patient_ref, id);
