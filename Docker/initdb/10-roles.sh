#!/usr/bin/env bash
# Run once by the postgres image when its data volume is new: the register's roles and database.
# The same roles as scripts/postgres makes, except that the owner gets no CREATEDB: only the
# test suite needs that. Passwords come from the db service's environment (Docker/compose.yaml).
set -euo pipefail

# psql's :'name' quoting makes any password safe to pass.
psql -v ON_ERROR_STOP=1 -X -q --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="${REGISTER_OWNER_PASSWORD:?}" \
    -v app_password="${REGISTER_APP_PASSWORD:?}" \
    -v auditor_password="${REGISTER_AUDITOR_PASSWORD:?}" <<'SQL'
-- Migrations run as the owner, which owns every table; the service logs in as register_app, which
-- owns nothing and so cannot disable the audit triggers.
CREATE ROLE register_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE register_app LOGIN PASSWORD :'app_password';
CREATE ROLE register_auditor LOGIN PASSWORD :'auditor_password';
CREATE ROLE register_audit_owner NOLOGIN;
-- The migration owner creates the audit schema's objects as their owner (SET ROLE).
GRANT register_audit_owner TO register_owner;
-- A transaction left open must not hold the audit chain's head (every commit waits for it) for long.
ALTER ROLE register_app SET idle_in_transaction_session_timeout = '60s';
ALTER ROLE register_auditor SET idle_in_transaction_session_timeout = '60s';
-- A runaway statement of the service is cancelled (the service also asks for this at connect).
ALTER ROLE register_app SET statement_timeout = '30s';
CREATE DATABASE register OWNER register_owner;
SQL
