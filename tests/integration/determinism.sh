#!/usr/bin/env bash
# Determinism across two node processes: the same blocks, executed by two
# fresh nodes, give the same state roots, receipts and gas used.
#
#   1. Node A (a fresh dev chain) deploys a test contract `dev-city.tally` and the
#      tutorial contract as `dev-city.parking`, and runs calls that succeed (storage
#      writes, events, return data, a role check, a float NaN stored in
#      state), a call that aborts after writing (the write must be reverted),
#      a call that runs out of gas in an infinite loop after writing, and a
#      repeated parking.issue the contract refuses. Then A stops.
#   2. Node B gets only A's genesis.json and keys in a fresh data directory.
#      A second process, `govchaind --import-from A`, executes A's blocks on
#      B's own state (its own state tree, its own receipts) and refuses any
#      block whose state root or receipts root differs from A's header.
#   3. A and B then run side by side and the script compares over the HTTP
#      API: the head (height, block hash, state root), every block header,
#      and every transaction's receipt (status, message, gas_used, return
#      data, events) and a read-only query's answer and gas. The failing
#      calls (abort, out of gas, refused issue) were left out of the blocks
#      with all their writes undone (docs/decisions/failed-calls-stay-off-
#      chain.md): the CLI reported them dropped, and every receipt in a block
#      is ok, so the same state roots show that the undoing is the same too.
# `govchaind --check` re-executes in one process; this test adds a second,
# independent process with its own data directory.
#   determinism.sh GOVCHAIND GOVCHAIN
set -euo pipefail
GOVCHAIND=$1
GOVCHAIN=$2
source "$(dirname "$0")/lib.sh"
for tool in wat2wasm python3 curl; do command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }; done
CONTRACTS=$(cd "$(dirname "$GOVCHAIND")/../contracts" 2>/dev/null && pwd) || { echo "SKIP: contracts not built"; exit 77; }
[ -f "$CONTRACTS/parking.wasm" ] || { echo "SKIP: $CONTRACTS/parking.wasm not built"; exit 77; }
SOURCE_DIR=$(cd "$(dirname "$0")/../.." && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/govchain-determinism.XXXXXX")
PID_A=""
PID_B=""
cleanup() {
  NODE_PID=$PID_A stop_node
  NODE_PID=$PID_B stop_node
  rm -rf "$work"
}
trap cleanup EXIT
data_a="$work/a"
data_b="$work/b"

cat >"$work/tally.wat" <<'WAT'
(module
  (import "govchain" "input_size" (func $input_size (result i32)))
  (import "govchain" "input_read" (func $input_read (param i32)))
  (import "govchain" "storage_get" (func $storage_get (param i32 i32 i32 i32) (result i32)))
  (import "govchain" "storage_set" (func $storage_set (param i32 i32 i32 i32)))
  (import "govchain" "emit_event" (func $emit_event (param i32 i32 i32 i32)))
  (import "govchain" "return_data" (func $return_data (param i32 i32)))
  (import "govchain" "block_time_ms" (func $block_time_ms (result i64)))
  (import "govchain" "abort" (func $abort (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "total")
  (data (i32.const 8) "counted")
  (data (i32.const 16) "refused on purpose")
  (data (i32.const 40) "last_nan")
  ;; The running total (little-endian at 64), 0 when absent.
  (func $load_total
    (if (i32.ne (call $storage_get (i32.const 0) (i32.const 5) (i32.const 64) (i32.const 8)) (i32.const 8))
      (then (i64.store (i32.const 64) (i64.const 0)))))
  ;; Returns the total as a big-endian u64 (the ABI encoding).
  (func $return_total
    (local $i i32)
    (loop $next
      (i64.store8 (i32.add (i32.const 96) (local.get $i))
        (i64.shr_u (i64.load (i32.const 64))
                   (i64.extend_i32_u (i32.sub (i32.const 56) (i32.shl (local.get $i) (i32.const 3))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 8))))
    (call $return_data (i32.const 96) (i32.const 8)))
  ;; total += size of the input + 1; the note (the input) is stored with the
  ;; block time and emitted as an event.
  (func (export "count")
    (local $size i32)
    (local.set $size (call $input_size))
    (if (i32.gt_u (local.get $size) (i32.const 1024)) (then (call $abort (i32.const 16) (i32.const 18))))
    (call $input_read (i32.const 128))
    (call $load_total)
    (i64.store (i32.const 64)
      (i64.add (i64.load (i32.const 64)) (i64.extend_i32_u (i32.add (local.get $size) (i32.const 1)))))
    (call $storage_set (i32.const 0) (i32.const 5) (i32.const 64) (i32.const 8))
    (i64.store (i32.const 72) (call $block_time_ms))
    (call $storage_set (i32.const 128) (local.get $size) (i32.const 72) (i32.const 8))
    (call $emit_event (i32.const 8) (i32.const 7) (i32.const 128) (local.get $size))
    (call $return_total))
  (func (export "total") (call $load_total) (call $return_total))
  ;; Writes, then aborts: the write must be reverted on every node.
  (func (export "refuse")
    (call $storage_set (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 8))
    (call $abort (i32.const 16) (i32.const 18)))
  ;; Writes, then loops until the gas runs out.
  (func (export "spin")
    (call $storage_set (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 8))
    (loop (br 0)))
  ;; sqrt of a negative number: a NaN, whose bits consensus mode fixes.
  (func (export "nan")
    (f64.store (i32.const 80) (f64.sqrt (f64.neg (f64.convert_i64_s (call $block_time_ms)))))
    (call $storage_set (i32.const 40) (i32.const 8) (i32.const 80) (i32.const 8))))
WAT
wat2wasm "$work/tally.wat" -o "$work/tally.wasm"
cat >"$work/tally.abi.json" <<'JSON'
{"abi_version": 1, "contract": "tally", "version": "1", "description": "determinism test contract",
 "methods": [{"name": "count", "kind": "call", "arguments": [{"name": "note", "type": "string"}],
              "returns": [{"name": "total", "type": "u64"}]},
             {"name": "total", "kind": "query", "arguments": [], "returns": [{"name": "total", "type": "u64"}]},
             {"name": "refuse", "kind": "call", "arguments": [], "returns": []},
             {"name": "spin", "kind": "call", "arguments": [], "returns": []},
             {"name": "nan", "kind": "call", "arguments": [], "returns": []}]}
JSON

echo "== node A: deploy and call contracts"
start_node "$data_a" "$work/a.log"
PID_A=$NODE_PID
export GOVCHAIN_NODE="$NODE_URL" GOVCHAIN_DEV=1
admin="$data_a/keys/admin.json"
office="$data_a/keys/public_order_office.json"
cli() { timeout 60 "$GOVCHAIN" "$@" >"$work/out" 2>"$work/err"; }
expect_ok() { cli "$@" || { cat "$work/out" "$work/err" >&2; fail "govchain $* exited non-zero"; }; }
expect_failure() { if cli "$@"; then cat "$work/out" >&2; fail "govchain $* should have failed"; fi; }
expect_ok --key "$admin" contract deploy "$work/tally.wasm" --name dev-city.tally --abi "$work/tally.abi.json" --municipality dev-city
expect_ok --key "$admin" contract deploy "$CONTRACTS/parking.wasm" --name dev-city.parking \
  --abi "$CONTRACTS/parking.abi.json" --municipality dev-city
for note in first second "a third, longer note"; do
  expect_ok --key "$admin" contract call dev-city.tally count --args "{\"note\": \"$note\"}"
done
expect_failure --key "$admin" contract call dev-city.tally refuse --args '{}'
grep -q "refused on purpose" "$work/out" "$work/err" || fail "tally.refuse did not fail with its abort message"
grep -q "left out of the chain" "$work/err" || fail "tally.refuse was not reported as dropped"
expect_failure --gas 300000 --key "$admin" contract call dev-city.tally spin --args '{}'
grep -q "out_of_gas" "$work/out" "$work/err" || fail "tally.spin did not run out of gas: $(cat "$work/out" "$work/err")"
expect_ok --key "$office" contract call dev-city.tally nan --args '{}'
id=$(printf 'determinism permit' | sha256sum | cut -d' ' -f1)
commitment=$(printf 'determinism commitment' | sha256sum | cut -d' ' -f1)
now_ms=$(($(date +%s) * 1000))
issue="{\"id\": \"$id\", \"municipality\": \"dev-city\", \"commitment\": \"$commitment\", \"zone\": \"altstadt\",
        \"valid_from_ms\": $((now_ms - 60000)), \"valid_until_ms\": $((now_ms + 86400000))}"
expect_ok --key "$office" contract call dev-city.parking issue --args "$issue"
expect_failure --key "$office" contract call dev-city.parking issue --args "$issue"
grep -q "already used" "$work/out" "$work/err" || fail "a repeated parking.issue was not refused"
expect_ok --key "$office" contract call dev-city.tally count --args '{"note": "after the failures"}'
height_a=$(curl -sf "$NODE_URL/v1/status" | json_field "['height']")
stop_node
PID_A=""

echo "== node B: A's genesis and keys in a fresh data directory; a second process executes A's blocks"
mkdir -p "$data_b"
cp "$data_a/genesis.json" "$data_b/"
cp -r "$data_a/keys" "$data_b/"
[ ! -e "$data_b/db" ] || fail "B's data directory is not fresh"
"$GOVCHAIND" --dev --data "$data_b" --import-from "$data_a" --log-level warn >"$work/import.out" 2>&1 ||
  { cat "$work/import.out" >&2; fail "node B refused A's blocks"; }
cat "$work/import.out"
grep -q "^imported $height_a blocks" "$work/import.out" || fail "node B did not import all $height_a blocks of A"

echo "== A and B side by side: compare over the HTTP API"
start_node "$data_a" "$work/a2.log"
PID_A=$NODE_PID
url_a=$NODE_URL
start_node "$data_b" "$work/b.log"
PID_B=$NODE_PID
url_b=$NODE_URL
python3 - "$url_a" "$url_b" <<'PY'
import json, sys, urllib.request

url_a, url_b = sys.argv[1], sys.argv[2]

def get(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)

def same(what, a, b):
    if a != b:
        sys.exit(f"FAIL: {what} differs between the nodes:\n  A: {a}\n  B: {b}")

status_a, status_b = get(url_a, "/v1/status"), get(url_b, "/v1/status")
for field in ("chain_id", "genesis_hash", "height", "latest_block_hash", "state_root"):
    same(f"status.{field}", status_a[field], status_b[field])
statuses = []
for height in range(0, status_a["height"] + 1):
    block_a, block_b = get(url_a, f"/v1/blocks/{height}"), get(url_b, f"/v1/blocks/{height}")
    same(f"block {height} hash", block_a["hash"], block_b["hash"])
    same(f"block {height} header", block_a["header"], block_b["header"])
    for tx in block_a["txs"]:
        receipt_a = get(url_a, f"/v1/txs/{tx['hash']}")["receipt"]
        receipt_b = get(url_b, f"/v1/txs/{tx['hash']}")["receipt"]
        same(f"receipt of {tx['hash']} (block {height})", receipt_a, receipt_b)
        statuses.append(receipt_a["status"])
        print(f"block {height:2} tx {receipt_a['index']}: {receipt_a['status']:<11} gas_used {receipt_a['gas_used']:>8} "
              f"(A) = {receipt_b['gas_used']:>8} (B)  {receipt_a['message'][:50]}")
query = {"contract": "dev-city.tally", "method": "total", "arguments_hex": "", "gas_limit": 1000000}
answer_a, answer_b = get(url_a, "/v1/query", query), get(url_b, "/v1/query", query)
same("query tally.total", answer_a, answer_b)
print(f"query tally.total: return {answer_a['return_hex']}, gas_used {answer_a['gas_used']} on both")
if not statuses or set(statuses) != {"ok"}:
    sys.exit(f"FAIL: blocks hold receipts {sorted(set(statuses))}; only ok receipts may be in a block")
print(f"{len(statuses)} receipts, {status_a['height']} blocks: same state root {status_a['state_root']} on A and B")
PY
echo "determinism: two node processes computed the same state roots, receipts and gas"
