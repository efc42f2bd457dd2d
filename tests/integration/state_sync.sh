#!/usr/bin/env bash
# State sync (docs/operations.md, "Joining by state sync"; acceptance 6 of
# issue 13) on a network of four validators made by `govchain-load
# prepare-network`, with a few hundred transactions committed first:
#   - a fresh observer node with state_sync on joins at a recent block,
#     reaches the tip, has the validators' state root and block hashes, and
#     serves a proven read (`govchain roles`, checked against the genesis
#     validator set) at the tip;
#   - a block before its sync height answers 404 "pruned: this node joined
#     by state sync at height N", and `govchaind --check` refuses clearly;
#   - a validator whose folder was wiped and filled by state sync is refused
#     by the double-sign guard with exit code 78, again on the next start,
#     and with --allow-signing-after-restore it catches up and signs again;
#     its marker goes once it signed, and the four agree on every block
#     from its sync height on.
# Usage: state_sync.sh GOVCHAIND GOVCHAIN GOVCHAIN_LOAD
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
LOAD=$(realpath "$3")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/network_lib.sh"
network_work state-sync
OWN_PIDS=()
stop_own() { for pid in "${OWN_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap 'stop_own; network_cleanup' EXIT
VALIDATORS=(validator-0 validator-1 validator-2 validator-3)
config_of() { echo "$NET/nodes/$1.json"; }
block_json() { curl -fsS --max-time 5 "$1/v1/blocks/$2"; }
root_at() { block_json "$1" "$2" | jq -r '[.. | objects | .state_root? // empty][0]'; }
hash_at() { block_json "$1" "$2" | jq -r '.hash // .block_hash'; }

step "four validators, a few hundred transactions"
BASE=$(free_base_port 12)
"$LOAD" prepare-network --out "$NET" --validators 4 --municipalities 20 --base-port "$BASE" >/dev/null
OBSERVER_DIR="$WORK/observer"
mkdir -p "$OBSERVER_DIR/data"
"$GOVCHAIN" keys new --dev --out "$OBSERVER_DIR/key.json" >/dev/null 2>&1
OBSERVER_KEY=$(jq -r .public_key "$OBSERVER_DIR/key.json")
for id in "${VALIDATORS[@]}"; do
  jq --arg key "$OBSERVER_KEY" '.observers = [$key] | .empty_block_interval_ms = 100' "$(config_of "$id")" \
    >"$WORK/config" && mv "$WORK/config" "$(config_of "$id")"
done
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
for id in "${VALIDATORS[@]}"; do wait_height "$id" 3 120; done
"$LOAD" run --node "$(url_of validator-0)" --node "$(url_of validator-1)" --data "$NET" --txs 400 --timeout 600 \
  --json >"$WORK/load.json"
jq -e '.committed == 400 and .failed_receipts == 0' "$WORK/load.json" >/dev/null ||
  { cat "$WORK/load.json"; fail "the load was not committed"; }
LOADED_HEIGHT=$(height_of validator-0)
echo "   400 transactions committed; validator-0 at height $LOADED_HEIGHT"

step "a fresh observer joins by state sync"
OBSERVER_PORT=$((BASE + 10))
jq -n --arg data "$OBSERVER_DIR/data" --arg genesis "$NET/genesis.json" --arg key "$OBSERVER_DIR/key.json" \
  --arg rpc "127.0.0.1:$OBSERVER_PORT" --arg p2p "127.0.0.1:$((OBSERVER_PORT + 1))" \
  --argjson peers "$(jq '[.nodes[] | {address: .p2p_addr, public_key: .public_key}]' "$NET/network.json")" \
  '{data_dir: $data, genesis: $genesis, validator_key: $key, rpc_addr: $rpc, p2p_addr: $p2p, peers: $peers,
    dev_keys: true, state_sync: true, state_sync_request_timeout_ms: 20000}' >"$OBSERVER_DIR/node.json"
OBSERVER_URL="http://127.0.0.1:$OBSERVER_PORT"
: >"$OBSERVER_DIR/log"
"$GOVCHAIND" --config "$OBSERVER_DIR/node.json" >"$OBSERVER_DIR/log" 2>&1 &
OWN_PIDS+=($!)
for _ in $(seq 1 600); do
  grep -q "API on http" "$OBSERVER_DIR/log" && break
  kill -0 "${OWN_PIDS[-1]}" 2>/dev/null || { cat "$OBSERVER_DIR/log"; fail "the observer exited during state sync"; }
  sleep 0.2
done
grep -q "state sync: joined at height" "$OBSERVER_DIR/log" || { cat "$OBSERVER_DIR/log"; fail "no state sync line"; }
SYNC_HEIGHT=$(sed -n 's/.*state sync: joined at height \([0-9]*\).*/\1/p' "$OBSERVER_DIR/log" | head -n 1)
[ "$SYNC_HEIGHT" -ge "$LOADED_HEIGHT" ] || fail "synced at $SYNC_HEIGHT, below the loaded height $LOADED_HEIGHT"
grep "state sync: joined" "$OBSERVER_DIR/log" | sed 's/.*state sync: /   /' | cut -c1-220

step "it reaches the tip with the validators' state root and block hashes"
TARGET=$(($(height_of validator-0) + 10))
for _ in $(seq 1 600); do
  [ "$(curl -fsS --max-time 2 "$OBSERVER_URL/v1/status" | jq -r .height)" -ge "$TARGET" ] 2>/dev/null && break
  sleep 0.2
done
OBSERVER_HEIGHT=$(curl -fsS "$OBSERVER_URL/v1/status" | jq -r .height)
[ "$OBSERVER_HEIGHT" -ge "$TARGET" ] || fail "the observer is at $OBSERVER_HEIGHT, expected $TARGET"
for height in "$SYNC_HEIGHT" $((SYNC_HEIGHT + 1)) "$OBSERVER_HEIGHT"; do
  [ "$(hash_at "$OBSERVER_URL" "$height")" = "$(hash_at "$(url_of validator-0)" "$height")" ] ||
    fail "block $height differs between the observer and validator-0"
  [ "$(root_at "$OBSERVER_URL" "$height")" = "$(root_at "$(url_of validator-2)" "$height")" ] ||
    fail "the state root at $height differs between the observer and validator-2"
done
echo "   at height $OBSERVER_HEIGHT: block and state root $(root_at "$OBSERVER_URL" "$OBSERVER_HEIGHT" | cut -c1-16).. as the validators"

step "a proven read at the tip, checked against the genesis validator set"
ACCOUNT=$(key_of validator-0 archive)
"$GOVCHAIN" --node "$OBSERVER_URL" --genesis "$NET/genesis.json" --json roles "$ACCOUNT" >"$WORK/roles.json" ||
  fail "govchain roles against the observer failed"
jq -e '.proof.verified == true and (.roles | length) >= 1' "$WORK/roles.json" >/dev/null ||
  { cat "$WORK/roles.json"; fail "the read was not proven"; }
PROVEN_HEIGHT=$(jq -r .proof.height "$WORK/roles.json")
[ "$(jq -r .proof.state_root "$WORK/roles.json")" = "$(root_at "$(url_of validator-1)" "$PROVEN_HEIGHT")" ] ||
  fail "the proof's state root differs from validator-1's at height $PROVEN_HEIGHT"
echo "   roles of $ACCOUNT proven at height $PROVEN_HEIGHT (sync height $SYNC_HEIGHT)"

step "blocks before the sync height answer a clear 404"
CODE=$(curl -s -o "$WORK/old.json" -w '%{http_code}' "$OBSERVER_URL/v1/blocks/2")
[ "$CODE" = 404 ] || fail "block 2 answered $CODE"
grep -q "pruned: this node joined by state sync at height $SYNC_HEIGHT" "$WORK/old.json" ||
  { cat "$WORK/old.json"; fail "no clear reason for a block before the sync height"; }
echo "   $(jq -r .error.message "$WORK/old.json")"

step "a wiped validator filled by state sync is refused by the guard (exit 78), twice"
V3_DATA="$NET/nodes/$(jq -r .data_dir "$(config_of validator-3)")"
kill "$(pid_of validator-3)"
sleep 1
rm -rf "$V3_DATA"
mkdir -p "$V3_DATA"
set +e
timeout 300 "$GOVCHAIND" --config "$(config_of validator-3)" --state-sync true >"$WORK/v3.first" 2>&1
FIRST=$?
timeout 120 "$GOVCHAIND" --config "$(config_of validator-3)" --state-sync true >"$WORK/v3.second" 2>&1
SECOND=$?
set -e
[ "$FIRST" = 78 ] || { cat "$WORK/v3.first"; fail "the state-synced validator exited with $FIRST, not 78"; }
grep -q "state sync: joined at height" "$WORK/v3.first" || { cat "$WORK/v3.first"; fail "validator-3 did not sync"; }
grep -q "filled by state sync" "$WORK/v3.first" || { cat "$WORK/v3.first"; fail "no clear guard refusal"; }
[ "$SECOND" = 78 ] || { cat "$WORK/v3.second"; fail "the second start exited with $SECOND, not 78"; }
[ -f "$V3_DATA/state-synced.json" ] || fail "the state sync marker is gone before the validator signed"
echo "   refused twice: $(grep -o 'double-sign guard: [^(]*' "$WORK/v3.first" | head -n 1)"

step "with --allow-signing-after-restore it catches up and signs; the marker goes"
V3_SYNC=$(sed -n 's/.*state sync: joined at height \([0-9]*\).*/\1/p' "$WORK/v3.first" | head -n 1)
"$GOVCHAIND" --config "$(config_of validator-3)" --allow-signing-after-restore >"$WORK/v3.log" 2>&1 &
OWN_PIDS+=($!)
echo "${OWN_PIDS[-1]}" >"$NET/run/validator-3.pid"
for _ in $(seq 1 900); do
  [ -f "$V3_DATA/state-synced.json" ] || break
  sleep 0.2
done
[ ! -f "$V3_DATA/state-synced.json" ] || { tail -n 20 "$WORK/v3.log"; fail "the marker stayed: validator-3 never signed"; }
jq -e '.height > 0' "$V3_DATA/signing-state.json" >/dev/null || fail "no signing state of its own"
wait_height validator-3 $(($(height_of validator-0) + 5)) 180
TOP=$(height_of validator-3)
for height in $(seq "$V3_SYNC" "$TOP"); do
  reference=$(hash_at "$(url_of validator-0)" "$height")
  for id in validator-1 validator-2 validator-3; do
    [ "$(hash_at "$(url_of "$id")" "$height")" = "$reference" ] || fail "block $height differs on $id"
  done
done
echo "   the four agree on blocks $V3_SYNC..$TOP; validator-3 signed up to $(jq -r .height "$V3_DATA/signing-state.json")"

step "govchaind --check refuses a state-synced folder clearly"
kill "${OWN_PIDS[0]}"
wait "${OWN_PIDS[0]}" 2>/dev/null || true
if "$GOVCHAIND" --config "$OBSERVER_DIR/node.json" --check >"$WORK/check.out" 2>&1; then
  fail "--check passed on a folder without the blocks before its sync height"
fi
grep -q "state sync" "$WORK/check.out" || { cat "$WORK/check.out"; fail "no clear --check refusal"; }
echo "   $(tail -n 1 "$WORK/check.out" | cut -c1-200)"
step "pruning: the observer restarted with prune_blocks_keep 16 keeps only its newest blocks"
: >"$OBSERVER_DIR/log2"
"$GOVCHAIND" --config "$OBSERVER_DIR/node.json" --prune-blocks-keep 16 >"$OBSERVER_DIR/log2" 2>&1 &
OWN_PIDS+=($!)
RESTART_HEIGHT=$(height_of validator-0)
for _ in $(seq 1 900); do
  [ "$(curl -fsS --max-time 2 "$OBSERVER_URL/v1/status" | jq -r .height)" -ge $((RESTART_HEIGHT + 40)) ] 2>/dev/null && break
  sleep 0.2
done
HEAD=$(curl -fsS "$OBSERVER_URL/v1/status" | jq -r .height)
[ "$HEAD" -ge $((RESTART_HEIGHT + 40)) ] || { tail -n 20 "$OBSERVER_DIR/log2"; fail "the pruning observer is at $HEAD"; }
CODE=$(curl -s -o "$WORK/pruned.json" -w '%{http_code}' "$OBSERVER_URL/v1/blocks/$((HEAD - 30))")
[ "$CODE" = 404 ] || fail "a block 30 below the head answered $CODE on a node that keeps 16"
grep -q "pruned: this node keeps only its newest 16 blocks" "$WORK/pruned.json" ||
  { cat "$WORK/pruned.json"; fail "no clear reason for a pruned block"; }
[ "$(hash_at "$OBSERVER_URL" "$((HEAD - 5))")" = "$(hash_at "$(url_of validator-0)" "$((HEAD - 5))")" ] ||
  fail "a kept block differs after pruning"
"$GOVCHAIN" --node "$OBSERVER_URL" --genesis "$NET/genesis.json" --json roles "$ACCOUNT" >"$WORK/roles2.json" &&
  jq -e '.proof.verified == true' "$WORK/roles2.json" >/dev/null || fail "no proven read on the pruning node"
echo "   $(jq -r .error.message "$WORK/pruned.json" | cut -c1-120); block $((HEAD - 5)) kept; proven read at the tip"
echo "state sync: all checks passed"
