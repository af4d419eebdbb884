#!/usr/bin/env bash
# Container entry point: with MIGRATE_ON_START=true, bring the schema up to date as the migration
# owner before serving. Any other command (`user create ...`, `migrate`) runs as given.
set -euo pipefail

if [ "${1:-}" = "serve" ] && [ "${MIGRATE_ON_START:-false}" = "true" ]; then
    : "${MIGRATION_DATABASE_URL:?MIGRATE_ON_START=true needs MIGRATION_DATABASE_URL (the register_owner login)}"
    DATABASE_URL=$MIGRATION_DATABASE_URL learning-register migrate
fi
# The running service keeps only its own least-privileged login.
unset MIGRATION_DATABASE_URL
exec learning-register "$@"
