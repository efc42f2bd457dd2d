#!/usr/bin/env bash
# hostile.slow_query: eight clients send POST /v1/query calls of a
# contract that loops until its gas runs out (each takes the query gas limit,
# about 0.3 s here), again and again for 8 s. They hold the API's workers;
# meanwhile 30 /healthz and 10 /readyz probes from another address must each
# answer 200 within 500 ms, because health is answered by the threads that
# read requests, not by the workers. Before the worker pool, the queries held
# the server's two threads and a probe waited for them (the slowest took
# 840 and 1,022 ms in two runs of the same setup).
# Usage: hostile_slow_query.sh GOVCHAIND GOVCHAIN
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
command -v wat2wasm >/dev/null || { echo "SKIP: wat2wasm not installed"; exit 77; }
source "$HERE/lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/govchain-slow-query.XXXXXX")
LOAD_PID=""
cleanup() {
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null || true
  stop_node
  rm -rf "$WORK"
}
trap cleanup EXIT

cat >"$WORK/spin.wat" <<'WAT'
(module
  (memory (export "memory") 1)
  (func (export "spin") (loop (br 0))))
WAT
wat2wasm "$WORK/spin.wat" -o "$WORK/spin.wasm"
cat >"$WORK/spin.abi.json" <<'JSON'
{"abi_version": 1, "contract": "dev-city.spin", "version": "1", "description": "a query that runs until its gas is gone",
 "methods": [{"name": "spin", "kind": "query", "arguments": [], "returns": []}]}
JSON
start_node "$WORK/data" "$WORK/node.log"
PORT=${NODE_URL##*:}
GOVCHAIN_NODE="$NODE_URL" GOVCHAIN_DEV=1 "$GOVCHAIN" --key "$WORK/data/keys/admin.json" contract deploy \
  "$WORK/spin.wasm" --name dev-city.spin --abi "$WORK/spin.abi.json" --municipality dev-city >/dev/null 2>&1 ||
  fail "deploying the spinning contract failed"
QUERY='{"contract":"dev-city.spin","method":"spin","gas_limit":1000000000}'
# The query ends at its gas cap or, on a loaded machine, at the node's query
# time budget (200 ms) first: either is the defence working.
ANSWER=$(curl -s -X POST "$NODE_URL/v1/query" -d "$QUERY" || true)
case "$ANSWER" in
  *'"out_of_gas"'* | *'"timeout"'*) ;;
  *) fail "the query did not end at its gas cap or time budget: $ANSWER" ;;
esac

echo "== eight clients run gas-limit queries for 8 s; health probes from 127.0.0.2"
python3 "$HERE/hostile_clients.py" post-load --port "$PORT" --path /v1/query --body "$QUERY" --clients 8 --seconds 8 \
  >"$WORK/load.log" 2>&1 &
LOAD_PID=$!
sleep 1
python3 "$HERE/hostile_clients.py" probe --port "$PORT" --path /healthz --count 30 --interval 0.1 --source 127.0.0.2 \
  --timeout 5 --max-ms 500 || fail "/healthz was slow or failed while queries held the workers"
python3 "$HERE/hostile_clients.py" probe --port "$PORT" --path /readyz --count 10 --interval 0.1 --source 127.0.0.2 \
  --timeout 5 --max-ms 500 || fail "/readyz was slow or failed while queries held the workers"
wait "$LOAD_PID" || true
LOAD_PID=""
cat "$WORK/load.log"
grep -q "200: " "$WORK/load.log" || fail "no query was answered"
kill -0 "$NODE_PID" || fail "the node died"
echo "slow queries: health answered within 500 ms while every worker ran a query"
