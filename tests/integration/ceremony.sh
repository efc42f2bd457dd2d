#!/usr/bin/env bash
# integration.ceremony: the genesis ceremony of docs/operations.md for three
# municipalities, each in a folder of its own (standing for its own
# machine), with encrypted keys and passphrase files:
#   1. each member makes its keys (`govchain genesis keys`) and exports the
#      public part (`genesis export`); the refusals of weak or readable
#      passphrases and of member files carrying secrets are checked;
#   2. a coordinator, who gets only the member files, assembles the genesis;
#   3. each member verifies the hash and its keys (a wrong hash, another
#      member's keys and a tampered genesis are refused), writes its node
#      config (`genesis node-config`) and starts govchaind with it, with no
#      passphrase in the environment;
#   4. the three nodes make blocks together and report the same genesis
#      hash, the one the coordinator read out, and the build's version;
#   5. no private key left its member's folder: every key is decrypted here
#      and its 32 secret bytes (raw and hex) and the encrypted files are
#      searched for in every file outside that folder.
# Usage: ceremony.sh GOVCHAIND GOVCHAIN CONTRACTS_DIR
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
CONTRACTS=$(realpath "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=network_lib.sh
source "$HERE/network_lib.sh"

WORK=$(mktemp -d /tmp/govchain-ceremony.XXXXXX)
PIDS=()
cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    for log in "$WORK"/*/node.log; do [ -f "$log" ] && { echo "---- $log"; tail -n 20 "$log"; }; done
    echo "work folder kept: $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
# No passphrase may come from the environment in this test.
unset GOVCHAIN_KEY_PASSPHRASE GOVCHAIN_PASSPHRASE_FILE

MEMBERS=(aachen soest wuppertal)
declare -A NAMES=([aachen]="Aachen" [soest]="Soest" [wuppertal]="Wuppertal")
BASE=$(free_base_port 6)
[ -n "$BASE" ] || fail "no free ports"
rpc_port() { echo $((BASE + 2 * $1)); }
p2p_port() { echo $((BASE + 2 * $1 + 1)); }

echo "1. each member makes its keys and exports their public part"
mkdir -p "$WORK/aachen"
printf 'short\n' >"$WORK/aachen/weak"
chmod 600 "$WORK/aachen/weak"
if "$GOVCHAIN" --passphrase-file "$WORK/aachen/weak" genesis keys --out "$WORK/aachen/keys" 2>"$WORK/err"; then
  fail "a 5-character passphrase was accepted"
fi
grep -q "at least 12 characters" "$WORK/err" || fail "weak passphrase: $(cat "$WORK/err")"
printf 'a readable passphrase\n' >"$WORK/aachen/readable"
chmod 644 "$WORK/aachen/readable"
if "$GOVCHAIN" --passphrase-file "$WORK/aachen/readable" genesis keys --out "$WORK/aachen/keys" 2>"$WORK/err"; then
  fail "a world-readable passphrase file was accepted"
fi
grep -q "every user of this machine" "$WORK/err" || fail "readable passphrase file: $(cat "$WORK/err")"
rm -f "$WORK/aachen/weak" "$WORK/aachen/readable"

for i in 0 1 2; do
  id=${MEMBERS[$i]}
  dir="$WORK/$id"
  mkdir -p "$dir"
  printf 'correct horse battery staple of %s\n' "$id" >"$dir/passphrase"
  chmod 600 "$dir/passphrase"
  "$GOVCHAIN" --passphrase-file "$dir/passphrase" genesis keys --out "$dir/keys" >/dev/null
  [ "$(stat -c %a "$dir/keys")" = 700 ] || fail "$id: key folder mode $(stat -c %a "$dir/keys"), expected 700"
  for file in "$dir"/keys/*.json; do
    [ "$(stat -c %a "$file")" = 600 ] || fail "$file has mode $(stat -c %a "$file"), expected 600"
    "$GOVCHAIN" --json keys show "$file" | jq -e '.encrypted == true and .dev_only == false' >/dev/null ||
      fail "$file is not an encrypted key file"
  done
  "$GOVCHAIN" genesis export --keys "$dir/keys" --municipality "$id:${NAMES[$id]}" \
    --p2p-addr "127.0.0.1:$(p2p_port $i)" --out "$dir/member-$id.json" >/dev/null
done
if "$GOVCHAIN" genesis export --keys "$WORK/aachen/keys" --municipality aachen --p2p-addr 127.0.0.1:1 \
  --out "$WORK/aachen/member-aachen.json" 2>/dev/null; then
  fail "export overwrote an existing member file"
fi
echo "   three members with encrypted keys (0600 in 0700 folders); weak and readable passphrases refused"

echo "2. the coordinator gets the member files only and assembles the genesis"
COORD="$WORK/coordinator"
mkdir -p "$COORD"
for id in "${MEMBERS[@]}"; do cp "$WORK/$id/member-$id.json" "$COORD/"; done
# A member file with secret key material, or a key file passed by mistake,
# is refused.
jq --slurpfile key "$WORK/aachen/keys/validator.json" '. + {secret_key: $key[0].ciphertext}' \
  "$COORD/member-aachen.json" >"$COORD/bad-member.json"
if "$GOVCHAIN" genesis assemble --chain-id govchain-ceremony --member "$COORD/bad-member.json" \
  --out "$COORD/bad.json" 2>"$WORK/err"; then fail "a member file with a secret field was accepted"; fi
grep -q "secret key material" "$WORK/err" || fail "secret field: $(cat "$WORK/err")"
if "$GOVCHAIN" genesis assemble --chain-id govchain-ceremony --member "$WORK/aachen/keys/admin.json" \
  --out "$COORD/bad.json" 2>"$WORK/err"; then fail "a key file was accepted as a member file"; fi
if "$GOVCHAIN" genesis assemble --chain-id govchain-ceremony --member "$COORD/member-aachen.json" \
  --member "$COORD/member-aachen.json" --out "$COORD/bad.json" 2>/dev/null; then
  fail "the same member twice was accepted"
fi
rm -f "$COORD/bad-member.json"
[ ! -e "$COORD/bad.json" ] || fail "a refused assembly wrote a genesis"
"$GOVCHAIN" --json genesis assemble --chain-id govchain-ceremony --contracts "$CONTRACTS" \
  --member "$COORD/member-aachen.json" --member "$COORD/member-soest.json" \
  --member "$COORD/member-wuppertal.json" --out "$COORD/genesis.json" >"$COORD/assembled.json"
HASH=$(jq -r .genesis_hash "$COORD/assembled.json")
[ "${#HASH}" -eq 64 ] || fail "no genesis hash: $(cat "$COORD/assembled.json")"
echo "   genesis of 3 members, hash $HASH"

echo "3. each member verifies the genesis and its keys, and writes its node config"
for i in 0 1 2; do
  id=${MEMBERS[$i]}
  dir="$WORK/$id"
  cp "$COORD/genesis.json" "$COORD"/member-*.json "$dir/"
  "$GOVCHAIN" genesis verify "$dir/genesis.json" --hash "$HASH" --keys "$dir/keys" --municipality "$id" >/dev/null
done
WRONG=$(printf '%s' "$HASH" | tr '0-9a-f' '1-9a-f0')
if "$GOVCHAIN" genesis verify "$WORK/aachen/genesis.json" --hash "$WRONG" 2>/dev/null; then
  fail "a wrong hash was accepted"
fi
if "$GOVCHAIN" genesis verify "$WORK/aachen/genesis.json" --hash "$HASH" --keys "$WORK/soest/keys" \
  --municipality aachen 2>/dev/null; then fail "another member's keys were accepted as aachen's"; fi
jq '.genesis_time_ms += 1' "$WORK/aachen/genesis.json" >"$WORK/tampered.json"
if "$GOVCHAIN" genesis verify "$WORK/tampered.json" --hash "$HASH" 2>/dev/null; then
  fail "a tampered genesis passed the hash check"
fi
rm -f "$WORK/tampered.json"
for i in 0 1 2; do
  id=${MEMBERS[$i]}
  dir="$WORK/$id"
  (cd "$dir" && "$GOVCHAIN" genesis node-config --genesis genesis.json --keys keys \
    --member member-aachen.json --member member-soest.json --member member-wuppertal.json \
    --data-dir data --rpc-addr "127.0.0.1:$(rpc_port $i)" --p2p-addr "127.0.0.1:$(p2p_port $i)" \
    --key-passphrase-file passphrase --out node.json >/dev/null)
  jq -e '.peers | length == 2' "$dir/node.json" >/dev/null || fail "$id: node.json has not 2 peers"
  "$GOVCHAIND" --config "$dir/node.json" --print-config >"$dir/print-config.txt"
  grep -q "^# validator key passphrase: file $dir/passphrase" "$dir/print-config.txt" ||
    fail "$id: --print-config does not name the passphrase file: $(tail -n 1 "$dir/print-config.txt")"
done
echo "   hashes and keys verified; a wrong hash, another member's keys and a tampered genesis refused"

echo "4. the three nodes start from their own folders and agree"
printf 'not the passphrase at all\n' >"$WORK/wrong-passphrase"
chmod 600 "$WORK/wrong-passphrase"
if GOVCHAIND_VALIDATOR_KEY_PASSPHRASE_FILE="$WORK/wrong-passphrase" timeout 60 "$GOVCHAIND" \
  --config "$WORK/aachen/node.json" >"$WORK/wrong.log" 2>&1; then fail "a wrong passphrase started the node"; fi
grep -qi "passphrase\|unauthorized" "$WORK/wrong.log" || fail "wrong passphrase: $(cat "$WORK/wrong.log")"
rm -rf "$WORK/aachen/data"
for i in 0 1 2; do
  id=${MEMBERS[$i]}
  mkdir -p "$WORK/$id/data"
  "$GOVCHAIND" --config "$WORK/$id/node.json" >"$WORK/$id/node.log" 2>&1 &
  PIDS+=($!)
done
node_url() { echo "http://127.0.0.1:$(rpc_port "$1")"; }
for i in 0 1 2; do
  for _ in $(seq 1 600); do
    h=$(curl -fsS --max-time 2 "$(node_url $i)/v1/status" 2>/dev/null | jq -r '.height // -1' || echo -1)
    [ "$h" -ge 3 ] 2>/dev/null && break
    kill -0 "${PIDS[$i]}" 2>/dev/null || fail "${MEMBERS[$i]}'s node exited: $(tail -n 5 "$WORK/${MEMBERS[$i]}/node.log")"
    sleep 0.2
  done
  [ "$h" -ge 3 ] 2>/dev/null || fail "${MEMBERS[$i]} is at height $h after 120 s"
done
VERSION=$("$GOVCHAIND" --version | awk '{print $2}')
for i in 0 1 2; do
  status=$(curl -fsS "$(node_url $i)/v1/status")
  [ "$(jq -r .genesis_hash <<<"$status")" = "$HASH" ] ||
    fail "${MEMBERS[$i]} reports genesis $(jq -r .genesis_hash <<<"$status"), the coordinator read out $HASH"
  [ "$(jq -r .version <<<"$status")" = "$VERSION" ] || fail "${MEMBERS[$i]} reports version $(jq -r .version <<<"$status")"
  [ "$(jq -r '.validators | length' <<<"$status")" = 3 ] || fail "${MEMBERS[$i]} does not see 3 validators"
done
python3 - "$(node_url 0)" "$(node_url 1)" "$(node_url 2)" <<'PY'
import json, sys, urllib.request
get = lambda url: json.load(urllib.request.urlopen(url, timeout=10))
common = min(get(u + "/v1/status")["height"] for u in sys.argv[1:])
for height in range(common + 1):
    hashes = {get(f"{u}/v1/blocks/{height}")["hash"] for u in sys.argv[1:]}
    if len(hashes) != 1: sys.exit(f"FORK at height {height}: {hashes}")
print(f"   3 nodes agree on all {common + 1} blocks")
PY
grep -q "GOVCHAIN_KEY_PASSPHRASE" "$WORK"/*/node.log && fail "a node warned about a passphrase in the environment"
# The admin signs with its encrypted key and the passphrase file: a role
# grant committed by the three validators.
ACCOUNT=$("$GOVCHAIN" --json keys new --dev --out "$WORK/new-office.json" 2>/dev/null | jq -r .public_key)
"$GOVCHAIN" --node "$(node_url 1)" --key "$WORK/aachen/keys/admin.json" --passphrase-file "$WORK/aachen/passphrase" \
  role grant --account "$ACCOUNT" --role archive >"$WORK/grant.out" 2>&1 || { cat "$WORK/grant.out"; fail "role grant"; }
grep -q "status ok" "$WORK/grant.out" || fail "the role grant was not committed: $(cat "$WORK/grant.out")"
"$GOVCHAIN" --node "$(node_url 2)" --genesis "$COORD/genesis.json" roles "$ACCOUNT" | grep -q archive ||
  fail "the granted role is not proven at another member's node"
echo "   every node reports genesis hash $HASH and version $VERSION; aachen's admin signed a role grant with its"
echo "   encrypted key and passphrase file, proven at wuppertal's node against the genesis"

echo "5. no private key left its member's folder"
for pid in "${PIDS[@]}"; do kill "$pid"; done
for pid in "${PIDS[@]}"; do wait "$pid" || fail "a node did not stop cleanly on SIGTERM"; done
PIDS=()
python3 - "$WORK" "${MEMBERS[@]}" <<'PY'
import hashlib, json, os, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
work, members = sys.argv[1], sys.argv[2:]
def files_outside(folder):
    for root, _, names in os.walk(work):
        if os.path.commonpath([root, folder]) == folder: continue
        for name in names: yield os.path.join(root, name)
contents = {}
def content(path):
    if path not in contents:
        with open(path, "rb") as f: contents[path] = f.read()
    return contents[path]
checked = 0
for member in members:
    folder = os.path.join(work, member)
    passphrase = open(os.path.join(folder, "passphrase"), "rb").read().rstrip(b"\n")
    keys = os.path.join(folder, "keys")
    for name in sorted(os.listdir(keys)):
        key_file = json.load(open(os.path.join(keys, name)))
        kdf = key_file["scrypt"]
        key = hashlib.scrypt(passphrase, salt=bytes.fromhex(kdf["salt"]), n=kdf["n"], r=kdf["r"], p=kdf["p"],
                             maxmem=128 * 1024 * 1024, dklen=32)
        secret = AESGCM(key).decrypt(bytes.fromhex(key_file["nonce"]), bytes.fromhex(key_file["ciphertext"]),
                                     bytes.fromhex(key_file["public_key"]))
        assert len(secret) == 32
        needles = [secret, secret.hex().encode(), secret.hex().upper().encode(),
                   key_file["ciphertext"].encode(), key_file["scrypt"]["salt"].encode()]
        for path in files_outside(folder):
            for needle in needles:
                if needle in content(path):
                    sys.exit(f"{member}'s {name} secret found in {path}")
        checked += 1
print(f"   {checked} keys decrypted; none of their secrets (raw, hex, encrypted) is outside its member's folder "
      f"({len(contents)} files searched)")
PY
echo "PASS: ceremony"
