-- The database ceiling of scenario (a): the page of 50 children with their referrals (and
-- timelines), guardian assignments and first five current measurements, in one statement, in a
-- transaction that sets the tenant first as a server would. Run by pgbench (-D la=<GSS code>)
-- as the server's role, so row-level security applies.
--
-- Nested rows come back as text arrays, as PostGraphile v5 fetches them, leaving the JSON to the
-- server: on this machine that measured faster than building the JSON document in the
-- database (json_build_object/json_agg with ORDER BY: about twice the time per statement).
BEGIN;
SELECT set_config('app.local_authority', :la, true);
SELECT c.id, c.local_child_id, c.date_of_birth,
       array(SELECT array[r.id::text, r.status,
                          array(SELECT array[e.kind, e.at::text] FROM referral_events e
                                WHERE e.referral_id = r.id AND e.local_authority = r.local_authority
                                ORDER BY e.id)::text]
             FROM (SELECT id, status, local_authority FROM nrm_referrals
                   WHERE child_id = c.id AND local_authority = c.local_authority
                   ORDER BY id LIMIT 5) r)::text AS referrals,
       array(SELECT array[g.id::text, g.status] FROM guardian_assignments g
             WHERE g.child_id = c.id AND g.local_authority = c.local_authority
             ORDER BY g.id)::text AS assignments,
       array(SELECT array[o.id::text, o.young_person_rating::text, o.outcome_key]
             FROM outcome_measurements o
             WHERE o.child_id = c.id AND o.local_authority = c.local_authority
               AND NOT EXISTS (SELECT 1 FROM outcome_measurements s WHERE s.supersedes = o.id)
             ORDER BY o.id LIMIT 5)::text AS measurements
FROM children c
WHERE c.local_authority = current_local_authority()
ORDER BY c.id LIMIT 50;
COMMIT;
