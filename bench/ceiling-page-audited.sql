-- As ceiling-page.sql, plus what our server also does for every read of a child's data: one
-- READ row per child in audit_events (docs/decisions/0006-audit-trail.md), written by the same
-- statement (a data-modifying WITH), so the transaction also waits for its WAL flush.
BEGIN;
SELECT set_config('app.local_authority', :la, true);
WITH page AS (
       SELECT id, local_child_id, date_of_birth, local_authority FROM children
       WHERE local_authority = current_local_authority() ORDER BY id LIMIT 50),
     audit AS (
       INSERT INTO audit_events (local_authority, subject, client, child_id, action, operation,
                                 fields_class, trace_id)
       SELECT local_authority, 'bench-user', 'bench-client', id, 'READ', 'Page',
              ARRAY['IDENTIFIERS', 'REFERRAL', 'GUARDIAN', 'OUTCOMES'], '0123456789abcdef0123456789abcdef'
       FROM page ORDER BY id)
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
FROM page c
ORDER BY c.id;
COMMIT;
