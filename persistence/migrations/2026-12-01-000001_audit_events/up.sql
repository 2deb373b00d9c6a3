-- The audit trail: one row per child read or changed per request (and one per read of the trail
-- itself, with no child). It records who, which child, what kind of data, when, the trace id and
-- the declared purpose, never the values. Append-only for the server: INSERT and SELECT only.
CREATE TABLE audit_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    local_authority text NOT NULL REFERENCES local_authorities (code),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    subject text NOT NULL CHECK (length(subject) > 0),
    client text,
    -- No foreign key: the trail must outlive what it describes.
    child_id uuid,
    action text NOT NULL CHECK (action IN ('READ', 'CREATE', 'UPDATE', 'TRANSITION')),
    operation text NOT NULL CHECK (length(operation) BETWEEN 1 AND 100),
    fields_class text[] NOT NULL CHECK (
        cardinality(fields_class) > 0
        AND fields_class <@ ARRAY['IDENTIFIERS', 'REFERRAL', 'GUARDIAN', 'OUTCOMES', 'SENSITIVE_TEXT', 'AUDIT']
    ),
    trace_id text CHECK (trace_id ~ '^[0-9a-f]{32}$'),
    purpose text CHECK (length(purpose) BETWEEN 1 AND 200 AND purpose ~ '^[ -~]+$')
);
CREATE INDEX audit_events_child ON audit_events (local_authority, child_id, id);

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_events
    USING (local_authority = current_local_authority())
    WITH CHECK (local_authority = current_local_authority());

GRANT SELECT, INSERT ON audit_events TO stable_futures_app;
