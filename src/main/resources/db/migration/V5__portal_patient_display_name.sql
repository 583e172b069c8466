-- The name as the EHR writes it in full (FHIR HumanName.text of the legal name), kept for patients
-- whose name comes only as text, e.g. a CJK name that is not split into family and given.
-- Portable SQL: runs unchanged on H2 2.x and PostgreSQL 12+.
ALTER TABLE portal_patient ADD COLUMN display_name VARCHAR(500);  -- PHI
