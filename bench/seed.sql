-- The benchmark's synthetic dataset, written straight into our schema (run by bench/bench.py as
-- the cluster's superuser, which row-level security does not confine, after `stable-futures
-- migrate` and `add-local-authority`). Every row is one the server itself could have written:
-- it satisfies every constraint, and each referral's stored state, version and timeline are what
-- the referral state machine (domain/src/referral.rs) leaves after its transitions.
--
-- psql variables: la_codes (comma-separated GSS codes), children, referrals, assignments,
-- measurements. Children are spread round-robin over the authorities, and each relation
-- round-robin over the children (at full scale each child has 2 referrals, 1 guardian assignment
-- and 5 measurements); what varies between rows (state, types, ratings) comes from a hash of the
-- row's number, so that one authority's page is as mixed as the whole. Ids are UUIDv7-shaped
-- (time-ordered, like the server's), so id order is creation order.
--
-- Nothing here is a real child: local child ids start with BENCH, texts say they are synthetic.

\set ON_ERROR_STOP on
BEGIN;

CREATE FUNCTION pg_temp.uuid7(at timestamptz, salt text) RETURNS uuid
LANGUAGE sql IMMUTABLE AS $$
    SELECT (lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0')
            || '7' || substr(md5(salt), 1, 3)
            || to_hex(8 + get_byte(decode(md5(salt), 'hex'), 4) % 4) || substr(md5(salt), 5, 3)
            || substr(md5(salt), 9, 12))::uuid
$$;

-- A UPN with a valid check letter (domain/src/child.rs, Upn::parse).
CREATE FUNCTION pg_temp.upn(n int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    WITH d AS (SELECT lpad((100000000 + n)::text, 11, '0') || (n % 10)::text AS body)
    SELECT substr('ABCDEFGHJKLMNPQRTUVWXYZ',
                  (SELECT sum(substr(body, k, 1)::int * (k + 1)) FROM generate_series(1, 12) k)::int % 23 + 1,
                  1) || body
    FROM d
$$;

-- An NHS number with a valid modulus-11 check digit, or NULL where none exists.
CREATE FUNCTION pg_temp.nhs(n int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    WITH d AS (SELECT lpad((400000000 + n)::text, 9, '0') AS body),
         c AS (SELECT body,
                      11 - (SELECT sum(substr(body, k, 1)::int * (11 - k)) FROM generate_series(1, 9) k)::int % 11 AS check_digit
               FROM d)
    SELECT CASE check_digit WHEN 10 THEN NULL WHEN 11 THEN body || '0' ELSE body || check_digit::text END
    FROM c
$$;

CREATE TEMP TABLE bench_las AS
    SELECT ordinality - 1 AS n, code
    FROM unnest(string_to_array(:'la_codes', ',')) WITH ORDINALITY AS t(code);

CREATE TEMP TABLE bench_framework AS
    SELECT version,
           array(SELECT o ->> 'key'
                 FROM jsonb_array_elements(definition -> 'principles') p,
                      jsonb_array_elements(p -> 'outcomes') o) AS outcome_keys
    FROM outcome_frameworks WHERE is_current;

-- Children: created one an hour from 2023-01-02, so every later date is in the past.
CREATE TEMP TABLE bench_children AS
    SELECT i,
           hashint4(i) & 2147483647 AS h,
           pg_temp.uuid7(created_at, 'child' || i) AS id,
           la.code AS local_authority,
           created_at
    FROM (SELECT i, timestamptz '2023-01-02 08:00:00+00' + i * interval '1 hour' AS created_at
          FROM generate_series(0, :children - 1) i) c
    JOIN bench_las la ON la.n = c.i % (SELECT count(*) FROM bench_las);
CREATE UNIQUE INDEX ON bench_children (i);

INSERT INTO children (id, local_authority, local_child_id, upn, nhs_number, date_of_birth,
                      date_of_birth_estimated, age_disputed, gender, nationalities, languages,
                      interpreter_required, immigration_status, care_status, version, created_at,
                      updated_at)
SELECT id, local_authority, 'BENCH' || lpad(i::text, 6, '0'),
       CASE h % 4 WHEN 0 THEN pg_temp.upn(i) WHEN 1 THEN 'UN2' END,
       CASE WHEN h % 3 <> 2 THEN pg_temp.nhs(i) END,
       date '2008-01-01' + (i * 37) % 2900,
       h % 5 = 0, h % 5 = 0,
       (ARRAY['MALE', 'FEMALE', 'MALE', 'OTHER', 'NOT_STATED'])[h % 5 + 1],
       (ARRAY['{VNM}', '{ALB}', '{ERI}', '{GBR}', '{SDN}', '{AFG,IRN}'])[h / 7 % 6 + 1]::text[],
       (ARRAY['{vi}', '{sq}', '{ti}', '{en}', '{ar}', '{ps,fa}'])[h / 7 % 6 + 1]::text[],
       h / 7 % 6 <> 3,
       (ARRAY['UNACCOMPANIED_ASYLUM_SEEKING_CHILD', 'ASYLUM_CLAIM_PENDING', 'REFUGEE_STATUS',
              'BRITISH_OR_IRISH_CITIZEN', 'HUMANITARIAN_PROTECTION', 'UNKNOWN'])[h / 7 % 6 + 1],
       (ARRAY['LOOKED_AFTER', 'CHILD_IN_NEED', 'CHILD_PROTECTION_PLAN', 'CARE_LEAVER'])[h / 11 % 4 + 1],
       1 + h / 13 % 2, created_at, created_at + (h / 13 % 2) * interval '3 days'
FROM bench_children ORDER BY i;

-- Referrals, by their place in the state machine (x % 10, x a hash of the referral's number):
--   0-1 SUBMITTED; 2-4 RG_POSITIVE; 5 RG_NEGATIVE; 6-7 CG_POSITIVE; 8 CG_NEGATIVE;
--   9 WITHDRAWN (before any decision).
CREATE TEMP TABLE bench_referrals AS
    SELECT r, x, c.id AS child_id, c.local_authority,
           pg_temp.uuid7(referred_at + interval '1 hour', 'referral' || r) AS id,
           referred_at,
           CASE x % 10 WHEN 0 THEN 'SUBMITTED' WHEN 1 THEN 'SUBMITTED' WHEN 2 THEN 'RG_POSITIVE'
                       WHEN 3 THEN 'RG_POSITIVE' WHEN 4 THEN 'RG_POSITIVE' WHEN 5 THEN 'RG_NEGATIVE'
                       WHEN 6 THEN 'CG_POSITIVE' WHEN 7 THEN 'CG_POSITIVE' WHEN 8 THEN 'CG_NEGATIVE'
                       ELSE 'WITHDRAWN' END AS status,
           CASE WHEN x % 10 BETWEEN 2 AND 8 THEN referred_at + (3 + x % 9) * interval '1 day' END AS rg_at,
           CASE WHEN x % 10 = 5 THEN 'NEGATIVE' WHEN x % 10 BETWEEN 2 AND 8 THEN 'POSITIVE' END AS rg_outcome,
           CASE WHEN x % 10 BETWEEN 6 AND 8
                THEN referred_at + (3 + x % 9) * interval '1 day' + (60 + x % 90) * interval '1 day' END AS cg_at,
           CASE x % 10 WHEN 6 THEN 'POSITIVE' WHEN 7 THEN 'POSITIVE' WHEN 8 THEN 'NEGATIVE' END AS cg_outcome,
           CASE WHEN x % 10 = 9 THEN referred_at + interval '10 days' END AS withdrawn_at
    FROM (SELECT r, hashint4(r) & 2147483647 AS x, r % :children AS ci, r / :children AS round
          FROM generate_series(0, :referrals - 1) r) g
    JOIN bench_children c ON c.i = g.ci
    CROSS JOIN LATERAL (SELECT c.created_at + (20 + 30 * g.round) * interval '1 day'
                               + (g.x % 8) * interval '1 hour' AS referred_at) t;

INSERT INTO nrm_referrals (id, local_authority, child_id, referred_at, first_responder_type,
                           first_responder_name, exploitation_types, county_lines,
                           exploitation_location, competent_authority, status, rg_outcome,
                           rg_decided_at, cg_outcome, cg_decided_at, reconsideration_requested_at,
                           withdrawn_at, version, created_at, updated_at,
                           reasonable_grounds_due_on, first_rg_outcome, first_rg_decided_at)
SELECT id, local_authority, child_id, referred_at,
       (ARRAY['POLICE', 'LOCAL_AUTHORITY', 'DESIGNATED_NGO', 'UK_VISAS_AND_IMMIGRATION', 'BORDER_FORCE'])[x % 5 + 1],
       (ARRAY['Metropolitan Police Service', 'Benchmark children''s services', 'Barnardo''s',
              'UK Visas and Immigration', 'Border Force'])[x % 5 + 1],
       (ARRAY['{CRIMINAL}', '{LABOUR}', '{SEXUAL}', '{CRIMINAL,LABOUR}'])[x / 5 % 4 + 1]::text[],
       x / 5 % 4 IN (0, 3) AND x / 20 % 3 = 0,
       (ARRAY['UK', 'UK_AND_OVERSEAS', 'OVERSEAS'])[x / 7 % 3 + 1],
       CASE WHEN x / 11 % 7 = 0 THEN 'IECA' ELSE 'SCA' END,
       status, rg_outcome, rg_at, cg_outcome, cg_at, NULL, withdrawn_at,
       1 + (rg_at IS NOT NULL)::int + (cg_at IS NOT NULL)::int + (withdrawn_at IS NOT NULL)::int,
       referred_at + interval '1 hour',
       coalesce(cg_at, rg_at, withdrawn_at, referred_at) + interval '1 hour',
       reasonable_grounds_due_on(local_authority, referred_at, CASE WHEN x / 11 % 7 = 0 THEN 'IECA' ELSE 'SCA' END),
       rg_outcome, rg_at
FROM bench_referrals ORDER BY r;

-- Each referral's timeline, oldest first (the identity column keeps that order).
INSERT INTO referral_events (local_authority, referral_id, kind, at, outcome, recorded_by, recorded_at)
SELECT local_authority, id, kind, at, outcome, 'bench-seed', at + interval '1 hour'
FROM (
    SELECT r, 1 AS step, local_authority, id, 'SUBMITTED' AS kind, referred_at AS at, NULL AS outcome FROM bench_referrals
    UNION ALL
    SELECT r, 2, local_authority, id, 'REASONABLE_GROUNDS_DECISION', rg_at, rg_outcome FROM bench_referrals WHERE rg_at IS NOT NULL
    UNION ALL
    SELECT r, 3, local_authority, id, 'CONCLUSIVE_GROUNDS_DECISION', cg_at, cg_outcome FROM bench_referrals WHERE cg_at IS NOT NULL
    UNION ALL
    SELECT r, 2, local_authority, id, 'WITHDRAWN', withdrawn_at, NULL FROM bench_referrals WHERE withdrawn_at IS NOT NULL
) e
ORDER BY r, step;

-- Guardian assignments (ICTG: these are English authorities), by a hash x of their number:
-- REQUESTED, ASSIGNED (twice as often) or ENDED. A child's second and later assignments (only
-- when there are more assignments than children) are ENDED, so at most one per service is open.
INSERT INTO guardian_assignments (id, local_authority, child_id, service, role, status,
                                  requested_at, assigned_at, ended_at, end_reason, version,
                                  created_at, updated_at)
SELECT pg_temp.uuid7(requested_at + interval '1 hour', 'assignment' || g), local_authority, child_id,
       'ICTG', CASE WHEN x % 5 = 4 THEN 'REGIONAL_PRACTICE_COORDINATOR' ELSE 'DIRECT_WORKER' END,
       status, requested_at,
       CASE WHEN status <> 'REQUESTED' THEN requested_at + (2 + x % 12) * interval '1 day' END,
       CASE WHEN status = 'ENDED' THEN requested_at + (2 + x % 12) * interval '1 day' + interval '200 days' END,
       CASE WHEN status = 'ENDED' THEN 'SUPPORT_COMPLETED' END,
       CASE status WHEN 'REQUESTED' THEN 1 WHEN 'ASSIGNED' THEN 2 ELSE 3 END,
       requested_at + interval '1 hour', requested_at + interval '1 hour'
FROM (
    SELECT g, x, c.id AS child_id, c.local_authority,
           c.created_at + (25 + 250 * (g / :children)) * interval '1 day' AS requested_at,
           CASE WHEN g >= :children THEN 'ENDED'
                ELSE (ARRAY['REQUESTED', 'ASSIGNED', 'ASSIGNED', 'ENDED'])[x / 5 % 4 + 1] END AS status
    FROM (SELECT g, hashint4(g) & 2147483647 AS x FROM generate_series(0, :assignments - 1) g) n
    JOIN bench_children c ON c.i = n.g % :children
) a
ORDER BY g;

-- Outcome measurements against the current framework: the k-th of a child is observed 30 days
-- after the one before; the outcome cycles through the framework's outcomes; ratings, words and
-- notes vary by a hash x of the measurement's number. None is a correction (see
-- docs/performance.md: PostGraphile's query cannot leave corrected measurements out).
INSERT INTO outcome_measurements (id, local_authority, child_id, framework_version, outcome_key,
                                  observed_at, recorded_by, recorded_at, young_person_participated,
                                  young_person_rating, young_person_words, practitioner_rating,
                                  practitioner_note, indicators_met, supersedes)
SELECT pg_temp.uuid7(observed_at + interval '2 hours', 'measurement' || m), local_authority, child_id,
       f.version, f.outcome_keys[(ci + k) % cardinality(f.outcome_keys) + 1],
       observed_at, 'bench-seed', observed_at + interval '2 hours',
       x % 7 <> 0,
       CASE WHEN x % 7 <> 0 THEN 1 + x / 7 % 5 END,
       CASE WHEN x % 7 <> 0 AND x / 35 % 3 = 0 THEN 'Synthetic benchmark text: not a real young person''s words.' END,
       1 + x / 105 % 5,
       CASE WHEN x / 525 % 4 = 0 THEN 'Synthetic benchmark note.' END,
       '{}', NULL
FROM (
    SELECT m, hashint4(m) & 2147483647 AS x, m % :children AS ci, m / :children AS k, c.id AS child_id, c.local_authority,
           c.created_at + (30 + 30 * (m / :children)) * interval '1 day' AS observed_at
    FROM generate_series(0, :measurements - 1) m
    JOIN bench_children c ON c.i = m % :children
) ms
CROSS JOIN bench_framework f
ORDER BY m;

COMMIT;

ANALYZE;

SELECT (SELECT count(*) FROM local_authorities) AS local_authorities,
       (SELECT count(*) FROM children) AS children,
       (SELECT count(*) FROM nrm_referrals) AS referrals,
       (SELECT count(*) FROM referral_events) AS referral_events,
       (SELECT count(*) FROM guardian_assignments) AS guardian_assignments,
       (SELECT count(*) FROM outcome_measurements) AS measurements;
