#!/usr/bin/env bash
# The contract developer's kit, as someone outside the repository uses it
# (docs/new-use-case.md): the contract SDK installed with `cmake --install`,
# a new contract folder made with `govchain contract new` in a temporary
# folder, `make` and `make test` there; a handwritten ABI that disagrees with
# the module refused by the build, naming the method; then the module
# deployed to a fresh dev node and a certificate issued, verified (also in
# and outside its zone), amended (a one-time extension of a seasonal
# special-use permit), refused a free-text reason, revoked and verified
# again, all with the generic CLI. Nothing of the repository changes: the
# git status of node/, cli/ and the CMake files is the same before and after.
#
#   kit.sh GOVCHAIND GOVCHAIN BUILD_DIR SOURCE_DIR
#
# Every wait is bounded; the trap stops the node and removes the temp dir.
set -euo pipefail

GOVCHAIND=${1:?usage: kit.sh GOVCHAIND GOVCHAIN BUILD_DIR SOURCE_DIR}
GOVCHAIN=${2:?usage: kit.sh GOVCHAIND GOVCHAIN BUILD_DIR SOURCE_DIR}
BUILD_DIR=${3:?usage: kit.sh GOVCHAIND GOVCHAIN BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${4:?usage: kit.sh GOVCHAIND GOVCHAIN BUILD_DIR SOURCE_DIR}
for tool in curl jq python3 make cmake clang++ wasm-ld pkg-config; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

WORK=$(mktemp -d -t govchain-kit.XXXXXX)
cleanup() {
  local status=$?
  stop_node
  if [ "$status" -ne 0 ] && [ -f "$WORK/node.log" ]; then
    echo "---- node log (last 30 lines) ----"; tail -n 30 "$WORK/node.log"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

repository_state() {
  if command -v git >/dev/null && git -C "$SOURCE_DIR" rev-parse >/dev/null 2>&1; then
    git -C "$SOURCE_DIR" status --porcelain -- node cli CMakeLists.txt '*/CMakeLists.txt' '*.cmake'
    git -C "$SOURCE_DIR" diff -- node cli CMakeLists.txt '*/CMakeLists.txt' '*.cmake' | sha256sum
  fi
}
BEFORE=$(repository_state)

# expect_output FILE PATTERN...: every extended regular expression must match.
expect_output() {
  local file=$1
  shift
  for pattern in "$@"; do
    grep -Eq -- "$pattern" "$file" || { cat "$file"; fail "no match for /$pattern/"; }
  done
}

# run EXPECTED_EXIT OUTPUT_FILE COMMAND...: runs the command with a bound and
# checks its exit code.
run() {
  local expected=$1 output=$2
  shift 2
  local status=0
  timeout 900 "$@" >"$output" 2>&1 || status=$?
  [ "$status" = "$expected" ] || { cat "$output"; fail "'$*' exited $status, expected $expected"; }
}

echo "== install the contract SDK (cmake --install, component contract_sdk)"
run 0 "$WORK/install.out" cmake --install "$BUILD_DIR" --component contract_sdk --prefix "$WORK/prefix"
SDK="$WORK/prefix/share/govchain/contract-sdk"
for file in contract.mk govchain/govchain.h govchain/mock_host.h govchain/test_support.h template/contract.cpp.in; do
  [ -f "$SDK/$file" ] || fail "the installed SDK lacks $file"
done

echo "== govchain contract new, outside the repository"
mkdir -p "$WORK/outside"
run 0 "$WORK/new.out" "$GOVCHAIN" contract new seasonal --dir "$WORK/outside" --sdk "$SDK" \
  --type seasonal_use_permit --description "Seasonal special-use permit (Sondernutzung) for one zone"
FOLDER="$WORK/outside/seasonal"
expect_output "$WORK/new.out" "wrote .*seasonal/ with seasonal.cpp"
grep -q "GOVCHAIN_SDK ?= $SDK" "$FOLDER/Makefile" || fail "the Makefile does not use the installed SDK"
CONTRACT_LINES=$(grep -cv '^\s*\(//.*\)\?$' "$FOLDER/seasonal.cpp")
[ "$CONTRACT_LINES" -le 120 ] || fail "the template's contract has $CONTRACT_LINES lines of code"
if grep -qs '"arguments"' "$FOLDER"/*; then fail "the folder holds ABI text"; fi
echo "contract: $CONTRACT_LINES lines of code, no ABI"

echo "== make, make test"
run 0 "$WORK/make.out" make -C "$FOLDER"
expect_output "$WORK/make.out" "wrote build/seasonal.abi.json \(7 methods of seasonal 1.0.0\)"
run 0 "$WORK/test.out" make -C "$FOLDER" test
expect_output "$WORK/test.out" "Status: SUCCESS" "\[debug seasonal\] issued"
[ "$(jq -r .certificate_type "$FOLDER/build/seasonal.abi.json")" = seasonal_use_permit ] || fail "certificate type"

echo "== a handwritten ABI with the arguments of revoke swapped is refused by the build"
jq '(.methods[] | select(.name == "revoke") | .arguments) |= reverse' "$FOLDER/build/seasonal.abi.json" \
  >"$FOLDER/seasonal.abi.json"
run 2 "$WORK/bad-make.out" make -C "$FOLDER"
expect_output "$WORK/bad-make.out" "method 'revoke': the ABI lists the arguments \(reason: code, id: hash\), the module decodes \(id: hash, reason: code\)"
rm "$FOLDER/seasonal.abi.json"
run 0 "$WORK/make-again.out" make -C "$FOLDER"

echo "== deploy to a dev node, issue, verify, amend, revoke with the generic CLI"
DATA="$WORK/devchain"
start_node "$DATA" "$WORK/node.log"
export GOVCHAIN_NODE="$NODE_URL" GOVCHAIN_DEV=1
unset GOVCHAIN_GENESIS GOVCHAIN_KEY_PASSPHRASE || true
cd "$WORK/outside"
ADMIN="$DATA/keys/admin.json"

jq '(.methods[] | select(.name == "revoke") | .arguments) |= reverse' seasonal/build/seasonal.abi.json >swapped.abi.json
run 1 deploy-bad.out "$GOVCHAIN" --key "$ADMIN" contract deploy seasonal/build/seasonal.wasm --name dev-city.seasonal \
  --abi swapped.abi.json
expect_output deploy-bad.out "method 'revoke'"
run 0 deploy.out "$GOVCHAIN" --key "$ADMIN" contract deploy seasonal/build/seasonal.wasm --name dev-city.seasonal
expect_output deploy.out "deployed dev-city.seasonal"
run 0 show.out "$GOVCHAIN" contract show dev-city.seasonal
expect_output show.out "call  amend\(id: hash, valid_from_ms: i64, valid_until_ms: i64, reason: code\)" \
  "certificate.amended"

run 0 office.out "$GOVCHAIN" keys new --dev --out office.json
run 0 grant.out "$GOVCHAIN" --key "$ADMIN" role grant --account office.json --role public_order_office
cat >document.json <<'EOF'
{"holder": "Max Beispielmann", "business": "Eiscafe am Markt", "area_m2": 24, "zone": "AC-MARKT-07"}
EOF
run 0 certificate.out "$GOVCHAIN" certificate new --contract dev-city.seasonal --municipality dev-city \
  --document document.json --out permit.cert
ID=$(jq -r .id permit.cert)
COMMITMENT=$(jq -r .commitment permit.cert)
FROM=$(date -u +%F)
UNTIL=$(date -u -d '+30 days' +%F)
run 0 issue.out "$GOVCHAIN" --key office.json contract call dev-city.seasonal issue --args "{\"id\": \"$ID\",
  \"municipality\": \"dev-city\", \"commitment\": \"$COMMITMENT\", \"zone\": \"AC-MARKT-07\",
  \"valid_from_ms\": \"$FROM\", \"valid_until_ms\": \"$UNTIL\"}"
expect_output issue.out "dev-city.seasonal.issue: committed" 'certificate.active .*"type":"seasonal_use_permit"'
run 0 verify.out "$GOVCHAIN" verify permit.cert --zone AC-MARKT-07
expect_output verify.out "^VALID: " "record proven against state root"
run 1 elsewhere.out "$GOVCHAIN" verify permit.cert --zone AC-DOM-01
expect_output elsewhere.out "^INVALID \(wrong_zone\)"
run 1 later.out "$GOVCHAIN" verify permit.cert --at "$(date -u -d '+45 days' +%F)"
expect_output later.out "^INVALID \(expired\)"

# The one-time extension of the season: 30 more days.
run 0 amend.out "$GOVCHAIN" --key office.json contract call dev-city.seasonal amend --args "{\"id\": \"$ID\",
  \"valid_from_ms\": \"$FROM\", \"valid_until_ms\": \"$(date -u -d '+60 days' +%F)\", \"reason\": \"season_extended\"}"
expect_output amend.out "dev-city.seasonal.amend: committed" 'certificate.amended .*"reason":"season_extended"'
run 0 extended.out "$GOVCHAIN" verify permit.cert --at "$(date -u -d '+45 days' +%F)"
expect_output extended.out "^VALID: " "season_extended"

run 1 free-text.out "$GOVCHAIN" --key office.json contract call dev-city.seasonal revoke \
  --args "{\"id\": \"$ID\", \"reason\": \"Max Beispielmann zahlt nicht\"}"
expect_output free-text.out "argument 'reason' \(code\)"
run 0 revoke.out "$GOVCHAIN" --key office.json contract call dev-city.seasonal revoke \
  --args "{\"id\": \"$ID\", \"reason\": \"fee_unpaid\"}"
expect_output revoke.out 'certificate.revoked .*"reason":"fee_unpaid"'
run 1 revoked.out "$GOVCHAIN" verify permit.cert
expect_output revoked.out "^INVALID \(revoked\)" "fee_unpaid"
stop_node

for field in "Beispielmann" "Eiscafe"; do
  if grep -r -a -l -F -- "$field" "$DATA" >/dev/null 2>&1; then fail "personal field '$field' found in $DATA"; fi
done
AFTER=$(repository_state)
[ "$BEFORE" = "$AFTER" ] || fail "the repository's node/, cli/ or CMake files changed during the test"
echo "PASS: kit (installed SDK, contract folder outside the repository, build, tests, ABI check, deploy, issue," \
  "verify, amend, revoke)"
