-- Reports read children's records only in aggregate: audited with no child, as the class
-- AGGREGATE.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_fields_class_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_fields_class_check CHECK (
    cardinality(fields_class) > 0
    AND fields_class <@ ARRAY['IDENTIFIERS', 'REFERRAL', 'GUARDIAN', 'OUTCOMES', 'SENSITIVE_TEXT', 'AUDIT', 'SETTINGS', 'AGGREGATE']
);
-- The referrals of a period, by their UK date.
CREATE INDEX nrm_referrals_referred_on ON nrm_referrals (local_authority, uk_date(referred_at));
