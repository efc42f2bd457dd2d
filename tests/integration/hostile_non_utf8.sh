#!/usr/bin/env bash
# hostile.non_utf8 (issue 10, "Why" item 5) on a dev node: an admin's
# role_grant whose municipality is the bytes FF FE is refused at
# POST /v1/txs; afterwards every block route still answers 200 for every
# block (/v1/blocks/{h}, /v1/blocks/latest, /v1/txs/{hash} of each
# transaction), `govchain block` works, and an honest grant still commits.
# Usage: hostile_non_utf8.sh GOVCHAIND GOVCHAIN HOSTILE_TX
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
HOSTILE_TX=$(realpath "$3")
source "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/govchain-utf8.XXXXXX")
cleanup() {
  local status=$?
  stop_node
  [ "$status" -ne 0 ] && tail -n 20 "$WORK/node.log"
  rm -rf "$WORK"
}
trap cleanup EXIT
export GOVCHAIN_DEV=1
start_node "$WORK/data" "$WORK/node.log"
ADMIN="$WORK/data/keys/admin.json"

"$HOSTILE_TX" non-utf8-grant "$NODE_URL" "$ADMIN" | tee "$WORK/refusal" || fail "the node accepted the FF FE grant"
grep -q "^refused" "$WORK/refusal" || fail "no refusal"
timeout 60 "$GOVCHAIN" --node "$NODE_URL" --key "$ADMIN" role grant --account "$ADMIN" --role archive \
  --municipality dev-city >/dev/null || fail "an honest grant after the refusal did not commit"
TIP=$(curl -fsS "$NODE_URL/v1/status" | jq -r .height)
for height in $(seq 0 "$TIP") latest; do
  code=$(curl -s -o "$WORK/block.json" -w '%{http_code}' --max-time 5 "$NODE_URL/v1/blocks/$height")
  [ "$code" = 200 ] || fail "/v1/blocks/$height answered $code"
  for hash in $(jq -r '.txs[]?.hash // empty' "$WORK/block.json"); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$NODE_URL/v1/txs/$hash")
    [ "$code" = 200 ] || fail "/v1/txs/$hash answered $code"
  done
done
timeout 30 "$GOVCHAIN" --node "$NODE_URL" block latest >/dev/null || fail "govchain block latest failed"
kill -0 "$NODE_PID" || fail "the node exited"
echo "PASS: a non-UTF-8 municipality was refused; every block route answers for $((TIP + 1)) blocks"
