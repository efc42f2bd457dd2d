#!/usr/bin/env bash
# Integration test of the contract commands of the govchain CLI:
#   wasm run (off-chain, govchain's engine): fib computed recursively, an
#   infinite loop ending out of gas, a memory.grow bomb bounded by the memory
#   limit, a module with imports reported unlinkable;
#   then on a real govchaind --dev: contract list shows the five genesis
#   contracts; deploy parking.wasm with the admin key; a deploy by a fresh
#   non-admin key refused by the chain (unauthorized); an upgrade (history of
#   2 versions); a deploy with an ABI that disagrees with the module refused
#   naming the method; contract abi; contract call parking.issue by the
#   public_order_office with ISO times and its event printed decoded, a query
#   (zone_of, verify), a reason that is not a code refused before sending and
#   by the node before the contract runs, a failing call (exit 1 with the
#   contract's message), and the call's event seen on /v1/events through
#   `govchain events`, decoded with the ABI there and in `govchain tx status`
#   (data_hex kept beside the decoded data in --json).
#
#   contract_cli.sh GOVCHAIND GOVCHAIN CONTRACTS_DIR
#
# Every wait is bounded; the trap kills what it started and removes the temp dir.
set -euo pipefail

GOVCHAIND=${1:?usage: contract_cli.sh GOVCHAIND GOVCHAIN CONTRACTS_DIR}
GOVCHAIN=${2:?usage: contract_cli.sh GOVCHAIND GOVCHAIN CONTRACTS_DIR}
CONTRACTS=${3:?usage: contract_cli.sh GOVCHAIND GOVCHAIN CONTRACTS_DIR}
SOURCE_DIR=$(cd "$(dirname "$0")/../.." && pwd)
for tool in curl jq wat2wasm; do command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }; done
for name in parking identity landlord dogpermit streetmusic archive; do
  [ -f "$CONTRACTS/$name.wasm" ] || { echo "SKIP: $CONTRACTS/$name.wasm not built (ninja contracts)"; exit 77; }
done

source "$(dirname "$0")/lib.sh"
test_work contract-cli
cli() { timeout 60 "$GOVCHAIN" "$@" >"$WORK/out" 2>"$WORK/err"; }
expect_ok() { cli "$@" || { cat "$WORK/out" "$WORK/err" >&2; fail "govchain $* exited non-zero"; }; }
expect_failure() {
  if cli "$@"; then cat "$WORK/out"; fail "govchain $* should have failed"; fi
}
contains() { grep -q -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "expected '$2' in $1"; }; }

# ---- wasm run ---------------------------------------------------------------
cat >"$WORK/fib.wat" <<'EOF'
(module
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "half") (param f64) (result f64) (f64.div (local.get 0) (f64.const 2)))
  (func (export "spin") (loop $forever (br $forever)))
  (func (export "trap") (unreachable)))
EOF
cat >"$WORK/bomb.wat" <<'EOF'
(module
  (memory 1)
  ;; Grows one page at a time until memory.grow fails, then returns the size.
  (func (export "grow_until_refused") (result i32)
    (block $refused (loop $again
      (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
      (br $again)))
    (memory.size))
  ;; Ignores the refusal and keeps asking: only gas ends it.
  (func (export "grow_forever")
    (loop $again (drop (memory.grow (i32.const 1))) (br $again))))
EOF
cat >"$WORK/imports.wat" <<'EOF'
(module (import "govchain" "input_size" (func (result i32))) (func (export "run")))
EOF
for name in fib bomb imports; do wat2wasm "$WORK/$name.wat" -o "$WORK/$name.wasm"; done

step "wasm run: fib(20) = 6765, with gas"
expect_ok wasm run "$WORK/fib.wasm" fib 20
contains "$WORK/out" "i32 6765"
contains "$WORK/out" "gas used: "
expect_ok --json wasm run "$WORK/fib.wasm" fib 0x14
[ "$(jq -r '.results[0].value' "$WORK/out")" = "6765" ] || fail "fib 0x14 is not 6765"
gas_fib=$(jq -r '.gas_used' "$WORK/out")
[ "$gas_fib" -gt 10000 ] || fail "fib(20) used only $gas_fib gas"

step "wasm run: i64 and f64 arguments, negative numbers after --"
expect_ok wasm run "$WORK/fib.wasm" add64 -- 9007199254740993 -3
contains "$WORK/out" "i64 9007199254740990"
expect_ok wasm run "$WORK/fib.wasm" half 5
contains "$WORK/out" "f64 2.5"
expect_failure wasm run "$WORK/fib.wasm" fib abc
contains "$WORK/err" "argument 1 'abc' (i32)"
expect_failure wasm run "$WORK/fib.wasm" fib
contains "$WORK/err" "takes 1 arguments, got 0"
expect_failure wasm run "$WORK/fib.wasm" nothing_here
contains "$WORK/err" "exports no function 'nothing_here'"

step "wasm run: an infinite loop ends out of gas; a trap exits non-zero"
expect_failure wasm run "$WORK/fib.wasm" spin --gas 100000
contains "$WORK/err" "out_of_gas"
contains "$WORK/err" "exhaustion stage"
expect_failure --json wasm run "$WORK/fib.wasm" spin
[ "$(jq -r '.code' "$WORK/out")" = "out_of_gas" ] || fail "spin did not run out of gas"
[ "$(jq -r '.gas_limit' "$WORK/out")" = "10000000" ] || fail "default gas limit is not 10,000,000"
expect_failure wasm run "$WORK/fib.wasm" trap
contains "$WORK/err" "trap: "
contains "$WORK/err" "trap stage"

step "wasm run: memory.grow is bounded by the memory limit and by gas"
expect_ok wasm run "$WORK/bomb.wasm" grow_until_refused
contains "$WORK/out" "i32 1024"
expect_failure wasm run "$WORK/bomb.wasm" grow_forever
contains "$WORK/err" "out_of_gas"

step "wasm run: unsatisfiable imports are reported as unlinkable"
expect_failure wasm run "$WORK/imports.wasm" run
contains "$WORK/err" "unlinkable"
contains "$WORK/err" "govchain.input_size"
printf 'not wasm' >"$WORK/junk.wasm"
expect_failure wasm run "$WORK/junk.wasm" run
contains "$WORK/err" "malformed"

# ---- contracts on a dev chain ----------------------------------------------
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
export GOVCHAIN_NODE="$URL" GOVCHAIN_DEV=1
unset GOVCHAIN_GENESIS GOVCHAIN_KEY_PASSPHRASE || true
DATA="$WORK/data"
ADMIN="$DATA/keys/admin.json"
OFFICE="$DATA/keys/public_order_office.json"

step "start govchaind --dev with the five use-case contracts of $CONTRACTS at genesis"
# Only the five: parking is deployed by this test, not at genesis.
mkdir -p "$WORK/genesis-contracts"
for name in identity landlord dogpermit streetmusic archive; do
  cp "$CONTRACTS/$name.wasm" "$CONTRACTS/$name.abi.json" "$WORK/genesis-contracts/"
done
start_node_at "$DATA" "$PORT" --contracts "$WORK/genesis-contracts"

step "contract list shows the five use-case contracts"
expect_ok contract list
for name in identity landlord dogpermit streetmusic archive; do contains "$WORK/out" "  $name  municipality dev-city"; done
expect_ok --json contract list
[ "$(jq '[.contracts[].name] | length' "$WORK/out")" -ge 5 ] || fail "fewer than five contracts"

step "contract deploy dev-city.parking (the municipality's own namespace) by the admin"
cp "$CONTRACTS/parking.wasm" "$WORK/parking.wasm"
expect_ok --key "$ADMIN" contract deploy "$WORK/parking.wasm" --name dev-city.parking
contains "$WORK/out" "deployed dev-city.parking (municipality dev-city)"
contains "$WORK/out" "versions:  1"
code_hash=$(sha256sum "$WORK/parking.wasm" | cut -d' ' -f1)
contains "$WORK/out" "code hash: $code_hash"

step "a key the chain does not know is refused at submission (403 unknown_account)"
expect_ok keys new --dev --out "$WORK/stranger.json"
expect_failure --key "$WORK/stranger.json" contract deploy "$WORK/parking.wasm" --name dev-city.parking2 --municipality dev-city
contains "$WORK/err" "unknown_account"
contains "$WORK/err" "grant"

step "a deploy by a role holder that is not the admin is left out of the chain, with the reason"
expect_ok --json keys show "$WORK/stranger.json"
STRANGER=$(jq -r .public_key "$WORK/out")
expect_ok --key "$ADMIN" role grant --account "$STRANGER" --role archive --municipality dev-city
expect_failure --key "$WORK/stranger.json" contract deploy "$WORK/parking.wasm" --name dev-city.parking2 --municipality dev-city
contains "$WORK/err" "unauthorized"
contains "$WORK/err" "left out of the chain"
contains "$WORK/err" "only the admin of municipality 'dev-city'"

step "a shared contract is not upgraded by one admin, nor a plain name deployed"
expect_failure --key "$ADMIN" contract deploy "$WORK/parking.wasm" --name dogpermit --municipality dev-city
contains "$WORK/err" "shared by the consortium"
expect_failure --key "$ADMIN" contract deploy "$WORK/parking.wasm" --name parking --municipality dev-city
contains "$WORK/err" "dev-city.<name>"

step "upgrade dev-city.parking: the history has 2 versions"
expect_ok --json --key "$ADMIN" contract deploy "$WORK/parking.wasm" --name dev-city.parking --abi "$CONTRACTS/parking.abi.json"
[ "$(jq -r '.versions' "$WORK/out")" = "2" ] || fail "upgrade did not make version 2"
expect_ok contract show dev-city.parking
contains "$WORK/out" "versions:  2"
contains "$WORK/out" "call  issue(id: hash, municipality: name, commitment: hash, zone: zone"
contains "$WORK/out" "query  zone_of(id: hash) -> zone: zone"
contains "$WORK/out" "certificate.amended ("

step "contract abi writes the module's ABI; an ABI that disagrees is refused at deploy, naming the method"
expect_ok contract abi "$WORK/parking.wasm" --out "$WORK/parking.abi.json"
contains "$WORK/out" "wrote $WORK/parking.abi.json (7 methods of parking 1.0.0)"
cmp -s "$WORK/parking.abi.json" "$CONTRACTS/parking.abi.json" || fail "contract abi wrote another ABI than the build"
jq '(.methods[] | select(.name == "issue") | .arguments[3].type) = "string"' "$WORK/parking.abi.json" >"$WORK/old.abi.json"
expect_failure contract abi "$WORK/parking.wasm" --check "$WORK/old.abi.json"
contains "$WORK/err" "method 'issue': the ABI lists the arguments"
expect_failure --key "$ADMIN" contract deploy "$WORK/parking.wasm" --name dev-city.parking --abi "$WORK/old.abi.json"
contains "$WORK/err" "does not describe"
contains "$WORK/err" "method 'issue'"

step "contract call parking.issue by the public_order_office; its event on /v1/events"
timeout 60 "$GOVCHAIN" --json events --duration-ms 40000 >"$WORK/events" 2>"$WORK/events.err" &
EVENTS_PID=$!
sleep 0.5
ID=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
COMMITMENT=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
NOW_MS=$(($(date +%s) * 1000))
ISSUE="{\"id\": \"$ID\", \"municipality\": \"dev-city\", \"commitment\": \"$COMMITMENT\", \"zone\": \"GE-ALTSTADT-03\",
        \"valid_from_ms\": \"$(date -u -d '-1 minute' +%FT%TZ)\", \"valid_until_ms\": $((NOW_MS + 86400000))}"
expect_ok --key "$OFFICE" contract call dev-city.parking issue --args "$ISSUE"
contains "$WORK/out" "dev-city.parking.issue: committed in block"
contains "$WORK/out" 'event dev-city.parking certificate.active {"id":"'"$ID"'","municipality":"dev-city","reason":"issued","status":"active","type":"parking_exemption"}'
seen=""
for _ in $(seq 100); do
  if grep -q '"topic":"certificate.active"' "$WORK/events" 2>/dev/null; then seen=yes; break; fi
  sleep 0.2
done
[ -n "$seen" ] || { cat "$WORK/events" "$WORK/events.err"; fail "the call's event did not show up on /v1/events"; }
kill "$EVENTS_PID" 2>/dev/null || true
EVENTS_PID=""

step "events and tx status show the call's event decoded with the ABI, data_hex beside it"
EVENT_LINE=$(grep '"topic":"certificate.active"' "$WORK/events" | head -n 1)
ACTIVE='[.results[].events[] | select(.topic == "certificate.active")][0]'
[ "$(jq -r "$ACTIVE.data.status" <<<"$EVENT_LINE")" = active ] || { echo "$EVENT_LINE"; fail "events --json did not decode the event"; }
[ "$(jq -r "$ACTIVE.data_hex | length > 0" <<<"$EVENT_LINE")" = true ] || fail "events --json lost data_hex"
ISSUE_TX=$(jq -r '[.results[] | select(any(.events[]; .topic == "certificate.active"))][0].tx_hash' <<<"$EVENT_LINE")
expect_ok tx status "$ISSUE_TX"
contains "$WORK/out" 'event:    dev-city.parking certificate.active {"id":"'"$ID"'","municipality":"dev-city","reason":"issued"'
expect_ok --json tx status "$ISSUE_TX"
[ "$(jq -r '.receipt.events[] | select(.topic == "certificate.active") | .data.reason' "$WORK/out")" = issued ] ||
  fail "tx status --json did not decode the event"
[ "$(jq -r '.receipt.events[] | select(.topic == "certificate.active") | .data_hex | length > 0' "$WORK/out")" = true ] ||
  fail "tx status --json lost data_hex"

step "contract query parking.zone_of and parking.verify"
expect_ok --json contract query dev-city.parking zone_of --args "{\"id\": \"$ID\"}"
[ "$(jq -r '.returns.zone' "$WORK/out")" = "GE-ALTSTADT-03" ] || fail "zone is not GE-ALTSTADT-03"
expect_ok contract query dev-city.parking verify --args "[\"$ID\", \"$COMMITMENT\", 0]"
contains "$WORK/out" '"verdict": "valid"'

step "argument errors and contract aborts exit 1 with a clear message"
expect_failure --key "$OFFICE" contract call dev-city.parking issue --args '{"id": "00"}'
contains "$WORK/err" "argument 'id' (hash): expected 64 hex digits"
expect_failure contract query dev-city.parking zone_of --args "{\"id\": \"$COMMITMENT\"}"
contains "$WORK/err" "aborted"
contains "$WORK/err" "unknown certificate"
expect_failure --key "$OFFICE" contract call dev-city.parking revoke --args "{\"id\": \"$ID\", \"reason\": \"Erika Mustermann\"}"
contains "$WORK/err" "argument 'reason' (code): expected a code"
# Past the client (an ABI file that says string): the node refuses before the contract runs.
jq '(.methods[] | select(.name == "revoke") | .arguments[1].type) = "string"' "$CONTRACTS/parking.abi.json" >"$WORK/loose.abi.json"
expect_failure --key "$OFFICE" contract call dev-city.parking revoke --abi "$WORK/loose.abi.json" \
  --args "{\"id\": \"$ID\", \"reason\": \"Erika Mustermann\"}"
contains "$WORK/err" "argument 'reason' (code) must be a code: 1..32 of \[a-z0-9_\], no free text; the contract did not run"
if grep -q "Mustermann" "$WORK/err"; then fail "the node's refusal repeats the refused text"; fi
expect_failure --key "$WORK/stranger.json" contract call dev-city.parking revoke --args "{\"id\": \"$ID\", \"reason\": \"misuse\"}"
contains "$WORK/err" "aborted"
expect_failure contract query dev-city.parking no_such_method
contains "$WORK/err" "has no method 'no_such_method'"

echo "PASS: contract_cli"
