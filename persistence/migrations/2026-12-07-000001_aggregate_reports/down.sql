REVOKE USAGE ON SCHEMA public FROM stable_futures_aggregate;
DROP FUNCTION report_nrm_timeliness(text[], date, date, date, text[]);
DROP POLICY aggregate_report ON children;
DROP POLICY aggregate_report ON nrm_referrals;
DROP POLICY aggregate_report ON guardian_assignments;
DROP POLICY aggregate_report ON outcome_measurements;
DROP FUNCTION current_aggregate_authorities();
