-- Trusted documents: the operations each case-system client registered (`stable-futures
-- documents add`), named by the SHA-256 of their text. Not about any child, so not scoped to an
-- authority: a client serving several authorities registers its documents once. The server may
-- read them and nothing more; registering needs the schema owner.
CREATE TABLE trusted_documents (
    client text NOT NULL CHECK (length(client) BETWEEN 1 AND 200),
    document_id text NOT NULL CHECK (document_id ~ '^sha256:[0-9a-f]{64}$'),
    body text NOT NULL CHECK (length(body) > 0),
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client, document_id)
);
GRANT SELECT ON trusted_documents TO stable_futures_app;

-- Which registered document a request sent, by id, on every row it caused.
ALTER TABLE audit_events ADD COLUMN document_id text
    CHECK (document_id ~ '^sha256:[0-9a-f]{64}$');

DROP FUNCTION record_aggregate_read(text[], text, text, text, text, text);
CREATE FUNCTION record_aggregate_read(
    authorities text[], subject text, client text, operation text, trace_id text, purpose text,
    document_id text
) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    SELECT set_config('app.aggregate_authorities', array_to_string(authorities, ','), true);
    INSERT INTO audit_events (local_authority, subject, client, child_id, action, operation,
                              fields_class, trace_id, purpose, document_id)
    SELECT a, subject, client, NULL, 'READ', operation, ARRAY['AGGREGATE'], trace_id, purpose,
           document_id
    FROM unnest(authorities) AS a;
$$;
REVOKE ALL ON FUNCTION record_aggregate_read(text[], text, text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION record_aggregate_read(text[], text, text, text, text, text, text)
    TO stable_futures_aggregate;
