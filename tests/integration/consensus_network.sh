#!/usr/bin/env bash
# Integration test of BFT consensus between separate govchaind processes on
# 127.0.0.1: five validators made with `govchain network new` and run with
# `govchain network up`.
#   - all five finalise the same blocks, and transactions sent to one node
#     are committed for all;
#   - kill -9 of one validator: the other four go on;
#   - kill -9 of a second one: the remaining three (below the quorum of four)
#     halt without forking; when both return, the chain resumes and the two
#     catch up;
#   - SIGSTOP of a validator (whoever proposes next) for several seconds, then
#     SIGCONT: the chain goes on meanwhile and the stopped node catches up;
#   - a node that was down while the others made hundreds of blocks catches up;
#   - a node whose key is not in the validator set gets no session with them;
#     listed as an observer in one validator's config, it syncs from that
#     validator and signs nothing;
#   - equivocation evidence (two conflicting prevotes of one validator),
#     reported by another validator, is recorded on chain once and listed by
#     GET /v1/evidence on every node;
#   - at the end every node has the same block hash at every height (so the
#     same state roots), and `govchaind --check` re-executes every node's
#     blocks to the same state.
# Usage: consensus_network.sh GOVCHAIND GOVCHAIN REPORT_EVIDENCE
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
REPORT_EVIDENCE=$(realpath "$3")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/network_lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/govchain-consensus.XXXXXX")
NET="$WORK/net"
cleanup() {
  "$GOVCHAIN" network down "$NET" >/dev/null 2>&1 || true
  [ -n "${OUTSIDER_PID:-}" ] && kill -9 "$OUTSIDER_PID" 2>/dev/null || true
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
MEMBERS=(aachen gelsenkirchen soest wuppertal paderborn)


step "govchain network new: five validators"
BASE=$(free_base_port 12)
"$GOVCHAIN" network new --out "$NET" --base-port "$BASE" --chain-id govchain-consensus-test \
  --municipality aachen:Aachen --municipality gelsenkirchen:Gelsenkirchen --municipality soest:Soest \
  --municipality wuppertal:Wuppertal --municipality paderborn:Paderborn >/dev/null
# Faster empty blocks, so that "hundreds of blocks" pass in seconds.
for id in "${MEMBERS[@]}"; do
  jq '.empty_block_interval_ms = 50' "$NET/nodes/$id.json" >"$WORK/config" && mv "$WORK/config" "$NET/nodes/$id.json"
done

step "network up: all five finalise blocks"
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND"
for id in "${MEMBERS[@]}"; do wait_height "$id" 5 60; done
compare_chains "${MEMBERS[@]}"

step "a transaction sent to one node is committed and visible on all"
ADMIN_KEY=$(jq -r .public_key "$NET/keys/soest/admin.json")
GOVCHAIN_DEV=1 timeout 60 "$GOVCHAIN" --node "$(url_of soest)" --key "$NET/keys/soest/admin.json" \
  role grant --account "$ADMIN_KEY" --role archive --municipality soest >"$WORK/grant.out" 2>&1 ||
  { cat "$WORK/grant.out"; fail "role grant on soest"; }
TX_HEIGHT=$(height_of soest)
for id in "${MEMBERS[@]}"; do
  wait_height "$id" "$TX_HEIGHT" 30
  GOVCHAIN_DEV=1 timeout 30 "$GOVCHAIN" --node "$(url_of "$id")" roles "$ADMIN_KEY" \
    >"$WORK/roles.out" 2>&1 || { cat "$WORK/roles.out"; fail "roles on $id"; }
  grep -q archive "$WORK/roles.out" || { cat "$WORK/roles.out"; fail "$id does not show the role"; }
done
echo "   the role granted through soest is visible with a proof on all five nodes"

step "kill -9 paderborn: the other four go on"
kill -9 "$(pid_of paderborn)"
H=$(height_of aachen)
for id in aachen gelsenkirchen soest wuppertal; do wait_height "$id" $((H + 10)) 60; done

step "kill -9 wuppertal too: three of five is below the quorum, the chain halts without forking"
kill -9 "$(pid_of wuppertal)"
sleep 3
HALTED=$(height_of aachen)
sleep 6
for id in aachen gelsenkirchen soest; do
  h=$(height_of "$id")
  [ "$h" -le $((HALTED + 1)) ] || fail "$id went on to $h with only three of five validators (halted at $HALTED)"
done
compare_chains aachen gelsenkirchen soest
echo "   halted at height $HALTED"

step "both return (network up): the chain resumes and they catch up"
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
for id in "${MEMBERS[@]}"; do wait_height "$id" $((HALTED + 10)) 90; done
compare_chains "${MEMBERS[@]}"

step "SIGSTOP gelsenkirchen for 8 s: the others go on; after SIGCONT it catches up"
kill -STOP "$(pid_of gelsenkirchen)"
H=$(height_of aachen)
wait_height aachen $((H + 10)) 60
sleep 3
kill -CONT "$(pid_of gelsenkirchen)"
H=$(height_of aachen)
wait_height gelsenkirchen "$H" 60
compare_chains "${MEMBERS[@]}"

step "soest is down while the others make hundreds of blocks; it catches up"
kill -9 "$(pid_of soest)"
DOWN_AT=$(height_of aachen)
wait_height aachen $((DOWN_AT + 200)) 300
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
H=$(height_of aachen)
wait_height soest "$H" 120
echo "   soest was down from height $DOWN_AT and caught up to $H"

step "a node whose key is not in the validator set gets no session"
mkdir -p "$WORK/outsider/data"
GOVCHAIN_KEY_PASSPHRASE=x "$GOVCHAIN" keys new --out "$WORK/outsider/key.json" >/dev/null
jq --arg data "$WORK/outsider/data" --arg key "$WORK/outsider/key.json" --arg genesis "$NET/genesis.json" \
  '.data_dir = $data | .validator_key = $key | .genesis = $genesis | .rpc_addr = "127.0.0.1:0" | .p2p_addr = "127.0.0.1:0" | .dev_keys = false' \
  "$NET/nodes/aachen.json" >"$WORK/outsider/config.json"
GOVCHAIN_KEY_PASSPHRASE=x "$GOVCHAIND" --config "$WORK/outsider/config.json" >"$WORK/outsider/log" 2>&1 &
OUTSIDER_PID=$!
sleep 6
grep -q "API on" "$WORK/outsider/log" || { cat "$WORK/outsider/log"; fail "the outsider node did not start"; }
OUTSIDER_URL="http://127.0.0.1:$(sed -n 's/.*API on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/outsider/log")"
CONNECTED=$(curl -fsS "$OUTSIDER_URL/v1/status" | jq '[.peers[] | select(.connected)] | length')
[ "$CONNECTED" = 0 ] || fail "the outsider has $CONNECTED sessions with validators"
[ "$(curl -fsS "$OUTSIDER_URL/v1/status" | jq .height)" = 0 ] || fail "the outsider received blocks"
grep -qi "not allowed\|unknown\|refus" "$NET/logs/aachen.log" || fail "aachen did not log the refused key"
kill -9 "$OUTSIDER_PID"; OUTSIDER_PID=""
echo "   refused: $(grep -i "not allowed\|unknown\|refus" "$NET/logs/aachen.log" | tail -n 1 | cut -c 1-160)"

step "listed as an observer in aachen's config, the same node syncs and votes nothing"
OUTSIDER_KEY=$(jq -r .public_key "$WORK/outsider/key.json")
AACHEN_P2P=$(jq -r '.nodes[] | select(.id == "aachen") | .p2p_addr' "$NET/network.json")
AACHEN_KEY=$(jq -r '.nodes[] | select(.id == "aachen") | .public_key' "$NET/network.json")
kill "$(pid_of aachen)"
while kill -0 "$(pid_of aachen)" 2>/dev/null; do sleep 0.2; done
jq --arg key "$OUTSIDER_KEY" '.observers = [$key]' "$NET/nodes/aachen.json" >"$WORK/aachen.json"
cp "$WORK/aachen.json" "$NET/nodes/aachen.json"
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
jq --arg address "$AACHEN_P2P" --arg key "$AACHEN_KEY" '.peers = [{address: $address, public_key: $key}]' \
  "$WORK/outsider/config.json" >"$WORK/outsider/observer.json"
GOVCHAIN_KEY_PASSPHRASE=x "$GOVCHAIND" --config "$WORK/outsider/observer.json" >"$WORK/outsider/log" 2>&1 &
OUTSIDER_PID=$!
sleep 3
OUTSIDER_URL="http://127.0.0.1:$(sed -n 's/.*API on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/outsider/log")"
H=$(height_of aachen)
for _ in $(seq 1 120); do
  [ "$(curl -fsS --max-time 2 "$OUTSIDER_URL/v1/status" | jq -r .height)" -ge "$H" ] && break
  sleep 0.5
done
OBSERVED=$(curl -fsS "$OUTSIDER_URL/v1/status" | jq -r .height)
[ "$OBSERVED" -ge "$H" ] || { tail -n 20 "$WORK/outsider/log"; fail "the observer reached only height $OBSERVED of $H"; }
[ "$(curl -fsS "$OUTSIDER_URL/v1/blocks/$H" | jq -r .hash)" = "$(curl -fsS "$(url_of aachen)/v1/blocks/$H" | jq -r .hash)" ] ||
  fail "the observer has another block $H"
grep -q "observer" "$WORK/outsider/log" || fail "the outsider does not say it runs as an observer"
for h in $(seq $((H - 3)) "$H"); do
  curl -fsS "$(url_of aachen)/v1/blocks/$h" | jq -e --arg key "$OUTSIDER_KEY" \
    '[.commit.signatures[].validator] | index($key) == null' >/dev/null || fail "the observer signed block $h"
done
kill -9 "$OUTSIDER_PID"; OUTSIDER_PID=""
echo "   the observer followed aachen to height $OBSERVED"

step "equivocation evidence is recorded on chain once and served by every node"
"$REPORT_EVIDENCE" "$(url_of wuppertal)" govchain-consensus-test "$NET/keys/paderborn/validator.json" \
  "$NET/keys/aachen/validator.json" >"$WORK/evidence.out" 2>&1 || { cat "$WORK/evidence.out"; fail "evidence report"; }
EVIDENCE_HASH=$(awk '{print $2}' "$WORK/evidence.out")
if "$REPORT_EVIDENCE" "$(url_of soest)" govchain-consensus-test "$NET/keys/paderborn/validator.json" \
  "$NET/keys/gelsenkirchen/validator.json" >"$WORK/evidence2.out" 2>&1; then fail "the same evidence was recorded twice"; fi
grep -q already_exists "$WORK/evidence2.out" || { cat "$WORK/evidence2.out"; fail "second report: expected already_exists"; }
PADERBORN_KEY=$(jq -r .public_key "$NET/keys/paderborn/validator.json")
H=$(height_of wuppertal)
for id in "${MEMBERS[@]}"; do
  wait_height "$id" "$H" 60
  curl -fsS "$(url_of "$id")/v1/evidence" >"$WORK/evidence.json"
  [ "$(jq '.evidence | length' "$WORK/evidence.json")" = 1 ] || { cat "$WORK/evidence.json"; fail "$id lists other evidence"; }
  [ "$(jq -r '.evidence[0].validator' "$WORK/evidence.json")" = "$PADERBORN_KEY" ] || fail "$id names another validator"
  [ "$(jq -r '.evidence[0].hash' "$WORK/evidence.json")" = "$EVIDENCE_HASH" ] || fail "$id has another evidence hash"
done
echo "   evidence $EVIDENCE_HASH against paderborn is on chain; a second report was refused"

step "the end: all five agree on every block; --check re-executes each node's chain"
H=$(height_of aachen)
for id in "${MEMBERS[@]}"; do wait_height "$id" "$H" 60; done
compare_chains "${MEMBERS[@]}"
"$GOVCHAIN" network down "$NET" >/dev/null

for id in "${MEMBERS[@]}"; do
  "$GOVCHAIND" --config "$NET/nodes/$id.json" --check >"$WORK/check.out" 2>&1 ||
    { cat "$WORK/check.out"; fail "--check on $id"; }

done
echo "   --check passed on all five nodes"
echo "PASS"
