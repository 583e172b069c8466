-- Who gets a welcome, and what happens when it cannot be sent. Portable SQL (H2 2.x, PostgreSQL 12+).

-- FHIR Patient.deceased[x]: deceasedBoolean true, or any deceasedDateTime (then deceased_at holds it;
-- a date without a time is the start of that day in the facility's zone).
ALTER TABLE portal_patient ADD COLUMN deceased BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE portal_patient ADD COLUMN deceased_at TIMESTAMP WITH TIME ZONE;   -- PHI

-- The welcome row says whom to write to (the patient, or a minor's parent or guardian) and how its
-- sending went: a refused send counts an attempt and keeps the error (no address in it); after
-- portal-sync.welcome.max-attempts the row is given up, with an alert, until an operator resets it.
ALTER TABLE welcome_outbox ADD COLUMN recipient_kind VARCHAR(10);   -- PATIENT | GUARDIAN
ALTER TABLE welcome_outbox ADD COLUMN recipient_email VARCHAR(320); -- PHI
ALTER TABLE welcome_outbox ADD COLUMN attempts INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE welcome_outbox ADD COLUMN last_attempt_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE welcome_outbox ADD COLUMN last_error VARCHAR(2000);
ALTER TABLE welcome_outbox ADD COLUMN given_up_at TIMESTAMP WITH TIME ZONE;

-- Rows queued before this version were addressed to the patient's preferred email at send time.
UPDATE welcome_outbox SET recipient_kind = 'PATIENT';
UPDATE welcome_outbox SET recipient_email = (
    SELECT t.contact_value FROM portal_patient_telecom t
    WHERE t.patient_id = welcome_outbox.patient_id AND t.system = 'email' AND t.position = 0)
WHERE processed_at IS NULL;
ALTER TABLE welcome_outbox ALTER COLUMN recipient_kind SET NOT NULL;

-- A source's initial load: from the start of its first poll until a poll first reads its patient
-- feed to the end (however many polls that takes: a load that crashed midway goes on in the next
-- one). Patients it brings in already exist at the EHR, so by default they are not welcomed.
CREATE TABLE sync_initial_load (
    source        VARCHAR(64) NOT NULL,
    feed          VARCHAR(64) NOT NULL,
    started_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    completed_at  TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (source, feed)
);

-- A feed that already has a high-water mark was loaded (and welcomed) by an earlier version.
INSERT INTO sync_initial_load (source, feed, started_at, completed_at)
SELECT source, feed, updated_at, updated_at FROM sync_high_water_mark WHERE feed = 'Patient';
