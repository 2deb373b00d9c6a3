DROP FUNCTION record_aggregate_read(text[], text, text, text, text, text, text);
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
REVOKE ALL ON FUNCTION record_aggregate_read(text[], text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION record_aggregate_read(text[], text, text, text, text, text)
    TO stable_futures_aggregate;
ALTER TABLE audit_events DROP COLUMN document_id;
DROP TABLE trusted_documents;
