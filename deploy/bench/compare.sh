#!/usr/bin/env bash
# Compare `dramawire bench ingest` (group commit) with pgbench running the same SQL per item,
# one item per transaction, on the same machine and database.
#
#   deploy/bench/compare.sh [SECONDS]
#
# Needs a running PostgreSQL reachable at PG_BASE (default: the one `deploy/dev up` starts) and a
# release build (`swift build -c release`). Works in a scratch database that it drops afterwards.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
SECONDS_PER_RUN="${1:-10}"
BASE="${PG_BASE:-postgresql://postgres@127.0.0.1:55432}"
BIN="$(swift build -c release --show-bin-path)"
DB="dramawire_bench_$$"
PORT="${BENCH_PORT:-7490}"

psql -q "$BASE/postgres" -c "CREATE DATABASE $DB"
DATABASE_URL="$BASE/$DB" DRAMAWIRE_INGEST_LISTEN="127.0.0.1:$PORT" DRAMAWIRE_LOG_LEVEL=warning "$BIN/dramawire-ingest" &
INGEST=$!
cleanup() {
    kill "$INGEST" 2>/dev/null || true
    wait "$INGEST" 2>/dev/null || true
    psql -q "$BASE/postgres" -c "DROP DATABASE IF EXISTS $DB" || true
}
trap cleanup EXIT
for _ in $(seq 50); do "$BIN/dramawire" ping --ingest "127.0.0.1:$PORT" >/dev/null 2>&1 && break; sleep 0.2; done

echo "== warm-up (fills the database the pgbench script draws ids from)"
"$BIN/dramawire" bench ingest --ingest "127.0.0.1:$PORT" --connections 16 --duration 5 --json
for c in 1 16; do
    echo "== dramawire bench ingest --connections $c --duration $SECONDS_PER_RUN"
    "$BIN/dramawire" bench ingest --ingest "127.0.0.1:$PORT" --connections "$c" --duration "$SECONDS_PER_RUN" --json
done
kill "$INGEST"; wait "$INGEST" 2>/dev/null || true
echo "== pgbench -c 16 -j 2 -T $SECONDS_PER_RUN -f deploy/bench/pgbench-ingest.sql"
pgbench -n -c 16 -j 2 -T "$SECONDS_PER_RUN" -f deploy/bench/pgbench-ingest.sql "$BASE/$DB" 2>&1 | grep -E "tps|latency|transactions"
echo "== pgbench -c 1"
pgbench -n -c 1 -T "$SECONDS_PER_RUN" -f deploy/bench/pgbench-ingest.sql "$BASE/$DB" 2>&1 | grep -E "tps|latency|transactions"
