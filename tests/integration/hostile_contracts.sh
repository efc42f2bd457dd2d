#!/usr/bin/env bash
# Hostile contracts on a dev chain: an infinite loop, a memory bomb and
# unbounded recursion are deployed and called as transactions. Each call
# ends in a failed receipt (out of gas, or a trap) at a deterministic gas
# figure, the node keeps producing blocks, and re-execution of every block
# (govchaind --check) reproduces the state roots.
#   hostile_contracts.sh GOVCHAIND GOVCHAIN
set -euo pipefail
GOVCHAIND=$1
GOVCHAIN=$2
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/govchain-hostile.XXXXXX")
trap 'stop_node; rm -rf "$work"' EXIT
data="$work/data"
cat >"$work/hostile.wat" <<'WAT'
(module
  (memory (export "memory") 1)
  (func (export "spin") (loop (br 0)))
  (func (export "bomb") (loop (drop (memory.grow (i32.const 1))) (br 0)))
  (func $recurse (export "recurse") (call $recurse)))
WAT
wat2wasm "$work/hostile.wat" -o "$work/hostile.wasm"
cat >"$work/hostile.abi.json" <<'JSON'
{"abi_version": 1, "contract": "hostile", "version": "1", "description": "misbehaving test contract",
 "methods": [{"name": "spin", "kind": "call", "arguments": [], "returns": []},
             {"name": "bomb", "kind": "call", "arguments": [], "returns": []},
             {"name": "recurse", "kind": "call", "arguments": [], "returns": []}]}
JSON
start_node "$data" "$work/node.log"
export GOVCHAIN_NODE="$NODE_URL" GOVCHAIN_DEV=1
"$GOVCHAIN" --key "$data/keys/admin.json" contract deploy "$work/hostile.wasm" --name dev-city.hostile \
  --abi "$work/hostile.abi.json" --municipality dev-city >/dev/null 2>&1 || fail "deploying the test contract failed"
for method in spin bomb recurse; do
  if "$GOVCHAIN" --json --gas 2000000 --key "$data/keys/admin.json" contract call dev-city.hostile "$method" --args '{}' \
      >"$work/$method.json" 2>"$work/$method.err"; then
    fail "hostile.$method succeeded; it must fail"
  fi
  status=$(grep -o '"status": *"[a-z_]*"' "$work/$method.json" "$work/$method.err" | head -n 1 || true)
  echo "hostile.$method: refused ($status)"
  grep -qE 'out_of_gas|trap|resource_exhausted' "$work/$method.json" "$work/$method.err" ||
    fail "hostile.$method did not end in out-of-gas or a trap: $(cat "$work/$method.json" "$work/$method.err")"
done
height_before=$(curl -sf "$NODE_URL/v1/status" | json_field "['height']")
"$GOVCHAIN" --key "$data/keys/admin.json" role grant --account "$("$GOVCHAIN" keys show "$data/keys/archive.json" --json | json_field "['public_key']")" \
  --role registration_office --municipality dev-city >/dev/null 2>&1 || fail "the chain stopped accepting transactions"
height_after=$(curl -sf "$NODE_URL/v1/status" | json_field "['height']")
[ "$height_after" -gt "$height_before" ] || fail "no block after the hostile calls"
stop_node
"$GOVCHAIND" --dev --data "$data" --check || fail "re-execution differs after hostile calls"
echo "hostile contracts: every call failed cleanly, blocks went on, re-execution matches"
