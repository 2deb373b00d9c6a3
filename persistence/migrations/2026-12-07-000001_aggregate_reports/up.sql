-- Reports across authorities, for a token that speaks for several (a regional partnership, a
-- pilot's evaluator): aggregates only, enforced here as well as in the server.
--
-- stable_futures_aggregate owns nothing and is granted nothing but EXECUTE on the report
-- functions below. A transaction for such a token runs `SET LOCAL ROLE stable_futures_aggregate`,
-- so no statement it runs can read a table; the functions, SECURITY DEFINER, read the records of
-- the authorities they are given and return only grouped counts and statistics.
--
-- The server's login role must be able to switch to it without inheriting its privileges (a
-- tenant's transaction must not call the functions): stable_futures_app is a member of
-- stable_futures_aggregate_switch (NOINHERIT), which is a member of stable_futures_aggregate.
-- SET ROLE follows membership; privileges follow inheritance, which stops at the switch.
--
-- Deployments create the roles and memberships beforehand (deploy/postgres/init.sql, the
-- CloudNativePG managed roles), so that the owner needs no CREATEROLE; a superuser running the
-- migration (the embedded development database) creates what is missing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'stable_futures_aggregate') THEN
        CREATE ROLE stable_futures_aggregate NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'stable_futures_aggregate_switch') THEN
        CREATE ROLE stable_futures_aggregate_switch NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
    IF NOT EXISTS (
        SELECT FROM pg_auth_members m
        JOIN pg_roles granted ON granted.oid = m.roleid
        JOIN pg_roles member ON member.oid = m.member
        WHERE granted.rolname = 'stable_futures_aggregate'
          AND member.rolname = 'stable_futures_aggregate_switch'
    ) THEN
        GRANT stable_futures_aggregate TO stable_futures_aggregate_switch;
    END IF;
    IF NOT EXISTS (
        SELECT FROM pg_auth_members m
        JOIN pg_roles granted ON granted.oid = m.roleid
        JOIN pg_roles member ON member.oid = m.member
        WHERE granted.rolname = 'stable_futures_aggregate_switch'
          AND member.rolname = 'stable_futures_app'
    ) THEN
        GRANT stable_futures_aggregate_switch TO stable_futures_app;
    END IF;
    IF (SELECT rolinherit FROM pg_roles WHERE rolname = 'stable_futures_aggregate_switch') THEN
        RAISE EXCEPTION 'stable_futures_aggregate_switch must be NOINHERIT, or tenants would inherit the report functions';
    END IF;
END
$$;

-- The authorities a report function reads, set by the function itself for its transaction.
CREATE FUNCTION current_aggregate_authorities() RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT string_to_array(nullif(current_setting('app.aggregate_authorities', true), ''), ',') $$;

-- Row-level security stays forced; the schema owner (who owns the report functions, and so runs
-- them) may read the rows of the authorities its function was given. No other role matches it.
DO $$
DECLARE
    tbl text;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['children', 'nrm_referrals', 'guardian_assignments', 'outcome_measurements',
                                 'worklist_settings'] LOOP
        EXECUTE format(
            'CREATE POLICY aggregate_report ON %I FOR SELECT TO %I '
            -- A sub-select: evaluated once per statement, not once per row.
            'USING (local_authority = ANY ((SELECT current_aggregate_authorities())::text[]))',
            tbl, current_user);
    END LOOP;
END
$$;

DO $$
BEGIN
    EXECUTE format(
        'CREATE POLICY aggregate_read_recorded ON audit_events FOR INSERT TO %I '
        'WITH CHECK (local_authority = ANY ((SELECT current_aggregate_authorities())::text[]))',
        current_user);
END
$$;

-- The columns of a report's facts that `dimensions` name (raising on any other), in order.
CREATE FUNCTION report_columns(dimensions text[], offered jsonb) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
DECLARE
    n integer := coalesce(cardinality(dimensions), 0);
    columns text[] := '{}';
    k integer;
BEGIN
    IF n > 3 OR n <> (SELECT count(DISTINCT d) FROM unnest(dimensions) AS d) THEN
        RAISE EXCEPTION 'at most three dimensions, each once' USING ERRCODE = '22023';
    END IF;
    FOR k IN 1..n LOOP
        columns := columns || (offered ->> dimensions[k]);
        IF columns[k] IS NULL THEN
            RAISE EXCEPTION 'unknown dimension' USING ERRCODE = '22023';
        END IF;
    END LOOP;
    RETURN columns;
END
$$;

-- A query grouping `source` by every subset of `columns` (already whitelisted), and always by
-- `also_group_by`, one row per group: `kept` (bit k for the k-th column), the group's values,
-- and `measures`. A column `kind` unnests the facts' `kinds` (a record in several kinds is in
-- each of their groups).
CREATE FUNCTION report_groupings(
    columns text[], measures text, source text DEFAULT 'facts', also_group_by text DEFAULT NULL
) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
DECLARE
    n integer := coalesce(cardinality(columns), 0);
    kept_columns text[];
    grouped text[];
    unnest_kinds text;
    body text := '';
    mask integer;
    k integer;
BEGIN
    FOR mask IN 0..(1 << n) - 1 LOOP
        kept_columns := '{}';
        unnest_kinds := '';
        FOR k IN 1..n LOOP
            IF mask & (1 << (k - 1)) <> 0 THEN
                kept_columns := kept_columns || columns[k];
                IF columns[k] = 'kind' THEN
                    unnest_kinds := ' CROSS JOIN LATERAL unnest(f.kinds) AS kind';
                END IF;
            END IF;
        END LOOP;
        grouped := kept_columns;
        IF also_group_by IS NOT NULL THEN
            grouped := grouped || also_group_by;
        END IF;
        body := body || CASE WHEN mask > 0 THEN ' UNION ALL ' ELSE '' END || format(
            'SELECT %s, %s::text[], %s FROM %s f%s GROUP BY %s',
            mask,
            CASE WHEN cardinality(kept_columns) = 0 THEN 'ARRAY[]'
                 ELSE 'ARRAY[' || array_to_string(kept_columns, ', ') || ']' END,
            measures,
            source,
            unnest_kinds,
            CASE WHEN cardinality(grouped) = 0 THEN '()'
                 ELSE array_to_string(grouped, ', ') END);
    END LOOP;
    RETURN body;
END
$$;

-- The age band of a child on a day, as `stable_futures_domain::reports::age_band` gives it: whole
-- years by the birthday (a birthday on 29 February falls on 1 March in other years), one
-- expression without a SET clause or a sub-select, so that the planner inlines it (it runs once
-- per record of a report; its callers fix the search path).
CREATE FUNCTION report_age_band(date_of_birth date, age_disputed boolean, on_day date) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN age_disputed THEN 'DISPUTED' ELSE
        (ARRAY['UNDER_10', '10_TO_13', '14_TO_15', '16_TO_17', '18_AND_OVER'])[
            width_bucket(
                extract(year FROM on_day)::integer - extract(year FROM date_of_birth)::integer
                - CASE WHEN (extract(month FROM on_day), extract(day FROM on_day))
                          < (extract(month FROM date_of_birth), extract(day FROM date_of_birth))
                       THEN 1 ELSE 0 END,
                ARRAY[10, 14, 16, 18]) + 1] END
$$;

-- A report read across authorities, recorded in each authority's audit trail in the report's own
-- transaction: one `READ` of class `AGGREGATE` with no child, by the token's subject and client.
CREATE FUNCTION record_aggregate_read(
    authorities text[], subject text, client text, operation text, trace_id text, purpose text
) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    SELECT set_config('app.aggregate_authorities', array_to_string(authorities, ','), true);
    INSERT INTO audit_events (local_authority, subject, client, child_id, action, operation,
                              fields_class, trace_id, purpose)
    SELECT a, subject, client, NULL, 'READ', operation, ARRAY['AGGREGATE'], trace_id, purpose
    FROM unnest(authorities) AS a;
$$;

-- The NRM timeliness report over `authorities`: the referrals made on the UK days `period_from`
-- to `period_to`, as they stand on `today`, grouped by every subset of `dimensions` (at most
-- three, each once). `kept` says which dimensions a row is grouped by (bit k for the k-th);
-- `group_key` holds its values in the order of `dimensions`. The definitions are the domain's
-- (`stable_futures_domain::reports::nrm_timeliness`), which the tests hold this to.
CREATE FUNCTION report_nrm_timeliness(
    authorities text[], period_from date, period_to date, today date, dimensions text[]
) RETURNS TABLE (
    kept integer,
    group_key text[],
    referrals bigint,
    reasonable_grounds_decisions bigint,
    reasonable_grounds_positive bigint,
    decided_within_target bigint,
    median_days_to_reasonable_grounds double precision,
    p90_days_to_reasonable_grounds integer,
    conclusive_grounds_decisions bigint,
    conclusive_grounds_positive bigint,
    median_days_reasonable_to_conclusive double precision,
    waiting_for_conclusive bigint,
    median_days_waiting_for_conclusive double precision
)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    columns text[] := report_columns(dimensions, '{
        "EXPLOITATION_TYPE": "kind", "COUNTY_LINES": "county_lines", "AGE_BAND": "age_band",
        "COMPETENT_AUTHORITY": "competent_authority", "FIRST_RESPONDER_TYPE": "first_responder_type",
        "NATIONALITY": "nationality", "GENDER": "gender", "LOCAL_AUTHORITY": "local_authority"}');
BEGIN
    PERFORM set_config('app.aggregate_authorities', array_to_string(authorities, ','), true);
    RETURN QUERY EXECUTE
        'WITH facts AS MATERIALIZED ('
        '  SELECT r.exploitation_types AS kinds,'
        '         CASE WHEN r.county_lines THEN ''YES'' ELSE ''NO'' END AS county_lines,'
        '         report_age_band(c.date_of_birth, c.age_disputed, uk_date(r.referred_at)) AS age_band,'
        '         r.competent_authority, r.first_responder_type,'
        '         coalesce(c.nationalities[1], ''UNKNOWN'') AS nationality,'
        '         coalesce(c.gender, ''NOT_RECORDED'') AS gender,'
        '         r.local_authority,'
        '         r.first_rg_decided_at IS NOT NULL AS first_rg,'
        '         r.first_rg_outcome = ''POSITIVE'' AS first_rg_positive,'
        '         uk_date(r.first_rg_decided_at) <= r.reasonable_grounds_due_on AS within_target,'
        '         uk_date(r.first_rg_decided_at) - uk_date(r.referred_at) AS days_to_rg,'
        '         r.cg_decided_at IS NOT NULL AS cg,'
        '         r.cg_outcome = ''POSITIVE'' AS cg_positive,'
        '         uk_date(r.cg_decided_at) - uk_date(r.rg_decided_at) AS days_rg_to_cg,'
        '         CASE WHEN r.status = ''RG_POSITIVE'' THEN $4 - uk_date(r.rg_decided_at) END AS days_waiting'
        '  FROM nrm_referrals r'
        '  JOIN children c ON c.id = r.child_id AND c.local_authority = r.local_authority'
        '  WHERE r.local_authority = ANY ($1)'
        '    AND uk_date(r.referred_at) BETWEEN $2 AND $3'
        ') ' || report_groupings(columns,
            'count(*), '
            'count(*) FILTER (WHERE f.first_rg), count(*) FILTER (WHERE f.first_rg_positive), '
            'count(*) FILTER (WHERE f.within_target), '
            'percentile_cont(0.5) WITHIN GROUP (ORDER BY f.days_to_rg), '
            'percentile_disc(0.9) WITHIN GROUP (ORDER BY f.days_to_rg), '
            'count(*) FILTER (WHERE f.cg), count(*) FILTER (WHERE f.cg_positive), '
            'percentile_cont(0.5) WITHIN GROUP (ORDER BY f.days_rg_to_cg), '
            'count(f.days_waiting), '
            'percentile_cont(0.5) WITHIN GROUP (ORDER BY f.days_waiting)')
        USING authorities, period_from, period_to, today;
END
$$;

-- The guardian timeliness report over `authorities`: the guardian requests made on the UK days
-- `period_from` to `period_to`, as they stand on `today`, each judged by its authority's own
-- threshold (`worklist_settings`, else `default_threshold`). As
-- `stable_futures_domain::reports::guardian_timeliness` defines it.
CREATE FUNCTION report_guardian_timeliness(
    authorities text[], period_from date, period_to date, today date, dimensions text[],
    default_threshold integer
) RETURNS TABLE (
    kept integer,
    group_key text[],
    requests bigint,
    assignments bigint,
    median_days_request_to_assignment double precision,
    median_days_referral_to_assignment double precision,
    due bigint,
    assigned_within_threshold bigint,
    open_requests bigint,
    median_days_open double precision
)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    columns text[] := report_columns(dimensions, '{
        "GUARDIAN_SERVICE": "guardian_service", "GUARDIAN_ROLE": "guardian_role",
        "AGE_BAND": "age_band", "LOCAL_AUTHORITY": "local_authority"}');
BEGIN
    PERFORM set_config('app.aggregate_authorities', array_to_string(authorities, ','), true);
    RETURN QUERY EXECUTE
        'WITH facts AS MATERIALIZED ('
        '  SELECT a.service AS guardian_service, a.role AS guardian_role,'
        '         report_age_band(c.date_of_birth, c.age_disputed, uk_date(a.requested_at)) AS age_band,'
        '         a.local_authority,'
        '         a.assigned_at IS NOT NULL AS assigned,'
        '         uk_date(a.assigned_at) - uk_date(a.requested_at) AS days_to_assignment,'
        '         CASE WHEN first.referred_at <= a.assigned_at'
        '              THEN uk_date(a.assigned_at) - uk_date(first.referred_at) END AS days_from_referral,'
        '         a.assigned_at IS NOT NULL OR $4 - uk_date(a.requested_at) > t.days AS due,'
        '         uk_date(a.assigned_at) - uk_date(a.requested_at) <= t.days AS within_threshold,'
        '         CASE WHEN a.status = ''REQUESTED'' THEN $4 - uk_date(a.requested_at) END AS days_open'
        '  FROM guardian_assignments a'
        '  JOIN children c ON c.id = a.child_id AND c.local_authority = a.local_authority'
        '  CROSS JOIN LATERAL (SELECT min(r.referred_at) AS referred_at FROM nrm_referrals r'
        '                      WHERE r.child_id = a.child_id AND r.local_authority = a.local_authority) first'
        '  CROSS JOIN LATERAL (SELECT coalesce((SELECT s.guardian_assignment_days FROM worklist_settings s'
        '                                       WHERE s.local_authority = a.local_authority), $5) AS days) t'
        '  WHERE a.local_authority = ANY ($1)'
        '    AND uk_date(a.requested_at) BETWEEN $2 AND $3'
        ') ' || report_groupings(columns,
            'count(*), count(*) FILTER (WHERE f.assigned), '
            'percentile_cont(0.5) WITHIN GROUP (ORDER BY f.days_to_assignment), '
            'percentile_cont(0.5) WITHIN GROUP (ORDER BY f.days_from_referral), '
            'count(*) FILTER (WHERE f.due), count(*) FILTER (WHERE f.within_threshold), '
            'count(f.days_open), '
            'percentile_cont(0.5) WITHIN GROUP (ORDER BY f.days_open)')
        USING authorities, period_from, period_to, today, default_threshold;
END
$$;

-- The outcomes report over `authorities`: the children with a current measurement observed on
-- the UK days `period_from` to `period_to`, grouped by every subset of `dimensions`. A row with
-- no outcome is the children's (children, measurements, the young person's part); a row with one
-- is that outcome's in the group (children measured on it, and the change between the first and
-- the latest reading of the period, the young person's and the practitioner's). As
-- `stable_futures_domain::reports::outcomes` defines it; the guardian's promptness is judged by
-- each authority's threshold (`worklist_settings`, else `default_threshold`).
CREATE FUNCTION report_outcomes(
    authorities text[], period_from date, period_to date, dimensions text[],
    default_threshold integer
) RETURNS TABLE (
    kept integer,
    group_key text[],
    framework_version text,
    outcome_key text,
    children bigint,
    measurements bigint,
    young_person_took_part bigint,
    young_person_with_change bigint,
    young_person_improved bigint,
    young_person_same bigint,
    young_person_worse bigint,
    young_person_median_change double precision,
    practitioner_with_change bigint,
    practitioner_improved bigint,
    practitioner_same bigint,
    practitioner_worse bigint,
    practitioner_median_change double precision
)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    columns text[] := report_columns(dimensions, '{
        "REASONABLE_GROUNDS_OUTCOME": "rg_outcome", "CONCLUSIVE_GROUNDS_OUTCOME": "cg_outcome",
        "GUARDIAN_ASSIGNED": "guardian_assigned", "EXPLOITATION_TYPE": "kind",
        "AGE_BAND": "age_band", "LOCAL_AUTHORITY": "local_authority"}');
    change_measures text := 'count(%1$s), count(*) FILTER (WHERE %1$s > 0), '
        'count(*) FILTER (WHERE %1$s = 0), count(*) FILTER (WHERE %1$s < 0), '
        'percentile_cont(0.5) WITHIN GROUP (ORDER BY %1$s)';
BEGIN
    PERFORM set_config('app.aggregate_authorities', array_to_string(authorities, ','), true);
    RETURN QUERY EXECUTE
        'WITH m AS MATERIALIZED ('
        '  SELECT o.id, o.child_id, o.framework_version, o.outcome_key, o.observed_at,'
        '         o.young_person_participated, o.young_person_rating, o.practitioner_rating'
        '  FROM outcome_measurements o'
        '  WHERE o.local_authority = ANY ($1)'
        '    AND uk_date(o.observed_at) BETWEEN $2 AND $3'
        '    AND NOT EXISTS (SELECT 1 FROM outcome_measurements s WHERE s.supersedes = o.id)'
        '), readings AS ('
        '  SELECT child_id, framework_version, outcome_key, count(*) AS n,'
        '         (array_agg(young_person_rating ORDER BY observed_at, id))[1] AS yp_first,'
        '         (array_agg(young_person_rating ORDER BY observed_at DESC, id DESC))[1] AS yp_latest,'
        '         (array_agg(practitioner_rating ORDER BY observed_at, id))[1] AS pr_first,'
        '         (array_agg(practitioner_rating ORDER BY observed_at DESC, id DESC))[1] AS pr_latest'
        '  FROM m GROUP BY child_id, framework_version, outcome_key'
        '), facts AS MATERIALIZED ('
        '  SELECT c.id AS child_id, c.local_authority, mc.n, mc.took_part,'
        '         CASE WHEN fr.id IS NULL THEN ARRAY[''NO_REFERRAL''] ELSE fr.exploitation_types END AS kinds,'
        '         CASE WHEN fr.id IS NULL THEN ''NO_REFERRAL'' ELSE coalesce(fr.rg_outcome, ''NOT_DECIDED'') END AS rg_outcome,'
        '         CASE WHEN fr.id IS NULL THEN ''NO_REFERRAL'' ELSE coalesce(fr.cg_outcome, ''NOT_DECIDED'') END AS cg_outcome,'
        '         CASE WHEN fa.id IS NULL THEN ''NO_REQUEST'' WHEN fa.assigned_at IS NULL THEN ''NOT_ASSIGNED'''
        '              WHEN uk_date(fa.assigned_at) - uk_date(fa.requested_at) <= t.days THEN ''WITHIN_THRESHOLD'''
        '              ELSE ''AFTER_THRESHOLD'' END AS guardian_assigned,'
        '         report_age_band(c.date_of_birth, c.age_disputed, mc.first_on) AS age_band'
        '  FROM (SELECT child_id, count(*) AS n,'
        '               count(*) FILTER (WHERE young_person_participated) AS took_part,'
        '               min(uk_date(observed_at)) AS first_on'
        '        FROM m GROUP BY child_id) mc'
        '  JOIN children c ON c.id = mc.child_id'
        '  LEFT JOIN LATERAL (SELECT r.id, r.exploitation_types, r.rg_outcome, r.cg_outcome'
        '                     FROM nrm_referrals r WHERE r.child_id = c.id AND r.local_authority = c.local_authority'
        '                     ORDER BY r.referred_at, r.id LIMIT 1) fr ON true'
        '  LEFT JOIN LATERAL (SELECT a.id, a.requested_at, a.assigned_at'
        '                     FROM guardian_assignments a WHERE a.child_id = c.id AND a.local_authority = c.local_authority'
        '                     ORDER BY a.requested_at, a.id LIMIT 1) fa ON true'
        '  CROSS JOIN LATERAL (SELECT coalesce((SELECT s.guardian_assignment_days FROM worklist_settings s'
        '                                       WHERE s.local_authority = c.local_authority), $4) AS days) t'
        '), changes AS ('
        '  SELECT f.*, r.framework_version, r.outcome_key,'
        '         CASE WHEN r.n >= 2 THEN r.yp_latest - r.yp_first END AS yp_change,'
        '         CASE WHEN r.n >= 2 THEN r.pr_latest - r.pr_first END AS pr_change'
        '  FROM facts f JOIN readings r ON r.child_id = f.child_id'
        ') '
        || report_groupings(columns,
            'NULL::text, NULL::text, count(*), sum(f.n)::bigint, sum(f.took_part)::bigint, '
            'NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::double precision, '
            'NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::double precision')
        || ' UNION ALL '
        || report_groupings(columns,
            'f.framework_version, f.outcome_key, count(*), NULL::bigint, NULL::bigint, '
            || format(change_measures, 'f.yp_change') || ', '
            || format(change_measures, 'f.pr_change'),
            'changes', 'f.framework_version, f.outcome_key')
        USING authorities, period_from, period_to, default_threshold;
END
$$;

-- The guardian requests and the measurements of a period, by their UK date: what the guardian
-- timeliness and outcomes reports read, for one authority or several.
CREATE INDEX guardian_assignments_requested_on
    ON guardian_assignments (local_authority, uk_date(requested_at));
CREATE INDEX outcome_measurements_observed_on
    ON outcome_measurements (local_authority, uk_date(observed_at));
-- "Current" (not corrected by a later measurement) is a probe per measurement: under row-level
-- security the planner cannot turn it into one anti-join, and without this index each probe
-- scanned every measurement (the benchmark's outcomes across 20 authorities took 10 s).
CREATE INDEX outcome_measurements_supersedes
    ON outcome_measurements (supersedes) WHERE supersedes IS NOT NULL;

-- Deployments take USAGE on `public` from PUBLIC: the role needs it to name the functions (it
-- still holds no privilege on any table).
GRANT USAGE ON SCHEMA public TO stable_futures_aggregate;
REVOKE ALL ON FUNCTION record_aggregate_read(text[], text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION record_aggregate_read(text[], text, text, text, text, text)
    TO stable_futures_aggregate;
REVOKE ALL ON FUNCTION report_nrm_timeliness(text[], date, date, date, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_nrm_timeliness(text[], date, date, date, text[]) TO stable_futures_aggregate;
REVOKE ALL ON FUNCTION report_outcomes(text[], date, date, text[], integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_outcomes(text[], date, date, text[], integer) TO stable_futures_aggregate;
REVOKE ALL ON FUNCTION report_guardian_timeliness(text[], date, date, date, text[], integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_guardian_timeliness(text[], date, date, date, text[], integer)
    TO stable_futures_aggregate;
