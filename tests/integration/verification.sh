#!/usr/bin/env bash
# integration.verification (docs/verification.md): certificates verify
# anywhere.
#  1. A dev node issues dog permits (valid, suspended, revoked, expired) and
#     street-music permits; every file carries its proof bundle from issuance.
#  2. Documents that fail their schema, and ends of validity in the past,
#     are refused before anything is sent, naming the field.
#  3. Street music --window 14:00-18:00 is Europe/Berlin time in December
#     and in July: valid at 14:30, invalid at 18:30.
#  4. The verification page: headless Chromium opens the node's /verify#
#     links and dropped files (web/test/page.test.mjs), and the
#     self-contained page from disk with the network off.
#  5. After the node is stopped: `verify --offline` says VALID with the block
#     and time it holds for; an altered copy is INVALID; the same in a
#     process without any network (unshare -n).
#  6. An archive batch verifies offline from its batch file and from an
#     exported proof file after the node's data is wiped.
#   verification.sh GOVCHAIND GOVCHAIN PAGE_DIR SOURCE_DIR
set -euo pipefail

GOVCHAIND=${1:?usage: verification.sh GOVCHAIND GOVCHAIN PAGE_DIR SOURCE_DIR}
GOVCHAIN=${2:?}
PAGE_DIR=${3:?}
SOURCE_DIR=${4:?}
for tool in curl jq python3 node; do command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }; done
[ -f "$PAGE_DIR/verify.html" ] || { echo "FAIL: $PAGE_DIR/verify.html was not built (see web/build-page.sh)"; exit 1; }

source "$(dirname "$0")/lib.sh"
test_work verification

PORT=$(free_port)
export GOVCHAIN_NODE="http://127.0.0.1:$PORT"
export GOVCHAIN_DEV=1
export GOVCHAIN_VERIFY_PAGE="$PAGE_DIR/verify.html"
unset GOVCHAIN_GENESIS GOVCHAIN_KEY_PASSPHRASE GOVCHAIN_PORTAL || true
DATA="$WORK/data"
CERTS="$WORK/certs"
mkdir -p "$CERTS"

start_node_at "$DATA" "$PORT"
OFFICE=(--key "$DATA/keys/public_order_office.json")

cli() { timeout 120 "$GOVCHAIN" "$@" >"$WORK/out" 2>"$WORK/err"; }
expect_ok() { cli "$@" || { cat "$WORK/out" "$WORK/err" >&2; fail "govchain $* exited non-zero"; }; }
expect_fail() { if cli "$@"; then cat "$WORK/out" >&2; fail "govchain $* succeeded"; fi; }

cat >"$WORK/dog.json" <<'JSON'
{"keeper": {"name": "Jonas Hundhalter", "date_of_birth": "1985-05-05", "address": "Bergstrasse 9, 45879 Gelsenkirchen"},
 "dog": {"name": "Rex", "chip_number": "276098100123456", "breed": "Staffordshire Bullterrier"},
 "insurance": {"company": "Beispiel Versicherung AG", "policy_number": "HV-99887766"}}
JSON
cat >"$WORK/musician.json" <<'JSON'
{"name": "Lena Geigerin", "address": "Kirchweg 3, 52062 Aachen", "instrument": "violin"}
JSON

step "schemas and ends in the past are refused before anything is sent"
height_before=$(curl -fsS "$GOVCHAIN_NODE/v1/status" | jq .height)
echo '{}' >"$WORK/empty.json"
expect_fail "${OFFICE[@]}" dogpermit issue --permit "$WORK/empty.json" --insurance-until 2030-12-31 --out "$CERTS/x.cert"
grep -q "nothing was sent" "$WORK/err" && grep -q "keeper" "$WORK/err" || { cat "$WORK/err"; fail "empty permit"; }
[ ! -e "$CERTS/x.cert" ] || fail "a refused permit left a file"
sed 's/chip_number/chip_numer/' "$WORK/dog.json" >"$WORK/typo.json"
expect_fail "${OFFICE[@]}" dogpermit issue --permit "$WORK/typo.json" --insurance-until 2030-12-31 --out "$CERTS/x.cert"
grep -q "chip_numer" "$WORK/err" || { cat "$WORK/err"; fail "the misspelled field is not named"; }
expect_fail "${OFFICE[@]}" dogpermit issue --permit "$WORK/dog.json" --insurance-until 2020-01-31 --out "$CERTS/x.cert"
grep -q "already passed" "$WORK/err" || { cat "$WORK/err"; fail "an insurance end in the past was not refused"; }
[ "$(curl -fsS "$GOVCHAIN_NODE/v1/status" | jq .height)" = "$height_before" ] || fail "a refused issuance reached the chain"

step "issuing: valid, suspended, revoked, expired dog permits (each file carries its bundle)"
for name in valid suspended revoked; do
  expect_ok "${OFFICE[@]}" dogpermit issue --permit "$WORK/dog.json" --insurance-until 2030-12-31 \
    --condition muzzle --out "$CERTS/$name.cert"
  jq -e '.bundle and .trust_anchor' "$CERTS/$name.cert" >/dev/null || fail "$name.cert has no bundle"
done
expect_ok "${OFFICE[@]}" dogpermit issue --permit "$WORK/dog.json" --insurance-until 2030-12-31 \
  --valid-from 2025-01-01 --valid-until 2025-06-30 --force --out "$CERTS/expired.cert"
expect_ok "${OFFICE[@]}" dogpermit suspend "$CERTS/suspended.cert" --reason insurance_lapsed
expect_ok "${OFFICE[@]}" dogpermit revoke "$CERTS/revoked.cert" --reason keeper_unreliable
for name in valid suspended revoked expired; do expect_ok certificate refresh "$CERTS/$name.cert"; done
python3 - "$CERTS/valid.cert" "$CERTS/altered.cert" <<'PY'
import json, sys
certificate = json.load(open(sys.argv[1]))
certificate["document"]["permit"]["dog"]["breed"] = "Pudel"
json.dump(certificate, open(sys.argv[2], "w"), indent=2)
PY
for name in valid suspended revoked expired; do
  expect_ok --json qr "$CERTS/$name.cert"
  jq -r .qr "$WORK/out" >"$CERTS/$name.link"
  expect_ok --json qr "$CERTS/$name.cert" --with-bundle
  jq -r .qr "$WORK/out" >"$CERTS/$name-bundle.link"
done
expect_ok qr "$CERTS/suspended.cert" --png "$CERTS/suspended.png"
grep -q "^$GOVCHAIN_NODE/verify#" "$CERTS/valid.link" || fail "the QR link does not point at the node's /verify"

step "online verification: one request, the same verdicts"
expect_ok verify "$CERTS/valid.cert"
grep -q "^VALID" "$WORK/out" && grep -q "document checked" "$WORK/out" || { cat "$WORK/out"; fail "valid"; }
expect_fail verify "$CERTS/suspended.cert"
grep -q "INVALID (suspended)" "$WORK/out" || { cat "$WORK/out"; fail "suspended"; }
expect_fail verify "$CERTS/altered.cert"
grep -q "INVALID (commitment_mismatch)" "$WORK/out" || { cat "$WORK/out"; fail "altered"; }
expect_ok verify --qr "$(cat "$CERTS/valid.link")"
grep -q "status valid; document not checked" "$WORK/out" || { cat "$WORK/out"; fail "--qr must say what it checked"; }
expect_ok --json verify --qr "$(cat "$CERTS/valid.link")"
[ "$(jq -r .checked_document "$WORK/out")" = false ] || fail "--qr --json claims a checked document"

step "street music --window 14:00-18:00 is Europe/Berlin time, winter and summer"
for date in 2030-12-10 2030-07-10; do
  expect_ok "${OFFICE[@]}" streetmusic issue --zone markt --musician "$WORK/musician.json" --date "$date" \
    --window 14:00-18:00 --out "$CERTS/music-$date.cert"
  expect_ok verify "$CERTS/music-$date.cert" --at "${date}T14:30" --zone markt
  expect_fail verify "$CERTS/music-$date.cert" --at "${date}T18:30" --zone markt
  grep -q "INVALID (expired)" "$WORK/out" || { cat "$WORK/out"; fail "18:30 on $date"; }
  expect_fail verify "$CERTS/music-$date.cert" --at "${date}T13:30" --zone markt
done
expect_fail verify "$CERTS/music-2030-12-10.cert" --at "2030-12-10T14:30" --zone bahnhof
grep -q "INVALID (wrong_zone)" "$WORK/out" || { cat "$WORK/out"; fail "wrong zone"; }

step "the verification page in headless Chromium"
node "$SOURCE_DIR/web/build.mjs" --out "$WORK/pinned.html" --anchor "$DATA/genesis.json" >/dev/null
curl -fsS -o "$WORK/served.html" "$GOVCHAIN_NODE/verify" || fail "the node does not serve /verify"
grep -q "govchain-config" "$WORK/served.html" || fail "/verify is not the verification page"
curl -fsS -D "$WORK/headers" -o /dev/null -H "Origin: https://portal.example" "$GOVCHAIN_NODE/v1/bundle?key=672f76"
[ "$(grep -ci "^access-control-allow-origin:" "$WORK/headers")" = 1 ] || fail "not exactly one CORS header on /v1/bundle"
GOVCHAIN_PAGE="$PAGE_DIR/verify.html" GOVCHAIN_PINNED_PAGE="$WORK/pinned.html" GOVCHAIN_CERTS="$CERTS" \
  GOVCHAIN_CHROMIUM_PROFILE="$WORK/chromium" GOVCHAIN_SCREENSHOTS="${GOVCHAIN_SCREENSHOTS:-}" \
  timeout 600 node --test "$SOURCE_DIR/web/test/page.test.mjs"

step "offline: the node stopped, then no network at all"
stop_node
expect_ok verify "$CERTS/valid.cert" --offline
grep -q "^VALID" "$WORK/out" && grep -Eq "as of block [0-9]+, time 20[0-9-]+ [0-9:.]+ \+0[12]:00 \(Europe/Berlin\)" \
  "$WORK/out" || { cat "$WORK/out"; fail "offline valid"; }
expect_fail verify "$CERTS/altered.cert" --offline
grep -q "INVALID (commitment_mismatch)" "$WORK/out" || { cat "$WORK/out"; fail "offline altered"; }
expect_fail verify "$CERTS/revoked.cert" --offline
expect_ok verify "$CERTS/valid.cert" --offline --genesis "$DATA/genesis.json"
grep -q "pinned by" "$WORK/out" || { cat "$WORK/out"; fail "--genesis does not pin the anchor"; }
if unshare -n true 2>/dev/null; then
  unshare -n timeout 60 "$GOVCHAIN" verify "$CERTS/valid.cert" --offline >"$WORK/out" || fail "no network: valid"
  grep -q "^VALID" "$WORK/out" || fail "no network: valid"
  if unshare -n timeout 60 "$GOVCHAIN" verify "$CERTS/altered.cert" --offline >"$WORK/out"; then fail "no network: altered"; fi
  grep -q "^INVALID" "$WORK/out" || fail "no network: altered"
else
  echo "note: unshare -n is not permitted here; the no-network run is skipped"
fi

step "archive: a document verifies offline from its batch file and a proof file after the chain's data is wiped"
start_node_at "$DATA" "$PORT"
mkdir -p "$WORK/documents"
for i in 1 2 3; do echo "Bauakte $i" >"$WORK/documents/akte-$i.txt"; done
expect_ok --key "$DATA/keys/archive.json" archive anchor "$WORK/documents" --out "$WORK/bestand.batch" --label "Bestand Test"
expect_ok archive export "$WORK/bestand.batch" --all --out "$WORK/proofs"
stop_node
rm -rf "$DATA"
for evidence in "$WORK/bestand.batch" "$WORK/proofs/akte-2.txt.proof.json"; do
  expect_ok archive verify "$WORK/documents/akte-2.txt" "$evidence" --offline
  grep -q "^VALID" "$WORK/out" && grep -q "as of block" "$WORK/out" || { cat "$WORK/out"; fail "archive offline"; }
done
echo "Bauakte 2, geaendert" >"$WORK/documents/akte-2.txt"
for evidence in "$WORK/bestand.batch" "$WORK/proofs/akte-2.txt.proof.json"; do
  expect_fail archive verify "$WORK/documents/akte-2.txt" "$evidence" --offline
  grep -q "document_altered" "$WORK/out" || { cat "$WORK/out"; fail "archive offline altered"; }
done
echo "integration.verification: all checks passed"
