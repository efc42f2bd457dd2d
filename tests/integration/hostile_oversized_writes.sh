#!/usr/bin/env bash
# hostile.oversized_writes (issue 10, "Why" item 1, acceptance 3) on five
# validators: a contract call that writes a 1,024-byte storage key (1,031
# bytes with the node's prefix, over the state tree's key limit), one that
# writes a value of 64 KiB + 1 and the deploy of a function with 50,000
# locals each end in a failed call (left out of the block, reported as
# dropped) or a refusal; the deploy of a 66 KB module succeeds (code is
# stored in 32 KiB chunks, docs/decisions/consortium-contracts.md) where it
# once made the block unbuildable; no node exits; a block is
# finalised within 2 s after each; all five agree on every block. Before
# the host checked sizes where they enter, the first call made the
# proposer's block fail to build and the node exit with code 70 — on every
# proposer in turn, halting the chain.
# Usage: hostile_oversized_writes.sh GOVCHAIND GOVCHAIN
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/network_lib.sh"
network_work oversized
export GOVCHAIN_DEV=1
unset GOVCHAIN_GENESIS GOVCHAIN_KEY_PASSPHRASE GOVCHAIN_NODE || true
MEMBERS=(aachen soest paderborn wuppertal gelsenkirchen)
BLOCK_AFTER_MS_MAX=2000

# The modules, byte by byte (no WebAssembly tools needed).
python3 - "$WORK" <<'PY'
import sys
work = sys.argv[1]
def u(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | 0x80 if value else byte)
        if not value:
            return bytes(out)
vec = lambda items: u(len(items)) + b"".join(items)
section = lambda ident, content: bytes([ident]) + u(len(content)) + content
name = lambda text: u(len(text)) + text.encode()
ftype = lambda params, results: b"\x60" + u(len(params)) + bytes(params) + u(len(results)) + bytes(results)
I32, I64 = 0x7F, 0x7E
def body(locals_, code):
    content = u(len(locals_)) + b"".join(u(n) + bytes([k]) for n, k in locals_) + code + b"\x0b"
    return u(len(content)) + content
def i32(value):  # i32.const with a signed LEB128 immediate (values below 2^20 here)
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        done = (value == 0 and not byte & 0x40)
        out.append(byte if done else byte | 0x80)
        if done:
            return b"\x41" + bytes(out)
# writer.wasm imports govchain.storage_set(key, key_length, value, value_length).
store = b"\x10\x00"  # call 0
types = [ftype([I32] * 4, []), ftype([], [])]
functions = [body([], i32(0) + i32(1024) + i32(0) + i32(1) + store),          # long_key
             body([], i32(0) + i32(8) + i32(0) + i32(65537) + store)]         # big_value
module = b"\x00asm\x01\x00\x00\x00" + section(1, vec(types))
module += section(2, vec([name("govchain") + name("storage_set") + b"\x00" + u(0)]))
module += section(3, vec([u(1), u(1)]))
module += section(5, vec([b"\x00\x02"]))  # two pages: the value fits in memory
module += section(7, vec([name("memory") + b"\x02" + u(0), name("long_key") + b"\x00" + u(1),
                          name("big_value") + b"\x00" + u(2)]))
module += section(10, vec(functions))
open(f"{work}/writer.wasm", "wb").write(module)
# big.wasm: a valid module of 66 KB (a custom section pads it).
small = b"\x00asm\x01\x00\x00\x00" + section(1, vec([ftype([], [])])) + section(5, vec([b"\x00\x01"]))
small += section(7, vec([name("memory") + b"\x02" + u(0)]))
pad = 66 * 1000 - len(small) - 8
open(f"{work}/big.wasm", "wb").write(small + section(0, name("pad") + b"\x00" * pad))
# locals.wasm: a function with 50,000 locals, called in a loop by "run".
loop = b"\x03\x40\x10\x01\x0c\x00\x0b"  # loop { call 1; br 0 }
module = b"\x00asm\x01\x00\x00\x00" + section(1, vec([ftype([], [])]))
module += section(3, vec([u(0), u(0)])) + section(5, vec([b"\x00\x01"]))
module += section(7, vec([name("memory") + b"\x02" + u(0), name("run") + b"\x00" + u(0)]))
module += section(10, vec([body([], loop), body([(50000, I64)], b"")]))
open(f"{work}/locals.wasm", "wb").write(module)
PY
write_abi() {  # write_abi NAME METHOD...
  local contract=$1 methods="" method
  shift
  for method in "$@"; do
    methods+="${methods:+, }{\"name\": \"$method\", \"kind\": \"call\", \"arguments\": [], \"returns\": []}"
  done
  echo "{\"abi_version\": 1, \"contract\": \"$contract\", \"version\": \"1\", \"description\": \"hostile test contract\", \"methods\": [$methods]}" \
    >"$WORK/$contract.abi.json"
}
write_abi writer long_key big_value
write_abi big
write_abi locals run

echo "== five validators"
BASE=$(free_base_port 12)
"$GOVCHAIN" network new --out "$NET" --base-port "$BASE" --chain-id govchain-oversized-test \
  --municipality aachen:Aachen --municipality soest:Soest --municipality paderborn:Paderborn \
  --municipality wuppertal:Wuppertal --municipality gelsenkirchen:Gelsenkirchen >/dev/null
for id in "${MEMBERS[@]}"; do
  jq '.empty_block_interval_ms = 200' "$NET/nodes/$id.json" >"$WORK/config" && mv "$WORK/config" "$NET/nodes/$id.json"
done
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
for id in "${MEMBERS[@]}"; do wait_height "$id" 2 90; done

aachen() {
  timeout 60 "$GOVCHAIN" --node "$(url_of aachen)" --key "$NET/keys/aachen/admin.json" --gas 50000000 "$@" \
    >"$WORK/out" 2>"$WORK/err"
}
# after WHAT: every node alive, and a block finalised within 2 s.
after() {
  local id before started elapsed
  for id in "${MEMBERS[@]}"; do kill -0 "$(pid_of "$id")" 2>/dev/null || fail "$id exited after $1"; done
  before=$(height_of soest)
  started=$(date +%s%3N)
  while [ "$(height_of soest)" -le "$before" ]; do
    elapsed=$(($(date +%s%3N) - started))
    [ "$elapsed" -le 10000 ] || fail "no block within 10 s after $1"
    sleep 0.05
  done
  elapsed=$(($(date +%s%3N) - started))
  echo "   after $1: all five alive, a block finalised $elapsed ms later"
  [ "$elapsed" -le "$BLOCK_AFTER_MS_MAX" ] || fail "the next block came $elapsed ms after $1 (bound $BLOCK_AFTER_MS_MAX)"
}

echo "== deploy a contract that writes oversized keys and values"
aachen contract deploy "$WORK/writer.wasm" --name aachen.writer --abi "$WORK/writer.abi.json" --municipality aachen ||
  { cat "$WORK/err"; fail "deploying the writer failed"; }
for method in long_key big_value; do
  if aachen contract call aachen.writer "$method" --args '{}'; then fail "writer.$method succeeded"; fi
  grep -q "left out of the chain" "$WORK/err" || { cat "$WORK/err"; fail "writer.$method was not dropped"; }
  echo "   writer.$method: $(grep -oE '(trap|too_large|invalid_argument|aborted)[^(]*' "$WORK/err" | head -n 1)"
  after "writer.$method"
done

echo "== a 66 KB module and a function with 50,000 locals"
for contract in big locals; do
  if aachen contract deploy "$WORK/$contract.wasm" --name "aachen.$contract" --abi "$WORK/$contract.abi.json" \
    --municipality aachen; then
    # Accepted within the limits: then calling it must end cleanly too.
    if [ "$contract" = locals ]; then
      aachen contract call aachen.locals run --args '{}' && fail "the 50,000-local loop succeeded"
    fi
    echo "   $contract ($(stat -c %s "$WORK/$contract.wasm") bytes): deployed"
  else
    echo "   $contract ($(stat -c %s "$WORK/$contract.wasm") bytes): refused: $(grep -m 1 'error:' "$WORK/err" | cut -c1-160)"
  fi
  after "the $contract deploy"
done

echo "== an honest transaction commits; the five agree"
"$GOVCHAIN" keys new --dev --out "$WORK/clerk.json" >/dev/null
timeout 60 "$GOVCHAIN" --node "$(url_of paderborn)" --key "$NET/keys/paderborn/admin.json" role grant \
  --account "$WORK/clerk.json" --role archive --municipality paderborn >/dev/null || fail "the honest grant failed"
HEAD=$(height_of aachen)
for id in "${MEMBERS[@]}"; do wait_height "$id" $((HEAD + 2)) 30; done
compare_chains "${MEMBERS[@]}"
echo "PASS: oversized writes and modules end in a dropped call or a refusal; five validators go on"
