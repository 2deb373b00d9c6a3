DROP INDEX nrm_referrals_referred_on;
DELETE FROM audit_events WHERE 'AGGREGATE' = ANY (fields_class);
ALTER TABLE audit_events DROP CONSTRAINT audit_events_fields_class_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_fields_class_check CHECK (
    cardinality(fields_class) > 0
    AND fields_class <@ ARRAY['IDENTIFIERS', 'REFERRAL', 'GUARDIAN', 'OUTCOMES', 'SENSITIVE_TEXT', 'AUDIT', 'SETTINGS']
);
