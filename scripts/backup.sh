#!/usr/bin/env bash
# make backup: a pg_dump of the PostgreSQL database in DATABASE_URL, in pg_dump's custom format
# (compressed, restorable table by table), to BACKUP_DIR (default var/backups). Prints the path.
# Usage: DATABASE_URL=postgres://user@host:5432/dialogue scripts/backup.sh [FILE]
set -euo pipefail
url=${DATABASE_URL:-}
case "$url" in
  postgres://* | postgresql://*) ;;
  *) echo "make backup needs DATABASE_URL=postgres://... (the SQLite default is a file: copy var/db.sqlite3)" >&2; exit 2 ;;
esac
dir=${BACKUP_DIR:-var/backups}
name=$(basename "${url%%\?*}")
file=${1:-$dir/$name-$(date -u +%Y%m%dT%H%M%SZ).dump}
mkdir -p "$(dirname "$file")"
pg_dump --format=custom --no-owner --no-privileges --file="$file" --dbname="$url"
echo "$file"
