#!/usr/bin/env bash
# Integration test of validator set changes by member votes, between
# separate govchaind processes on 127.0.0.1 (five validators made with
# `govchain network new`, a sixth member added with `network add-member`):
#   - add-member refuses a folder without genesis.json and a known id, writes
#     the new member's keys, config (every node a peer) and network.json
#     entry ("genesis_member": false) and leaves the genesis alone;
#   - the sixth node starts but gets no session and no block while its key
#     is not approved;
#   - the Aachen admin proposes the addition with the command add-member
#     printed; a vote signed by a non-admin key is refused (before sending,
#     and by the chain with --skip-checks); 3 of 5 approvals leave the
#     proposal open (3/5 is not more than two thirds), the 4th approves it,
#     with the activation height delay blocks later;
#   - the sixth node then syncs (same block hash as the others), and after
#     the activation height every node reports six validators and the sixth
#     key signs commit certificates;
#   - kill -9 of two of the original five: 4 of 6 is below the quorum of 5,
#     the chain halts; after they return it resumes;
#   - removal of Soest's validator needs 5 of the 6 members: with 4 it stays
#     open, with 5 it is approved; after activation the set has 5 entries
#     and the chain goes on without Soest's node;
#   - at the end every node has the same block hash at every height up to
#     the lowest head.
# Usage: validator_change.sh GOVCHAIND GOVCHAIN
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/network_lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/govchain-valchange.XXXXXX")
NET="$WORK/net"
cleanup() {
  "$GOVCHAIN" network down "$NET" >/dev/null 2>&1 || true
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
step() { printf '\n== %s (%ss)\n' "$*" "$SECONDS"; }
ORIGINAL=(aachen gelsenkirchen soest wuppertal paderborn)
ALL=(aachen gelsenkirchen soest wuppertal paderborn bielefeld)
DELAY=10  # validator_change_delay_blocks, the genesis default

# govchain as the commands add-member prints call it.
govchain() { "$GOVCHAIN" "$@"; }
export GOVCHAIN_DEV=1

# admin_cli ID ARGS...: govchain signed by member ID's admin, at ID's node.
admin_cli() {
  local id=$1
  shift
  timeout 60 "$GOVCHAIN" --node "$(url_of "$id")" --key "$NET/keys/$id/admin.json" "$@"
}

# vote ID PROPOSAL: member ID approves; prints the proposal's status after.
vote() {
  admin_cli "$1" --json validator vote "$2" --approve >"$WORK/vote.json" 2>"$WORK/vote.err" ||
    { cat "$WORK/vote.json" "$WORK/vote.err"; fail "vote of $1 on proposal $2"; }
  jq -r .proposal_status "$WORK/vote.json"
}

proposal_field() { curl -fsS "$(url_of aachen)/v1/validators/proposals/$1" | jq -r ".$2"; }
validator_count() { curl -fsS --max-time 2 "$(url_of "$1")/v1/status" | jq '.validators | length'; }

step "network new: five validators"
BASE=$(free_base_port 14)
"$GOVCHAIN" network new --out "$NET" --base-port "$BASE" --chain-id govchain-valchange-test \
  --municipality aachen:Aachen --municipality gelsenkirchen:Gelsenkirchen --municipality soest:Soest \
  --municipality wuppertal:Wuppertal --municipality paderborn:Paderborn >/dev/null
fast_blocks() {
  jq '.empty_block_interval_ms = 200' "$NET/nodes/$1.json" >"$WORK/config" && mv "$WORK/config" "$NET/nodes/$1.json"
}
for id in "${ORIGINAL[@]}"; do fast_blocks "$id"; done

step "add-member refuses a folder without genesis.json"
"$GOVCHAIN" network new --out "$WORK/nogenesis" --base-port "$BASE" --municipality aachen >/dev/null
rm "$WORK/nogenesis/genesis.json"
if "$GOVCHAIN" network add-member "$WORK/nogenesis" --municipality bielefeld >"$WORK/out" 2>&1; then
  fail "add-member worked without a genesis"
fi
grep -q "govchain network up" "$WORK/out" || { cat "$WORK/out"; fail "add-member: no hint to run network up first"; }
[ ! -e "$WORK/nogenesis/keys/bielefeld" ] || fail "add-member wrote keys although it refused"

step "network up: the five make blocks"
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
for id in "${ORIGINAL[@]}"; do wait_height "$id" 3 60; done
GENESIS_SUM=$(sha256sum <"$NET/genesis.json")

step "network add-member: bielefeld, outside the genesis"
if "$GOVCHAIN" network add-member "$NET" --municipality soest >"$WORK/out" 2>&1; then fail "add-member of a known id"; fi
grep -q "already" "$WORK/out" || { cat "$WORK/out"; fail "add-member of a known id: unclear error"; }
"$GOVCHAIN" network add-member "$NET" --municipality bielefeld:Bielefeld >"$WORK/add.txt"
"$GOVCHAIN" --json network add-member "$NET" --municipality bielefeld >/dev/null 2>&1 &&
  fail "add-member added bielefeld twice"
grep -q "validator propose-add --municipality bielefeld" "$WORK/add.txt" || { cat "$WORK/add.txt"; fail "no propose command"; }
grep -q "validator vote" "$WORK/add.txt" || { cat "$WORK/add.txt"; fail "no vote step"; }
[ "$(jq -r '.nodes[5] | "\(.id) \(.genesis_member)"' "$NET/network.json")" = "bielefeld false" ] ||
  fail "network.json does not mark bielefeld as outside the genesis"
[ "$(jq '.peers | length' "$NET/nodes/bielefeld.json")" = 5 ] || fail "bielefeld's config does not list five peers"
[ "$(sha256sum <"$NET/genesis.json")" = "$GENESIS_SUM" ] || fail "add-member changed genesis.json"
BIELEFELD_NODE=$(key_of bielefeld validator)
BIELEFELD_ADMIN=$(key_of bielefeld admin)
fast_blocks bielefeld

step "network up starts bielefeld: no session, no blocks while not approved"
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
sleep 4
[ "$(height_of bielefeld)" = 0 ] || fail "bielefeld received blocks before its approval"
CONNECTED=$(status_of bielefeld | jq '[.peers[]? | select(.connected)] | length')
[ "$CONNECTED" = 0 ] || fail "bielefeld has $CONNECTED sessions before its approval"
"$GOVCHAIN" network status "$NET" | grep -q "^bielefeld" || fail "network status does not show bielefeld"

step "the Aachen admin proposes the addition (the command add-member printed)"
PROPOSE=$(grep "validator propose-add" "$WORK/add.txt" | sed 's/^ *//')
eval "$PROPOSE --json" >"$WORK/propose.json" 2>"$WORK/propose.err" ||
  { cat "$WORK/propose.json" "$WORK/propose.err"; fail "propose-add"; }
ADD_ID=$(jq -r .proposal_id "$WORK/propose.json")
[ "$(jq -r .proposal.status "$WORK/propose.json")" = open ] || fail "the new proposal is not open"
[ "$(jq -r .proposal.node_key "$WORK/propose.json")" = "$BIELEFELD_NODE" ] || fail "the proposal names another key"
[ "$(jq -r .proposal.admin "$WORK/propose.json")" = "$BIELEFELD_ADMIN" ] || fail "the proposal names another admin"
[ "$(jq -c .proposal.approvals "$WORK/propose.json")" = '["aachen"]' ] || fail "the proposer's approval is missing"
"$GOVCHAIN" --node "$(url_of soest)" validator list >"$WORK/list.txt"
grep -q "#$ADD_ID .*bielefeld" "$WORK/list.txt" || { cat "$WORK/list.txt"; fail "validator list misses the proposal"; }
echo "   proposal $ADD_ID: $(sed -n 's/^ *\(open.*\)/\1/p' "$WORK/list.txt")"

step "a vote signed by a non-admin key is refused"
ARCHIVE_KEY="$NET/keys/gelsenkirchen/archive.json"
if "$GOVCHAIN" --node "$(url_of gelsenkirchen)" --key "$ARCHIVE_KEY" validator vote "$ADD_ID" --approve \
  >"$WORK/out" 2>&1; then fail "a non-admin vote was sent"; fi
grep -q "is not the admin of any member municipality" "$WORK/out" || { cat "$WORK/out"; fail "unclear refusal"; }
if "$GOVCHAIN" --node "$(url_of gelsenkirchen)" --key "$ARCHIVE_KEY" validator vote "$ADD_ID" --approve --skip-checks \
  >"$WORK/out" 2>&1; then fail "the chain accepted a non-admin vote"; fi
grep -q "unauthorized: only a member municipality's admin" "$WORK/out" || { cat "$WORK/out"; fail "chain refusal unclear"; }
[ "$(proposal_field "$ADD_ID" 'approvals | length')" = 1 ] || fail "the refused vote was counted"
if admin_cli aachen validator vote "$ADD_ID" --approve >"$WORK/out" 2>&1; then fail "aachen voted twice"; fi
grep -q "already voted" "$WORK/out" || { cat "$WORK/out"; fail "second vote: unclear refusal"; }

step "3 of 5 approvals: still open; the 4th approves"
[ "$(vote gelsenkirchen "$ADD_ID")" = open ] || fail "2 of 5 decided the proposal"
[ "$(vote soest "$ADD_ID")" = open ] || fail "3 of 5 (not more than two thirds) decided the proposal"
[ "$(proposal_field "$ADD_ID" status)" = open ] || fail "3 of 5: the proposal is not open"
[ "$(vote wuppertal "$ADD_ID")" = approved ] || fail "4 of 5 did not approve the proposal"
DECIDED=$(jq -r .proposal.decided_height "$WORK/vote.json")
ACTIVATION=$(proposal_field "$ADD_ID" activation_height)
[ "$ACTIVATION" = $((DECIDED + DELAY)) ] || fail "activation at $ACTIVATION, expected $DECIDED + $DELAY"
"$GOVCHAIN" --node "$(url_of paderborn)" validator show "$ADD_ID" >"$WORK/show.txt"
grep -q "approved.*takes effect at height $ACTIVATION" "$WORK/show.txt" || { cat "$WORK/show.txt"; fail "show"; }
echo "   approved at height $DECIDED, takes effect at height $ACTIVATION"

step "bielefeld syncs, and validates from the activation height on"
wait_height bielefeld "$DECIDED" 60
echo "   bielefeld synced to height $(height_of bielefeld) before the activation height $ACTIVATION"
# A certificate holds the first quorum of precommits (5 of 6), so bielefeld's
# may be missing from some; over 30 blocks it signs and proposes.
WINDOW=30
for id in "${ALL[@]}"; do wait_height "$id" $((ACTIVATION + WINDOW)) 120; done
for id in "${ALL[@]}"; do
  [ "$(validator_count "$id")" = 6 ] || fail "$id does not report six validators after the activation"
  [ "$(curl -fsS "$(url_of "$id")/v1/validators" | jq '.members | length')" = 6 ] || fail "$id: not six members"
done
SIGNED=""
PROPOSED=""
for h in $(seq "$ACTIVATION" $((ACTIVATION + WINDOW))); do
  curl -fsS "$(url_of aachen)/v1/blocks/$h" >"$WORK/block.json"
  if [ -z "$SIGNED" ] && jq -e --arg key "$BIELEFELD_NODE" '[.commit.signatures[].validator] | index($key) != null' \
    "$WORK/block.json" >/dev/null; then SIGNED=$h; fi
  if [ -z "$PROPOSED" ] && jq -e --arg key "$BIELEFELD_NODE" '.header.proposer == $key' "$WORK/block.json" >/dev/null; then
    PROPOSED=$h
  fi
done
[ -n "$SIGNED" ] || fail "bielefeld's key signs none of the commits of blocks $ACTIVATION..$((ACTIVATION + WINDOW))"
[ -n "$PROPOSED" ] || fail "bielefeld proposes none of the blocks $ACTIVATION..$((ACTIVATION + WINDOW))"
for h in $(seq $((ACTIVATION - 5)) $((ACTIVATION - 1))); do
  curl -fsS "$(url_of aachen)/v1/blocks/$h" >"$WORK/block.json"
  if jq -e --arg key "$BIELEFELD_NODE" '([.commit.signatures[].validator] | index($key) != null) or
      .header.proposer == $key' "$WORK/block.json" >/dev/null; then
    fail "bielefeld signed or proposed block $h, before its activation"
  fi
done
compare_chains "${ALL[@]}"
echo "   bielefeld's key signs the commit certificate of block $SIGNED and proposes block $PROPOSED"

step "kill -9 wuppertal and paderborn: 4 of 6 is below the quorum of 5, the chain halts"
kill -9 "$(pid_of wuppertal)" "$(pid_of paderborn)"
sleep 3
HALTED=$(height_of aachen)
sleep 5
for id in aachen gelsenkirchen soest bielefeld; do
  h=$(height_of "$id")
  [ "$h" -le $((HALTED + 1)) ] || fail "$id went on to $h with four of six validators (halted at $HALTED)"
done
echo "   halted at height $HALTED"
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
for id in "${ALL[@]}"; do wait_height "$id" $((HALTED + 5)) 90; done
echo "   both returned; the chain resumed to $(height_of aachen)"

step "remove Soest's validator: 4 of 6 leave it open, the 5th approves"
admin_cli aachen --json validator propose-remove --municipality soest >"$WORK/remove.json" 2>"$WORK/remove.err" ||
  { cat "$WORK/remove.json" "$WORK/remove.err"; fail "propose-remove"; }
REMOVE_ID=$(jq -r .proposal_id "$WORK/remove.json")
[ "$(jq -r .proposal.approvals_needed "$WORK/remove.json")" = 5 ] || fail "removal: not 5 of 6 needed"
[ "$(vote gelsenkirchen "$REMOVE_ID")" = open ] || fail "2 of 6 decided the removal"
[ "$(vote wuppertal "$REMOVE_ID")" = open ] || fail "3 of 6 decided the removal"
[ "$(vote bielefeld "$REMOVE_ID")" = open ] || fail "4 of 6 (not more than two thirds) decided the removal"
[ "$(vote paderborn "$REMOVE_ID")" = approved ] || fail "5 of 6 did not approve the removal"
REMOVE_AT=$(proposal_field "$REMOVE_ID" activation_height)
SOEST_NODE=$(key_of soest validator)
for id in aachen gelsenkirchen wuppertal paderborn bielefeld; do wait_height "$id" $((REMOVE_AT + 5)) 90; done
for id in aachen gelsenkirchen wuppertal paderborn bielefeld; do
  [ "$(validator_count "$id")" = 5 ] || fail "$id does not report five validators after the removal"
  curl -fsS "$(url_of "$id")/v1/status" | jq -e --arg key "$SOEST_NODE" '.validators | index($key) == null' \
    >/dev/null || fail "$id still lists soest's key"
done
[ "$(proposal_field "$REMOVE_ID" status)" = activated ] || fail "the removal is not marked activated"
echo "   soest's validator left at height $REMOVE_AT; the chain is at $(height_of aachen)"

step "a light client that trusts only the genesis follows both changes"
# roles reads g/r/<key> with a proof against the head block, whose set is no
# longer the genesis set: the client walks the changes (validators_at).
timeout 60 "$GOVCHAIN" --node "$(url_of bielefeld)" --genesis "$NET/genesis.json" --json roles \
  "$(key_of aachen admin)" >"$WORK/roles.json" 2>"$WORK/roles.err" || { cat "$WORK/roles.err"; fail "roles --genesis"; }
jq -e '.proof.verified and .proof.validator_source == "caller" and .proof.validators_total == 5' "$WORK/roles.json" \
  >/dev/null || { cat "$WORK/roles.json"; fail "roles --genesis: not verified against the followed set of five"; }
echo "   roles --genesis verified at height $(jq -r .proof.height "$WORK/roles.json") against the followed set of five"

step "the end: every node has the same blocks up to the lowest head; --check re-executes them"
H=$(height_of aachen)
for id in aachen gelsenkirchen wuppertal paderborn bielefeld; do wait_height "$id" "$H" 60; done
compare_chains "${ALL[@]}"
"$GOVCHAIN" network down "$NET" >/dev/null
for id in aachen bielefeld; do
  "$GOVCHAIND" --config "$NET/nodes/$id.json" --check >"$WORK/check.out" 2>&1 ||
    { cat "$WORK/check.out"; fail "--check on $id"; }
done
echo "   --check passed on aachen and bielefeld"
echo "PASS ($SECONDS s)"
