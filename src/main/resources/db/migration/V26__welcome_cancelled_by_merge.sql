-- A pending welcome that must not be sent after all (its patient was merged into another, who is welcomed
-- or was welcomed already): the engine skips it, and a portal that reads the outbox must too.
ALTER TABLE welcome_outbox ADD COLUMN cancelled_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE welcome_outbox ADD COLUMN cancel_reason VARCHAR(200);
