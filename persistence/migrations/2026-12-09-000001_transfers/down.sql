CREATE OR REPLACE FUNCTION erase_child(erased uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM idempotency_keys
        WHERE entity_id = erased
           OR entity_id IN (SELECT id FROM nrm_referrals WHERE child_id = erased)
           OR entity_id IN (SELECT id FROM guardian_assignments WHERE child_id = erased)
           OR entity_id IN (SELECT id FROM outcome_measurements WHERE child_id = erased);
    DELETE FROM referral_events
        WHERE referral_id IN (SELECT id FROM nrm_referrals WHERE child_id = erased);
    DELETE FROM nrm_referrals WHERE child_id = erased;
    DELETE FROM guardian_assignments WHERE child_id = erased;
    DELETE FROM outcome_measurements WHERE child_id = erased;
    DELETE FROM children WHERE id = erased;
    RETURN FOUND;
END
$$;
DROP FUNCTION accept_transfer(uuid, text, boolean, boolean, timestamptz, text[], text, text, text, text, text, text);
DROP FUNCTION record_transfer_step(uuid, text, text[], text, text, text, text, text, text);
DELETE FROM changes WHERE entity_type = 'Transfer' OR kind IN ('TRANSFERRED_OUT', 'TRANSFERRED_IN');
ALTER TABLE changes DROP CONSTRAINT changes_entity_type_check;
ALTER TABLE changes ADD CONSTRAINT changes_entity_type_check CHECK (entity_type IN (
    'Child', 'NrmReferral', 'GuardianAssignment', 'OutcomeMeasurement'));
ALTER TABLE changes DROP CONSTRAINT changes_kind_check;
ALTER TABLE changes ADD CONSTRAINT changes_kind_check CHECK (kind IN (
    'CREATED', 'UPDATED', 'STATE_CHANGED', 'ASSIGNED', 'MEASURED', 'ERASED'));
DELETE FROM audit_events WHERE action = 'TRANSFER' OR 'TRANSFER' = ANY (fields_class);
ALTER TABLE audit_events DROP CONSTRAINT audit_events_fields_class_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_fields_class_check CHECK (
    cardinality(fields_class) > 0
    AND fields_class <@ ARRAY['IDENTIFIERS', 'REFERRAL', 'GUARDIAN', 'OUTCOMES', 'SENSITIVE_TEXT', 'AUDIT', 'SETTINGS', 'AGGREGATE']
);
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check
    CHECK (action IN ('READ', 'CREATE', 'UPDATE', 'TRANSITION', 'ERASE'));
ALTER TABLE audit_events DROP COLUMN acting_local_authority;
DROP POLICY transfer_step ON audit_events;
DROP POLICY transfer_step ON changes;
DROP FUNCTION transfer_counterparts();
DROP POLICY transfer_move ON referral_events;
DROP POLICY transfer_move ON outcome_measurements;
DROP POLICY transfer_move ON guardian_assignments;
DROP POLICY transfer_move ON nrm_referrals;
DROP POLICY transfer_move ON children;
DROP FUNCTION moving_child();
DROP TABLE transfers;
DELETE FROM referral_events WHERE kind = 'TRANSFERRED';
ALTER TABLE outcome_measurements ALTER CONSTRAINT outcome_measurements_supersedes_fk NOT DEFERRABLE;
ALTER TABLE outcome_measurements ALTER CONSTRAINT outcome_measurements_child_fk NOT DEFERRABLE;
ALTER TABLE guardian_assignments ALTER CONSTRAINT guardian_assignments_child_fk NOT DEFERRABLE;
ALTER TABLE referral_events ALTER CONSTRAINT referral_events_referral_fk NOT DEFERRABLE;
ALTER TABLE nrm_referrals ALTER CONSTRAINT nrm_referrals_child_fk NOT DEFERRABLE;
ALTER TABLE outcome_measurements DROP COLUMN recorded_by_local_authority;
ALTER TABLE guardian_assignments DROP COLUMN recorded_by_local_authority;
ALTER TABLE nrm_referrals DROP COLUMN recorded_by_local_authority;
ALTER TABLE children DROP COLUMN recorded_by_local_authority;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM stable_futures_transfer;
REVOKE ALL ON SEQUENCE changes_position FROM stable_futures_transfer;
REVOKE USAGE ON SCHEMA public FROM stable_futures_transfer;
