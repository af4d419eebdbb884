#!/usr/bin/env bash
# Run once by the postgres image when its data volume is new: the register's roles and database.
# The SQL is the program's own (`learning-register database roles --psql-variables` wrote
# roles/register-roles.psql; a Swift test checks it still does), filled in here with the passwords
# from the db service's environment (Docker/compose.yaml). The owner gets no CREATEDB: only the test
# suite needs that.
set -euo pipefail

# psql's :'name' quoting makes any password safe to pass.
psql -v ON_ERROR_STOP=1 -X -q --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="${REGISTER_OWNER_PASSWORD:?}" \
    -v app_password="${REGISTER_APP_PASSWORD:?}" \
    -v auditor_password="${REGISTER_AUDITOR_PASSWORD:?}" \
    -v database=register \
    -f "$(dirname "${BASH_SOURCE[0]}")/roles/register-roles.psql"
