DROP INDEX nrm_referrals_awaiting_reasonable_grounds;
ALTER TABLE nrm_referrals
    DROP COLUMN reasonable_grounds_due_on,
    DROP COLUMN first_rg_outcome,
    DROP COLUMN first_rg_decided_at;
DROP FUNCTION reasonable_grounds_due_on(text, timestamptz, text);
DROP FUNCTION nation_of(text);
DROP TABLE bank_holidays;
DROP TABLE bank_holiday_coverage;
