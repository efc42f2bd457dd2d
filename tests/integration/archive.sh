#!/usr/bin/env bash
# integration.archive: archive anchoring end to end on a dev chain.
#   anchor a folder of documents (one transaction), verify one document VALID,
#   an altered copy INVALID (document_altered), a tampered proof INVALID
#   (proof_tampered), a proof of an unknown batch INVALID (root_not_anchored);
#   anchor a list of precomputed hashes; re-anchor the batch under SHA3-256 and
#   verify through the evidence chain; a second re-anchoring is refused; no
#   file name reaches the node's data directory.
# Usage: archive.sh GOVCHAIND GOVCHAIN
set -euo pipefail
GOVCHAIND=$1
GOVCHAIN=$2
source "$(dirname "$0")/lib.sh"

WORK=$(mktemp -d)
cleanup() {
  stop_node
  rm -rf "$WORK"
}
trap cleanup EXIT

step() { echo "== $*"; }
# Every CLI call is bounded.
cli() { timeout 120 "$GOVCHAIN" --node "$NODE_URL" "$@"; }
expect_valid() {
  cli archive verify "$1" "$2" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/out" "$WORK/err" >&2; fail "expected VALID: $1"; }
  grep -q '^VALID' "$WORK/out" || fail "no VALID line for $1"
}
expect_invalid() {
  local verdict=$3
  if cli archive verify "$1" "$2" >"$WORK/out" 2>"$WORK/err"; then fail "expected INVALID ($verdict): $1"; fi
  grep -q "^INVALID: $verdict" "$WORK/out" || { cat "$WORK/out" "$WORK/err" >&2; fail "expected verdict $verdict"; }
}

start_node "$WORK/node" "$WORK/node.log"
KEY="$WORK/node/keys/archive.json"
[ -f "$KEY" ] || fail "no archive dev key at $KEY"

step "a folder of documents"
mkdir -p "$WORK/docs/bauakten"
for number in $(seq 1 40); do
  printf 'Bauakte %d, Grundstueck Musterweg %d\n' "$number" "$number" >"$WORK/docs/bauakten/akte_mueller_$number.txt"
done
head -c 300000 /dev/urandom >"$WORK/docs/plan_schmidt.bin"

step "anchor the folder in one transaction"
cli --key "$KEY" --dev-key archive anchor "$WORK/docs" --out "$WORK/proofs" --label "Bestand 2021 Bauakten" \
  --json >"$WORK/anchor.json"
BATCH=$(json_field "['batch_id']" <"$WORK/anchor.json")
[ "$(json_field "['document_count']" <"$WORK/anchor.json")" = 41 ] || fail "document count"
[ "$(find "$WORK/proofs" -name '*.proof.json' | wc -l)" = 41 ] || fail "expected 41 proof files"
PROOF="$WORK/proofs/bauakten/akte_mueller_7.txt.proof.json"
[ -f "$PROOF" ] || fail "no proof for akte_mueller_7.txt"

step "verify a document: VALID"
expect_valid "$WORK/docs/bauakten/akte_mueller_7.txt" "$PROOF"
expect_valid "$WORK/docs/plan_schmidt.bin" "$WORK/proofs/plan_schmidt.bin.proof.json"

step "an altered copy: INVALID document_altered"
cp "$WORK/docs/bauakten/akte_mueller_7.txt" "$WORK/altered.txt"
echo "nachtraeglich geaendert" >>"$WORK/altered.txt"
expect_invalid "$WORK/altered.txt" "$PROOF" document_altered
expect_invalid "$WORK/docs/bauakten/akte_mueller_8.txt" "$PROOF" document_altered

step "a tampered proof: INVALID proof_tampered"
python3 - "$PROOF" "$WORK/tampered_sibling.json" "$WORK/tampered_root.json" "$WORK/other_batch.json" <<'PY'
import json, sys
proof = json.load(open(sys.argv[1]))
def flip(text):
    return ("0" if text[0] != "0" else "1") + text[1:]
sibling = json.loads(json.dumps(proof)); sibling["path"][0]["hash"] = flip(sibling["path"][0]["hash"])
json.dump(sibling, open(sys.argv[2], "w"))
root = json.loads(json.dumps(proof)); root["root"] = flip(root["root"])
json.dump(root, open(sys.argv[3], "w"))
other = json.loads(json.dumps(proof)); other["batch_id"] = flip(other["batch_id"])
json.dump(other, open(sys.argv[4], "w"))
PY
expect_invalid "$WORK/docs/bauakten/akte_mueller_7.txt" "$WORK/tampered_sibling.json" proof_tampered
expect_invalid "$WORK/docs/bauakten/akte_mueller_7.txt" "$WORK/tampered_root.json" proof_tampered
expect_invalid "$WORK/docs/bauakten/akte_mueller_7.txt" "$WORK/other_batch.json" root_not_anchored
echo "not json" >"$WORK/garbage.json"
expect_invalid "$WORK/docs/bauakten/akte_mueller_7.txt" "$WORK/garbage.json" proof_tampered

step "anchor precomputed hashes (a document-management export)"
(cd "$WORK/docs/bauakten" && sha256sum akte_mueller_1.txt akte_mueller_2.txt akte_mueller_3.txt) | cut -d' ' -f1 \
  >"$WORK/hashes.txt"
cli --key "$KEY" --dev-key archive anchor --hashes "$WORK/hashes.txt" --out "$WORK/hash_proofs" \
  --municipality dev-city --label "DMS export 2021" --json >"$WORK/hash_anchor.json"
FIRST_HASH=$(head -n 1 "$WORK/hashes.txt")
expect_valid "$WORK/docs/bauakten/akte_mueller_1.txt" "$WORK/hash_proofs/$FIRST_HASH.proof.json"

step "re-anchor the batch under SHA3-256; verify follows the evidence chain"
cli --key "$KEY" --dev-key archive reanchor --batch "$BATCH" --proofs "$WORK/proofs" --algorithm sha3_256 \
  --out "$WORK/proofs_sha3" --label "Bestand 2021 Bauakten, SHA3" "$WORK/docs" --json >"$WORK/reanchor.json"
RENEWED="$WORK/proofs_sha3/bauakten/akte_mueller_7.txt.proof.json"
expect_valid "$WORK/docs/bauakten/akte_mueller_7.txt" "$RENEWED"
[ "$(grep -c 'anchored in batch' "$WORK/out")" = 2 ] || fail "the renewed proof should show two anchorings"
expect_invalid "$WORK/altered.txt" "$RENEWED" document_altered
python3 - "$RENEWED" "$WORK/tampered_previous.json" <<'PY'
import json, sys
proof = json.load(open(sys.argv[1]))
proof["previous"]["anchor"]["height"] += 1
json.dump(proof, open(sys.argv[2], "w"))
PY
expect_invalid "$WORK/docs/bauakten/akte_mueller_7.txt" "$WORK/tampered_previous.json" proof_tampered
# The original proof still verifies against the first anchoring.
expect_valid "$WORK/docs/bauakten/akte_mueller_7.txt" "$PROOF"

step "a batch is re-anchored only once"
if cli --key "$KEY" --dev-key archive reanchor --batch "$BATCH" --proofs "$WORK/proofs" --algorithm sha512_256 \
  --out "$WORK/proofs_again" "$WORK/docs" >"$WORK/out" 2>"$WORK/err"; then
  fail "a second re-anchoring of one batch was accepted"
fi
grep -q "already re-anchored" "$WORK/err" || { cat "$WORK/err" >&2; fail "expected the contract's refusal"; }

step "no file name reaches the node's data directory"
stop_node
if grep -r -a -l -e "akte_mueller" -e "plan_schmidt" "$WORK/node" >/dev/null 2>&1; then
  fail "a document name was found in the node's data directory"
fi
echo "PASS: integration.archive"
