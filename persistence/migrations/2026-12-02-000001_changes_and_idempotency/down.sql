ALTER TABLE audit_events DROP CONSTRAINT audit_events_erasure_reason;
ALTER TABLE audit_events DROP COLUMN erasure_reason;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check
    CHECK (action IN ('READ', 'CREATE', 'UPDATE', 'TRANSITION'));
DROP FUNCTION erase_child(uuid);
DROP TABLE idempotency_keys;
DROP TABLE changes;
DROP FUNCTION changes_take_position();
