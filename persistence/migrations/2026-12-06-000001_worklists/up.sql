-- Worklists (issue #13): each authority's thresholds, and what the worklist query reads by.

-- An authority's worklist thresholds. No row: the documented defaults (domain
-- `WorklistSettings::default`). Bounds keep a typing mistake from emptying or flooding a list.
CREATE TABLE worklist_settings (
    local_authority text PRIMARY KEY REFERENCES local_authorities (code),
    guardian_request_days integer NOT NULL CHECK (guardian_request_days BETWEEN 0 AND 365),
    guardian_assignment_days integer NOT NULL CHECK (guardian_assignment_days BETWEEN 0 AND 365),
    measurement_interval_days integer NOT NULL CHECK (measurement_interval_days BETWEEN 1 AND 730),
    young_person_view_window integer NOT NULL CHECK (young_person_view_window BETWEEN 1 AND 20),
    turning_18_days integer NOT NULL CHECK (turning_18_days BETWEEN 0 AND 730),
    recovery_period_ending_days integer NOT NULL CHECK (recovery_period_ending_days BETWEEN 0 AND 365),
    reconsideration_waiting_days integer NOT NULL CHECK (reconsideration_waiting_days BETWEEN 0 AND 365),
    version integer NOT NULL CHECK (version > 0),
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL CHECK (length(updated_by) > 0)
);

ALTER TABLE worklist_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE worklist_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON worklist_settings
    USING (local_authority = current_local_authority())
    WITH CHECK (local_authority = current_local_authority());
GRANT SELECT, INSERT, UPDATE ON worklist_settings TO stable_futures_app;

-- A change of settings is audited with no child, as the class SETTINGS.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_fields_class_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_fields_class_check CHECK (
    cardinality(fields_class) > 0
    AND fields_class <@ ARRAY['IDENTIFIERS', 'REFERRAL', 'GUARDIAN', 'OUTCOMES', 'SENSITIVE_TEXT', 'AUDIT', 'SETTINGS']
);

-- The day a young person turns 18 from their recorded date of birth; born on 29 February, on
-- 1 March in a year that has no 29 February (domain `Child::eighteenth_birthday`).
CREATE FUNCTION eighteenth_birthday(date_of_birth date) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN extract(day FROM b) <> extract(day FROM date_of_birth) THEN b + 1 ELSE b END
    FROM (SELECT (date_of_birth + interval '18 years')::date AS b) birthday
$$;
GRANT EXECUTE ON FUNCTION eighteenth_birthday(date) TO stable_futures_app;

-- The UK date of an instant: every date of the domain is a UK date.
CREATE FUNCTION uk_date(at timestamptz) RETURNS date
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT (at AT TIME ZONE 'Europe/London')::date
$$;
GRANT EXECUTE ON FUNCTION uk_date(timestamptz) TO stable_futures_app;

-- The worklist reads an authority's open work; these keep it to the rows that can make items.
CREATE INDEX guardian_assignments_open
    ON guardian_assignments (local_authority, child_id) WHERE status <> 'ENDED';
CREATE INDEX outcome_measurements_latest
    ON outcome_measurements (local_authority, child_id, observed_at DESC, id DESC);
