#!/usr/bin/env bash
# Hostile contracts on a dev chain (each deployed as "dev-city.<name>", a
# contract of the municipality dev-city). Each attack ends in a failed call
# (left out of the block, reported to the CLI as dropped with its reason:
# docs/decisions/failed-calls-stay-off-chain.md) or a refused deploy within
# a time bound, the node keeps producing blocks, its
# peak RSS stays bounded, and re-execution of every block (govchaind
# --check) reproduces the state roots.
#
#   * Calls at the largest gas limit a transaction may have (50,000,000):
#     an infinite loop, a memory bomb, unbounded recursion, a function with
#     the most locals a contract may declare called in a loop (each call
#     zeroes them), a loop whose back edge moves the most values a branch
#     may carry, table growth and bulk memory in loops. Before gas priced
#     this work, the locals loop alone stalled block production for 28.6 s.
#   * Deploys over a load-time bound, refused with a message naming it: a
#     function with 50,000 locals, a type with 50,000 results, 10,000 tables
#     (which once allocated 791 MB at instantiation), and the br_table
#     module whose validation was quadratic (110 KB, 9.9 s to load). A
#     br_table module of the same size within the bounds deploys quickly.
#   * Read-only queries of the loops, two at a time, over the
#     unauthenticated HTTP API: each ends (out of gas or its time budget)
#     within a bound, and the node answers /healthz meanwhile.
#   hostile_contracts.sh GOVCHAIND GOVCHAIN
set -euo pipefail
GOVCHAIND=$1
GOVCHAIN=$2
source "$(dirname "$0")/lib.sh"
for tool in python3 curl; do command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }; done
work=$(mktemp -d "${TMPDIR:-/tmp}/govchain-hostile.XXXXXX")
trap 'stop_node; rm -rf "$work"' EXIT
data="$work/data"
call_seconds_max=20      # one call at 50M gas, waiting for its block included
deploy_seconds_max=20    # one deploy, refused or accepted, waiting for its block
query_seconds_max=10     # one query; its time budget is 200 ms, gas 10M
rss_kib_max=$((400 * 1024))

# The modules, written byte by byte (no WebAssembly tools needed).
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]

def u(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)

def vec(items):
    return u(len(items)) + b"".join(items)

def section(ident, content):
    return bytes([ident]) + u(len(content)) + content

def name(text):
    return u(len(text)) + text.encode()

def ftype(params, results):
    return b"\x60" + u(len(params)) + bytes(params) + u(len(results)) + bytes(results)

def body(locals_, code):
    runs = b"".join(u(count) + bytes([kind]) for count, kind in locals_)
    content = u(len(locals_)) + runs + code + b"\x0b"
    return u(len(content)) + content

I32, I64 = 0x7F, 0x7E

def module(types, functions, exports, tables=b"", memory=b"\x00\x01", extra=b""):
    """functions: list of (type index, locals, code)."""
    out = b"\x00asm\x01\x00\x00\x00"
    out += section(1, vec(types))
    out += section(3, vec([u(index) for index, _, _ in functions]))
    if tables:
        out += section(4, tables)
    out += section(5, vec([memory]))
    out += section(7, vec([name(n) + bytes([kind]) + u(index) for n, kind, index in exports]))
    out += section(10, vec([body(locals_, code) for _, locals_, code in functions]))
    return out + extra

def write(file_name, data):
    with open(f"{work}/{file_name}", "wb") as file:
        file.write(data)

# Parameter 0 counts rounds down: local.get 0; i32.const 1; i32.sub; local.tee 0
countdown = b"\x20\x00\x41\x01\x6b\x22\x00"

# hostile.wasm: every method is [] -> [] and loops until gas runs out.
locals_max, arity_max = 1024, 16
values = b"\x42\x00" * arity_max
hostile_types = [ftype([], []), ftype([I64] * arity_max, [I64] * arity_max)]
functions = [
    (0, [], b"\x03\x40\x0c\x00\x0b"),                                    # 0 spin
    (0, [], b"\x03\x40\x41\x01\x40\x00\x1a\x0c\x00\x0b"),                # 1 bomb: memory.grow(1) forever
    (0, [], b"\x10\x02"),                                                # 2 recurse
    (0, [], b"\x03\x40\x10\x04\x0c\x00\x0b"),                            # 3 zero_locals: call 4 forever
    (0, [(locals_max, I64)], b""),                                       # 4 the most locals allowed
    # 5 wide_branch: a loop carrying arity_max values; an extra value below
    # the condition makes every back edge move them all.
    (0, [], values + b"\x03\x01\x42\x00\x41\x01\x0d\x00\x1a\x0b" + b"\x1a" * arity_max),
    (0, [], b"\x03\x40\xd0\x70\x41\x80\x08\xfc\x0f\x00\x1a\x0c\x00\x0b"),  # 6 grow_table: table.grow(null, 1024)
    # 7 fill_memory: grow to 64 pages, then memory.fill the 4 MiB forever
    (0, [], b"\x41\x3f\x40\x00\x1a\x03\x40\x41\x00\x41\x00\x41\x80\x80\x80\x02\xfc\x0b\x00\x0c\x00\x0b"),
]
methods = ["spin", "bomb", "recurse", "zero_locals", None, "wide_branch", "grow_table", "fill_memory"]
exports = [("memory", 2, 0)] + [(m, 0, i) for i, m in enumerate(methods) if m]
write("hostile.wasm", module(hostile_types, functions, exports, tables=vec([b"\x70\x00\x00"])))

# Over a bound, each.
write("locals.wasm", module([ftype([], [])], [(0, [(50000, I64)], b"")], [("memory", 2, 0)]))
write("arity.wasm", module([ftype([], [I64] * 50000)], [], [("memory", 2, 0)]))
write("tables.wasm", module([ftype([], [])], [], [("memory", 2, 0)],
                            tables=vec([b"\x70\x00" + u(10000)] * 10000)))

# The quadratic br_table module: a block type of 2,000 results and a
# br_table of 50,000 labels naming that block, 110 KB.
def branch_tables(arity, labels, size):
    table = b"\x42\x00" * arity + b"\x41\x00\x0e" + u(labels) + b"\x00" * labels + b"\x00"
    code = b"\x02\x01"
    while len(code) + len(table) + arity + 16 < size:
        code += table
    code += b"\x0b" + b"\x1a" * arity
    return module([ftype([], []), ftype([], [I64] * arity)], [(0, [], code)], [("memory", 2, 0)])
write("brtable_quadratic.wasm", branch_tables(2000, 50000, 110 * 1024))
write("brtable_bounded.wasm", branch_tables(arity_max, 4096, 110 * 1024))
PY

write_abi() {  # write_abi NAME METHOD...
  local contract=$1 methods="" method
  shift
  for method in "$@"; do
    methods+="${methods:+, }{\"name\": \"$method\", \"kind\": \"call\", \"arguments\": [], \"returns\": []}"
  done
  echo "{\"abi_version\": 1, \"contract\": \"$contract\", \"version\": \"1\", \"description\": \"hostile test contract\", \"methods\": [$methods]}" \
    >"$work/$contract.abi.json"
}
methods=(spin bomb recurse zero_locals wide_branch grow_table fill_memory)
write_abi hostile "${methods[@]}"
for contract in locals arity tables brtable_quadratic brtable_bounded; do write_abi "$contract"; done

start_node "$data" "$work/node.log"
export GOVCHAIN_NODE="$NODE_URL" GOVCHAIN_DEV=1
admin="$data/keys/admin.json"
height() { curl -sf "$NODE_URL/v1/status" | json_field "['height']"; }
seconds_since() { python3 -c "import time,sys; print(f'{time.time() - float(sys.argv[1]):.2f}')" "$1"; }
within() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$1" "$2"; }

deploy() {  # deploy NAME: runs the deploy, leaves its output in $work/NAME.deploy
  local started
  started=$(date +%s.%N)
  if "$GOVCHAIN" --gas 50000000 --key "$admin" contract deploy "$work/$1.wasm" --name "dev-city.$1" --abi "$work/$1.abi.json" \
      --municipality dev-city >"$work/$1.deploy" 2>&1; then
    deploy_ok=1
  else
    deploy_ok=0
  fi
  deploy_seconds=$(seconds_since "$started")
  within "$deploy_seconds" "$deploy_seconds_max" || fail "deploying $1 took $deploy_seconds s (bound $deploy_seconds_max s)"
}

deploy hostile
[ "$deploy_ok" = 1 ] || fail "deploying the hostile contract failed: $(cat "$work/hostile.deploy")"

for attack in "locals:locals_per_function_max" "arity:type_arity_max" "tables:tables_max" \
              "brtable_quadratic:type_arity_max"; do
  contract=${attack%%:*}
  bound=${attack#*:}
  deploy "$contract"
  [ "$deploy_ok" = 0 ] || fail "deploying $contract succeeded; it must be refused"
  grep -q "Limits::$bound" "$work/$contract.deploy" ||
    fail "deploying $contract was not refused by $bound: $(cat "$work/$contract.deploy")"
  echo "deploy $contract ($(stat -c %s "$work/$contract.wasm") bytes): refused in $deploy_seconds s by $bound"
done
deploy brtable_bounded
[ "$deploy_ok" = 1 ] || fail "the br_table module within the bounds was refused: $(cat "$work/brtable_bounded.deploy")"
echo "deploy brtable_bounded ($(stat -c %s "$work/brtable_bounded.wasm") bytes of br_table within the bounds): accepted in $deploy_seconds s"

for method in "${methods[@]}"; do
  started=$(date +%s.%N)
  if "$GOVCHAIN" --json --gas 50000000 --key "$admin" contract call dev-city.hostile "$method" --args '{}' \
      >"$work/$method.json" 2>"$work/$method.err"; then
    fail "hostile.$method succeeded; it must fail"
  fi
  seconds=$(seconds_since "$started")
  grep -qE 'out_of_gas|trap|resource_exhausted' "$work/$method.json" "$work/$method.err" ||
    fail "hostile.$method did not end in out-of-gas or a trap: $(cat "$work/$method.json" "$work/$method.err")"
  within "$seconds" "$call_seconds_max" || fail "hostile.$method at 50M gas took $seconds s (bound $call_seconds_max s)"
  grep -q "left out of the chain" "$work/$method.err" ||
    fail "hostile.$method was not reported as dropped: $(cat "$work/$method.err")"
  reason=$(grep -oE 'out_of_gas|trap|resource_exhausted' "$work/$method.err" | head -n 1 || true)
  echo "hostile.$method at 50,000,000 gas: dropped ($reason) in $seconds s, never in a block"
done

query() {  # query METHOD OUT: a read-only call over HTTP at the query gas cap
  curl -sf --max-time 60 -X POST "$NODE_URL/v1/query" -H 'Content-Type: application/json' \
    -d "{\"contract\": \"dev-city.hostile\", \"method\": \"$1\", \"arguments_hex\": \"\", \"gas_limit\": 10000000}" >"$2"
}
for method in spin zero_locals wide_branch fill_memory; do
  started=$(date +%s.%N)
  query "$method" "$work/query_a.json" &
  first=$!
  query "$method" "$work/query_b.json" &
  second=$!
  curl -sf --max-time "$query_seconds_max" "$NODE_URL/healthz" >/dev/null || fail "/healthz did not answer during two queries"
  wait "$first" || fail "query hostile.$method failed at the HTTP level"
  wait "$second" || fail "query hostile.$method failed at the HTTP level"
  seconds=$(seconds_since "$started")
  within "$seconds" "$query_seconds_max" || fail "two queries of hostile.$method took $seconds s (bound $query_seconds_max s)"
  for answer in "$work/query_a.json" "$work/query_b.json"; do
    status=$(json_field "['status']" <"$answer")
    case "$status" in out_of_gas|timeout) ;; *) fail "query hostile.$method ended with $status: $(cat "$answer")" ;; esac
  done
  echo "two queries of hostile.$method at once: $status in $seconds s"
done

height_before=$(height)
"$GOVCHAIN" --key "$admin" role grant --account "$("$GOVCHAIN" keys show "$data/keys/archive.json" --json | json_field "['public_key']")" \
  --role registration_office --municipality dev-city >/dev/null 2>&1 || fail "the chain stopped accepting transactions"
height_after=$(height)
[ "$height_after" -gt "$height_before" ] || fail "no block after the hostile calls"
rss_kib=$(awk '/VmHWM/ {print $2}' "/proc/$NODE_PID/status")
[ "$rss_kib" -le "$rss_kib_max" ] || fail "node peak RSS $((rss_kib / 1024)) MiB exceeds $((rss_kib_max / 1024)) MiB"
echo "node peak RSS: $((rss_kib / 1024)) MiB (bound $((rss_kib_max / 1024)) MiB); blocks went on to height $height_after"
stop_node
"$GOVCHAIND" --dev --data "$data" --check || fail "re-execution differs after hostile calls"
echo "hostile contracts: every attack failed cleanly within its bound, blocks went on, re-execution matches"
