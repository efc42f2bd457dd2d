#!/usr/bin/env bash
# kill -9 of a dev node in the middle of a stream of transactions, three
# times: after each restart every transaction that was reported committed
# is still there, the node resumes at its last committed block, and a
# re-execution of all blocks from genesis (govchaind --check) reproduces
# every stored state root.
#   crash_recovery.sh GOVCHAIND GOVCHAIN_LOAD
set -euo pipefail
GOVCHAIND=$1
LOAD=$2
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/govchain-crash.XXXXXX")
trap 'stop_node; kill ${LOAD_PID:-} 2>/dev/null || true; rm -rf "$work"' EXIT
data="$work/data"
committed="$work/committed.txt"
touch "$committed"
"$LOAD" prepare --data "$data" --municipalities 50 --block-interval-ms 20 >/dev/null

for round in 1 2 3; do
  start_node "$data" "$work/node-$round.log"
  height_before=$(curl -sf "$NODE_URL/v1/status" | json_field "['height']")
  "$LOAD" run --node "$NODE_URL" --data "$data" --txs 5000 --window 2000 --timeout 60 \
    --committed-out "$committed" --json >"$work/load-$round.json" 2>&1 &
  LOAD_PID=$!
  # Kill while transactions stream in: once this round's first blocks are
  # reported committed, after a further pause that differs per round.
  lines_before=$(wc -l <"$committed" 2>/dev/null || echo 0)
  for _ in $(seq 1 600); do
    [ "$(wc -l <"$committed" 2>/dev/null || echo 0)" -gt $((lines_before + 500)) ] && break
    kill -0 "$LOAD_PID" 2>/dev/null || break
    sleep 0.1
  done
  sleep "0.$((round * 3))"
  kill -9 "$NODE_PID"
  wait "$NODE_PID" 2>/dev/null || true
  NODE_PID=""
  wait "$LOAD_PID" 2>/dev/null || true
  LOAD_PID=""
  lines=$(wc -l <"$committed")
  echo "round $round: node killed with -9; $lines transactions reported committed so far (height was $height_before at start)"

  check_output=$("$GOVCHAIND" --dev --data "$data" --check 2>&1) || { echo "$check_output"; fail "replay check failed after kill -9"; }
  echo "round $round: $check_output"
  replayed_root=$(sed -n 's/.*state root \([0-9a-f]*\) matches.*/\1/p' <<<"$check_output")

  start_node "$data" "$work/node-$round-restart.log"
  status=$(curl -sf "$NODE_URL/v1/status")
  root=$(json_field "['state_root']" <<<"$status")
  height=$(json_field "['height']" <<<"$status")
  [ "$root" = "$replayed_root" ] || fail "restarted node's state root $root differs from the re-execution's $replayed_root"
  [ "$height" -gt "$height_before" ] || fail "no block was committed in round $round (height $height)"
  "$LOAD" verify --node "$NODE_URL" --committed "$committed"
  stop_node
done
echo "crash recovery: 3 kill -9 rounds, no committed transaction lost, state roots reproduced"
