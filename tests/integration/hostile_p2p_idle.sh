#!/usr/bin/env bash
# hostile.p2p_idle: 250 TCP sockets from 127.0.0.1 (the address
# the validators use too) to one validator's p2p port that never send a byte
# and are opened again whenever the node closes them, for 20 s. Three
# validators (quorum: all three): while the sockets stay, another validator
# is killed with -9 and restarted; it must get its sessions back, the chain
# must go on, and the attacked node's log must stay small. Before inbound
# handshakes had their own budget, the sockets took all 128 connection slots
# (counted with the node's own dials): the restarted peer could not
# reconnect, the chain stood still, and each refusal logged a warning
# (47 MB of log in 50 s).
# Usage: hostile_p2p_idle.sh GOVCHAIND GOVCHAIN
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/network_lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/govchain-p2p-idle.XXXXXX")
NET="$WORK/net"
ATTACK_PID=""
cleanup() {
  local status=$?
  [ -n "$ATTACK_PID" ] && kill "$ATTACK_PID" 2>/dev/null || true
  "$GOVCHAIN" network down "$NET" >/dev/null 2>&1 || true
  if [ "$status" -ne 0 ]; then
    for log in "$NET"/logs/*.log; do [ -f "$log" ] && { echo "---- $log"; tail -n 15 "$log"; }; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
MEMBERS=(aachen soest paderborn)
connected_peers() { status_of "$1" | jq '[.peers[]? | select(.connected)] | length'; }

echo "== three validators"
BASE=$(free_base_port 8)
"$GOVCHAIN" network new --out "$NET" --base-port "$BASE" --chain-id govchain-p2p-idle-test \
  --municipality aachen:Aachen --municipality soest:Soest --municipality paderborn:Paderborn >/dev/null
for id in "${MEMBERS[@]}"; do
  jq '.empty_block_interval_ms = 200' "$NET/nodes/$id.json" >"$WORK/config" && mv "$WORK/config" "$NET/nodes/$id.json"
done
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
for id in "${MEMBERS[@]}"; do wait_height "$id" 3 60; done
P2P_PORT=$(jq -r '.nodes[] | select(.id == "aachen") | .p2p_addr' "$NET/network.json" | sed 's/.*://')
LOG="$NET/logs/aachen.log"

echo "== 250 idle sockets to aachen's p2p port (127.0.0.1:$P2P_PORT) for 20 s"
LOG_BEFORE=$(stat -c %s "$LOG")
python3 "$HERE/hostile_clients.py" idle --port "$P2P_PORT" --sockets 250 --seconds 20 --reopen-per-second 1000 \
  >"$WORK/attack.log" 2>&1 &
ATTACK_PID=$!
sleep 3

echo "== kill -9 soest and restart it while the sockets stay"
kill -9 "$(pid_of soest)"
sleep 1
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
H=$(height_of aachen)
wait_height soest $((H + 10)) 25
wait_height aachen $((H + 10)) 10
for _ in $(seq 1 50); do [ "$(connected_peers aachen)" = 2 ] && break; sleep 0.2; done
[ "$(connected_peers aachen)" = 2 ] || fail "aachen has $(connected_peers aachen) of 2 peer sessions under attack"
echo "   soest reconnected; the chain went from $H to $(height_of aachen) under attack"

wait "$ATTACK_PID" || true
ATTACK_PID=""
cat "$WORK/attack.log"
LOG_GROWTH=$(($(stat -c %s "$LOG") - LOG_BEFORE))
P2P_WARNINGS=$(tail -c "$LOG_GROWTH" "$LOG" | grep -c 'warning.*p2p:' || true)
echo "   aachen's log grew by $LOG_GROWTH bytes during the 20 s attack ($P2P_WARNINGS p2p warnings)"
tail -c "$LOG_GROWTH" "$LOG" | grep 'warning.*p2p:' | tail -n 5 || true
[ "$LOG_GROWTH" -lt 65536 ] || fail "aachen's log grew by $LOG_GROWTH bytes during the attack"
H=$(height_of aachen)
for id in "${MEMBERS[@]}"; do wait_height "$id" $((H + 5)) 30; done
compare_chains "${MEMBERS[@]}"
echo "p2p idle sockets: peers reconnected, the chain went on, the log stayed small"
