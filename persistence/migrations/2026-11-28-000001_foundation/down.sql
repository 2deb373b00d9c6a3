DROP TABLE outcome_measurements;
DROP TABLE guardian_assignments;
DROP TABLE referral_events;
DROP TABLE nrm_referrals;
DROP TABLE children;
DROP TABLE outcome_frameworks;
DROP TABLE local_authorities;
DROP FUNCTION current_local_authority();
