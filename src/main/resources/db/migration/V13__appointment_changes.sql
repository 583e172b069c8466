-- Appointment changes from the portal (cancel, reschedule, book), in the same outbox as patient changes.
-- Portable SQL (H2 2.x, PostgreSQL 12+).

-- A portal change of one appointment names it (null: a booking, until its Appointment exists at the EHR);
-- its action says how field_values reads: cancel, reschedule or book. Patient changes have neither.
ALTER TABLE portal_change ADD COLUMN appointment_id BIGINT REFERENCES portal_appointment (id);
ALTER TABLE portal_change ADD COLUMN appointment_action VARCHAR(20);
CREATE INDEX ix_portal_change_appointment ON portal_change (appointment_id);
