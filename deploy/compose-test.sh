#!/usr/bin/env bash
# deploy/compose-test.sh (run as `deploy/dev compose-test`): the docker-compose deployment, for real.
#
# Builds the image from the unchanged deploy/Dockerfile and runs the unchanged docker-compose.yml
# (plus deploy/compose.offline.yml, which only gives image builds the host's network) on a private
# Docker engine, then checks what a user relies on:
#   1. every healthcheck passes; the sample news goes in through the published ingest port and
#      GET DRAMA Queen of Tears comes back through a subscriber's published port;
#   2. --scale subscriber=3: each replica claims its own read model slot and answers the same document;
#   3. the ingest process SIGKILLed from outside: the restart policy brings it back, subscribers
#      reconnect, nothing acknowledged is lost;
#   4. down, then up (volumes kept): the data is there and subscribers resume without a rebuild;
#      down -v removes everything;
#   5. the services run as the non-root user, the runtime image has no compiler; its size.
#
# The engine comes from ../shared/docker/standins.sh, which also builds offline stand-ins of the
# official base images (this machine cannot reach Docker Hub). Requires root (dockerd).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STANDINS="${DRAMAWIRE_STANDINS:-$ROOT/../shared/docker/standins.sh}"
[[ -x "$STANDINS" || -f "$STANDINS" ]] || { echo "error: $STANDINS not found (set DRAMAWIRE_STANDINS)" >&2; exit 1; }

T0=$SECONDS
say() { printf '[compose-test %4ds] %s\n' "$((SECONDS - T0))" "$*"; }
die() { say "FAILED: $*"; exit 1; }

# ---- engine and base images -------------------------------------------------------------------
engine_was_up=0
if DOCKER_HOST=unix:///run/dw-docker.sock docker info >/dev/null 2>&1; then engine_was_up=1; fi
eval "$(bash "$STANDINS" start)"
bash "$STANDINS" images >/dev/null

export COMPOSE_PROJECT_NAME=dwcomposetest
compose() { docker-compose -f docker-compose.yml -f deploy/compose.offline.yml "$@"; }
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'; }

# What .env would hold; tokens are required for listening on 0.0.0.0 inside the network.
export POSTGRES_PASSWORD="pw-$RANDOM$RANDOM" DRAMAWIRE_TOKEN="full-$RANDOM$RANDOM"
export DRAMAWIRE_READ_TOKEN="read-$RANDOM$RANDOM" DRAMAWIRE_SUBSCRIBER_TOKEN="sub-$RANDOM$RANDOM"
export DRAMAWIRE_INGEST_PORT="$(free_port)"
INGEST="127.0.0.1:$DRAMAWIRE_INGEST_PORT"

cleanup() {
  local status=$?
  if ((status != 0)); then
    say "logs of the stack:"; compose logs --no-color --tail=40 2>&1 | sed 's/^/    /' || true
  fi
  compose down -v --remove-orphans >/dev/null 2>&1 || true
  if ((engine_was_up == 0)); then bash "$STANDINS" stop >/dev/null 2>&1 || true; fi
  exit "$status"
}
trap cleanup EXIT

# The project name is this test's own. A run that was killed before its cleanup (a stopped
# session, a lost terminal) leaves its containers and volumes behind, and the next run would
# then start against a database initialised with the old run's password. Start from nothing.
if [[ -n "$(docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")" ||
  -n "$(docker volume ls -q | grep "^${COMPOSE_PROJECT_NAME}_")" ]]; then
  say "removing what an earlier, interrupted run of this test left behind"
  compose down -v --remove-orphans >/dev/null 2>&1 || true
fi

# The CLI on the host, as a user would run it against the published ports.
CLI="${DRAMAWIRE_CLI:-}"
if [[ -z "$CLI" ]]; then
  for candidate in .build/debug/dramawire .build/release/dramawire; do
    [[ -x "$candidate" ]] && { CLI="$candidate"; break; }
  done
fi
[[ -n "$CLI" ]] || { swift build --product dramawire >/dev/null; CLI=.build/debug/dramawire; }
dw() { "$CLI" "$@"; }

# Waits until every container of the project reports healthy (postgres, ingest, subscribers).
wait_healthy() {
  local deadline=$((SECONDS + ${1:-240})) ids states
  while ((SECONDS < deadline)); do
    ids=$(compose ps -q)
    states=$(for id in $ids; do docker inspect -f '{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id"; done)
    if [[ -n "$ids" ]] && ! grep -vq ' healthy$' <<<"$states"; then
      say "healthy: $(awk '{print $1}' <<<"$states" | tr -d / | tr '\n' ' ')"
      return 0
    fi
    sleep 2
  done
  printf '%s\n' "$states" >&2
  die "not every container became healthy"
}

subscriber_addresses() { # host:port of each subscriber replica, by index
  local n i
  n=$(compose ps -q subscriber | wc -l)
  for ((i = 1; i <= n; i++)); do
    compose port --index="$i" subscriber 7401 | sed 's/^0\.0\.0\.0/127.0.0.1/'
  done
}

get_drama() { dw get drama "Queen of Tears" --json --subscriber "$1" --token "$DRAMAWIRE_SUBSCRIBER_TOKEN"; }
head_seq() { dw head --ingest "$INGEST" --token "$DRAMAWIRE_TOKEN"; }
applied_seq() {
  dw stats --json --subscriber "$1" --token "$DRAMAWIRE_SUBSCRIBER_TOKEN" | python3 -c 'import json,sys;print(json.load(sys.stdin)["applied_seq"])'
}
wait_applied() { # ADDRESS SEQ
  local deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    [[ "$(applied_seq "$1" 2>/dev/null || echo -1)" -ge "$2" ]] && return 0
    sleep 0.5
  done
  die "subscriber at $1 did not reach seq $2 (at $(applied_seq "$1" 2>&1))"
}

# ---- 1. build, up, healthy, ingest, read back -------------------------------------------------
t=$SECONDS
# One image serves every service (image: dramawire:dev); build it once, then never again.
# COMPOSE_TEST_SKIP_BUILD=1 reuses the image of an earlier run (for working on this script).
if [[ "${COMPOSE_TEST_SKIP_BUILD:-0}" == 1 ]] && docker image inspect dramawire:dev >/dev/null 2>&1; then
  say "reusing the image dramawire:dev (COMPOSE_TEST_SKIP_BUILD=1)"
else
  say "building the image from deploy/Dockerfile"
  compose build ingest 2>&1 | tail -n 3 | sed 's/^/    /' || die "image build failed"
  say "image built in $((SECONDS - t)) s; size $(docker image inspect -f '{{.Size}}' dramawire:dev | awk '{printf "%.0f MB", $1/1e6}')"
fi
compose up -d --no-build
wait_healthy
say "ingesting deploy/sample/news.jsonl through $INGEST"
dw ingest deploy/sample/news.jsonl --ingest "$INGEST" --token "$DRAMAWIRE_TOKEN" --quiet | sed 's/^/    /'
head1=$(head_seq)
sub1=$(subscriber_addresses | head -n 1)
wait_applied "$sub1" "$head1"
doc1=$(get_drama "$sub1")
python3 - "$doc1" <<'PY' || die "GET DRAMA Queen of Tears returned the wrong document"
import json, sys
doc = json.loads(sys.argv[1])
assert doc["title"] == "Queen of Tears", doc["title"]
assert any(o.get("song") == "Way Home" for o in doc["osts"]), [o.get("song") for o in doc["osts"]]
assert any(c["person"]["name"] == "Kim Soo-hyun" for c in doc["cast"]), doc["cast"]
print(f"    GET DRAMA Queen of Tears: {len(doc['osts'])} OSTs, {len(doc['cast'])} cast, seq {doc['seq']}")
PY

# ---- 2. three replicas ---------------------------------------------------------------------------
say "docker-compose up -d --scale subscriber=3"
compose up -d --no-build --scale subscriber=3
wait_healthy
mapfile -t subs < <(subscriber_addresses)
((${#subs[@]} == 3)) || die "expected 3 subscriber replicas, got ${#subs[@]}"
for address in "${subs[@]}"; do
  wait_applied "$address" "$head1"
  [[ "$(get_drama "$address")" == "$doc1" ]] || die "replica at $address answers a different document"
  say "replica at $address: applied_seq $(applied_seq "$address"), same document"
done
slots=$(compose exec -T subscriber ls /var/lib/dramawire | grep -c '^readmodel-[0-9]*\.sqlite$' || true)
((slots == 3)) || die "expected 3 read model slots in the shared volume, found $slots"
say "read model volume holds $slots slots: $(compose exec -T subscriber ls /var/lib/dramawire | grep -E '^readmodel-[0-9]+\.sqlite$' | tr '\n' ' ')"

# ---- 3. SIGKILL the ingest process from outside ------------------------------------------------
ingest_id=$(compose ps -q ingest)
restarts_before=$(docker inspect -f '{{.RestartCount}}' "$ingest_id")
pid=$(docker inspect -f '{{.State.Pid}}' "$ingest_id")
say "kill -KILL $pid (the dramawire-ingest process, from the host; head $head1)"
kill -KILL "$pid"
deadline=$((SECONDS + 90))
until [[ "$(docker inspect -f '{{.RestartCount}}' "$ingest_id")" -gt "$restarts_before" ]] \
  && [[ "$(docker inspect -f '{{.State.Health.Status}}' "$ingest_id")" == healthy ]]; do
  ((SECONDS < deadline)) || die "ingest was not restarted and healthy within 90 s"
  sleep 1
done
say "restart policy brought ingest back (restart count $(docker inspect -f '{{.RestartCount}}' "$ingest_id")), healthy"
head_after=$(head_seq)
((head_after == head1)) || die "head went from $head1 to $head_after across the crash"
# New items after the restart; every replica must reconnect and apply them.
tmp=$(mktemp)
for i in 1 2 3 4 5; do
  printf '{"url":"https://compose.test/after-kill-%s","source":"Compose Test","published_at":"2024-05-0%sT10:00:00+09:00","headline":"After the crash %s","facts":[{"kind":"casting","drama":"Queen of Tears","person":"Compose Tester %s","status":"rumored"}]}\n' "$i" "$i" "$i" "$i" >>"$tmp"
done
dw ingest "$tmp" --ingest "$INGEST" --token "$DRAMAWIRE_TOKEN" --quiet | sed 's/^/    /'
rm -f "$tmp"
head2=$(head_seq)
((head2 > head1)) || die "the items after the restart were not committed"
for address in "${subs[@]}"; do wait_applied "$address" "$head2"; done
say "all 3 replicas reconnected and applied up to $head2; nothing acknowledged lost (head $head1 kept)"
doc2=$(get_drama "${subs[0]}")

# ---- 4. down, up; down -v -------------------------------------------------------------------------
say "docker-compose down (volumes kept), then up -d --scale subscriber=3"
compose down
compose up -d --no-build --scale subscriber=3
wait_healthy
((($(head_seq)) == head2)) || die "the database lost data across down/up"
mapfile -t subs < <(subscriber_addresses)
for address in "${subs[@]}"; do
  wait_applied "$address" "$head2"
  [[ "$(get_drama "$address")" == "$doc2" ]] || die "replica at $address answers a different document after up"
done
# Resumed, not rebuilt: each replica opened its file at the applied seq it had, not at 0.
opened=$(compose logs --no-color subscriber | grep 'read model open' | grep -c "applied_seq=$head2" || true)
((opened >= 3)) || die "expected 3 replicas to resume at applied_seq $head2; log: $(compose logs --no-color subscriber | grep 'read model open' | tail -n 6)"
say "after up: head $head2, every replica resumed at applied_seq $head2 (no rebuild) and answers the same document"

# ---- 5. users, compiler, size ------------------------------------------------------------------------
for service in ingest subscriber; do
  user=$(compose exec -T "$service" id -un | tr -d '\r')
  uid=$(compose exec -T "$service" id -u | tr -d '\r')
  [[ "$uid" != 0 ]] || die "$service runs as root"
  say "$service runs as $user (uid $uid)"
done
if docker run --rm --entrypoint /bin/sh dramawire:dev -c 'command -v swiftc || command -v swift || command -v cc || command -v gcc || command -v clang' >/dev/null 2>&1; then
  die "the runtime image contains a compiler"
fi
say "runtime image has no compiler (swiftc, swift, cc, gcc, clang); size $(docker image inspect -f '{{.Size}}' dramawire:dev | awk '{printf "%.0f MB", $1/1e6}')"

say "docker-compose down -v"
compose down -v
left=$(docker volume ls -q | grep -c "^${COMPOSE_PROJECT_NAME}_" || true)
((left == 0)) || die "down -v left $left volumes"
[[ -z "$(docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")" ]] || die "down -v left containers"
say "everything removed; compose test passed in $((SECONDS - T0)) s"
