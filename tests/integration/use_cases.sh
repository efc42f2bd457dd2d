#!/usr/bin/env bash
# Integration test of the certificate use cases through the CLI, against a
# real govchaind --dev on 127.0.0.1 (identity, landlord, dogpermit,
# streetmusic): each certificate issued from the CLI verifies VALID; each
# invalid case answers INVALID with the right reason (altered document,
# suspended, revoked with its reason code, consumed, expired, insurance
# expired, not yet valid, wrong zone, unknown id); "was it valid at T" from
# the history; actions by accounts without the role are refused with the
# contract's message; QR text, PNG and SVG; key rotation; a dog permit's
# transfer to a second municipality (Gelsenkirchen, added to the dev genesis
# before the first block) with its history; and no personal
# field of the demo data appears anywhere in the node's data directory.
#
#   use_cases.sh GOVCHAIND GOVCHAIN [EXAMPLE_ISSUE_AND_VERIFY]
#
# Every wait is bounded; the trap kills the node and removes the temp dir.
set -euo pipefail

GOVCHAIND=${1:?usage: use_cases.sh GOVCHAIND GOVCHAIN [EXAMPLE]}
GOVCHAIN=${2:?usage: use_cases.sh GOVCHAIND GOVCHAIN [EXAMPLE]}
EXAMPLE=${3:-}
for tool in curl jq python3; do command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }; done

source "$(dirname "$0")/lib.sh"
test_work use-cases

PORT=$(free_port)
export GOVCHAIN_NODE="http://127.0.0.1:$PORT"
export GOVCHAIN_DEV=1
unset GOVCHAIN_GENESIS GOVCHAIN_KEY_PASSPHRASE || true
DATA="$WORK/data"
KEYS="$DATA/keys"

# A dev chain with a second municipality, as a network made with the tools
# would have: the dev node writes its genesis and keys on a first start; the
# test adds "gelsenkirchen" (its own admin and public_order_office keys) to a
# copy of that genesis before the chain's first block, and the dev node then
# runs from the prepared folder (it keeps a genesis.json it finds).
start_node_at "$WORK/template" "$PORT"
stop_node
mkdir -p "$KEYS"
cp "$WORK/template/keys/"*.json "$KEYS/"
"$GOVCHAIN" keys new --dev --out "$KEYS/gelsenkirchen_admin.json" >/dev/null 2>&1
"$GOVCHAIN" keys new --dev --out "$KEYS/gelsenkirchen_public_order_office.json" >/dev/null 2>&1
python3 - "$WORK/template/genesis.json" "$DATA/genesis.json" \
  "$(jq -r .public_key "$KEYS/gelsenkirchen_admin.json")" \
  "$(jq -r .public_key "$KEYS/gelsenkirchen_public_order_office.json")" <<'PY'
import json, sys
genesis = json.load(open(sys.argv[1]))
genesis["municipalities"].append({"id": "gelsenkirchen", "name": "Gelsenkirchen", "admin": sys.argv[3]})
genesis["roles"].append({"municipality": "gelsenkirchen", "role": "public_order_office", "account": sys.argv[4]})
json.dump(genesis, open(sys.argv[2], "w"))
PY
start_node_at "$DATA" "$PORT"

# Runs the CLI, bounded in time; stdout to $WORK/out, stderr to $WORK/err.
cli() { timeout 60 "$GOVCHAIN" "$@" >"$WORK/out" 2>"$WORK/err"; }
expect_ok() { cli "$@" || { cat "$WORK/out" "$WORK/err" >&2; fail "govchain $* exited non-zero"; }; }
# expect_refused MESSAGE ARGS...: the command fails and stderr names MESSAGE.
expect_refused() {
  local message=$1; shift
  if cli "$@"; then cat "$WORK/out"; fail "govchain $* should have been refused"; fi
  grep -q -- "$message" "$WORK/err" || { cat "$WORK/err"; fail "expected '$message' from govchain $*"; }
}
# expect_valid CERT [verify options...]
expect_valid() {
  cli verify "$@" || { cat "$WORK/out" "$WORK/err" >&2; fail "verify $* should be VALID"; }
  grep -q '^VALID' "$WORK/out" || { cat "$WORK/out"; fail "verify $* did not print VALID"; }
}
# expect_invalid VERDICT REASON CERT [verify options...]
expect_invalid() {
  local verdict=$1 reason=$2; shift 2
  if cli --json verify "$@"; then cat "$WORK/out"; fail "verify $* should be INVALID ($verdict)"; fi
  [ "$(jq -r .verdict "$WORK/out")" = "$verdict" ] || { cat "$WORK/out" "$WORK/err"; fail "verify $*: expected verdict $verdict"; }
  [ "$(jq -r .reason "$WORK/out")" = "$reason" ] || { cat "$WORK/out"; fail "verify $*: expected reason '$reason'"; }
  cli verify "$@" || true
  grep -q "^INVALID ($verdict)" "$WORK/out" || { cat "$WORK/out"; fail "verify $*: no INVALID line"; }
}

NOW_MS=$(( $(date +%s) * 1000 ))
HOUR_MS=3600000
DAY_MS=$(( 24 * HOUR_MS ))
OFFICE_ID="--key $KEYS/identity_office.json"
OFFICE_ORDER="--key $KEYS/public_order_office.json"
OFFICE_REGISTRATION="--key $KEYS/registration_office.json"

# The demo's personal data: none of it may reach the node's data directory.
cat >"$WORK/attributes.json" <<'JSON'
{"given_name": "Erika", "family_name": "Mustermann", "date_of_birth": "1964-08-12",
 "address": "Heidestrasse 17, 51147 Koeln"}
JSON
cat >"$WORK/dwelling.json" <<'JSON'
{"municipality": "dev-city",
 "landlord": {"name": "Erika Mustermann", "address": "Heidestrasse 17, 51147 Koeln"},
 "dwelling_address": "Lindenallee 5, 52062 Aachen, 2. OG links",
 "persons": [{"name": "Max Musterschueler", "date_of_birth": "2001-03-04"}]}
JSON
cat >"$WORK/dog.json" <<'JSON'
{"keeper": {"name": "Jonas Hundhalter", "date_of_birth": "1985-05-05", "address": "Bergstrasse 9, 45879 Gelsenkirchen"},
 "dog": {"name": "Rex", "chip_number": "276098100123456", "breed": "Staffordshire Bullterrier"},
 "insurance": {"company": "Beispiel Versicherung AG", "policy_number": "HV-99887766"}}
JSON
cat >"$WORK/musician.json" <<'JSON'
{"name": "Lena Geigerin", "address": "Kirchweg 3, 52062 Aachen", "instrument": "violin"}
JSON
PERSONAL=("Mustermann" "Heidestrasse" "Lindenallee" "Musterschueler" "Hundhalter" "276098100123456"
          "HV-99887766" "Geigerin" "Kirchweg" "1964-08-12")

step "identity: attest the landlord's key (identity_office)"
expect_ok keys new --dev --out "$WORK/landlord.json"
expect_ok keys new --dev --out "$WORK/landlord-new.json"
expect_ok keys new --dev --out "$WORK/stranger.json"
# Only keys the chain knows may submit: the stranger is a clerk with an
# archive role, so its attempts below reach the contracts, which refuse them.
expect_ok --key "$KEYS/admin.json" role grant --account "$WORK/stranger.json" --role archive --municipality dev-city
expect_ok $OFFICE_ID identity attest --holder "$WORK/landlord.json" --level substantial \
  --attributes "$WORK/attributes.json" --expires $(( NOW_MS + 30 * DAY_MS )) --out "$WORK/identity.cert"
grep -q "Identity attestation" "$WORK/out" || fail "no sentence for identity attest"
expect_valid "$WORK/identity.cert"
grep -q "history" "$WORK/out" || fail "verify shows no history"
expect_refused "caller does not hold the required role" $OFFICE_ORDER identity attest \
  --holder "$WORK/stranger.json" --attributes "$WORK/attributes.json" --expires $(( NOW_MS + DAY_MS )) \
  --municipality dev-city --out "$WORK/refused.cert"
[ ! -e "$WORK/refused.cert" ] || fail "a refused issuance left its certificate file behind"

step "landlord: confirm a move-in, verify, alter, consume once"
expect_ok --key "$WORK/landlord.json" landlord confirm --event move-in --date 2026-11-15 \
  --dwelling "$WORK/dwelling.json" --out "$WORK/move.cert"
expect_valid "$WORK/move.cert"
expect_refused "identity attestation of level substantial" --key "$WORK/stranger.json" landlord confirm \
  --event move-in --date 2026-11-15 --dwelling "$WORK/dwelling.json" --out "$WORK/stranger.cert"
sed 's/Lindenallee 5/Lindenallee 7/' "$WORK/move.cert" >"$WORK/move-altered.cert"
expect_invalid commitment_mismatch "" "$WORK/move-altered.cert"
expect_refused "caller does not hold the required role" $OFFICE_ORDER landlord consume "$WORK/move.cert"
expect_ok $OFFICE_REGISTRATION landlord consume "$WORK/move.cert"
expect_invalid consumed registered "$WORK/move.cert"
expect_refused "certificate already consumed" $OFFICE_REGISTRATION landlord consume "$WORK/move.cert"
ISSUED_MS=$(cli --json verify "$WORK/move.cert" || true; jq -r '.record.history[0].time_ms' "$WORK/out")
expect_valid "$WORK/move.cert" --at "$ISSUED_MS"
expect_ok --key "$WORK/landlord.json" landlord confirm --event move_out --date 2026-11-30 \
  --dwelling "$WORK/dwelling.json" --out "$WORK/move2.cert"
expect_refused "only the issuer may do this" --key "$WORK/stranger.json" landlord revoke "$WORK/move2.cert" --reason fraud
expect_ok --key "$WORK/landlord.json" landlord revoke "$WORK/move2.cert" --reason wrong_date
expect_invalid revoked wrong_date "$WORK/move2.cert"

step "dogpermit: issue, suspend, reinstate, QR, transfer, insurance, revoke"
expect_ok $OFFICE_ORDER dogpermit issue --permit "$WORK/dog.json" --insurance-until $(( NOW_MS + 365 * DAY_MS )) \
  --condition muzzle --condition lead --out "$WORK/dog.cert"
expect_valid "$WORK/dog.cert"
expect_refused "caller does not hold the required role" $OFFICE_REGISTRATION dogpermit issue --municipality dev-city \
  --permit "$WORK/dog.json" --insurance-until $(( NOW_MS + DAY_MS )) --out "$WORK/dog-refused.cert"
expect_refused "caller does not hold the required role" $OFFICE_REGISTRATION dogpermit suspend "$WORK/dog.cert" \
  --reason insurance_lapsed
expect_ok $OFFICE_ORDER dogpermit suspend "$WORK/dog.cert" --reason insurance_lapsed
expect_invalid suspended insurance_lapsed "$WORK/dog.cert"
expect_ok $OFFICE_ORDER dogpermit reinstate "$WORK/dog.cert" --reason insurance_renewed
expect_valid "$WORK/dog.cert"
expect_ok --json qr "$WORK/dog.cert" --png "$WORK/dog.png" --svg "$WORK/dog.svg"
QR=$(jq -r .qr "$WORK/out")
[ "$(head -c 4 "$WORK/dog.png" | tail -c 3)" = "PNG" ] || fail "dog.png is not a PNG"
grep -q "<svg" "$WORK/dog.svg" || fail "dog.svg is not an SVG"
expect_valid --qr "$QR"
grep -q "document not checked" "$WORK/out" || fail "verify --qr should say that the document was not checked"
# The keeper moves to Gelsenkirchen: only an office of the new municipality
# may take the permit over; afterwards the old office has lost the right to
# change it, the new one has it, and the history shows the transfer.
OFFICE_GE="--key $KEYS/gelsenkirchen_public_order_office.json"
expect_refused "caller does not hold the required role" $OFFICE_ORDER dogpermit transfer "$WORK/dog.cert" --to gelsenkirchen
expect_ok $OFFICE_ORDER dogpermit issue --permit "$WORK/dog.json" --insurance-until $(( NOW_MS + 365 * DAY_MS )) \
  --condition muzzle --out "$WORK/dog-moving.cert"
expect_ok $OFFICE_GE dogpermit transfer "$WORK/dog-moving.cert" --to gelsenkirchen
expect_valid "$WORK/dog-moving.cert"
grep -q "controlling municipality gelsenkirchen" "$WORK/out" || { cat "$WORK/out"; fail "verify does not name the new municipality"; }
grep -Eq "active +keeper_moved +[0-9a-f]{64} +gelsenkirchen" "$WORK/out" || { cat "$WORK/out"; fail "the history does not show the transfer"; }
cli --json verify "$WORK/dog-moving.cert" || fail "verify --json of the transferred permit"
[ "$(jq -r '.record.history | map(.municipality) | join(",")' "$WORK/out")" = "dev-city,gelsenkirchen" ] ||
  { cat "$WORK/out"; fail "history after transfer: expected dev-city then gelsenkirchen"; }
[ "$(jq -r .record.issuer_municipality "$WORK/out")" = "dev-city" ] || fail "the issuer's municipality changed on transfer"
expect_refused "caller does not hold the required role" $OFFICE_ORDER dogpermit suspend "$WORK/dog-moving.cert" \
  --reason insurance_lapsed
expect_ok $OFFICE_GE dogpermit suspend "$WORK/dog-moving.cert" --reason insurance_lapsed
expect_invalid suspended insurance_lapsed "$WORK/dog-moving.cert"
expect_ok $OFFICE_ORDER dogpermit issue --permit "$WORK/dog.json" --insurance-until $(( NOW_MS + 2 * DAY_MS )) \
  --out "$WORK/dog2.cert"
expect_invalid expired insurance_expired "$WORK/dog2.cert" --at $(( NOW_MS + 3 * DAY_MS ))
expect_ok $OFFICE_ORDER dogpermit renew-insurance "$WORK/dog2.cert" --insurance-until $(( NOW_MS + 10 * DAY_MS ))
expect_valid "$WORK/dog2.cert" --at $(( NOW_MS + 3 * DAY_MS ))
expect_ok $OFFICE_ORDER dogpermit revoke "$WORK/dog.cert" --reason keeper_unreliable
expect_invalid revoked keeper_unreliable "$WORK/dog.cert"
expect_invalid revoked keeper_unreliable --qr "$QR"

step "streetmusic: window, zone, not yet valid, expired, revoke"
expect_ok $OFFICE_ORDER streetmusic issue --zone markt --valid-from $(( NOW_MS - 60000 )) \
  --valid-until $(( NOW_MS + HOUR_MS )) --condition no_amplifier --musician "$WORK/musician.json" --out "$WORK/music.cert"
expect_valid "$WORK/music.cert"
expect_valid "$WORK/music.cert" --zone markt
expect_invalid wrong_zone markt "$WORK/music.cert" --zone domplatz
expect_invalid expired "" "$WORK/music.cert" --at $(( NOW_MS + 2 * HOUR_MS ))
expect_ok $OFFICE_ORDER streetmusic issue --zone markt --date 2030-06-01 --window 14:00-16:00 --utc-offset +02:00 \
  --musician "$WORK/musician.json" --out "$WORK/music-later.cert"
expect_invalid not_yet_valid "" "$WORK/music-later.cert"
expect_valid "$WORK/music-later.cert" --at 2030-06-01T15:00:00+02:00
expect_refused "caller does not hold the required role" $OFFICE_REGISTRATION streetmusic revoke "$WORK/music.cert" \
  --reason complaints
expect_ok $OFFICE_ORDER streetmusic revoke "$WORK/music.cert" --reason complaints
expect_invalid revoked complaints "$WORK/music.cert"

step "identity: key rotation and revocation by the holder; unknown id"
expect_ok --key "$WORK/landlord.json" identity rotate "$WORK/identity.cert" --new-key "$WORK/landlord-new.json" \
  --out "$WORK/identity-new.cert"
expect_invalid revoked key_rotated "$WORK/identity.cert"
expect_valid "$WORK/identity-new.cert"
expect_refused "only the holder of the attestation may rotate" --key "$WORK/stranger.json" identity rotate \
  "$WORK/identity-new.cert" --new-key "$WORK/stranger.json" --out "$WORK/stolen.cert"
expect_ok --key "$WORK/landlord-new.json" identity revoke "$WORK/identity-new.cert" --reason key_lost
expect_invalid revoked key_lost "$WORK/identity-new.cert"
UNKNOWN="govchain:1:govchain-dev:dogpermit:$(printf '%064d' 7):$(printf '%064d' 8)"
expect_invalid unknown_id "" --qr "$UNKNOWN"

if [ -n "$EXAMPLE" ]; then
  step "the SDK example issue_and_verify"
  timeout 60 "$EXAMPLE" "$GOVCHAIN_NODE" "$KEYS/public_order_office.json" "$WORK/musician.json" "$WORK/example.cert" \
    >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/out" "$WORK/err"; fail "example_issue_and_verify failed"; }
  grep -q "VALID (QR)" "$WORK/out" || { cat "$WORK/out"; fail "example did not verify its permit"; }
fi

step "no personal data in the node's data directory"
stop_node
for field in "${PERSONAL[@]}"; do
  if grep -r -a -l -F -- "$field" "$DATA" >/dev/null 2>&1; then fail "personal field '$field' found in $DATA"; fi
done
echo "PASS: use cases"
