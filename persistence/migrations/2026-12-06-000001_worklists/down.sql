DROP INDEX outcome_measurements_latest;
DROP INDEX guardian_assignments_open;
DROP FUNCTION uk_date(timestamptz);
DROP FUNCTION eighteenth_birthday(date);
DELETE FROM audit_events WHERE 'SETTINGS' = ANY (fields_class);
ALTER TABLE audit_events DROP CONSTRAINT audit_events_fields_class_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_fields_class_check CHECK (
    cardinality(fields_class) > 0
    AND fields_class <@ ARRAY['IDENTIFIERS', 'REFERRAL', 'GUARDIAN', 'OUTCOMES', 'SENSITIVE_TEXT', 'AUDIT']
);
DROP TABLE worklist_settings;
