-- The change feed (issue #6): one row per committed change, written in the change's own
-- transaction, read per local authority in commit order by `Query.changes`.
--
-- Commit order without gaps: a row's position is taken from the sequence while holding a
-- transaction-scoped advisory lock of its local authority (`changes_take_position`), so one
-- authority's writers take positions one at a time and in the order they commit (the lock is
-- released only after the commit is visible). A reader that sees position p therefore also sees
-- every lower position of that authority that will ever exist: a later commit can never appear
-- behind a cursor. Positions skip the numbers of rolled-back transactions; nothing else.
CREATE TABLE changes (
    position bigint PRIMARY KEY,
    local_authority text NOT NULL REFERENCES local_authorities (code),
    kind text NOT NULL CHECK (kind IN ('CREATED', 'UPDATED', 'STATE_CHANGED', 'ASSIGNED', 'MEASURED', 'ERASED')),
    entity_type text NOT NULL CHECK (entity_type IN ('Child', 'NrmReferral', 'GuardianAssignment', 'OutcomeMeasurement')),
    entity_id uuid NOT NULL,
    -- No foreign keys: an erased child's entries stay (as ids only).
    child_id uuid NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE changes_position OWNED BY changes.position;
CREATE INDEX changes_feed ON changes (local_authority, position);

CREATE FUNCTION changes_take_position() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('stable_futures.changes'), hashtext(NEW.local_authority));
    NEW.position := nextval('changes_position');
    RETURN NEW;
END
$$;
CREATE TRIGGER changes_take_position BEFORE INSERT ON changes
    FOR EACH ROW EXECUTE FUNCTION changes_take_position();

-- Subscribers are woken by a NOTIFY the server sends after the commit (not from a trigger here:
-- a transaction that notifies holds a database-wide lock through its commit, which would make
-- every authority's writes wait for each other's WAL flush).

-- Idempotency keys of create mutations, per local authority and client. The result is the id of
-- what the first request created; a replay answers with that record. Keys expire after 24 hours.
CREATE TABLE idempotency_keys (
    local_authority text NOT NULL REFERENCES local_authorities (code),
    client text NOT NULL CHECK (length(client) > 0),
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    operation text NOT NULL CHECK (length(operation) BETWEEN 1 AND 100),
    fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
    entity_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (local_authority, client, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (local_authority, client, expires_at);

DO $$
DECLARE
    tenant_table text;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY['changes', 'idempotency_keys']
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

GRANT SELECT, INSERT ON changes TO stable_futures_app;
GRANT USAGE ON SEQUENCE changes_position TO stable_futures_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO stable_futures_app;

-- Erasure (eraseChild). The server's role still may not DELETE anything: it erases a whole child
-- through this function, which runs as the owner but, row-level security being forced, only within
-- the transaction's local authority. The audit trail and the change feed keep their rows (ids
-- only); the trail gains the ERASE action.
CREATE FUNCTION erase_child(erased uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- Keys hold a hash of the input that created a record, which may hold the child's details.
    DELETE FROM idempotency_keys
        WHERE entity_id = erased
           OR entity_id IN (SELECT id FROM nrm_referrals WHERE child_id = erased)
           OR entity_id IN (SELECT id FROM guardian_assignments WHERE child_id = erased)
           OR entity_id IN (SELECT id FROM outcome_measurements WHERE child_id = erased);
    DELETE FROM referral_events
        WHERE referral_id IN (SELECT id FROM nrm_referrals WHERE child_id = erased);
    DELETE FROM nrm_referrals WHERE child_id = erased;
    DELETE FROM guardian_assignments WHERE child_id = erased;
    DELETE FROM outcome_measurements WHERE child_id = erased;
    DELETE FROM children WHERE id = erased;
    RETURN FOUND;
END
$$;
REVOKE ALL ON FUNCTION erase_child(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erase_child(uuid) TO stable_futures_app;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check
    CHECK (action IN ('READ', 'CREATE', 'UPDATE', 'TRANSITION', 'ERASE'));
-- Why a child was erased: one of a closed list, never free text (which could name the child).
ALTER TABLE audit_events ADD COLUMN erasure_reason text CHECK (
    erasure_reason IN ('ERASURE_REQUEST', 'RECORDED_IN_ERROR', 'DUPLICATE_RECORD', 'RETENTION_PERIOD_ENDED')
);
ALTER TABLE audit_events ADD CONSTRAINT audit_events_erasure_reason
    CHECK ((action = 'ERASE') = (erasure_reason IS NOT NULL));
