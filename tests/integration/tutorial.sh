#!/usr/bin/env bash
# Runs the shell steps of docs/new-use-case.md against a fresh dev node, so
# that the tutorial and its test are the same text: every ```sh block of the
# page must follow a `<!-- tutorial-step: NAME -->` marker; each block runs
# on its own (bash -euo pipefail), in page order, from an empty folder
# outside the repository (only govchain and govchaind of the build on the
# PATH, as a developer has them), and its exit code and output are checked
# against the expectation for NAME below. The page makes its contract folder
# with `govchain contract new`, builds and tests it with make, deploys,
# issues, verifies, extends and revokes. Then no personal field of the
# tutorial's document may be in the node's data directory.
#
#   tutorial.sh GOVCHAIND GOVCHAIN DOC BUILD_DIR SOURCE_DIR
#
# Every wait is bounded; the trap stops the node and removes the temp dir.
set -euo pipefail

GOVCHAIND=${1:?usage: tutorial.sh GOVCHAIND GOVCHAIN DOC BUILD_DIR SOURCE_DIR}
GOVCHAIN=${2:?usage: tutorial.sh GOVCHAIND GOVCHAIN DOC BUILD_DIR SOURCE_DIR}
DOC=${3:?usage: tutorial.sh GOVCHAIND GOVCHAIN DOC BUILD_DIR SOURCE_DIR}
BUILD_DIR=${4:?usage: tutorial.sh GOVCHAIND GOVCHAIN DOC BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${5:?usage: tutorial.sh GOVCHAIND GOVCHAIN DOC BUILD_DIR SOURCE_DIR}
for tool in curl jq python3 make clang++ wasm-ld pkg-config; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

WORK=$(mktemp -d -t govchain-tutorial.XXXXXX)
cleanup() {
  local status=$?
  stop_node
  if [ "$status" -ne 0 ] && [ -f "$WORK/node.log" ]; then
    echo "---- node log (last 30 lines) ----"; tail -n 30 "$WORK/node.log"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The marked blocks, written to $WORK/steps/NN-NAME.sh; an unmarked sh block
# or a marker without a block is an error of the page.
mkdir -p "$WORK/steps"
python3 - "$DOC" "$WORK/steps" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
marked = re.findall(r"<!-- tutorial-step: ([a-z0-9-]+) -->\n```sh\n(.*?)```\n", text, re.S)
markers = len(re.findall(r"<!-- tutorial-step:", text))
sh_blocks = len(re.findall(r"^```sh$", text, re.M))
if not marked or len(marked) != markers or len(marked) != sh_blocks:
    sys.exit(f"{sys.argv[1]}: {sh_blocks} sh blocks, {markers} step markers, {len(marked)} marked sh blocks: "
             "every ```sh block needs a <!-- tutorial-step: NAME --> line right above it")
for number, (name, body) in enumerate(marked):
    open(f"{sys.argv[2]}/{number:02d}-{name}.sh", "w", encoding="utf-8").write(body)
PY

DATA="$WORK/devchain"
start_node "$DATA" "$WORK/node.log"
ROOT="$WORK/root"
mkdir -p "$ROOT" "$WORK/bin"
ln -s "$GOVCHAIN" "$WORK/bin/govchain"
ln -s "$GOVCHAIND" "$WORK/bin/govchaind"
export PATH="$WORK/bin:$PATH" GOVCHAIN_NODE="$NODE_URL" GOVCHAIN_DEV=1 DATA
unset GOVCHAIN_GENESIS GOVCHAIN_KEY_PASSPHRASE GOVCHAIN_CONTRACT_SDK || true
[ -d "$SOURCE_DIR/sdk/contract" ] || fail "no contract SDK in $SOURCE_DIR"
echo "build $BUILD_DIR, SDK $SOURCE_DIR/sdk/contract (the default of this govchain)"

# expect NAME: prints "EXIT_CODE|PATTERN|PATTERN..." — the step's exit code and
# extended regular expressions that its stdout+stderr must match.
expect() {
  case $1 in
    new) echo "0|wrote .*work/parking/ with parking.cpp" ;;
    build) echo "0|wrote build/parking.abi.json \(7 methods of parking 1.0.0\)" ;;
    test) echo "0|Status: SUCCESS|\[debug parking\] issued [0-9a-f]{64} for zone AC-ALTSTADT-03" ;;
    abi) echo "0|^call issue$|^call amend$|^call revoke$|^query verify_in_zone$|^query zone_of$" ;;
    deploy) echo "0|deployed dev-city.parking" ;;
    grant) echo "0|status ok" ;;
    document) echo "0" ;;
    certificate) echo "0|wrote certificate file permit.cert|^id: +[0-9a-f]{64}" ;;
    issue) echo '0|dev-city.parking.issue: committed|certificate.active .*"reason":"issued"' ;;
    verify) echo "0|^VALID: |record proven against state root|history" ;;
    verify-zone) echo "0|^VALID: |^INVALID \(wrong_zone\): the permit is for zone 'GE-ALTSTADT-03'|not valid in GE-BUER-01" ;;
    verify-altered) echo "1|^INVALID \(commitment_mismatch\)" ;;
    record) echo "0|active" ;;
    extend) echo '0|dev-city.parking.amend: committed|certificate.amended .*"reason":"extended"' ;;
    verify-extended) echo "0|^VALID: |extended" ;;
    revoke-free-text) echo "1|argument 'reason' \(code\): expected a code" ;;
    revoke-refused) echo "1|does not hold the required role|left out of the chain" ;;
    revoke) echo "0|dev-city.parking.revoke: committed" ;;
    verify-revoked) echo "1|^INVALID \(revoked\)|misuse|record proven against state root" ;;
    verify-before-revocation) echo "0|^VALID: " ;;
    *) echo "unknown" ;;
  esac
}

ran=""
for step in "$WORK"/steps/*.sh; do
  name=$(basename "$step" .sh)
  name=${name#*-}
  expectation=$(expect "$name")
  [ "$expectation" != "unknown" ] || fail "step '$name' of $DOC has no expectation in tutorial.sh"
  IFS='|' read -r -a checks <<<"$expectation"
  echo "== step $name"
  status=0
  # Generous: building and testing the contract under a shared load takes minutes.
  (cd "$ROOT" && timeout 900 bash -euo pipefail "$step") >"$WORK/output" 2>&1 || status=$?
  if [ "$status" != "${checks[0]}" ]; then
    cat "$step" "$WORK/output"
    fail "step '$name' exited $status, the tutorial expects ${checks[0]}"
  fi
  for pattern in "${checks[@]:1}"; do
    grep -Eq -- "$pattern" "$WORK/output" || { cat "$WORK/output"; fail "step '$name' printed no match for /$pattern/"; }
  done
  ran="$ran $name"
done

# The page must keep the steps that prove the use case end to end.
for required in new build test deploy grant certificate issue verify verify-zone extend revoke verify-revoked; do
  case " $ran " in *" $required "*) ;; *) fail "$DOC lost the step '$required'" ;; esac
done

stop_node
for field in "Mustermann" "GE-AB 123" "craft_business"; do
  if grep -r -a -l -F -- "$field" "$DATA" >/dev/null 2>&1; then fail "personal field '$field' found in $DATA"; fi
done
echo "PASS: tutorial ($(echo $ran | wc -w) steps of $DOC)"
