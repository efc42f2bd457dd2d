#!/usr/bin/env bash
# Integration test of `govchain network new|up|status|down` with real
# govchaind processes on 127.0.0.1:
#   new: four members on a free base port; the folder's files (network.json,
#   node configs with every other member as peer, dev keys, genesis); refusal
#   to overwrite; bad and repeated ids refused; then up (a missing
#   genesis.json is created), up again (nothing restarted), status (every
#   node listed, running, answering), a node program that exits at once
#   (error naming node and log), down (no process left) and down --wipe.
#   Block agreement between the nodes is not checked here: that needs the
#   consensus wiring (integration tests of issue 5).
#
#   network_cli.sh GOVCHAIND GOVCHAIN [CONTRACTS_DIR]
#
# Every wait is bounded; the trap stops every node and removes the temp dir.
set -euo pipefail

GOVCHAIND=${1:?usage: network_cli.sh GOVCHAIND GOVCHAIN [CONTRACTS_DIR]}
GOVCHAIN=${2:?usage: network_cli.sh GOVCHAIND GOVCHAIN [CONTRACTS_DIR]}
CONTRACTS=${3:-}
for tool in curl python3; do command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }; done
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

WORK=$(mktemp -d -t govchain-network-cli.XXXXXX)
NET="$WORK/net4"
unset GOVCHAIN_DEV GOVCHAIN_GENESIS GOVCHAIN_NODE || true

# Kills whatever a pid file of the network still names (only if the test
# failed half-way), prints the node logs on failure, removes the folder.
cleanup() {
  local status=$?
  if [ -f "$NET/network.json" ]; then timeout 60 "$GOVCHAIN" network down "$NET" >/dev/null 2>&1 || true; fi
  for pid_file in "$NET"/run/*.pid; do
    [ -f "$pid_file" ] && kill -9 "$(cat "$pid_file")" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for log in "$NET"/logs/*.log; do [ -f "$log" ] && { echo "---- $log"; tail -n 20 "$log"; }; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

step() { echo "== $*"; }
cli() { timeout 120 "$GOVCHAIN" "$@" >"$WORK/out" 2>"$WORK/err"; }
expect_ok() { cli "$@" || { cat "$WORK/out" "$WORK/err" >&2; fail "govchain $* failed"; }; }
expect_failure() { if cli "$@"; then cat "$WORK/out"; fail "govchain $* should have failed"; fi; }
contains() { grep -q -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "expected '$2' in $1"; }; }
# A process that ended but is not reaped yet (a zombie: its parent, govchain
# network up, has exited) counts as ended.
alive() { kill -0 "$1" 2>/dev/null && [ "$(ps -o stat= -p "$1" | cut -c1)" != "Z" ]; }

# Eight consecutive free ports (four nodes, rpc and p2p each).
free_base_port() {
  python3 - <<'EOF'
import random, socket
for _ in range(200):
    base = random.randrange(20000, 60000, 2)
    sockets = []
    try:
        for port in range(base, base + 8):
            s = socket.socket(); s.bind(("127.0.0.1", port)); sockets.append(s)
        print(base); break
    except OSError:
        pass
    finally:
        for s in sockets: s.close()
EOF
}

BASE=$(free_base_port)
[ -n "$BASE" ] || fail "found no eight free consecutive ports"
MEMBERS=(--municipality "aachen:Aachen" --municipality "soest:Soest"
         --municipality "wuppertal:Wuppertal (Bergisches Städtedreieck)" --municipality paderborn)
CONTRACT_ARGS=()
[ -n "$CONTRACTS" ] && CONTRACT_ARGS=(--contracts "$CONTRACTS")

step "network new: four members from port $BASE"
expect_ok network new --out "$NET" "${MEMBERS[@]}" --base-port "$BASE" "${CONTRACT_ARGS[@]}"
contains "$WORK/out" "created network govchain-net4"
for id in aachen soest wuppertal paderborn; do
  [ -f "$NET/nodes/$id.json" ] || fail "no node config for $id"
  for key in validator admin registration_office public_order_office identity_office archive; do
    [ -f "$NET/keys/$id/$key.json" ] || fail "no $key key for $id"
  done
done
[ -f "$NET/genesis.json" ] || fail "no genesis.json"
python3 - "$NET" "$BASE" <<'EOF' || fail "the network folder's files are not as documented"
import json, sys
net, base = sys.argv[1], int(sys.argv[2])
network = json.load(open(f"{net}/network.json"))
ids = ["aachen", "soest", "wuppertal", "paderborn"]
assert network["chain_id"] == "govchain-net4", network["chain_id"]
assert [n["id"] for n in network["nodes"]] == ids
assert network["nodes"][2]["name"] == "Wuppertal (Bergisches Städtedreieck)"
assert network["nodes"][3]["name"] == "paderborn"
for i, node in enumerate(network["nodes"]):
    assert node["rpc_addr"] == f"127.0.0.1:{base + 2 * i}", node
    assert node["p2p_addr"] == f"127.0.0.1:{base + 2 * i + 1}", node
    assert node["config"] == f"nodes/{node['id']}.json"
    key = json.load(open(f"{net}/keys/{node['id']}/validator.json"))
    assert key["public_key"] == node["public_key"], "network.json names another node key"
    config = json.load(open(f"{net}/{node['config']}"))
    assert config["data_dir"] == f"../data/{node['id']}"
    assert config["genesis"] == "../genesis.json"
    assert config["validator_key"] == f"../keys/{node['id']}/validator.json"
    assert config["rpc_addr"] == node["rpc_addr"] and config["p2p_addr"] == node["p2p_addr"]
    assert config["dev_keys"] is True
    others = [(n["p2p_addr"], n["public_key"]) for n in network["nodes"] if n["id"] != node["id"]]
    assert [(p["address"], p["public_key"]) for p in config["peers"]] == others, config["peers"]
genesis = json.load(open(f"{net}/genesis.json"))
assert genesis["chain_id"] == "govchain-net4"
assert [m["id"] for m in genesis["municipalities"]] == ids
assert [v["public_key"] for v in genesis["validators"]] == [n["public_key"] for n in network["nodes"]]
assert len(genesis["roles"]) == 16, len(genesis["roles"])
admin = json.load(open(f"{net}/keys/soest/admin.json"))["public_key"]
assert genesis["municipalities"][1]["admin"] == admin
assert all(c["municipality"] == "aachen" for c in genesis.get("contracts", []))
EOF
if [ -n "$CONTRACTS" ]; then
  python3 -c "import json,sys; g=json.load(open('$NET/genesis.json')); sys.exit(0 if len(g.get('contracts',[]))>0 else 1)" \
    || fail "genesis.json deploys none of the contracts in $CONTRACTS"
fi

step "network new refuses to overwrite, bad ids and repeated ids"
sum_before=$(cat "$NET/network.json" "$NET"/keys/*/*.json | sha256sum)
expect_failure network new --out "$NET" "${MEMBERS[@]}" --base-port "$BASE"
contains "$WORK/err" "network.json exists"
[ "$(cat "$NET/network.json" "$NET"/keys/*/*.json | sha256sum)" = "$sum_before" ] || fail "a refused new changed files"
expect_failure network new --out "$WORK/bad" --municipality "Aachen:Aachen" --base-port "$BASE"
contains "$WORK/err" "lowercase"
[ ! -e "$WORK/bad/network.json" ] && [ ! -e "$WORK/bad/keys" ] || fail "a refused new wrote files"
expect_failure network new --out "$WORK/bad" --municipality soest --municipality soest --base-port "$BASE"
contains "$WORK/err" "given twice"
expect_failure network new --out "$WORK/bad" --municipality soest --base-port 65535
contains "$WORK/err" "choose another --base-port"

step "network up with a node program that exits at once names the node and its log"
expect_failure network up "$NET" --bin /bin/false --start-timeout-ms 10000
contains "$WORK/err" "node '[a-z]*' (pid [0-9]*) exited with code 1 during start-up"
contains "$WORK/err" "its log .*/logs/[a-z]*.log"

step "network up creates a missing genesis.json and starts four nodes"
rm "$NET/genesis.json"
expect_ok network up "$NET" --bin "$GOVCHAIND" "${CONTRACT_ARGS[@]}" --start-timeout-ms 60000
[ -f "$NET/genesis.json" ] || fail "network up did not create genesis.json"
contains "$WORK/err" "created .*genesis.json"
contains "$WORK/out" "4 nodes running"
declare -A PIDS
for i in 0 1 2 3; do
  id=$(python3 -c "import json; print(json.load(open('$NET/network.json'))['nodes'][$i]['id'])")
  PIDS[$id]=$(cat "$NET/run/$id.pid")
  alive "${PIDS[$id]}" || fail "node $id (pid ${PIDS[$id]}) is not running"
  curl -fsS --max-time 5 "http://127.0.0.1:$((BASE + 2 * i))/healthz" >/dev/null || fail "no /healthz on node $id"
  contains "$WORK/out" "$id"
done

step "network up again starts nothing new"
expect_ok network up "$NET" --bin "$GOVCHAIND"
contains "$WORK/out" "was running"
for id in "${!PIDS[@]}"; do [ "$(cat "$NET/run/$id.pid")" = "${PIDS[$id]}" ] || fail "$id was restarted"; done

step "network status shows every node"
expect_ok network status "$NET"
for id in aachen soest wuppertal paderborn; do contains "$WORK/out" "^$id .*pid ${PIDS[$id]}"; done
contains "$WORK/out" "agreement:"
expect_ok --json network status "$NET"
python3 - "$WORK/out" <<'EOF' || fail "network status --json is not as documented"
import json, sys
status = json.load(open(sys.argv[1]))
assert status["chain_id"] == "govchain-net4"
assert len(status["nodes"]) == 4
for node in status["nodes"]:
    assert node["running"] and node["answers"], node
    assert isinstance(node["height"], int), node
    assert len(node["latest_block_hash"]) == 64 and len(node["state_root"]) == 64, node
assert "agree" in status["agreement"]
EOF

step "network down stops every node"
expect_ok network down "$NET"
contains "$WORK/out" "stopped 4 nodes"
for id in "${!PIDS[@]}"; do
  alive "${PIDS[$id]}" && fail "node $id (pid ${PIDS[$id]}) still runs after network down"
  [ ! -e "$NET/run/$id.pid" ] || fail "pid file of $id left behind"
done
if pgrep -f -- "$NET/nodes/" >/dev/null; then pgrep -af -- "$NET/nodes/"; fail "a govchaind of the network still runs"; fi
expect_ok --json network status "$NET"
python3 -c "import json,sys; s=json.load(open('$WORK/out')); sys.exit(any(n['running'] or n['answers'] for n in s['nodes']))" \
  || fail "network status reports a node running after down"

step "network down --wipe deletes data, logs and run state only"
[ -d "$NET/data/aachen" ] && [ -f "$NET/logs/aachen.log" ] || fail "no data or log folder after a run"
expect_ok network down "$NET" --wipe
contains "$WORK/out" "not running"
[ ! -e "$NET/data" ] && [ ! -e "$NET/logs" ] && [ ! -e "$NET/run" ] || fail "--wipe left runtime state"
[ -f "$NET/network.json" ] && [ -f "$NET/nodes/aachen.json" ] && [ -f "$NET/keys/aachen/validator.json" ] \
  && [ -f "$NET/genesis.json" ] || fail "--wipe deleted keys, configs or genesis"

echo "PASS: network new/up/status/down"
