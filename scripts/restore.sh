#!/usr/bin/env bash
# make restore BACKUP=FILE: restore a `make backup` dump into the PostgreSQL database in
# DATABASE_URL (RESTORE_DATABASE_URL wins if set), creating it if missing. A database that already
# has tables is refused unless RESTORE_CLEAN=1, which drops what the dump contains first.
# The audit log's append-only triggers come back with the schema, after its rows.
set -euo pipefail
file=${1:-${BACKUP:-}}
url=${RESTORE_DATABASE_URL:-${DATABASE_URL:-}}
[ -n "$file" ] && [ -f "$file" ] || { echo "usage: make restore BACKUP=var/backups/....dump" >&2; exit 2; }
case "$url" in
  postgres://* | postgresql://*) ;;
  *) echo "make restore needs DATABASE_URL (or RESTORE_DATABASE_URL)=postgres://..." >&2; exit 2 ;;
esac
base=${url%%\?*}
name=${base##*/}
server=${base%/*}
if ! psql --quiet --no-psqlrc --dbname="$server/postgres" --tuples-only --command \
    "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
  psql --quiet --no-psqlrc --dbname="$server/postgres" --command "CREATE DATABASE \"$name\""
fi
tables=$(psql --quiet --no-psqlrc --dbname="$url" --tuples-only --command \
  "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" | tr -d ' ')
options=(--no-owner --no-privileges --exit-on-error --single-transaction)
if [ "$tables" != "0" ]; then
  [ "${RESTORE_CLEAN:-}" = "1" ] || { echo "$name already has $tables tables: set RESTORE_CLEAN=1 to replace them" >&2; exit 1; }
  options+=(--clean --if-exists)
fi
pg_restore "${options[@]}" --dbname="$url" "$file"
echo "restored $file into $name"
