#!/usr/bin/env bash
# Property-based fuzzing of the institutions' API with schemathesis, against a live server on
# 127.0.0.1: a throw-away SQLite database with the seeded proposals and some deliberation, a fresh
# read+report key, gunicorn on a free port. Fails on any 5xx (check not_a_server_error).
# Bounded: FUZZ_MAX_EXAMPLES per operation (default 40) and FUZZ_MAX_SECONDS of testing (default 90).
# FUZZ_JUNIT=<path> writes a JUnit report (one test case per operation) for .ci/run's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-40}
MAX_SECONDS=${FUZZ_MAX_SECONDS:-90}

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export DJANGO_VAR_DIR="$work" DATABASE_URL="sqlite:///$work/fuzz.sqlite3"
export API_THROTTLE_RATE=1000000/min API_ANONYMOUS_THROTTLE_RATE=1000000/min LOG_LEVEL=ERROR
unset REDIS_URL

$BIN/python manage.py migrate --no-input -v0
$BIN/python manage.py createcachetable
$BIN/python manage.py load_seed -v0
$BIN/python tests/api_fuzz/seed.py
key=$($BIN/python manage.py create_api_key "Fuzzing Institute" --scopes read,report,webhooks)

port=$($BIN/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$BIN/gunicorn deliberation.wsgi --bind "127.0.0.1:$port" --workers 2 --timeout 60 \
  --access-logfile /dev/null >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do
  $BIN/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=1)" 2>/dev/null && break
  sleep 0.2
done

status=0
root=$(pwd)
# From the scratch directory, so that schemathesis' own cache stays out of the work tree.
cd "$work"
timeout --signal=INT "$((MAX_SECONDS + 60))" \
  "$root/$BIN/schemathesis" run "http://127.0.0.1:$port/api/v1/schema/" \
    --checks not_a_server_error \
    --max-examples "$MAX_EXAMPLES" \
    --max-time "$MAX_SECONDS" \
    --workers 1 \
    --request-timeout 30 \
    --header "Authorization: Api-Key $key" \
    ${FUZZ_JUNIT:+--report junit --report-junit-path "$FUZZ_JUNIT"} \
    ${FUZZ_SEED:+--seed "$FUZZ_SEED"} || status=$?
if grep -q "Traceback" "$work/server.log"; then
  echo "Server log has tracebacks:" >&2
  grep -B2 -A20 "Traceback" "$work/server.log" | head -80 >&2
  status=1
fi
exit "$status"
