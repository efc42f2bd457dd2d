#!/usr/bin/env bash
# hostile.health_halted: health while the chain is halted. Three
# validators (quorum: all three). GET /readyz answers 200 on every node while
# the chain runs; after kill -9 of two of them the survivor's /readyz must
# answer 503 (reason no_quorum) within 10 s, while /healthz stays 200 (the
# process is alive); when both return, /readyz is 200 again on all three and
# the chain goes on. Before the readiness route, /healthz said ok for 15 s
# and more while the chain stood still.
# Usage: hostile_health_halted.sh GOVCHAIND GOVCHAIN
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/network_lib.sh"
network_work health
MEMBERS=(aachen soest paderborn)
readyz_status() { curl -s -o "$WORK/readyz.json" -w '%{http_code}' --max-time 2 "$(url_of "$1")/readyz" || true; }

echo "== three validators"
BASE=$(free_base_port 8)
"$GOVCHAIN" network new --out "$NET" --base-port "$BASE" --chain-id govchain-health-test \
  --municipality aachen:Aachen --municipality soest:Soest --municipality paderborn:Paderborn >/dev/null
for id in "${MEMBERS[@]}"; do
  jq '.empty_block_interval_ms = 200' "$NET/nodes/$id.json" >"$WORK/config" && mv "$WORK/config" "$NET/nodes/$id.json"
done
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
for id in "${MEMBERS[@]}"; do wait_height "$id" 3 60; done

echo "== /readyz is 200 on every node while the chain runs"
for id in "${MEMBERS[@]}"; do
  for _ in $(seq 1 100); do [ "$(readyz_status "$id")" = 200 ] && break; sleep 0.2; done
  [ "$(readyz_status "$id")" = 200 ] || { cat "$WORK/readyz.json"; fail "$id is not ready while the chain runs"; }
done

echo "== kill -9 soest and paderborn: aachen alone is below the quorum"
kill -9 "$(pid_of soest)" "$(pid_of paderborn)"
KILLED_MS=$(date +%s%3N)
DETECTED_MS=""
while [ $(($(date +%s%3N) - KILLED_MS)) -lt 15000 ]; do
  if [ "$(readyz_status aachen)" = 503 ]; then DETECTED_MS=$(date +%s%3N); break; fi
  sleep 0.2
done
[ -n "$DETECTED_MS" ] || fail "aachen's /readyz did not answer 503 within 15 s of losing the quorum"
cat "$WORK/readyz.json"; echo
SECONDS_TO_503=$(awk -v ms=$((DETECTED_MS - KILLED_MS)) 'BEGIN { printf "%.1f", ms / 1000 }')
echo "   /readyz answered 503 ${SECONDS_TO_503} s after the kill"
[ $((DETECTED_MS - KILLED_MS)) -le 10000 ] || fail "503 came after ${SECONDS_TO_503} s, more than 10 s"
jq -e '.reasons[] | select(.code == "no_quorum")' "$WORK/readyz.json" >/dev/null || fail "the reason is not no_quorum"
curl -sf --max-time 2 "$(url_of aachen)/healthz" >/dev/null || fail "/healthz failed although aachen is alive"
HALTED=$(height_of aachen)
sleep 1
[ "$(readyz_status aachen)" = 503 ] || fail "aachen became ready again while halted at $HALTED"

echo "== both return: the chain goes on and /readyz is 200 on all three"
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
for id in "${MEMBERS[@]}"; do wait_height "$id" $((HALTED + 3)) 60; done
for id in "${MEMBERS[@]}"; do
  for _ in $(seq 1 150); do [ "$(readyz_status "$id")" = 200 ] && break; sleep 0.2; done
  [ "$(readyz_status "$id")" = 200 ] || { cat "$WORK/readyz.json"; fail "$id is not ready after the recovery"; }
done
echo "health while halted: 503 after ${SECONDS_TO_503} s without a quorum, 200 again after recovery"
