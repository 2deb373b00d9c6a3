-- Stable Futures foundation schema.
--
-- Tenancy: every tenant-owned table carries `local_authority`, has row-level security enabled and
-- FORCED, and a policy that compares it with the transaction-local setting
-- `app.local_authority`. The server connects as a member of `stable_futures_app`, which owns
-- nothing, cannot bypass RLS, and is granted only what it needs. An unset setting matches no row.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'stable_futures_app') THEN
        CREATE ROLE stable_futures_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;

CREATE FUNCTION current_local_authority() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.local_authority', true), '') $$;

-- Reference data shared by all tenants.
CREATE TABLE local_authorities (
    code text PRIMARY KEY CHECK (code ~ '^[EWSN][0-9]{8}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE outcome_frameworks (
    version text PRIMARY KEY CHECK (length(version) BETWEEN 1 AND 100),
    definition jsonb NOT NULL,
    is_current boolean NOT NULL DEFAULT false,
    loaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX outcome_frameworks_one_current ON outcome_frameworks (is_current) WHERE is_current;

CREATE TABLE children (
    id uuid PRIMARY KEY,
    local_authority text NOT NULL REFERENCES local_authorities (code),
    local_child_id text NOT NULL CHECK (local_child_id ~ '^[A-Za-z0-9]{1,20}$'),
    upn text CHECK (upn ~ '^([A-Z][0-9]{11}[0-9A-Z]|UN[1-5])$'),
    nhs_number text CHECK (nhs_number ~ '^[0-9]{10}$'),
    date_of_birth date NOT NULL,
    date_of_birth_estimated boolean NOT NULL,
    age_disputed boolean NOT NULL,
    gender text,
    nationalities text[] NOT NULL,
    languages text[] NOT NULL,
    interpreter_required boolean NOT NULL,
    immigration_status text,
    care_status text,
    version integer NOT NULL CHECK (version > 0),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT children_local_child_id_unique UNIQUE (local_authority, local_child_id),
    CONSTRAINT children_id_tenant_unique UNIQUE (id, local_authority)
);

CREATE TABLE nrm_referrals (
    id uuid PRIMARY KEY,
    local_authority text NOT NULL,
    child_id uuid NOT NULL,
    referred_at timestamptz NOT NULL,
    first_responder_type text NOT NULL,
    first_responder_name text NOT NULL CHECK (length(first_responder_name) BETWEEN 1 AND 200),
    exploitation_types text[] NOT NULL CHECK (cardinality(exploitation_types) > 0),
    county_lines boolean NOT NULL,
    exploitation_location text NOT NULL,
    competent_authority text NOT NULL,
    status text NOT NULL,
    rg_outcome text,
    rg_decided_at timestamptz,
    cg_outcome text,
    cg_decided_at timestamptz,
    reconsideration_requested_at timestamptz,
    withdrawn_at timestamptz,
    version integer NOT NULL CHECK (version > 0),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT nrm_referrals_child_fk FOREIGN KEY (child_id, local_authority)
        REFERENCES children (id, local_authority),
    CONSTRAINT nrm_referrals_id_tenant_unique UNIQUE (id, local_authority),
    CHECK ((rg_outcome IS NULL) = (rg_decided_at IS NULL)),
    CHECK ((cg_outcome IS NULL) = (cg_decided_at IS NULL)),
    CHECK (cg_outcome IS NULL OR rg_outcome = 'POSITIVE')
);
CREATE INDEX nrm_referrals_child ON nrm_referrals (child_id, local_authority, id);

-- The timeline: one row per transition, never updated.
CREATE TABLE referral_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    local_authority text NOT NULL,
    referral_id uuid NOT NULL,
    kind text NOT NULL,
    at timestamptz NOT NULL,
    outcome text,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL,
    CONSTRAINT referral_events_referral_fk FOREIGN KEY (referral_id, local_authority)
        REFERENCES nrm_referrals (id, local_authority)
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, local_authority, id);

CREATE TABLE guardian_assignments (
    id uuid PRIMARY KEY,
    local_authority text NOT NULL,
    child_id uuid NOT NULL,
    service text NOT NULL,
    role text NOT NULL,
    status text NOT NULL CHECK (status IN ('REQUESTED', 'ASSIGNED', 'ENDED')),
    requested_at timestamptz NOT NULL,
    assigned_at timestamptz,
    ended_at timestamptz,
    end_reason text,
    version integer NOT NULL CHECK (version > 0),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT guardian_assignments_child_fk FOREIGN KEY (child_id, local_authority)
        REFERENCES children (id, local_authority),
    CHECK (assigned_at IS NULL OR assigned_at >= requested_at),
    CHECK ((status = 'ENDED') = (ended_at IS NOT NULL))
);
CREATE INDEX guardian_assignments_child ON guardian_assignments (child_id, local_authority, id);
-- The rule "at most one open assignment per service per child", kept by the database too, so two
-- concurrent requests cannot both succeed.
CREATE UNIQUE INDEX guardian_assignments_one_open_per_service
    ON guardian_assignments (child_id, service) WHERE status <> 'ENDED';

-- Append-only: corrections are new rows pointing at what they supersede.
CREATE TABLE outcome_measurements (
    id uuid PRIMARY KEY,
    local_authority text NOT NULL,
    child_id uuid NOT NULL,
    framework_version text NOT NULL REFERENCES outcome_frameworks (version),
    outcome_key text NOT NULL,
    observed_at timestamptz NOT NULL,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL,
    young_person_participated boolean NOT NULL,
    young_person_rating integer,
    young_person_words text CHECK (length(young_person_words) <= 4000),
    practitioner_rating integer,
    practitioner_note text CHECK (length(practitioner_note) <= 4000),
    indicators_met text[] NOT NULL,
    supersedes uuid,
    CONSTRAINT outcome_measurements_child_fk FOREIGN KEY (child_id, local_authority)
        REFERENCES children (id, local_authority),
    CONSTRAINT outcome_measurements_id_tenant_unique UNIQUE (id, local_authority),
    CONSTRAINT outcome_measurements_supersedes_fk FOREIGN KEY (supersedes, local_authority)
        REFERENCES outcome_measurements (id, local_authority),
    -- A measurement is corrected at most once; the correction may itself be corrected.
    CONSTRAINT outcome_measurements_supersedes_once UNIQUE (supersedes),
    CHECK (young_person_participated OR (young_person_rating IS NULL AND young_person_words IS NULL))
);
CREATE INDEX outcome_measurements_child ON outcome_measurements (child_id, local_authority, id);
CREATE INDEX outcome_measurements_framework ON outcome_measurements (framework_version);

-- Row-level security on every tenant-owned table.
DO $$
DECLARE
    tenant_table text;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY[
        'children', 'nrm_referrals', 'referral_events', 'guardian_assignments', 'outcome_measurements'
    ]
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (local_authority = current_local_authority()) '
            'WITH CHECK (local_authority = current_local_authority())',
            tenant_table
        );
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA public TO stable_futures_app;
GRANT EXECUTE ON FUNCTION current_local_authority() TO stable_futures_app;
GRANT SELECT ON local_authorities, outcome_frameworks TO stable_futures_app;
GRANT SELECT, INSERT, UPDATE ON children, nrm_referrals, guardian_assignments TO stable_futures_app;
GRANT SELECT, INSERT ON referral_events, outcome_measurements TO stable_futures_app;
GRANT SELECT ON __diesel_schema_migrations TO stable_futures_app;
