-- How a patient wants to be reached (preferred channel, reminder channels): the portal's own field,
-- which the EHR has no element for. Set only by portal changes; the later change wins.
ALTER TABLE portal_patient ADD COLUMN communication_preferences VARCHAR(1000);
ALTER TABLE portal_patient ADD COLUMN communication_preferences_at TIMESTAMP WITH TIME ZONE;
