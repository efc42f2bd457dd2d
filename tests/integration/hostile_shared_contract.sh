#!/usr/bin/env bash
# hostile.shared_contract (issue 10, "Why" item 7, acceptance 5) on four
# validators with the shared contracts at genesis: aachen's admin deploying
# over the shared contract dogpermit is refused; a proposal to upgrade it is
# still open with 2 of 4 approvals (not more than two thirds) and approved
# with 3; the new code takes effect at the announced activation height on
# every node (version 1 two blocks before, version 2 with the voted code
# hash from that height on, recorded at the end of the block before), an
# honest grant commits within 10 s, and all four agree on every block.
# Usage: hostile_shared_contract.sh GOVCHAIND GOVCHAIN CONTRACTS_DIR
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
CONTRACTS=$(realpath "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/network_lib.sh"
[ -f "$CONTRACTS/parking.wasm" ] || { echo "SKIP: no built contracts in $CONTRACTS"; exit 77; }
network_work shared
export GOVCHAIN_DEV=1
unset GOVCHAIN_GENESIS GOVCHAIN_KEY_PASSPHRASE GOVCHAIN_NODE || true
MEMBERS=(aachen soest paderborn wuppertal)
admin_cli() {
  local id=$1
  shift
  timeout 60 "$GOVCHAIN" --node "$(url_of "$id")" --key "$NET/keys/$id/admin.json" "$@" >"$WORK/out" 2>"$WORK/err"
}
versions_at() { curl -fsS --max-time 5 "$(url_of "$1")/v1/contracts/dogpermit" | jq -r .versions; }

echo "== four validators with the shared contracts"
BASE=$(free_base_port 10)
"$GOVCHAIN" network new --out "$NET" --base-port "$BASE" --chain-id govchain-shared-test --contracts "$CONTRACTS" \
  --municipality aachen:Aachen --municipality soest:Soest --municipality paderborn:Paderborn \
  --municipality wuppertal:Wuppertal >/dev/null
for id in "${MEMBERS[@]}"; do
  jq '.empty_block_interval_ms = 200' "$NET/nodes/$id.json" >"$WORK/config" && mv "$WORK/config" "$NET/nodes/$id.json"
done
"$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" >/dev/null
for id in "${MEMBERS[@]}"; do wait_height "$id" 2 60; done
cp "$CONTRACTS/parking.wasm" "$WORK/next.wasm"
NEXT_HASH=$(sha256sum "$WORK/next.wasm" | cut -d' ' -f1)

echo "== one member's admin cannot deploy over a shared contract"
if admin_cli aachen contract deploy "$WORK/next.wasm" --name dogpermit --municipality aachen \
  --abi "$CONTRACTS/parking.abi.json"; then
  fail "aachen's admin replaced the shared dogpermit alone"
fi
grep -q "shared by the consortium" "$WORK/err" || { cat "$WORK/err"; fail "unclear refusal"; }
for id in "${MEMBERS[@]}"; do [ "$(versions_at "$id")" = 1 ] || fail "$id runs another dogpermit"; done

echo "== 2 of 4 approvals keep the upgrade open, the 3rd approves it"
admin_cli aachen --json consortium propose-upgrade "$WORK/next.wasm" --name dogpermit \
  --abi "$CONTRACTS/parking.abi.json" || { cat "$WORK/err"; fail "propose-upgrade"; }
admin_cli soest consortium vote 1 --approve || { cat "$WORK/err"; fail "soest's vote"; }
curl -fsS "$(url_of wuppertal)/v1/consortium/proposals/1" >"$WORK/proposal.json"
[ "$(jq -r .status "$WORK/proposal.json")" = open ] || { cat "$WORK/proposal.json"; fail "2 of 4 decided it"; }
admin_cli paderborn consortium vote 1 --approve || { cat "$WORK/err"; fail "paderborn's vote"; }
curl -fsS "$(url_of wuppertal)/v1/consortium/proposals/1" >"$WORK/proposal.json"
[ "$(jq -r .status "$WORK/proposal.json")" = approved ] || { cat "$WORK/proposal.json"; fail "3 of 4 did not approve"; }
ACTIVATION=$(jq -r .activation_height "$WORK/proposal.json")
echo "   approved at height $(jq -r .decided_height "$WORK/proposal.json"), effective at $ACTIVATION"

echo "== the upgrade takes effect at the announced height on every node"
for id in "${MEMBERS[@]}"; do
  # Read the version first, then the height: a node still below the block
  # before activation must run version 1.
  version=$(versions_at "$id")
  if [ "$(height_of "$id")" -lt $((ACTIVATION - 1)) ] && [ "$version" != 1 ]; then
    fail "$id runs version $version before the activation height $ACTIVATION"
  fi
done
for id in "${MEMBERS[@]}"; do wait_height "$id" "$ACTIVATION" 90; done
for id in "${MEMBERS[@]}"; do
  curl -fsS "$(url_of "$id")/v1/contracts/dogpermit" >"$WORK/contract.json"
  [ "$(jq -r .versions "$WORK/contract.json")" = 2 ] || fail "$id: the upgrade did not take effect"
  [ "$(jq -r .code_hash "$WORK/contract.json")" = "$NEXT_HASH" ] || fail "$id runs other code than the voted one"
  [ "$(jq -r '.history[1].height' "$WORK/contract.json")" = "$((ACTIVATION - 1))" ] ||
    fail "$id: the new version is not recorded at the end of block $((ACTIVATION - 1))"
done

echo "== an honest transaction still commits within 10 s; the four agree"
START_MS=$(date +%s%3N)
"$GOVCHAIN" keys new --dev --out "$WORK/clerk.json" >/dev/null
admin_cli wuppertal role grant --account "$WORK/clerk.json" --role archive --municipality wuppertal ||
  { cat "$WORK/err"; fail "the honest grant failed"; }
ELAPSED_MS=$(($(date +%s%3N) - START_MS))
[ "$ELAPSED_MS" -le 10000 ] || fail "the honest grant took $ELAPSED_MS ms"
HEAD=$(height_of aachen)
for id in "${MEMBERS[@]}"; do wait_height "$id" $((HEAD + 2)) 30; done
compare_chains "${MEMBERS[@]}"
echo "PASS: a shared contract changed only by a > 2/3 vote, at height $ACTIVATION on all four nodes"
