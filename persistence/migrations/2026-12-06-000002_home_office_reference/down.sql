DROP INDEX IF EXISTS children_upn;
DROP INDEX IF EXISTS children_nhs_number;
DROP INDEX nrm_referrals_home_office_reference;
ALTER TABLE nrm_referrals DROP COLUMN home_office_reference;
