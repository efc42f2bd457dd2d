#!/usr/bin/env bash
# hostile.personal_data and hostile.admission (issue 10, "Why" item 6 and
# acceptance 2) on three validators with the shared contracts at genesis:
# - a fresh key (no role, no attestation, no admin right) is refused at
#   POST /v1/txs with 403 unknown_account, on every node;
# - a known key (aachen's admin) calls dogpermit.revoke for a certificate
#   that does not exist, with personal-data-looking arguments (a name and a
#   birth date as the reason code, a name and a town as the id's bytes): the
#   call aborts, the CLI reports it as dropped with its
#   reason, and the arguments appear in no served block, no file of any
#   node's data directory (raw, and every stored entry decompressed) and no
#   node's log; each validator drops it in its own turn to propose and
#   answers "dropped" for it;
# - meanwhile the chain keeps finalising, an honest grant commits within
#   10 s, and all nodes agree on every block.
# Usage: hostile_personal_data.sh GOVCHAIND GOVCHAIN CONTRACTS_DIR DUMP_STORE
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
CONTRACTS=$(realpath "$3")
DUMP_STORE=$(realpath "$4")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/network_lib.sh"
[ -f "$CONTRACTS/dogpermit.wasm" ] || { echo "SKIP: no built contracts in $CONTRACTS"; exit 77; }
network_work personal
export GOVCHAIN_DEV=1
unset GOVCHAIN_GENESIS GOVCHAIN_KEY_PASSPHRASE GOVCHAIN_NODE || true
MEMBERS=(aachen soest paderborn)
# The markers: a valid reason code and 32 bytes of an id that look like a
# person's data.
REASON_MARKER="erika_mustermann_19640812"
ID_MARKER="MUSTERMANN-ERIKA-KOELN-HEIDESTR7"
ID_HEX=$(printf '%s' "$ID_MARKER" | od -An -tx1 | tr -d ' \n')
REASON_HEX=$(printf '%s' "$REASON_MARKER" | od -An -tx1 | tr -d ' \n')
[ ${#ID_HEX} -eq 64 ] || fail "the id marker must be 32 bytes"

cli_at() {
  local id=$1
  shift
  timeout 60 "$GOVCHAIN" --node "$(url_of "$id")" "$@" >"$WORK/out" 2>"$WORK/err"
}

echo "== three validators with the shared contracts"
BASE=$(free_base_port 8)
"$GOVCHAIN" network new --out "$NET" --base-port "$BASE" --chain-id govchain-personal-test --contracts "$CONTRACTS" \
  --municipality aachen:Aachen --municipality soest:Soest --municipality paderborn:Paderborn >/dev/null
for id in "${MEMBERS[@]}"; do
  jq '.empty_block_interval_ms = 200' "$NET/nodes/$id.json" >"$WORK/config" && mv "$WORK/config" "$NET/nodes/$id.json"
done
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
for id in "${MEMBERS[@]}"; do wait_height "$id" 2 60; done

echo "== a fresh key is refused with 403 unknown_account on every node"
"$GOVCHAIN" keys new --dev --out "$WORK/stranger.json" >/dev/null
for id in "${MEMBERS[@]}"; do
  cli_at "$id" --json --key "$WORK/stranger.json" --dry-run contract call dogpermit revoke \
    --args "{\"id\": \"$ID_HEX\", \"reason\": \"$REASON_MARKER\"}" || { cat "$WORK/err"; fail "could not sign"; }
  TX_HEX=$(jq -r .tx_hex "$WORK/out")
  [ -n "$TX_HEX" ] && [ "$TX_HEX" != null ] || { cat "$WORK/out"; fail "no signed transaction from --dry-run"; }
  code=$(curl -s -o "$WORK/refusal.json" -w '%{http_code}' --max-time 5 -X POST -H 'Content-Type: application/json' \
    -d "{\"tx\": \"$TX_HEX\"}" "$(url_of "$id")/v1/txs")
  [ "$code" = 403 ] || { cat "$WORK/refusal.json"; fail "$id answered $code to a fresh key, expected 403"; }
  [ "$(jq -r .error.code "$WORK/refusal.json")" = unknown_account ] || fail "reason is not unknown_account"
  grep -q "grant" "$WORK/refusal.json" || fail "the refusal does not say how to become known"
done
if cli_at soest --key "$WORK/stranger.json" contract call dogpermit revoke \
  --args "{\"id\": \"$ID_HEX\", \"reason\": \"$REASON_MARKER\"}"; then
  fail "a fresh key's call was accepted"
fi
grep -q unknown_account "$WORK/err" || { cat "$WORK/err"; fail "the CLI did not report unknown_account"; }

echo "== a known key's call that aborts, with personal data in its arguments"
if cli_at aachen --key "$NET/keys/aachen/admin.json" contract call dogpermit revoke \
  --args "{\"id\": \"$ID_HEX\", \"reason\": \"$REASON_MARKER\"}"; then
  cat "$WORK/out"; fail "the revoke of a certificate that does not exist succeeded"
fi
grep -q "left out of the chain" "$WORK/err" || { cat "$WORK/err"; fail "the CLI did not report the drop"; }
grep -q "aborted" "$WORK/err" || { cat "$WORK/err"; fail "the reason is not aborted"; }
HASH=$(grep -oE 'transaction [0-9a-f]{64} was left out' "$WORK/err" | cut -d' ' -f2)
# The other validators got the call by gossip; each drops it in its own turn
# to propose (they learn nothing of another node's drop).
for id in "${MEMBERS[@]}"; do
  state=""
  for _ in $(seq 1 150); do
    state=$(curl -s --max-time 2 "$(url_of "$id")/v1/txs/$HASH" | jq -r '.status // .error.code')
    [ "$state" = dropped ] && break
    sleep 0.2
  done
  [ "$state" = dropped ] || fail "$id reports the aborted call as '$state', expected dropped within 30 s"
  curl -s "$(url_of "$id")/v1/txs/$HASH" | jq -e '.reason.code == "aborted"' >/dev/null || fail "$id: reason"
done
echo "   every validator dropped it (GET /v1/txs/$HASH: dropped, aborted)"

echo "== an honest transaction still commits within 10 s; the chain goes on"
START_MS=$(date +%s%3N)
cli_at paderborn --key "$NET/keys/paderborn/admin.json" role grant --account "$WORK/stranger.json" --role archive \
  --municipality paderborn || { cat "$WORK/err"; fail "the honest grant failed"; }
ELAPSED_MS=$(($(date +%s%3N) - START_MS))
echo "   the grant committed in $ELAPSED_MS ms"
[ "$ELAPSED_MS" -le 10000 ] || fail "the honest grant took $ELAPSED_MS ms"
HEAD=$(height_of aachen)
for id in "${MEMBERS[@]}"; do wait_height "$id" $((HEAD + 3)) 30; done
compare_chains "${MEMBERS[@]}"

echo "== the markers are in no block, no data directory and no log"
TIP=$(height_of aachen)
for id in "${MEMBERS[@]}"; do
  for height in $(seq 0 "$TIP"); do curl -fsS --max-time 5 "$(url_of "$id")/v1/blocks/$height"; echo; done \
    >"$WORK/blocks-$id.json"
done
"$GOVCHAIN" network down "$NET" >/dev/null
for id in "${MEMBERS[@]}"; do
  "$DUMP_STORE" "$NET/data/$id" >"$WORK/store-$id.txt" || fail "dump_store $id"
  [ -s "$WORK/store-$id.txt" ] || fail "the store of $id is empty"
done
for marker in "$REASON_MARKER" "$ID_MARKER" "$ID_HEX" "$REASON_HEX" "${ID_HEX^^}" "${REASON_HEX^^}"; do
  if grep -rlaF "$marker" "$NET/data" "$NET/logs" "$WORK"/store-*.txt "$WORK"/blocks-*.json; then
    fail "'$marker' from the aborted call's arguments was found (files above)"
  fi
done
echo "PASS: personal data of an aborted call reached no block, data directory or log; fresh keys got 403"
