#!/usr/bin/env bash
# Installs (if needed) and starts a local PostgreSQL for the tests, with a
# role that may create databases, and prints the URL to export as
# RELGRAPH_TEST_POSTGRES.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | grep -q "^$version main .* online"; then
  pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 30); do
  su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qAtc \"DO \\\$\\\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'relgraph') THEN
    CREATE ROLE relgraph LOGIN CREATEDB PASSWORD 'relgraph';
  END IF;
END \\\$\\\$;\"" >&2
# Test cleanup drops databases WITH (FORCE), which signals their backends.
su postgres -c "psql -qAtc 'GRANT pg_signal_backend TO relgraph'" >&2
echo "postgres://relgraph:relgraph@127.0.0.1:5432/postgres?sslmode=disable"
