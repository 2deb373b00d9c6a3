-- The NRM's own reference for a referral (the number its form returns by email), recorded when
-- it arrives: the key a case system matches the Home Office's letters on. One referral per
-- reference within an authority.
ALTER TABLE nrm_referrals ADD COLUMN home_office_reference text
    CHECK (home_office_reference ~ '^[A-Za-z0-9/-]{1,30}$');
CREATE UNIQUE INDEX nrm_referrals_home_office_reference
    ON nrm_referrals (local_authority, home_office_reference)
    WHERE home_office_reference IS NOT NULL;
-- Matching a child by their other identifiers.
CREATE INDEX IF NOT EXISTS children_nhs_number ON children (local_authority, nhs_number)
    WHERE nhs_number IS NOT NULL;
CREATE INDEX IF NOT EXISTS children_upn ON children (local_authority, upn) WHERE upn IS NOT NULL;
