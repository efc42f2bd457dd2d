#!/usr/bin/env bash
# Backup, restore and the double-sign guard (docs/operations.md, acceptance
# 5 of issue 13) on a network of three validators made with `govchain
# network new`, with transactions sent meanwhile:
#   - `govchaind backup` of a running validator while the chain goes on;
#     the node keeps making blocks and answering the API during it;
#   - restore refuses a damaged backup and one of another chain;
#   - the validator's folder is wiped and restored; without the flag it
#     refuses to start (it cannot know what it signed), with
#     --allow-signing-after-restore it rejoins, and every node agrees on
#     every block hash;
#   - a validator stopped far ahead of an older backup, restored from it
#     (its signing state kept), refuses to start and names the height it
#     signed; with the flag it catches up and the three agree again;
#   - a data folder of a newer storage format is refused, unchanged.
# Usage: backup.sh GOVCHAIND GOVCHAIN WRITE_STORAGE_FORMAT
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
WRITE_STORAGE_FORMAT=$(realpath "$3")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/network_lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/govchain-backup.XXXXXX")
NET="$WORK/net"
LOAD_PID=""
OWN_PIDS=()
cleanup() {
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null || true
  for pid in "${OWN_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  "$GOVCHAIN" network down "$NET" >/dev/null 2>&1 || true
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
MEMBERS=(aachen soest wuppertal)
config_of() { echo "$NET/nodes/$1.json"; }
data_of() { echo "$NET/nodes/$(jq -r .data_dir "$(config_of "$1")")"; }

# start_own ID [FLAGS]: runs node ID in the foreground of this script (not
# through network up), so that extra flags can be given; its pid file is
# written for `network down`.
start_own() {
  local id=$1
  shift
  "$GOVCHAIND" --config "$(config_of "$id")" "$@" >"$WORK/$id.own.log" 2>&1 &
  local pid=$!
  OWN_PIDS+=("$pid")
  echo "$pid" >"$NET/run/$id.pid"
}

step "three validators, empty blocks every 50 ms, transactions sent meanwhile"
BASE=$(free_base_port 8)
"$GOVCHAIN" network new --out "$NET" --base-port "$BASE" --chain-id govchain-backup-test \
  --municipality aachen:Aachen --municipality soest:Soest --municipality wuppertal:Wuppertal >/dev/null
for id in "${MEMBERS[@]}"; do
  jq '.empty_block_interval_ms = 50' "$(config_of "$id")" >"$WORK/config" && mv "$WORK/config" "$(config_of "$id")"
done
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
for id in "${MEMBERS[@]}"; do wait_height "$id" 5 90; done
ADMIN_KEY=$(key_of soest admin)
(
  while true; do
    GOVCHAIN_DEV=1 timeout 30 "$GOVCHAIN" --node "$(url_of soest)" --key "$NET/keys/soest/admin.json" \
      role grant --account "$ADMIN_KEY" --role archive --municipality soest >/dev/null 2>&1 || true
    GOVCHAIN_DEV=1 timeout 30 "$GOVCHAIN" --node "$(url_of soest)" --key "$NET/keys/soest/admin.json" \
      role revoke --account "$ADMIN_KEY" --role archive --municipality soest >/dev/null 2>&1 || true
  done
) &
LOAD_PID=$!

step "govchaind backup of a running validator (wuppertal): the chain goes on during it"
BEFORE=$(height_of wuppertal)
"$GOVCHAIND" backup --config "$(config_of wuppertal)" --out "$WORK/backup-old" 2>"$WORK/backup.err" >"$WORK/backup.out" ||
  { cat "$WORK/backup.err"; fail "backup failed"; }
cat "$WORK/backup.out"
grep -q "private keys are not included" "$WORK/backup.out" || fail "the backup does not say that keys are left out"
OLD_HEIGHT=$(jq -r .head.height "$WORK/backup-old/manifest.json")
[ "$OLD_HEIGHT" -ge "$BEFORE" ] || fail "backup height $OLD_HEIGHT is below the height $BEFORE before it"
jq -e '.includes_private_keys == false and .format_version == 1 and (.checksum | length == 64)' \
  "$WORK/backup-old/manifest.json" >/dev/null || fail "manifest fields"
! grep -rqs '"secret' "$WORK/backup-old" || fail "a secret key is in the backup"
wait_height wuppertal $((OLD_HEIGHT + 20)) 90
echo "   backup at height $OLD_HEIGHT; wuppertal went on to $(height_of wuppertal)"

step "restore refuses a damaged backup and a backup of another chain"
cp -r "$WORK/backup-old" "$WORK/damaged"
python3 - "$WORK/damaged/store.kv" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[len(data) // 2] ^= 0xFF
open(path, "wb").write(data)
PY
mkdir -p "$WORK/scratch"
jq --arg d "$WORK/scratch/data" --arg g "$NET/genesis.json" '.data_dir = $d | .genesis = $g' \
  "$(config_of wuppertal)" >"$WORK/scratch/node.json"
if "$GOVCHAIND" restore --config "$WORK/scratch/node.json" --from "$WORK/damaged" >"$WORK/r.out" 2>&1; then
  fail "a damaged backup was restored"
fi
grep -Eq "damaged|corruption" "$WORK/r.out" || { cat "$WORK/r.out"; fail "no clear message for a damaged backup"; }
[ ! -e "$WORK/scratch/data/db" ] || fail "a refused restore left a database behind"
cp -r "$WORK/backup-old" "$WORK/other-chain"
jq '.head.chain_id = "some-other-chain"' "$WORK/backup-old/manifest.json" >"$WORK/other-chain/manifest.json"
if "$GOVCHAIND" restore --config "$WORK/scratch/node.json" --from "$WORK/other-chain" >"$WORK/r.out" 2>&1; then
  fail "a backup of another chain was restored"
fi
grep -q "another chain" "$WORK/r.out" || { cat "$WORK/r.out"; fail "no clear message for another chain"; }
echo "   both refused: $(tail -n 1 "$WORK/r.out" | cut -c1-150)..."

step "a fresh backup of soest under load, wipe its folder, restore"
"$GOVCHAIND" backup --config "$(config_of soest)" --out "$WORK/backup-soest" >/dev/null 2>"$WORK/backup.err" ||
  { cat "$WORK/backup.err"; fail "backup of soest failed"; }
kill "$(pid_of soest)"
sleep 1
SOEST_DATA=$(data_of soest)
rm -rf "$SOEST_DATA"
mkdir -p "$SOEST_DATA"
"$GOVCHAIND" restore --config "$(config_of soest)" --from "$WORK/backup-soest" >"$WORK/restore.out" 2>&1 ||
  { cat "$WORK/restore.out"; fail "restore of soest failed"; }
tail -n 1 "$WORK/restore.out"
if timeout 60 "$GOVCHAIND" --config "$(config_of soest)" >"$WORK/refused.out" 2>&1; then
  fail "a wiped and restored validator started without --allow-signing-after-restore"
fi
grep -q "restored from a backup" "$WORK/refused.out" || { cat "$WORK/refused.out"; fail "no clear refusal"; }
echo "   refused without the flag: $(cut -c1-160 "$WORK/refused.out" | head -n 1)..."
start_own soest --allow-signing-after-restore
for id in "${MEMBERS[@]}"; do wait_height "$id" $(($(height_of aachen) + 10)) 120; done
compare_chains "${MEMBERS[@]}"

step "wuppertal restored from its older backup (height $OLD_HEIGHT) refuses to start"
kill "$(pid_of wuppertal)"
sleep 1
WUPPERTAL_DATA=$(data_of wuppertal)
jq -e '.height > 0' "$WUPPERTAL_DATA/signing-state.json" >/dev/null || fail "no signing state kept by wuppertal"
SIGNED=$(jq -r .height "$WUPPERTAL_DATA/signing-state.json")
rm -rf "$WUPPERTAL_DATA/db"
"$GOVCHAIND" restore --config "$(config_of wuppertal)" --from "$WORK/backup-old" >/dev/null 2>&1 ||
  fail "restore of the older backup failed"
if timeout 60 "$GOVCHAIND" --config "$(config_of wuppertal)" >"$WORK/refused.out" 2>&1; then
  fail "a validator restored from an older backup started without the flag"
fi
grep -q "last signed at height" "$WORK/refused.out" || { cat "$WORK/refused.out"; fail "no clear refusal"; }
grep -q -- "--allow-signing-after-restore" "$WORK/refused.out" || fail "the refusal does not name the flag"
echo "   refused (signed up to height $SIGNED, backup at $OLD_HEIGHT): $(cut -c1-200 "$WORK/refused.out")..."
start_own wuppertal --allow-signing-after-restore
for id in "${MEMBERS[@]}"; do wait_height "$id" $((SIGNED + 20)) 180; done
compare_chains "${MEMBERS[@]}"

step "a data folder of a newer storage format is refused, unchanged"
kill "$LOAD_PID" 2>/dev/null || true
LOAD_PID=""
"$GOVCHAIN" network down "$NET" >/dev/null 2>&1 || true
for pid in "${OWN_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
sleep 1
AACHEN_DATA=$(data_of aachen)
"$WRITE_STORAGE_FORMAT" "$AACHEN_DATA" 2
if timeout 60 "$GOVCHAIND" --config "$(config_of aachen)" >"$WORK/newer.out" 2>&1; then
  fail "a data folder of a newer storage format was opened"
fi
grep -q "storage format 2, written by a newer govchaind" "$WORK/newer.out" || { cat "$WORK/newer.out"; fail "no clear message"; }
echo "   refused: $(cut -c1-160 "$WORK/newer.out")..."
"$WRITE_STORAGE_FORMAT" "$AACHEN_DATA" 1
echo
echo "integration.backup: PASS"
