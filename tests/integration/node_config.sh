#!/usr/bin/env bash
# integration.node_config: govchaind's settings as an operator meets them
# (docs/operations.md, "Settings"):
#   - a mistyped key in the file, a mistyped GOVCHAIND_* variable and a
#     value out of range are refused before anything starts, naming the
#     setting and the nearest valid name; the exit code is 1;
#   - --print-config shows each value with its source (default, file,
#     environment, command line; later wins), also as JSON;
#   - the passphrase comes from a file or a systemd credential directory,
#     a world-readable passphrase file is refused, an encrypted key without
#     a passphrase is refused with the ways to give one;
#   - JSON log lines all parse; a log file is rotated at its size limit and
#     no more than log_files_max old files are kept;
#   - --version, and no arguments at all point to docs/operations.md.
# Usage: node_config.sh GOVCHAIND GOVCHAIN
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
WORK=$(mktemp -d /tmp/govchain-node-config.XXXXXX)
SOLO_PID=""
DUO_PID=""
cleanup() {
  local status=$?
  for pid in $SOLO_PID $DUO_PID; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
unset GOVCHAIN_KEY_PASSPHRASE GOVCHAIND_CONFIG
cd "$WORK"

refused() {  # refused PATTERN COMMAND...: exit 1 and PATTERN on stderr
  local pattern=$1 status=0
  shift
  "$@" >out 2>err || status=$?
  [ "$status" = 1 ] || { cat out err; fail "$* exited with $status, expected 1"; }
  grep -Eq -- "$pattern" err || { cat err; fail "$*: no '$pattern' in the error"; }
}

echo "1. mistyped and wrong settings are refused, naming the nearest valid name"
mkdir -p data
cat >node.json <<'EOF'
{"data_dir": "data", "rpc_adr": "127.0.0.1:0"}
EOF
refused "node.json: unknown setting 'rpc_adr'; did you mean 'rpc_addr'\\?" "$GOVCHAIND" --config node.json
refused "unknown setting 'rpc_adr'" "$GOVCHAIND" --config node.json --print-config
echo '{"data_dir": "data", "mempool_max_txs": 10}' >node.json
refused "did you mean 'mempool_txs_max'\\?" "$GOVCHAIND" --config node.json
echo '{"data_dir": "data", "rpc_connections_max": 0}' >node.json
refused "rpc_connections_max must be a whole number from 1\\.\\.1000000, not 0" "$GOVCHAIND" --config node.json
echo '{"data_dir": "data", "log_level": "loud"}' >node.json
refused "log_level must be one of trace, debug, info, warn, error, critical, off" "$GOVCHAIND" --config node.json
echo '{"data_dir": "data"}' >node.json
GOVCHAIND_RPC_ADR=127.0.0.1:1 refused "unknown environment variable GOVCHAIND_RPC_ADR; did you mean GOVCHAIND_RPC_ADDR\\?" \
  "$GOVCHAIND" --config node.json
GOVCHAIND_RPC_TIMEOUT_MS=soon refused "GOVCHAIND_RPC_TIMEOUT_MS must be a whole number" "$GOVCHAIND" --config node.json
refused "data_dir is not set.*docs/operations.md" "$GOVCHAIND"
if "$GOVCHAIND" --config node.json --no-such-flag >out 2>&1; then fail "an unknown flag was accepted"; fi
[ "$("$GOVCHAIND" --version)" = "govchaind $("$GOVCHAIN" --version | awk '{print $2}')" ] || fail "--version differs"
echo "   typos in the file and the environment, ranges, choices, a missing data_dir, an unknown flag"

echo "2. --print-config: values and sources, later places win"
cat >node.json <<'EOF'
{"data_dir": "data", "rpc_addr": "127.0.0.1:1111", "rpc_timeout_ms": 5000, "log_format": "json"}
EOF
GOVCHAIND_RPC_TIMEOUT_MS=6000 GOVCHAIND_MEMPOOL_TXS_MAX=77 "$GOVCHAIND" --config node.json --print-config \
  --rpc-timeout-ms 7000 --data "$WORK/data" >printed.txt
line() { grep -E "^$1 " printed.txt || fail "--print-config lacks $1"; }
line data_dir | grep -Eq "\"$WORK/data\" +# command line --data-dir$" || fail "data_dir: $(line data_dir)"
line rpc_addr | grep -Eq '"127.0.0.1:1111" +# file .*node.json$' || fail "rpc_addr: $(line rpc_addr)"
line rpc_timeout_ms | grep -Eq '7000 +# command line --rpc-timeout-ms$' || fail "rpc_timeout_ms: $(line rpc_timeout_ms)"
line mempool_txs_max | grep -Eq '77 +# environment GOVCHAIND_MEMPOOL_TXS_MAX$' || fail "mempool_txs_max"
line rpc_connections_max | grep -Eq '256 +# default$' || fail "rpc_connections_max: $(line rpc_connections_max)"
line genesis | grep -Eq "\"$WORK/data/genesis.json\" +# default \\(in data_dir\\)$" || fail "genesis: $(line genesis)"
GOVCHAIND_CONFIG=node.json "$GOVCHAIND" --print-config json >printed.json
jq -e '.settings.rpc_addr == {"value": "127.0.0.1:1111", "source": ("file " + "node.json")}' printed.json >/dev/null ||
  jq -e '.settings.rpc_addr.value == "127.0.0.1:1111"' printed.json >/dev/null || fail "--print-config json"
# The values of --print-config json are themselves a valid settings file.
jq '.settings | map_values(.value)' printed.json >reprinted.json
"$GOVCHAIND" --config reprinted.json --print-config >/dev/null || fail "the printed values do not load"
echo "   default, file, environment and command line, each named; json output loads again"

echo "3. the passphrase: a file, a systemd credential, never required in the environment"
printf 'twelve chars or more\n' >pass
chmod 600 pass
# Two validators, so that the chain makes empty blocks (and log lines) by itself.
source "$HERE/network_lib.sh"
PORTS=$(free_base_port 4)
mkdir -p no-contracts
for i in 0 1; do
  id=$([ "$i" = 0 ] && echo solo || echo duo)
  "$GOVCHAIN" --passphrase-file pass genesis keys --out "keys-$id" >/dev/null
  "$GOVCHAIN" genesis export --keys "keys-$id" --municipality "$id" --p2p-addr "127.0.0.1:$((PORTS + 2 * i + 1))" \
    --out "member-$id.json" >/dev/null
done
"$GOVCHAIN" genesis assemble --chain-id govchain-config --member member-solo.json --member member-duo.json \
  --contracts no-contracts --out genesis.json >/dev/null
for i in 0 1; do
  id=$([ "$i" = 0 ] && echo solo || echo duo)
  mkdir -p "data-$id"
  "$GOVCHAIN" genesis node-config --genesis genesis.json --keys "keys-$id" --member member-solo.json \
    --member member-duo.json --data-dir "data-$id" --rpc-addr "127.0.0.1:$((PORTS + 2 * i))" \
    --p2p-addr "127.0.0.1:$((PORTS + 2 * i + 1))" --out "$id.json" >/dev/null
done
refused "is encrypted and no passphrase was found: set validator_key_passphrase_file, or give the systemd credential" \
  "$GOVCHAIND" --config solo.json
cp pass readable
chmod 644 readable
GOVCHAIND_VALIDATOR_KEY_PASSPHRASE_FILE=readable refused "every user of this machine; run chmod 600" \
  "$GOVCHAIND" --config solo.json
mkdir -p credentials
cp pass credentials/govchain-key-passphrase
CREDENTIALS_DIRECTORY="$WORK/credentials" "$GOVCHAIND" --config solo.json --print-config | tail -n 1 |
  grep -q '^# validator key passphrase: systemd credential govchain-key-passphrase$' || fail "credential not named"
echo "   refused without a passphrase and with a readable file; the credential is named by --print-config"

echo "4. JSON log lines, and a log file rotated at its limit"
# solo: JSON lines on standard output, passphrase from the credential;
# duo: a log file of at most 64 KiB and two old files, passphrase file.
CREDENTIALS_DIRECTORY="$WORK/credentials" "$GOVCHAIND" --config solo.json --log-format json --log-level debug \
  --empty-block-interval-ms 50 >json.log 2>&1 &
SOLO_PID=$!
"$GOVCHAIND" --config duo.json --validator-key-passphrase-file pass --log-level trace --empty-block-interval-ms 10 \
  --log-file logs/node.log --log-file-size-bytes-max 65536 --log-files-max 2 >stdout.log 2>&1 &
DUO_PID=$!
for _ in $(seq 1 1200); do [ -f logs/node.2.log ] && [ "$(stat -c %s logs/node.log)" -gt 1000 ] && break; sleep 0.1; done
sleep 1
kill "$DUO_PID" "$SOLO_PID"
wait "$DUO_PID" || fail "the node with a log file did not stop cleanly"
wait "$SOLO_PID" || fail "the node logging JSON did not stop cleanly"
SOLO_PID=""
DUO_PID=""
lines=$(python3 - json.log <<'PY'
import json, sys
count = 0
for number, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    entry = json.loads(line)
    if not (entry.get("time") and entry.get("level") and isinstance(entry.get("message"), str)):
        sys.exit(f"line {number} lacks time, level or message: {line}")
    count += 1
print(count)
PY
) || fail "json.log has a line that is not a JSON log entry"
[ "$lines" -gt 5 ] || fail "only $lines log lines"
[ -f logs/node.1.log ] && [ -f logs/node.2.log ] || fail "the log was not rotated: $(ls logs)"
[ ! -e logs/node.3.log ] || fail "more than log_files_max old log files"
for file in logs/node*.log; do
  [ "$(stat -c %s "$file")" -le 65536 ] || fail "$file has $(stat -c %s "$file") bytes, over the limit"
done
grep -q 'API on http' stdout.log || fail "the start line is missing on standard output"
grep -q 'API on http' json.log && fail "a plain line among the JSON lines"
echo "   $lines JSON lines parse; logs/node.log rotated at 64 KiB with 2 old files kept"
echo "PASS: node_config"
