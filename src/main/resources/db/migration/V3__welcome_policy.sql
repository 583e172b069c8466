-- Who gets a welcome, and what happens when it cannot be sent. Portable SQL (H2 2.x, PostgreSQL 12+).

-- FHIR Patient.deceased[x]: deceasedBoolean true, or any deceasedDateTime (then deceased_at holds it;
-- a date without a time is the start of that day in the facility's zone).
ALTER TABLE portal_patient ADD COLUMN deceased BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE portal_patient ADD COLUMN deceased_at TIMESTAMP WITH TIME ZONE;   -- PHI
