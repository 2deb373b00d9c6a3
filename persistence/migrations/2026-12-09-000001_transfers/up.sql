-- Transfers (issue #17): a child, and every record about them, moves to another local authority.
--
-- Who may do what:
-- - The sending authority offers (INSERT, as itself, of a child it holds); either party may end
--   an offer as declined (the receiver) or withdrawn (the sender): the server's role may UPDATE a
--   transfer it is party to only into those states. Both parties may read it; nobody else sees
--   that it exists.
-- - Acceptance moves the child's rows from one authority to the other, which row-level security
--   (forced, and checked on the new row) forbids every ordinary statement. It runs in
--   `accept_transfer`, SECURITY DEFINER and owned by stable_futures_transfer, a role that owns
--   nothing else and may log in nowhere. Its policies let it touch the rows of one child only:
--   the child of a transfer that is MOVING to the authority of the transaction — a state only
--   that function sets, from an OFFERED transfer (the sender's consent), in the receiver's own
--   transaction (the receiver's), and leaves before it returns.
-- - Each step is written to both parties' change feeds and audit trails by the same role
--   (`record_transfer_step`), for a transfer the caller is party to.
--
-- Each record keeps the authority that recorded it (`recorded_by_local_authority`; NULL: the
-- authority that holds it now, as for every record made before this migration). A code, not a
-- foreign key: it is history, and an authority's row is never removed anyway.
--
-- Deployments create the role beforehand and make the owner a member (deploy/postgres/init.sql,
-- the CloudNativePG Cluster's postInitApplicationSQL), so that the owner needs no CREATEROLE and
-- may hand it the functions; a superuser running the migration (the embedded development
-- database) creates it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'stable_futures_transfer') THEN
        CREATE ROLE stable_futures_transfer NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
    IF NOT pg_has_role(current_user, 'stable_futures_transfer', 'MEMBER') THEN
        RAISE EXCEPTION 'the migrating role % must be a member of stable_futures_transfer (GRANT stable_futures_transfer TO %): it hands that role the functions that move a child', current_user, current_user;
    END IF;
END
$$;

ALTER TABLE children ADD COLUMN recorded_by_local_authority text CHECK (recorded_by_local_authority ~ '^[EWSN][0-9]{8}$');
ALTER TABLE nrm_referrals ADD COLUMN recorded_by_local_authority text CHECK (recorded_by_local_authority ~ '^[EWSN][0-9]{8}$');
ALTER TABLE guardian_assignments ADD COLUMN recorded_by_local_authority text CHECK (recorded_by_local_authority ~ '^[EWSN][0-9]{8}$');
ALTER TABLE outcome_measurements ADD COLUMN recorded_by_local_authority text CHECK (recorded_by_local_authority ~ '^[EWSN][0-9]{8}$');

-- The move changes the authority of a child and of the rows that point at it in one
-- transaction; the references are checked when it has changed them all.
ALTER TABLE nrm_referrals ALTER CONSTRAINT nrm_referrals_child_fk DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE referral_events ALTER CONSTRAINT referral_events_referral_fk DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE guardian_assignments ALTER CONSTRAINT guardian_assignments_child_fk DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE outcome_measurements ALTER CONSTRAINT outcome_measurements_child_fk DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE outcome_measurements ALTER CONSTRAINT outcome_measurements_supersedes_fk DEFERRABLE INITIALLY IMMEDIATE;

CREATE TABLE transfers (
    id uuid PRIMARY KEY,
    -- No foreign key: the child moves (and may be erased); the transfer stays with both parties.
    child_id uuid NOT NULL,
    from_local_authority text NOT NULL REFERENCES local_authorities (code),
    to_local_authority text NOT NULL REFERENCES local_authorities (code),
    reason text NOT NULL CHECK (reason IN ('NATIONAL_TRANSFER_SCHEME', 'PLACEMENT_MOVE', 'FAMILY_MOVE', 'OTHER')),
    responsibility_from date NOT NULL,
    note text CHECK (length(note) BETWEEN 1 AND 1000),
    -- What the receiving authority sees before it accepts, as it was when offered.
    child_age_years integer NOT NULL CHECK (child_age_years BETWEEN 0 AND 150),
    child_age_disputed boolean NOT NULL,
    open_referrals boolean NOT NULL,
    open_guardian_assignments boolean NOT NULL,
    -- MOVING only inside accept_transfer's transaction: never committed.
    status text NOT NULL CHECK (status IN ('OFFERED', 'MOVING', 'ACCEPTED', 'DECLINED', 'WITHDRAWN')),
    version integer NOT NULL CHECK (version > 0),
    offered_at timestamptz NOT NULL,
    ended_at timestamptz,
    decline_note text CHECK (length(decline_note) BETWEEN 1 AND 1000),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (from_local_authority <> to_local_authority),
    CHECK ((status IN ('OFFERED', 'MOVING')) = (ended_at IS NULL)),
    CHECK (decline_note IS NULL OR status = 'DECLINED'),
    CHECK (reason <> 'OTHER' OR note IS NOT NULL)
);
-- One offer waiting per child, kept by the database too, so two concurrent offers cannot both
-- succeed.
CREATE UNIQUE INDEX transfers_one_open_per_child ON transfers (child_id) WHERE status IN ('OFFERED', 'MOVING');
CREATE INDEX transfers_incoming ON transfers (to_local_authority, id);
CREATE INDEX transfers_outgoing ON transfers (from_local_authority, id);
CREATE INDEX transfers_child ON transfers (child_id);

ALTER TABLE transfers ENABLE ROW LEVEL SECURITY;
ALTER TABLE transfers FORCE ROW LEVEL SECURITY;
CREATE POLICY transfer_parties ON transfers FOR SELECT
    USING (current_local_authority() IN (from_local_authority, to_local_authority));
CREATE POLICY transfer_offer ON transfers FOR INSERT TO stable_futures_app
    WITH CHECK (
        from_local_authority = current_local_authority()
        AND status = 'OFFERED'
        -- Under the inserting role's own row-level security: a child the sender holds.
        AND child_id IN (SELECT c.id FROM children c)
    );
CREATE POLICY transfer_end ON transfers FOR UPDATE TO stable_futures_app
    USING (current_local_authority() IN (from_local_authority, to_local_authority))
    WITH CHECK (
        current_local_authority() IN (from_local_authority, to_local_authority)
        AND status IN ('DECLINED', 'WITHDRAWN')
    );
CREATE POLICY transfer_accept ON transfers FOR UPDATE TO stable_futures_transfer
    USING (to_local_authority = current_local_authority())
    WITH CHECK (to_local_authority = current_local_authority() AND status IN ('MOVING', 'ACCEPTED'));
-- Erasure (as the owner, in erase_child) removes every transfer of a child the authority holds
-- or was party to: their notes may describe the child.
CREATE POLICY transfer_erase ON transfers FOR DELETE
    USING (current_local_authority() IN (from_local_authority, to_local_authority)
           OR child_id IN (SELECT c.id FROM children c));

GRANT SELECT, INSERT, UPDATE ON transfers TO stable_futures_app;

-- The child being moved, if any: of a transfer MOVING to this transaction's authority.
CREATE FUNCTION moving_child() RETURNS uuid
    LANGUAGE sql STABLE
    SET search_path = public, pg_temp
    AS $$ SELECT t.child_id FROM transfers t
          WHERE t.status = 'MOVING' AND t.to_local_authority = current_local_authority() $$;

-- The mover's view of the records: the moving child's, beside the receiver's own (tenant_isolation
-- applies to every role). A sub-select: evaluated once per statement.
CREATE POLICY transfer_move ON children FOR ALL TO stable_futures_transfer
    USING (id = (SELECT moving_child()));
CREATE POLICY transfer_move ON nrm_referrals FOR ALL TO stable_futures_transfer
    USING (child_id = (SELECT moving_child()));
CREATE POLICY transfer_move ON guardian_assignments FOR ALL TO stable_futures_transfer
    USING (child_id = (SELECT moving_child()));
CREATE POLICY transfer_move ON outcome_measurements FOR ALL TO stable_futures_transfer
    USING (child_id = (SELECT moving_child()));
CREATE POLICY transfer_move ON referral_events FOR ALL TO stable_futures_transfer
    USING (referral_id IN (SELECT n.id FROM nrm_referrals n WHERE n.child_id = (SELECT moving_child())));

-- The mover writes a step of a transfer into the other party's feed and trail too.
CREATE FUNCTION transfer_counterparts() RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path = public, pg_temp
    AS $$ SELECT coalesce(array_agg(DISTINCT CASE WHEN t.from_local_authority = current_local_authority()
                                               THEN t.to_local_authority ELSE t.from_local_authority END), '{}')
          FROM transfers t $$;
CREATE POLICY transfer_step ON changes FOR INSERT TO stable_futures_transfer
    WITH CHECK (local_authority = ANY ((SELECT transfer_counterparts())::text[]));
CREATE POLICY transfer_step ON audit_events FOR INSERT TO stable_futures_transfer
    WITH CHECK (local_authority = ANY ((SELECT transfer_counterparts())::text[]));

-- The trail of the other party names who acted and for which authority.
ALTER TABLE audit_events ADD COLUMN acting_local_authority text CHECK (acting_local_authority ~ '^[EWSN][0-9]{8}$');
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check
    CHECK (action IN ('READ', 'CREATE', 'UPDATE', 'TRANSITION', 'ERASE', 'TRANSFER'));
ALTER TABLE audit_events DROP CONSTRAINT audit_events_fields_class_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_fields_class_check CHECK (
    cardinality(fields_class) > 0
    AND fields_class <@ ARRAY['IDENTIFIERS', 'REFERRAL', 'GUARDIAN', 'OUTCOMES', 'SENSITIVE_TEXT', 'AUDIT', 'SETTINGS', 'AGGREGATE', 'TRANSFER']
);

ALTER TABLE changes DROP CONSTRAINT changes_kind_check;
ALTER TABLE changes ADD CONSTRAINT changes_kind_check CHECK (kind IN (
    'CREATED', 'UPDATED', 'STATE_CHANGED', 'ASSIGNED', 'MEASURED', 'ERASED', 'TRANSFERRED_OUT', 'TRANSFERRED_IN'));
ALTER TABLE changes DROP CONSTRAINT changes_entity_type_check;
ALTER TABLE changes ADD CONSTRAINT changes_entity_type_check CHECK (entity_type IN (
    'Child', 'NrmReferral', 'GuardianAssignment', 'OutcomeMeasurement', 'Transfer'));

GRANT USAGE ON SCHEMA public TO stable_futures_transfer;
GRANT SELECT ON local_authorities, transfers TO stable_futures_transfer;
GRANT UPDATE (status, version, ended_at, updated_at) ON transfers TO stable_futures_transfer;
GRANT SELECT, UPDATE ON children, nrm_referrals, guardian_assignments, outcome_measurements TO stable_futures_transfer;
GRANT SELECT, UPDATE, INSERT ON referral_events TO stable_futures_transfer;
GRANT SELECT, INSERT ON changes, audit_events TO stable_futures_transfer;
GRANT USAGE ON SEQUENCE changes_position TO stable_futures_transfer;

-- One step of a transfer in both parties' audit trails and change feeds: the transfer itself
-- (CREATED when offered, STATE_CHANGED after), each party's row naming the acting authority.
-- Both parties' feed locks are taken in one order, so two steps in opposite directions cannot
-- wait for each other.
CREATE FUNCTION record_transfer_step(
    transfer uuid, change_kind text, fields_class text[], subject text, client text,
    operation text, trace_id text, purpose text, document_id text
) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    acting text := current_local_authority();
    step transfers%ROWTYPE;
    party text;
BEGIN
    SELECT * INTO step FROM transfers t WHERE t.id = transfer;
    IF NOT FOUND OR acting IS NULL THEN
        RAISE EXCEPTION 'transfer not found' USING ERRCODE = 'no_data_found';
    END IF;
    FOREACH party IN ARRAY (SELECT array_agg(p ORDER BY p)
                            FROM unnest(ARRAY[step.from_local_authority, step.to_local_authority]) p) LOOP
        PERFORM pg_advisory_xact_lock(hashtext('stable_futures.changes'), hashtext(party));
    END LOOP;
    INSERT INTO audit_events (local_authority, subject, client, child_id, action, operation,
                              fields_class, trace_id, purpose, document_id, acting_local_authority)
    SELECT p, record_transfer_step.subject, record_transfer_step.client, step.child_id, 'TRANSFER',
           record_transfer_step.operation, record_transfer_step.fields_class,
           record_transfer_step.trace_id, record_transfer_step.purpose,
           record_transfer_step.document_id, CASE WHEN p = acting THEN NULL ELSE acting END
    FROM unnest(ARRAY[step.from_local_authority, step.to_local_authority]) p;
    INSERT INTO changes (local_authority, kind, entity_type, entity_id, child_id)
    SELECT p, change_kind, 'Transfer', step.id, step.child_id
    FROM unnest(ARRAY[step.from_local_authority, step.to_local_authority]) p;
END
$$;
-- A new owner needs CREATE on the schema; it keeps it no longer than the hand-over.
GRANT CREATE ON SCHEMA public TO stable_futures_transfer;
ALTER FUNCTION record_transfer_step(uuid, text, text[], text, text, text, text, text, text)
    OWNER TO stable_futures_transfer;
REVOKE ALL ON FUNCTION record_transfer_step(uuid, text, text[], text, text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION record_transfer_step(uuid, text, text[], text, text, text, text, text, text)
    TO stable_futures_app;

-- Acceptance: the child and every record about them become the receiving authority's, in the
-- receiver's transaction. When the receiver already holds a child with the same NHS number or
-- Home Office reference, raises SQLSTATE SFDUP with that child's id as the detail, and nothing
-- moves (unless `allow_duplicate`: the caller chose to keep both records).
--
-- `end_open_assignments`: the open guardian assignments end (MOVED_OUT_OF_AREA) rather than
-- continue — the domain's rule (`transfer::guardian_continues`), decided by the caller.
CREATE FUNCTION accept_transfer(
    accepted uuid, receiving_local_child_id text, allow_duplicate boolean,
    end_open_assignments boolean, at timestamptz, fields_class text[], subject text, client text,
    operation text, trace_id text, purpose text, document_id text
) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    receiver text := current_local_authority();
    moving transfers%ROWTYPE;
    duplicate uuid;
BEGIN
    UPDATE transfers t SET status = 'MOVING'
        WHERE t.id = accepted AND t.status = 'OFFERED' AND t.to_local_authority = receiver
        RETURNING * INTO moving;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'transfer not found' USING ERRCODE = 'no_data_found';
    END IF;
    -- Waits for the sender's writes in flight to this child; theirs then find it gone.
    PERFORM FROM children c WHERE c.id = moving.child_id AND c.local_authority = moving.from_local_authority
        FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'transfer not found' USING ERRCODE = 'no_data_found';
    END IF;

    IF NOT allow_duplicate THEN
        SELECT held.id INTO duplicate
        FROM children moved, children held
        WHERE moved.id = moving.child_id
          AND held.local_authority = receiver
          AND (held.nhs_number = moved.nhs_number
               OR EXISTS (SELECT FROM nrm_referrals mine, nrm_referrals theirs
                          WHERE mine.child_id = held.id AND mine.local_authority = receiver
                            AND theirs.child_id = moved.id
                            AND mine.home_office_reference = theirs.home_office_reference))
        ORDER BY held.id
        LIMIT 1;
        IF duplicate IS NOT NULL THEN
            -- Aborts the transaction: nothing moves, the offer stays as it was.
            RAISE EXCEPTION 'possible duplicate' USING ERRCODE = 'SFDUP', DETAIL = duplicate::text;
        END IF;
    END IF;

    SET CONSTRAINTS nrm_referrals_child_fk, referral_events_referral_fk, guardian_assignments_child_fk,
        outcome_measurements_child_fk, outcome_measurements_supersedes_fk DEFERRED;

    UPDATE children c
        SET local_authority = receiver, local_child_id = receiving_local_child_id,
            recorded_by_local_authority = coalesce(c.recorded_by_local_authority, c.local_authority),
            version = c.version + 1, updated_at = at
        WHERE c.id = moving.child_id;
    UPDATE referral_events e SET local_authority = receiver
        WHERE e.referral_id IN (SELECT n.id FROM nrm_referrals n WHERE n.child_id = moving.child_id);
    UPDATE nrm_referrals n
        SET local_authority = receiver,
            recorded_by_local_authority = coalesce(n.recorded_by_local_authority, n.local_authority)
        WHERE n.child_id = moving.child_id;
    INSERT INTO referral_events (local_authority, referral_id, kind, at, outcome, recorded_by, recorded_at)
        SELECT receiver, n.id, 'TRANSFERRED', at, NULL, subject, at
        FROM nrm_referrals n WHERE n.child_id = moving.child_id;
    UPDATE guardian_assignments g
        SET local_authority = receiver,
            recorded_by_local_authority = coalesce(g.recorded_by_local_authority, g.local_authority)
        WHERE g.child_id = moving.child_id;
    IF end_open_assignments THEN
        UPDATE guardian_assignments g
            SET status = 'ENDED', ended_at = greatest(at, g.requested_at, coalesce(g.assigned_at, g.requested_at)),
                end_reason = 'MOVED_OUT_OF_AREA', version = g.version + 1, updated_at = at
            WHERE g.child_id = moving.child_id AND g.status <> 'ENDED';
    END IF;
    UPDATE outcome_measurements m
        SET local_authority = receiver,
            recorded_by_local_authority = coalesce(m.recorded_by_local_authority, m.local_authority)
        WHERE m.child_id = moving.child_id;
    SET CONSTRAINTS nrm_referrals_child_fk, referral_events_referral_fk, guardian_assignments_child_fk,
        outcome_measurements_child_fk, outcome_measurements_supersedes_fk IMMEDIATE;

    UPDATE transfers t SET status = 'ACCEPTED', version = t.version + 1, ended_at = at, updated_at = at
        WHERE t.id = accepted;

    -- The feeds, last: from here to the commit both parties' other writers wait for positions.
    PERFORM record_transfer_step(accepted, 'STATE_CHANGED', fields_class, subject, client,
                                 operation, trace_id, purpose, document_id);
    INSERT INTO changes (local_authority, kind, entity_type, entity_id, child_id)
        VALUES (moving.from_local_authority, 'TRANSFERRED_OUT', 'Child', moving.child_id, moving.child_id);
    INSERT INTO changes (local_authority, kind, entity_type, entity_id, child_id)
        SELECT receiver, 'TRANSFERRED_IN', r.entity_type, r.entity_id, moving.child_id
        FROM (
            SELECT 0 AS rank, 'Child' AS entity_type, moving.child_id AS entity_id
            UNION ALL SELECT 1, 'NrmReferral', n.id FROM nrm_referrals n WHERE n.child_id = moving.child_id
            UNION ALL SELECT 2, 'GuardianAssignment', g.id FROM guardian_assignments g WHERE g.child_id = moving.child_id
            UNION ALL SELECT 3, 'OutcomeMeasurement', m.id FROM outcome_measurements m WHERE m.child_id = moving.child_id
        ) r
        ORDER BY r.rank, r.entity_id;
END
$$;
ALTER FUNCTION accept_transfer(uuid, text, boolean, boolean, timestamptz, text[], text, text, text, text, text, text)
    OWNER TO stable_futures_transfer;
REVOKE CREATE ON SCHEMA public FROM stable_futures_transfer;
REVOKE ALL ON FUNCTION accept_transfer(uuid, text, boolean, boolean, timestamptz, text[], text, text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION accept_transfer(uuid, text, boolean, boolean, timestamptz, text[], text, text, text, text, text, text)
    TO stable_futures_app;

-- Erasure also removes the child's transfers (their notes may describe the child); the feeds and
-- trails keep their rows, as ids only.
CREATE OR REPLACE FUNCTION erase_child(erased uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- Keys hold a hash of the input that created a record, which may hold the child's details.
    DELETE FROM idempotency_keys
        WHERE entity_id = erased
           OR entity_id IN (SELECT id FROM nrm_referrals WHERE child_id = erased)
           OR entity_id IN (SELECT id FROM guardian_assignments WHERE child_id = erased)
           OR entity_id IN (SELECT id FROM outcome_measurements WHERE child_id = erased)
           OR entity_id IN (SELECT id FROM transfers WHERE child_id = erased);
    DELETE FROM transfers WHERE child_id = erased AND erased IN (SELECT id FROM children);
    DELETE FROM referral_events
        WHERE referral_id IN (SELECT id FROM nrm_referrals WHERE child_id = erased);
    DELETE FROM nrm_referrals WHERE child_id = erased;
    DELETE FROM guardian_assignments WHERE child_id = erased;
    DELETE FROM outcome_measurements WHERE child_id = erased;
    DELETE FROM children WHERE id = erased;
    RETURN FOUND;
END
$$;
