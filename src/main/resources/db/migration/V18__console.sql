-- The operator console (routes/console*.yaml). Portable SQL (H2 2.x, PostgreSQL 12+).

-- Console sessions live in the database, so that every instance behind a load balancer honours them and a
-- restart signs nobody out. Only the SHA-256 of the session id is kept: whoever reads this table cannot sign
-- in with it. A session ends when last_seen_at is older than portal-sync.console.session-timeout.
CREATE TABLE console_session (
    id_hash       VARCHAR(64)  NOT NULL PRIMARY KEY,
    username      VARCHAR(100) NOT NULL,
    user_role     VARCHAR(20)  NOT NULL,   -- operator, viewer
    csrf_token    VARCHAR(64)  NOT NULL,   -- sent back with every form that changes something
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX ix_console_session_seen ON console_session (last_seen_at);

-- What operators did with a dead letter: replays (through the record's refresh route) and a discard with its reason.
ALTER TABLE dead_letter ADD COLUMN operator_replays INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE dead_letter ADD COLUMN last_replayed_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE dead_letter ADD COLUMN last_replayed_by VARCHAR(100);
ALTER TABLE dead_letter ADD COLUMN discarded_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE dead_letter ADD COLUMN discarded_by VARCHAR(100);
ALTER TABLE dead_letter ADD COLUMN discard_reason VARCHAR(500);

-- Failed sign-ins are counted from the audit trail (across instances and restarts): by name and action.
CREATE INDEX ix_audit_event_actor ON audit_event (actor, action, occurred_at);
