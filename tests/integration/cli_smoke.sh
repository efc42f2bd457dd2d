#!/usr/bin/env bash
# Integration test of the govchain CLI (and the node's HTTP API edge) against
# a real govchaind --dev process on 127.0.0.1:
#   status, keys new/show, role grant by the admin, roles with a verified
#   proof, a grant by a non-admin refused (before sending, and by the chain),
#   dev keys refused without --dev-key, block latest, tx status; bad input
#   over HTTP (bad signature, replayed tx, wrong chain id, malformed JSON,
#   a 10 MB body) each a 4xx JSON error while the node keeps serving; then
#   kill -9 and restart: height, state root and the role survive.
#
#   cli_smoke.sh GOVCHAIND GOVCHAIN [EXAMPLE_GRANT_ROLE]
#
# Every wait is bounded; the trap kills the node and removes the temp dir.
set -euo pipefail

GOVCHAIND=${1:?usage: cli_smoke.sh GOVCHAIND GOVCHAIN}
GOVCHAIN=${2:?usage: cli_smoke.sh GOVCHAIND GOVCHAIN}
EXAMPLE=${3:-}
for tool in curl jq; do command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }; done

source "$(dirname "$0")/lib.sh"
test_work cli-smoke

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
export GOVCHAIN_NODE="$URL"
unset GOVCHAIN_DEV GOVCHAIN_GENESIS GOVCHAIN_KEY_PASSPHRASE || true
DATA="$WORK/data"
ADMIN="$DATA/keys/admin.json"
OFFICE="$DATA/keys/archive.json"

# Runs the CLI, bounded in time; stdout to $WORK/out, stderr to $WORK/err.
cli() { timeout 60 "$GOVCHAIN" "$@" >"$WORK/out" 2>"$WORK/err"; }
expect_ok() { cli "$@" || { cat "$WORK/err" >&2; fail "govchain $* exited $?"; }; }
expect_failure() {
  if cli "$@"; then cat "$WORK/out"; fail "govchain $* should have failed"; fi
}
contains() { grep -q -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "expected '$2' in $1"; }; }

# POST raw body to /v1/txs; prints the HTTP status, keeps the body in $WORK/http.
post_txs() {
  curl -sS --max-time 20 -o "$WORK/http" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "$1" "$URL/v1/txs" || echo "000"
}
expect_http_error() {  # expected status prefix (4), expected code, description
  local status=$1 code=$2 what=$3
  [[ "$HTTP_STATUS" == 4* ]] || { cat "$WORK/http"; fail "$what: HTTP $HTTP_STATUS, expected 4xx"; }
  [ -n "$status" ] && [ "$HTTP_STATUS" != "$status" ] && fail "$what: HTTP $HTTP_STATUS, expected $status"
  local got; got=$(jq -r '.error.code' "$WORK/http") || fail "$what: body is not a JSON error: $(head -c 200 "$WORK/http")"
  [ "$got" = "$code" ] || fail "$what: error code '$got', expected '$code' ($(cat "$WORK/http"))"
  [ -n "$(jq -r '.error.message' "$WORK/http")" ] || fail "$what: empty error message"
  curl -fsS --max-time 2 "$URL/healthz" >/dev/null || fail "node stopped serving after: $what"
  echo "   $what -> HTTP $HTTP_STATUS $got: $(jq -r '.error.message' "$WORK/http")"
}

step "start govchaind --dev on port $PORT"
start_node_at "$DATA" "$PORT"

step "status --json"
expect_ok status --json
[ "$(jq -r .chain_id "$WORK/out")" = "govchain-dev" ] || fail "chain id"
jq -e '.height | type == "number"' "$WORK/out" >/dev/null || fail "height"
expect_ok status
contains "$WORK/out" "chain:        govchain-dev"

step "keys new (encrypted, passphrase from the environment), keys show, no overwrite"
GOVCHAIN_KEY_PASSPHRASE=correct-horse expect_ok keys new --out "$WORK/user.json" --json
USER_KEY=$(jq -r .public_key "$WORK/out")
[ ${#USER_KEY} -eq 64 ] || fail "public key of the new key"
expect_ok keys show "$WORK/user.json"
contains "$WORK/out" "$USER_KEY"
contains "$WORK/out" "encrypted"
GOVCHAIN_KEY_PASSPHRASE=x expect_failure keys new --out "$WORK/user.json"
contains "$WORK/err" "already exists"
expect_failure keys new --out "$WORK/nopass.json" </dev/null
contains "$WORK/err" "GOVCHAIN_KEY_PASSPHRASE"

step "encrypted keys: the passphrase decrypts (a non-admin is then refused), a wrong one is refused"
GOVCHAIN_KEY_PASSPHRASE=correct-horse expect_failure role grant --key "$WORK/user.json" --account "$USER_KEY" \
  --role archive --municipality dev-city
contains "$WORK/err" "is not the admin of municipality 'dev-city'"
GOVCHAIN_KEY_PASSPHRASE=wrong expect_failure role grant --key "$WORK/user.json" --account "$USER_KEY" \
  --role archive --municipality dev-city
contains "$WORK/err" "wrong passphrase"

step "dev keys are refused without --dev-key"
expect_failure role grant --key "$ADMIN" --account "$USER_KEY" --role archive
contains "$WORK/err" "dev-key"

step "role grant by the admin (municipality found from the key), seen by an event subscriber"
timeout 60 "$GOVCHAIN" events --count 1 --duration-ms 30000 --json >"$WORK/events" 2>"$WORK/events.err" &
EVENTS_PID=$!
# The subscriber is checked below, after more blocks, so a slow start cannot miss them all.
expect_ok role grant --key "$ADMIN" --dev-key --account "$USER_KEY" --role archive --json
GRANT_HASH=$(jq -r .hash "$WORK/out")
[ "$(jq -r .receipt.status "$WORK/out")" = "ok" ] || fail "grant receipt: $(cat "$WORK/out")"
contains "$WORK/err" "warning: using plaintext dev key"

step "roles with a verified proof"
expect_ok roles "$USER_KEY"
contains "$WORK/out" "dev-city  archive"
contains "$WORK/out" "proof verified against state root"
contains "$WORK/out" "signed by 1/1 validators"
expect_ok roles "$USER_KEY" --genesis "$DATA/genesis.json" --json
jq -e '.roles == [{"municipality":"dev-city","role":"archive"}] and .proof.verified and .proof.validator_source == "caller"' \
  "$WORK/out" >/dev/null || fail "roles --json: $(cat "$WORK/out")"

step "a grant by a non-admin is refused: before sending, and by the chain itself"
GOVCHAIN_DEV=1 expect_failure role grant --key "$OFFICE" --account "$USER_KEY" --role identity_office --municipality dev-city
contains "$WORK/err" "is not the admin of municipality 'dev-city'"
GOVCHAIN_DEV=1 expect_failure role grant --key "$OFFICE" --account "$USER_KEY" --role identity_office \
  --municipality dev-city --skip-checks
contains "$WORK/err" "unauthorized"
contains "$WORK/err" "left out of the chain"
# The refused grant is not on the chain; the node tells its outcome.
REFUSED_HASH=$(grep -oE 'waiting for [0-9a-f]{64}' "$WORK/err" | cut -d' ' -f3)
expect_ok tx status "$REFUSED_HASH"
contains "$WORK/out" "dropped, never on the chain (unauthorized"
expect_ok roles "$USER_KEY" --json
[ "$(jq '.roles | length' "$WORK/out")" = "1" ] || fail "the refused grant changed the roles"

wait "$EVENTS_PID" || { cat "$WORK/events.err"; fail "govchain events did not receive a block"; }
jq -e '.type == "block" and .tx_count >= 1' "$WORK/events" >/dev/null || fail "event: $(cat "$WORK/events")"

step "block latest, tx status"
expect_ok block latest
contains "$WORK/out" "signed by 1/1 validators, verified"
expect_ok block 1 --json
jq -e '.header.height == 1 and .verified.signatures_valid == 1' "$WORK/out" >/dev/null || fail "block 1 --json"
expect_ok tx status "$GRANT_HASH"
contains "$WORK/out" "committed in block"
contains "$WORK/out" "status:   ok"
expect_failure tx status "$(printf '0%.0s' $(seq 64))"
contains "$WORK/err" "not_found"
expect_failure block 999999
expect_failure block abc
contains "$WORK/err" "height"

step "bad input over HTTP: each a 4xx JSON error, and the node keeps serving"
# A correctly signed grant, signed but not sent (--dry-run), to tamper with.
expect_ok role grant --key "$ADMIN" --dev-key --account "$USER_KEY" --role identity_office --dry-run --json
TX_HEX=$(jq -r .tx_hex "$WORK/out")
# The signature is the last 64 bytes of the encoding: flip its last hex digit.
last=${TX_HEX: -1}; flipped=$([ "$last" = "0" ] && echo 1 || echo 0)
BAD_SIG_HEX="${TX_HEX:0:${#TX_HEX}-1}$flipped"
HTTP_STATUS=$(post_txs "{\"tx\":\"$BAD_SIG_HEX\"}"); expect_http_error 401 bad_signature "bad signature"
HTTP_STATUS=$(post_txs "{\"tx\":\"$TX_HEX\"}")
[ "$HTTP_STATUS" = "202" ] || fail "the untampered transaction was not accepted: $HTTP_STATUS $(cat "$WORK/http")"
DRY_HASH=$(jq -r .hash "$WORK/out")
for _ in $(seq 100); do
  cli tx status "$DRY_HASH" --json && [ "$(jq -r .status "$WORK/out")" = committed ] && break || true
  sleep 0.1
done
[ "$(jq -r .status "$WORK/out")" = committed ] || fail "the dry-run transaction did not commit"
HTTP_STATUS=$(post_txs "{\"tx\":\"$TX_HEX\"}")
[[ "$HTTP_STATUS" == 409 ]] || fail "replay: HTTP $HTTP_STATUS $(cat "$WORK/http")"
expect_http_error 409 "$(jq -r .error.code "$WORK/http")" "replayed transaction"
jq -e '.error.code == "nonce_too_low" or .error.code == "already_exists"' "$WORK/http" >/dev/null || fail "replay code"
expect_ok role grant --key "$ADMIN" --dev-key --account "$USER_KEY" --role public_order_office --dry-run \
  --chain-id other-chain --json
HTTP_STATUS=$(post_txs "{\"tx\":\"$(jq -r .tx_hex "$WORK/out")\"}"); expect_http_error 400 wrong_chain "wrong chain id"
HTTP_STATUS=$(post_txs '{"tx": "00ff'); expect_http_error 400 malformed "malformed JSON"
HTTP_STATUS=$(post_txs '{"tx": "zz"}'); expect_http_error 400 invalid_argument "non-hex transaction"
head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$WORK/big.json"
HTTP_STATUS=$(post_txs "@$WORK/big.json")
if [ "$HTTP_STATUS" = "000" ]; then
  # The server may answer 413 and close before curl has sent everything.
  curl -fsS --max-time 2 "$URL/healthz" >/dev/null || fail "node stopped serving after the 10 MB body"
  echo "   10 MB body -> connection closed by the node (still serving)"
else
  expect_http_error 413 too_large "10 MB body"
fi

step "kill -9 and restart: height, state root and the role survive"
expect_ok status --json
HEIGHT=$(jq -r .height "$WORK/out")
expect_ok block "$HEIGHT" --json
ROOT=$(jq -r .header.state_root "$WORK/out")
HASH=$(jq -r .hash "$WORK/out")
kill -9 "$NODE_PID"
wait "$NODE_PID" 2>/dev/null || true
NODE_PID=""
start_node_at "$DATA" "$PORT"
expect_ok status --json
[ "$(jq -r .height "$WORK/out")" -ge "$HEIGHT" ] || fail "height went back after restart"
expect_ok block "$HEIGHT" --json
[ "$(jq -r .header.state_root "$WORK/out")" = "$ROOT" ] || fail "state root of block $HEIGHT changed"
[ "$(jq -r .hash "$WORK/out")" = "$HASH" ] || fail "hash of block $HEIGHT changed"
expect_ok roles "$USER_KEY" --genesis "$DATA/genesis.json"
contains "$WORK/out" "dev-city  archive"
contains "$WORK/out" "dev-city  identity_office"
contains "$WORK/out" "proof verified"
expect_ok role revoke --key "$ADMIN" --dev-key --account "$USER_KEY" --role identity_office
expect_ok roles "$USER_KEY" --json
[ "$(jq -c '[.roles[].role]' "$WORK/out")" = '["archive"]' ] || fail "revoke: $(cat "$WORK/out")"

if [ -n "$EXAMPLE" ]; then
  step "sdk/examples/grant_role: grant, wait, read back with a verified proof"
  SECOND=$(GOVCHAIN_KEY_PASSPHRASE=x "$GOVCHAIN" keys new --out "$WORK/second.json" --json | jq -r .public_key)
  GOVCHAIN_DEV=1 timeout 60 "$EXAMPLE" "$URL" "$ADMIN" dev-city registration_office "$SECOND" "$DATA/genesis.json" \
    >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; fail "example_grant_role"; }
  contains "$WORK/out" "dev-city registration_office"
  contains "$WORK/out" "signed by 1/1 validators (validator set: genesis file)"
fi

echo "PASS: cli smoke test (height $HEIGHT, state root $ROOT)"
