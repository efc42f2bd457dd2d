# Shared helpers for the integration scripts that run a local network with
# `govchain network`: free ports, a node's URL, pid, height and keys, waiting
# for a height, comparing chains, and a work folder that cleans up after
# itself. Sourced after lib.sh, not run.
# Expects NET (the network folder) when the functions are called.

# network_work NAME: a fresh work folder WORK with the network folder NET in
# it; when the script exits the network is taken down and WORK removed, and
# after a failure the last lines of every node's log are printed first.
network_work() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/govchain-$1.XXXXXX")
  NET="$WORK/net"
  trap network_cleanup EXIT
}
network_cleanup() {
  local status=$?
  "$GOVCHAIN" network down "$NET" >/dev/null 2>&1 || true
  if [ "$status" -ne 0 ]; then
    for log in "$NET"/logs/*.log; do [ -f "$log" ] && { echo "---- $log"; tail -n 15 "$log"; }; done
  fi
  rm -rf "$WORK"
}

# free_base_port COUNT: an even port with COUNT free ports from it on.
free_base_port() {
  python3 - "$1" <<'PY'
import random, socket, sys
count = int(sys.argv[1])
# Below the kernel's ephemeral range when it leaves room: a port in it may be
# taken by any outgoing connection between this check and the node's bind.
try:
    ephemeral_low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    ephemeral_low = 0
top = ephemeral_low - count if ephemeral_low >= 22000 else 60000
for _ in range(200):
    base = random.randrange(20000, top, 2)
    sockets = []
    try:
        for port in range(base, base + count):
            s = socket.socket(); s.bind(("127.0.0.1", port)); sockets.append(s)
        for s in sockets: s.close()
        print(base); break
    except OSError:
        for s in sockets: s.close()
PY
}

url_of() { jq -r --arg id "$1" '.nodes[] | select(.id == $id) | .rpc_addr' "$NET/network.json" | sed 's|^|http://|'; }
pid_of() { cat "$NET/run/$1.pid"; }
status_of() { curl -fsS --max-time 2 "$(url_of "$1")/v1/status" 2>/dev/null || echo '{}'; }
height_of() { status_of "$1" | jq -r '.height // -1'; }
# key_of ID NAME: the public key of NET/keys/ID/NAME.json.
key_of() { jq -r .public_key "$NET/keys/$1/$2.json"; }

# wait_height ID HEIGHT SECONDS: until node ID has committed HEIGHT.
wait_height() {
  local id=$1 target=$2 seconds=$3 h=-1
  for _ in $(seq 1 $((seconds * 5))); do
    h=$(height_of "$id")
    [ "$h" -ge "$target" ] 2>/dev/null && return 0
    sleep 0.2
  done
  fail "$id is at height $h, expected $target within ${seconds}s (log: $(tail -n 5 "$NET/logs/$id.log"))"
}

# compare_chains ID...: the block hash at every height up to the lowest head
# among the IDS is the same on all of them.
compare_chains() {
  python3 - "$NET/network.json" "$@" <<'PY'
import json, sys, urllib.request
network = json.load(open(sys.argv[1]))
urls = {n["id"]: "http://" + n["rpc_addr"] for n in network["nodes"] if n["id"] in sys.argv[2:]}
get = lambda url: json.load(urllib.request.urlopen(url, timeout=10))
heads = {i: get(u + "/v1/status")["height"] for i, u in urls.items()}
common = min(heads.values())
for height in range(0, common + 1):
    hashes = {i: get(f"{u}/v1/blocks/{height}")["hash"] for i, u in urls.items()}
    if len(set(hashes.values())) != 1:
        sys.exit(f"FORK at height {height}: {hashes}")
print(f"   {len(urls)} nodes agree on all {common + 1} blocks (heads: {heads})")
PY
}
