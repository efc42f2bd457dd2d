#!/usr/bin/env bash
# Shared contracts change only by a vote, through the CLI and the API, on a
# dev node (docs/decisions/consortium-contracts.md): the admin's direct
# upgrade of a shared contract is refused; a proposal (approved at once by
# the single member's vote) takes effect at its announced activation height
# and not before; a hand-over lets the municipality upgrade the contract
# alone; votes by other keys are refused; the proposal routes answer 400/404
# for bad ids; and /v1/query refuses a float gas_limit.
#
#   consortium_cli.sh GOVCHAIND GOVCHAIN CONTRACTS_DIR
#
# Every wait is bounded; the trap stops the node and removes the temp dir.
set -euo pipefail

GOVCHAIND=${1:?usage: consortium_cli.sh GOVCHAIND GOVCHAIN CONTRACTS_DIR}
GOVCHAIN=${2:?usage: consortium_cli.sh GOVCHAIND GOVCHAIN CONTRACTS_DIR}
CONTRACTS=${3:?usage: consortium_cli.sh GOVCHAIND GOVCHAIN CONTRACTS_DIR}
SOURCE_DIR=$(cd "$(dirname "$0")/../.." && pwd)
for tool in curl jq sha256sum; do command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }; done
for name in parking identity landlord dogpermit streetmusic archive; do
  [ -f "$CONTRACTS/$name.wasm" ] || { echo "SKIP: $CONTRACTS/$name.wasm not built (ninja contracts)"; exit 77; }
done

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

WORK=$(mktemp -d -t govchain-consortium-cli.XXXXXX)
cleanup() {
  local status=$?
  stop_node
  if [ "$status" -ne 0 ] && [ -f "$WORK/node.log" ]; then
    echo "---- node log (last 30 lines) ----"; tail -n 30 "$WORK/node.log"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

step() { echo "== $*"; }
cli() { timeout 60 "$GOVCHAIN" "$@" >"$WORK/out" 2>"$WORK/err"; }
expect_ok() { cli "$@" || { cat "$WORK/out" "$WORK/err" >&2; fail "govchain $* exited non-zero"; }; }
expect_failure() {
  if cli "$@"; then cat "$WORK/out"; fail "govchain $* should have failed"; fi
}
contains() { grep -q -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "expected '$2' in $1"; }; }
height() { curl -fsS --max-time 5 "$NODE_URL/v1/status" | jq -r .height; }
# A dev node makes blocks when transactions wait: grant roles until the head
# reaches the height given.
blocks_until() {
  local target=$1
  for _ in $(seq 40); do
    [ "$(height)" -ge "$target" ] && return 0
    rm -f "$WORK/filler.json"
    expect_ok keys new --dev --out "$WORK/filler.json"
    expect_ok --key "$ADMIN" role grant --account "$WORK/filler.json" --role archive
  done
  fail "the head did not reach height $target"
}

step "start govchaind --dev with the five shared use-case contracts at genesis"
mkdir -p "$WORK/genesis-contracts"
for name in identity landlord dogpermit streetmusic archive; do
  cp "$CONTRACTS/$name.wasm" "$CONTRACTS/$name.abi.json" "$WORK/genesis-contracts/"
done
DATA="$WORK/data"
start_node "$DATA" "$WORK/node.log" --contracts "$WORK/genesis-contracts"
export GOVCHAIN_NODE="$NODE_URL" GOVCHAIN_DEV=1
unset GOVCHAIN_GENESIS GOVCHAIN_KEY_PASSPHRASE || true
ADMIN="$DATA/keys/admin.json"
OFFICE="$DATA/keys/public_order_office.json"
cp "$CONTRACTS/parking.wasm" "$WORK/next.wasm"
NEXT_HASH=$(sha256sum "$WORK/next.wasm" | cut -d' ' -f1)

step "the genesis contracts are shared; the admin alone cannot upgrade one"
curl -fsS "$NODE_URL/v1/contracts/dogpermit" >"$WORK/contract.json"
[ "$(jq -r .owner "$WORK/contract.json")" = "consortium" ] || fail "dogpermit is not owned by the consortium"
[ "$(jq -r .shared "$WORK/contract.json")" = "true" ] || fail "dogpermit is not shared"
expect_failure --key "$ADMIN" contract deploy "$WORK/next.wasm" --name dogpermit --municipality dev-city \
  --abi "$CONTRACTS/parking.abi.json"
contains "$WORK/err" "shared by the consortium"

step "consortium list: one member, one approval needed"
expect_ok consortium list
contains "$WORK/out" "members (1): dev-city"
contains "$WORK/out" "pending contract proposals: 0"

step "propose-upgrade by the member admin: approved by its vote, effective at the activation height"
expect_ok --key "$ADMIN" consortium propose-upgrade "$WORK/next.wasm" --name dogpermit \
  --abi "$CONTRACTS/parking.abi.json"
contains "$WORK/out" "contract proposal #1: approved"
expect_ok --json consortium show 1
[ "$(jq -r .status "$WORK/out")" = "approved" ] || fail "proposal 1 is not approved"
[ "$(jq -r .code_hash "$WORK/out")" = "$NEXT_HASH" ] || fail "proposal 1 names another code hash"
activation=$(jq -r .activation_height "$WORK/out")
decided=$(jq -r .decided_height "$WORK/out")
[ "$activation" -gt "$decided" ] || fail "activation height $activation is not after the approval at $decided"
blocks_until $((activation - 2))
[ "$(curl -fsS "$NODE_URL/v1/contracts/dogpermit" | jq -r .versions)" = "1" ] ||
  fail "the upgrade took effect before its activation height"
blocks_until "$activation"
curl -fsS "$NODE_URL/v1/contracts/dogpermit" >"$WORK/contract.json"
[ "$(jq -r .versions "$WORK/contract.json")" = "2" ] || fail "the upgrade did not take effect at height $activation"
[ "$(jq -r .code_hash "$WORK/contract.json")" = "$NEXT_HASH" ] || fail "dogpermit does not run the voted code"
[ "$(jq -r '.history[1].height' "$WORK/contract.json")" = "$((activation - 1))" ] ||
  fail "the new version is not recorded at the end of block $((activation - 1))"
expect_ok --json consortium show 1
[ "$(jq -r .status "$WORK/out")" = "activated" ] || fail "proposal 1 is not activated"

step "votes and proposals by keys that are no member's admin are refused"
expect_failure --key "$OFFICE" consortium vote 1 --approve
contains "$WORK/err" "unauthorized"
expect_failure --key "$OFFICE" consortium propose-owner --name dogpermit --owner dev-city
contains "$WORK/err" "only a member municipality's admin"

step "hand dogpermit to dev-city: then its admin upgrades it alone"
expect_ok --key "$ADMIN" consortium propose-owner --name dogpermit --owner dev-city
contains "$WORK/out" "contract proposal #2: approved"
activation=$(curl -fsS "$NODE_URL/v1/consortium/proposals/2" | jq -r .activation_height)
blocks_until "$activation"
[ "$(curl -fsS "$NODE_URL/v1/contracts/dogpermit" | jq -r .owner)" = "dev-city" ] || fail "the hand-over did not happen"
expect_ok --key "$ADMIN" contract deploy "$CONTRACTS/dogpermit.wasm" --name dogpermit --municipality dev-city \
  --abi "$CONTRACTS/dogpermit.abi.json"
contains "$WORK/out" "versions:  3"

step "the proposal routes and a float gas_limit"
status=$(curl -s -o "$WORK/body" -w '%{http_code}' "$NODE_URL/v1/consortium/proposals/abc")
[ "$status" = "400" ] || fail "GET /v1/consortium/proposals/abc answered $status"
status=$(curl -s -o "$WORK/body" -w '%{http_code}' "$NODE_URL/v1/consortium/proposals/99")
[ "$status" = "404" ] || fail "GET /v1/consortium/proposals/99 answered $status"
contains "$WORK/body" "ids 1..2 exist"
status=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST "$NODE_URL/v1/query" \
  -d '{"contract": "identity", "method": "verify", "arguments_hex": "", "gas_limit": 1e300}')
[ "$status" = "400" ] || fail "a float gas_limit answered $status"
contains "$WORK/body" "unsigned integer"
curl -fsS "$NODE_URL/v1/blocks/latest" | jq -e .hash >/dev/null || fail "GET /v1/blocks/latest failed"

echo "PASS: consortium_cli"
