#!/usr/bin/env bash
# hostile.slowloris: 300 sockets from 127.0.0.1 send a request
# line and then trickle one header line every half second without ever
# finishing the header (slowloris), and reconnect whenever the node closes
# them. Meanwhile 44 health probes from another client address (127.0.0.2)
# must all get 200 within 2 s each; afterwards 127.0.0.1 is served again.
# Then the same from ten addresses at once (30 sockets each, under the
# per-address share, 300 in all, more than the 256 connection slots): 44
# probes from an eleventh address must get 200 as well. Before per-address
# limits, the header deadline and the eviction of the longest header
# waiter, the sockets took every connection slot and 43 of 44 probes got 503.
# Usage: hostile_slowloris.sh GOVCHAIND
set -euo pipefail
GOVCHAIND=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/govchain-slowloris.XXXXXX")
ATTACK_PID=""
cleanup() {
  [ -n "$ATTACK_PID" ] && kill "$ATTACK_PID" 2>/dev/null || true
  stop_node
  rm -rf "$WORK"
}
trap cleanup EXIT

start_node "$WORK/data" "$WORK/node.log"
PORT=${NODE_URL##*:}

echo "== 300 slowloris sockets from 127.0.0.1 for 12 s"
python3 "$HERE/hostile_clients.py" slowloris --port "$PORT" --sockets 300 --seconds 12 >"$WORK/attack.log" 2>&1 &
ATTACK_PID=$!
sleep 2
echo "== 44 health probes from 127.0.0.2 during the attack"
python3 "$HERE/hostile_clients.py" probe --port "$PORT" --path /healthz --count 44 --interval 0.15 \
  --source 127.0.0.2 --timeout 2 || fail "health probes from 127.0.0.2 failed during the slowloris attack"
python3 "$HERE/hostile_clients.py" probe --port "$PORT" --path /v1/status --count 10 --interval 0.1 \
  --source 127.0.0.3 --timeout 2 || fail "status requests from 127.0.0.3 failed during the slowloris attack"
wait "$ATTACK_PID" || true
ATTACK_PID=""
cat "$WORK/attack.log"

echo "== 300 slowloris sockets from ten addresses (127.0.0.1-127.0.0.10) for 12 s"
MANY=127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9,127.0.0.10
python3 "$HERE/hostile_clients.py" slowloris --port "$PORT" --sockets 300 --seconds 12 --source "$MANY" \
  >"$WORK/attack-many.log" 2>&1 &
ATTACK_PID=$!
sleep 3
python3 "$HERE/hostile_clients.py" probe --port "$PORT" --path /healthz --count 44 --interval 0.15 \
  --source 127.0.0.11 --timeout 2 || fail "health probes from 127.0.0.11 failed while ten addresses sent slowloris"
wait "$ATTACK_PID" || true
ATTACK_PID=""
cat "$WORK/attack-many.log"

echo "== after the attack 127.0.0.1 is served again"
for _ in $(seq 1 50); do
  curl -sf --max-time 2 "$NODE_URL/v1/status" >/dev/null && break
  sleep 0.1
done
curl -sf --max-time 2 "$NODE_URL/v1/status" >/dev/null || fail "127.0.0.1 is not served after the attack"
curl -sf "$NODE_URL/metrics" | grep -E '^govchain_rpc_(refused|timeouts|idle_evictions)_total' || true
kill -0 "$NODE_PID" || fail "the node died"
echo "slowloris: every probe from another address answered 200 while 300 sockets from one and from ten addresses trickled headers"
