-- Local compose stack only: the roles and database of docs/decisions/0001, created once by the
-- postgres image's entrypoint (as the superuser) when the data volume is new.
--
-- The passwords below are development values for a throwaway local stack, known to anyone
-- who reads this file: never use them anywhere else. In Kubernetes the CloudNativePG operator
-- creates these roles (deploy/kubernetes/base/database.yaml) with passwords from Secrets.
--
--   stable_futures_owner   LOGIN; owns the database and schema; runs `stable-futures migrate`
--                          and `add-local-authority` (SF_MIGRATION_DATABASE_URL).
--   stable_futures_app     NOLOGIN group role; the first migration grants it exactly what the
--                          server needs. The migration creates it if it is missing, which needs
--                          CREATEROLE; creating it here lets the owner go without.
--   stable_futures_server  LOGIN; the server's DATABASE_URL. A member of stable_futures_app,
--                          owns nothing, cannot bypass row-level security.
--   stable_futures_aggregate         NOLOGIN; may only call the report functions (reports
--                                    across authorities); the server switches to it with
--                                    SET LOCAL ROLE for a token that speaks for several.
--   stable_futures_aggregate_switch  NOLOGIN NOINHERIT; a member of stable_futures_aggregate,
--                                    and stable_futures_app a member of it: the server may
--                                    switch to the aggregate role without inheriting its rights.
--   stable_futures_transfer          NOLOGIN NOINHERIT; owns the functions that move a child
--                                    between authorities (transfers), under row-level security
--                                    of its own; the owner is a member so that the migration can
--                                    hand it the functions.

CREATE ROLE stable_futures_owner LOGIN PASSWORD 'dev-only-owner-password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

CREATE ROLE stable_futures_app NOLOGIN
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

CREATE ROLE stable_futures_server LOGIN PASSWORD 'dev-only-server-password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    IN ROLE stable_futures_app;

CREATE ROLE stable_futures_aggregate NOLOGIN NOINHERIT
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

CREATE ROLE stable_futures_aggregate_switch NOLOGIN NOINHERIT
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    IN ROLE stable_futures_aggregate;

GRANT stable_futures_aggregate_switch TO stable_futures_app;

CREATE DATABASE stable_futures OWNER stable_futures_owner;
REVOKE ALL ON DATABASE stable_futures FROM PUBLIC;
GRANT CONNECT ON DATABASE stable_futures TO stable_futures_owner, stable_futures_server;

\connect stable_futures
-- PostgreSQL 15 makes public owned by the database owner and takes CREATE from PUBLIC; also take
-- USAGE, which the migration grants back to stable_futures_app alone.
REVOKE ALL ON SCHEMA public FROM PUBLIC;

CREATE ROLE stable_futures_transfer NOLOGIN NOINHERIT
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

GRANT stable_futures_transfer TO stable_futures_owner;
