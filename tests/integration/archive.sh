#!/usr/bin/env bash
# integration.archive: archive anchoring end to end on a dev chain.
#   anchor a folder of documents (one transaction, one batch file with every
#   proof, the names beside it); verify one document VALID with the batch
#   file (online and offline), an altered copy INVALID (document_altered);
#   export one proof file and all of them, verify with those; a tampered
#   proof INVALID (proof_tampered), a proof of an unknown batch INVALID
#   (root_not_anchored); a truncated batch file, one with wrong offsets and
#   one with an altered index INVALID (proof_tampered, saying which) and
#   refused by `archive check`; an existing batch file is never overwritten;
#   anchor a list of precomputed hashes, a large one with progress lines;
#   re-anchor the batch under SHA3-256 from its batch file and verify
#   through the evidence chain; a second re-anchoring is refused;
#   re-anchor a batch kept as proof files; no file name reaches the node's
#   data directory.
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
  cli archive verify "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/out" "$WORK/err" >&2; fail "expected VALID: $*"; }
  grep -q '^VALID' "$WORK/out" || fail "no VALID line for $*"
}
expect_invalid() {
  local verdict=$3
  if cli archive verify "$1" "$2" >"$WORK/out" 2>"$WORK/err"; then fail "expected INVALID ($verdict): $1 $2"; fi
  grep -q "^INVALID: $verdict" "$WORK/out" || { cat "$WORK/out" "$WORK/err" >&2; fail "expected verdict $verdict"; }
}
# The offset and size of section N of a batch file (docs/archive.md 5.1).
section() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
position = 28
def skip_text():
    global position
    position += 4 + struct.unpack(">I", data[position:position + 4])[0]
skip_text(); skip_text(); position += 32; skip_text(); position += 8 + 32 + 32 + 8 + 8
skip_text(); skip_text(); position += 1
count = struct.unpack(">I", data[position:position + 4])[0]; position += 4
offset, size = struct.unpack(">QQ", data[position + 16 * int(sys.argv[2]):position + 16 * int(sys.argv[2]) + 16])
print(position + 16 * int(sys.argv[2]), offset, size)
PY
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
DOC7="$WORK/docs/bauakten/akte_mueller_7.txt"

step "anchor the folder in one transaction: one batch file with every proof"
BATCH_FILE="$WORK/bestand-2021.batch"
cli --key "$KEY" --dev-key archive anchor "$WORK/docs" --out "$BATCH_FILE" --label "Bestand 2021 Bauakten" \
  --json >"$WORK/anchor.json"
BATCH=$(json_field "['batch_id']" <"$WORK/anchor.json")
[ "$(json_field "['document_count']" <"$WORK/anchor.json")" = 41 ] || fail "document count"
[ "$(json_field "['proof_bundle']" <"$WORK/anchor.json")" = True ] || fail "the batch file should carry the bundle"
[ -f "$BATCH_FILE" ] && [ -f "$BATCH_FILE.names" ] || fail "no batch file or names file"
[ "$(head -c 23 "$BATCH_FILE")" = "govchain-archive-batch" ] || fail "the batch file does not start with its magic"
grep -q "^bauakten/akte_mueller_7.txt$" "$BATCH_FILE.names" || fail "the names file lacks a document"
if find "$WORK" -maxdepth 1 -name '.*tmp-*' | grep -q .; then fail "a temporary file was left behind"; fi
cli archive check "$BATCH_FILE" >"$WORK/out" || fail "archive check refused a sound batch file"
grep -q "is sound" "$WORK/out" || fail "archive check output"

step "verify documents with the batch file: VALID, online and offline"
expect_valid "$DOC7" "$BATCH_FILE"
expect_valid "$WORK/docs/plan_schmidt.bin" "$BATCH_FILE"
expect_valid "$DOC7" "$BATCH_FILE" --offline --anchor "$WORK/node/genesis.json"
grep -q "as of block" "$WORK/out" || fail "offline verification should say as of which block"

step "an altered copy or another file: INVALID document_altered"
cp "$DOC7" "$WORK/altered.txt"
echo "nachtraeglich geaendert" >>"$WORK/altered.txt"
expect_invalid "$WORK/altered.txt" "$BATCH_FILE" document_altered

step "export one proof file and all of them; both verify"
cli archive export "$BATCH_FILE" --document "$DOC7" --out "$WORK/akte7.proof.json" >/dev/null
PROOF="$WORK/akte7.proof.json"
expect_valid "$DOC7" "$PROOF"
expect_invalid "$WORK/docs/bauakten/akte_mueller_8.txt" "$PROOF" document_altered
if cli archive export "$BATCH_FILE" --leaf 3 --out "$PROOF" >/dev/null 2>&1; then fail "export overwrote a file"; fi
cli archive export "$BATCH_FILE" --all --out "$WORK/proofs" --json >"$WORK/export.json"
[ "$(json_field "['proof_files']" <"$WORK/export.json")" = 41 ] || fail "export --all count"
[ "$(find "$WORK/proofs" -name '*.proof.json' | wc -l)" = 41 ] || fail "expected 41 proof files"
expect_valid "$DOC7" "$WORK/proofs/bauakten/akte_mueller_7.txt.proof.json"
expect_valid "$WORK/docs/plan_schmidt.bin" "$WORK/proofs/plan_schmidt.bin.proof.json"

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
expect_invalid "$DOC7" "$WORK/tampered_sibling.json" proof_tampered
expect_invalid "$DOC7" "$WORK/tampered_root.json" proof_tampered
expect_invalid "$DOC7" "$WORK/other_batch.json" root_not_anchored
echo "not json" >"$WORK/garbage.json"
expect_invalid "$DOC7" "$WORK/garbage.json" proof_tampered

step "damaged batch files: truncated, wrong offsets, an altered index"
head -c -100 "$BATCH_FILE" >"$WORK/truncated.batch"
expect_invalid "$DOC7" "$WORK/truncated.batch" proof_tampered
grep -q "truncated" "$WORK/out" || fail "a truncated batch file should be called truncated"
read -r TABLE_AT INDEX_OFFSET INDEX_SIZE <<<"$(section "$BATCH_FILE" 1)"
python3 - "$BATCH_FILE" "$WORK/offsets.batch" "$TABLE_AT" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
at = int(sys.argv[3])
offset = struct.unpack(">Q", data[at:at + 8])[0]
data[at:at + 8] = struct.pack(">Q", offset + 4)
open(sys.argv[2], "wb").write(data)
PY
expect_invalid "$DOC7" "$WORK/offsets.batch" proof_tampered
grep -q "wrong offsets" "$WORK/out" || fail "a moved section should be called wrong offsets"
read -r _ DOCUMENTS_OFFSET _ <<<"$(section "$BATCH_FILE" 0)"
python3 - "$BATCH_FILE" "$WORK/index.batch" "$DOCUMENTS_OFFSET" "$INDEX_OFFSET" "$(sha256sum "$DOC7" | cut -c1-64)" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
documents, index, target = int(sys.argv[3]), int(sys.argv[4]), bytes.fromhex(sys.argv[5])
count = (index - documents) // 32
entries = [struct.unpack(">I", data[index + 4 * i:index + 4 * i + 4])[0] for i in range(count)]
leaf = [i for i in range(count) if data[documents + 32 * i:documents + 32 * i + 32] == target][0]
position = entries.index(leaf)
# The document's entry now names its neighbour: a search for it finds nothing.
neighbour = entries[position + 1] if position + 1 < count else entries[position - 1]
data[index + 4 * position:index + 4 * position + 4] = struct.pack(">I", neighbour)
open(sys.argv[2], "wb").write(data)
PY
expect_invalid "$DOC7" "$WORK/index.batch" proof_tampered
grep -q "index was altered" "$WORK/out" || { cat "$WORK/out"; fail "an altered index should be named"; }
if cli archive check "$WORK/index.batch" >"$WORK/out" 2>&1; then fail "archive check accepted an altered index"; fi
grep -q "index" "$WORK/out" || fail "archive check should name the index"

step "an existing batch file is never overwritten (refused before anything is sent)"
cp "$BATCH_FILE" "$WORK/kept.batch"
if cli --key "$KEY" --dev-key archive anchor "$WORK/docs" --out "$BATCH_FILE" >"$WORK/out" 2>"$WORK/err"; then
  fail "anchor overwrote a batch file"
fi
grep -q "exists already" "$WORK/err" || { cat "$WORK/err" >&2; fail "expected 'exists already'"; }
cmp -s "$BATCH_FILE" "$WORK/kept.batch" || fail "the batch file changed"
expect_valid "$DOC7" "$BATCH_FILE"

step "anchor precomputed hashes (a document-management export)"
(cd "$WORK/docs/bauakten" && sha256sum akte_mueller_1.txt akte_mueller_2.txt akte_mueller_3.txt) | cut -d' ' -f1 \
  >"$WORK/hashes.txt"
cli --key "$KEY" --dev-key archive anchor --hashes "$WORK/hashes.txt" --out "$WORK/dms.batch" \
  --municipality dev-city --label "DMS export 2021" --json >"$WORK/hash_anchor.json"
HASH_BATCH=$(json_field "['batch_id']" <"$WORK/hash_anchor.json")
[ ! -e "$WORK/dms.batch.names" ] || fail "a hash list has no names to keep"
expect_valid "$WORK/docs/bauakten/akte_mueller_1.txt" "$WORK/dms.batch"
cli archive export "$WORK/dms.batch" --all --out "$WORK/hash_proofs" >/dev/null
FIRST_HASH=$(head -n 1 "$WORK/hashes.txt")
expect_valid "$WORK/docs/bauakten/akte_mueller_1.txt" "$WORK/hash_proofs/$FIRST_HASH.proof.json"

step "a large hash list prints progress"
python3 -c "
import hashlib
with open('$WORK/large.txt', 'w') as out:
    for i in range(150000): out.write(hashlib.sha256(str(i).encode()).hexdigest() + '\n')"
cli --key "$KEY" --dev-key archive anchor --hashes "$WORK/large.txt" --out "$WORK/large.batch" \
  --municipality dev-city --label "Grosser Bestand" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; fail "large"; }
grep -q "building the Merkle tree of 150000 documents" "$WORK/err" || { cat "$WORK/err"; fail "no progress line"; }
echo -n 77 >"$WORK/doc77"
[ "$(sha256sum "$WORK/doc77" | cut -c1-64)" = "$(sed -n 78p "$WORK/large.txt")" ] || fail "large list line 78"
expect_valid "$WORK/doc77" "$WORK/large.batch"

step "re-anchor the batch under SHA3-256 from its batch file; verify follows the evidence chain"
cli --key "$KEY" --dev-key archive reanchor --previous "$BATCH_FILE" --algorithm sha3_256 \
  --out "$WORK/bestand-2021-sha3.batch" --label "Bestand 2021 Bauakten, SHA3" "$WORK/docs" --json >"$WORK/reanchor.json"
RENEWED="$WORK/bestand-2021-sha3.batch"
cli archive check "$RENEWED" >/dev/null || fail "archive check refused the renewal"
expect_valid "$DOC7" "$RENEWED"
[ "$(grep -c 'anchored in batch' "$WORK/out")" = 2 ] || fail "the renewed proof should show two anchorings"
expect_valid "$DOC7" "$RENEWED" --offline --anchor "$WORK/node/genesis.json"
expect_invalid "$WORK/altered.txt" "$RENEWED" document_altered
cli archive export "$RENEWED" --document "$DOC7" --out "$WORK/renewed7.proof.json" >/dev/null
expect_valid "$DOC7" "$WORK/renewed7.proof.json"
python3 - "$WORK/renewed7.proof.json" "$WORK/tampered_previous.json" <<'PY'
import json, sys
proof = json.load(open(sys.argv[1]))
proof["previous"]["anchor"]["height"] += 1
json.dump(proof, open(sys.argv[2], "w"))
PY
expect_invalid "$DOC7" "$WORK/tampered_previous.json" proof_tampered
# The original batch file still verifies against the first anchoring.
expect_valid "$DOC7" "$BATCH_FILE"

step "a batch is re-anchored only once"
if cli --key "$KEY" --dev-key archive reanchor --previous "$BATCH_FILE" --algorithm sha512_256 \
  --out "$WORK/again.batch" "$WORK/docs" >"$WORK/out" 2>"$WORK/err"; then
  fail "a second re-anchoring of one batch was accepted"
fi
grep -q "already re-anchored" "$WORK/err" || { cat "$WORK/err" >&2; fail "expected the contract's refusal"; }
[ ! -e "$WORK/again.batch" ] || fail "a refused re-anchoring left a batch file"

step "re-anchor a batch kept as proof files (the earlier format)"
mkdir -p "$WORK/dms_docs"
for file in akte_mueller_1.txt akte_mueller_2.txt akte_mueller_3.txt; do
  cp "$WORK/docs/bauakten/$file" "$WORK/dms_docs/$(sha256sum "$WORK/docs/bauakten/$file" | cut -c1-64)"
done
cli --key "$KEY" --dev-key archive reanchor --batch "$HASH_BATCH" --proofs "$WORK/hash_proofs" \
  --algorithm sha512_256 --out "$WORK/dms-sha512.batch" "$WORK/dms_docs" >/dev/null
expect_valid "$WORK/docs/bauakten/akte_mueller_2.txt" "$WORK/dms-sha512.batch"
[ "$(grep -c 'anchored in batch' "$WORK/out")" = 2 ] || fail "the renewal of proof files should show two anchorings"
# Leaf i of the renewal renews leaf i: the names follow the hash list's order, not the folder's.
[ "$(tail -n +2 "$WORK/dms-sha512.batch.names")" = "$(cat "$WORK/hashes.txt")" ] || fail "renewal leaf order"

step "no file name reaches the node's data directory"
stop_node
if grep -r -a -l -e "akte_mueller" -e "plan_schmidt" "$WORK/node" >/dev/null 2>&1; then
  fail "a document name was found in the node's data directory"
fi
echo "PASS: integration.archive"
