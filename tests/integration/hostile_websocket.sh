#!/usr/bin/env bash
# hostile.websocket: 256 WebSocket subscribers of /v1/events that
# never send a frame, 32 from each of eight loopback addresses
# (127.0.0.1-127.0.0.8), stay connected while HTTP requests from 127.0.0.1
# and from a ninth address all get 200; a 33rd subscriber from 127.0.0.1 is
# refused (its address holds its share). Before subscribers had a budget of
# their own, 256 idle subscribers took every connection slot and every HTTP
# request got 503.
# Usage: hostile_websocket.sh GOVCHAIND
set -euo pipefail
GOVCHAIND=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/govchain-websocket.XXXXXX")
ATTACK_PID=""
cleanup() {
  [ -n "$ATTACK_PID" ] && kill "$ATTACK_PID" 2>/dev/null || true
  stop_node
  rm -rf "$WORK"
}
trap cleanup EXIT

start_node "$WORK/data" "$WORK/node.log"
PORT=${NODE_URL##*:}
SOURCES=127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8

echo "== 256 idle WebSocket subscribers from eight addresses"
python3 "$HERE/hostile_clients.py" websocket --port "$PORT" --subscribers 256 --sources "$SOURCES" --seconds 15 \
  >"$WORK/subscribers.log" 2>&1 &
ATTACK_PID=$!
for _ in $(seq 1 300); do grep -q "accepted" "$WORK/subscribers.log" && break; sleep 0.1; done
cat "$WORK/subscribers.log"
grep -q "subscribers: 256 accepted, 0 refused" "$WORK/subscribers.log" || fail "not all 256 subscribers were accepted"

echo "== HTTP from a subscribing address and from another one"
python3 "$HERE/hostile_clients.py" probe --port "$PORT" --path /v1/status --count 30 --interval 0.05 \
  --source 127.0.0.1 --timeout 2 || fail "HTTP from 127.0.0.1 failed while 256 subscribers were idle"
python3 "$HERE/hostile_clients.py" probe --port "$PORT" --path /healthz --count 20 --interval 0.05 \
  --source 127.0.0.9 --timeout 2 || fail "HTTP from 127.0.0.9 failed while 256 subscribers were idle"

# The answer is kept before it is searched: `curl | grep -q` under pipefail
# fails when grep stops reading early and curl gets SIGPIPE.
curl -sf "$NODE_URL/metrics" >"$WORK/metrics.txt" || fail "GET /metrics failed while 256 subscribers were idle"
grep -q '^govchain_rpc_websocket_subscribers 256' "$WORK/metrics.txt" ||
  fail "the node does not count 256 subscribers: $(grep websocket_subscribers "$WORK/metrics.txt" || echo none)"

echo "== one more subscriber from 127.0.0.1 is refused"
python3 "$HERE/hostile_clients.py" websocket --port "$PORT" --subscribers 1 --sources 127.0.0.1 --seconds 0 \
  >"$WORK/extra.log" 2>&1
cat "$WORK/extra.log"
grep -q "subscribers: 0 accepted, 1 refused" "$WORK/extra.log" || fail "a 33rd subscriber from 127.0.0.1 was accepted"

wait "$ATTACK_PID" || true
ATTACK_PID=""
tail -n 1 "$WORK/subscribers.log"
grep -q "still connected after 15.0 s: 256" "$WORK/subscribers.log" || fail "idle subscribers were dropped"
kill -0 "$NODE_PID" || fail "the node died"
echo "websocket: 256 idle subscribers held their own budget; HTTP answered 200 throughout"
