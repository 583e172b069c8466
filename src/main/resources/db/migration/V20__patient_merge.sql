-- Patient merges (HL7 v2 ADT^A40, FHIR Patient.link): the merged record is archived and points at the
-- record that replaced it (FHIR Patient.link 'replaced-by'), so that the portal can send a person who
-- signs in with the merged record's account to the surviving one, and history stays readable.
ALTER TABLE portal_patient ADD COLUMN replaced_by BIGINT REFERENCES portal_patient (id);
ALTER TABLE portal_patient ADD COLUMN replaced_at TIMESTAMP WITH TIME ZONE;
