#!/usr/bin/env bash
# hostile.mempool_flood (issue 10, "Why" item 3, acceptance 4) on a dev node
# whose mempool holds at most 1,000 transactions: 40 fresh keys are refused
# at POST /v1/txs (403 unknown_account) and so cannot fill it; 40 keys that
# the admin made known (role holders) then submit 64 future-nonce
# transactions each (2,560, none runnable), and the admin's own transaction
# submitted during that flood still commits within 5 s. Blocks go on, the
# 40 grants stay committed, and `govchaind --check` re-executes the chain.
# Usage: hostile_mempool_flood.sh GOVCHAIND GOVCHAIN HOSTILE_TX
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
HOSTILE_TX=$(realpath "$3")
source "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/govchain-flood.XXXXXX")
cleanup() {
  local status=$?
  stop_node
  [ "$status" -ne 0 ] && tail -n 20 "$WORK/node.log"
  rm -rf "$WORK"
}
trap cleanup EXIT
export GOVCHAIN_DEV=1

start_node "$WORK/data" "$WORK/node.log" --mempool-max-txs 1000
BEFORE=$(curl -fsS "$NODE_URL/v1/status" | jq -r .height)
"$HOSTILE_TX" flood "$NODE_URL" "$WORK/data/keys/admin.json" dev-city 40 64 | tee "$WORK/flood.out" ||
  fail "the flood helper reported a failed expectation"
grep -q "refused with unknown_account: 40 of 40" "$WORK/flood.out" || fail "not every fresh key got unknown_account"
kill -0 "$NODE_PID" || fail "the node exited"
AFTER=$(curl -fsS "$NODE_URL/v1/status" | jq -r .height)
[ "$AFTER" -gt "$BEFORE" ] || fail "no block during the flood"
curl -fsS --max-time 2 "$NODE_URL/healthz" >/dev/null || fail "/healthz did not answer after the flood"
stop_node
"$GOVCHAIND" --dev --data "$WORK/data" --check >/dev/null || fail "re-execution of the chain after the flood differs"
echo "PASS: mempool flood (height $BEFORE -> $AFTER)"
