# shellcheck shell=bash
# One kill -9 round of a dev node under transaction load, shared by
# tests/integration/crash_recovery.sh (three rounds in CTest) and the kill
# part of scripts/soak (hundreds of rounds). Sourced after lib.sh, not run.
# Expects GOVCHAIND (node binary) and LOAD (govchain-load binary); uses and
# clears NODE_PID and LOAD_PID, so a caller's EXIT trap can stop both.
# CRASH_TXS (default 5000) transactions are offered per round at CRASH_RATE
# per second (default 1000): a paced stream lasts several seconds, so the
# kill lands while transactions are still arriving, not on an idle node.
CRASH_TXS=${CRASH_TXS:-5000}
CRASH_RATE=${CRASH_RATE:-1000}

# crash_prepare DATA_DIR: a fresh dev chain with 50 municipality admins that
# send the load, and a block every 20 ms so that many blocks are in flight
# when the node dies.
crash_prepare() {
  "$LOAD" prepare --data "$1" --municipalities 50 --block-interval-ms 20 >/dev/null
}

# crash_wait_for_commits COMMITTED_FILE LINES_BEFORE MORE: waits (at most
# 60 s) until MORE transactions beyond LINES_BEFORE are reported committed,
# or the load generator has ended.
crash_wait_for_commits() {
  local committed=$1 lines_before=$2 more=$3
  for _ in $(seq 1 600); do
    [ "$(wc -l <"$committed" 2>/dev/null || echo 0)" -gt $((lines_before + more)) ] && return 0
    kill -0 "$LOAD_PID" 2>/dev/null || return 0
    sleep 0.1
  done
}

# crash_kill_under_load DATA_DIR COMMITTED_FILE LOG_PREFIX COMMITS_BEFORE_KILL PAUSE_S:
# starts the node, streams CRASH_TXS transactions into it and kills it with
# -9 once COMMITS_BEFORE_KILL more transactions were reported committed and a
# further PAUSE_S seconds have passed, so that the kill lands in the middle of
# blocks being built, written and answered. Sets CRASH_HEIGHT_BEFORE, and
# CRASH_UNDER_LOAD to 1 if the load generator was still sending at the kill.
crash_kill_under_load() {
  local data=$1 committed=$2 log_prefix=$3 commits_before_kill=$4 pause_s=$5
  start_node "$data" "$log_prefix-node.log"
  CRASH_HEIGHT_BEFORE=$(curl -sf "$NODE_URL/v1/status" | json_field "['height']")
  "$LOAD" run --node "$NODE_URL" --data "$data" --txs "$CRASH_TXS" --rate "$CRASH_RATE" --window 2000 --timeout 60 \
    --committed-out "$committed" --json >"$log_prefix-load.json" 2>&1 &
  LOAD_PID=$!
  crash_wait_for_commits "$committed" "$(wc -l <"$committed")" "$commits_before_kill"
  sleep "$pause_s"
  CRASH_UNDER_LOAD=0
  ! kill -0 "$LOAD_PID" 2>/dev/null || CRASH_UNDER_LOAD=1
  kill -9 "$NODE_PID" 2>/dev/null || fail "the node had exited before the kill -9 (log: $log_prefix-node.log)"
  wait "$NODE_PID" 2>/dev/null || true
  NODE_PID=""
  # The load generator would retry until its timeout; what it has reported
  # committed so far is in the file, flushed after every event.
  kill "$LOAD_PID" 2>/dev/null || true
  wait "$LOAD_PID" 2>/dev/null || true
  LOAD_PID=""
  crash_drop_partial_line "$committed"
}

# A signal between two writes of one event may leave a last line cut short:
# that hash was not fully reported, so it is not counted.
crash_drop_partial_line() {
  if [ -s "$1" ] && [ -n "$(tail -c 1 "$1")" ]; then sed -i '$d' "$1"; fi
}

# crash_check_recovery DATA_DIR COMMITTED_FILE LOG_PREFIX: re-executes every
# block from genesis (govchaind --check must reproduce each stored state
# root), restarts the node, requires its state root to equal the
# re-execution's and its height to be above CRASH_HEIGHT_BEFORE, and asks it
# for every transaction ever reported committed. Sets CRASH_CHECK_OUTPUT,
# CRASH_HEIGHT and CRASH_STATE_ROOT.
crash_check_recovery() {
  local data=$1 committed=$2 log_prefix=$3
  CRASH_CHECK_OUTPUT=$("$GOVCHAIND" --dev --data "$data" --check 2>&1) ||
    { echo "$CRASH_CHECK_OUTPUT" >&2; fail "replay check (govchaind --check) failed after kill -9"; }
  local replayed_root
  replayed_root=$(sed -n 's/.*state root \([0-9a-f]*\) matches.*/\1/p' <<<"$CRASH_CHECK_OUTPUT")
  [ -n "$replayed_root" ] || fail "govchaind --check did not report a state root: $CRASH_CHECK_OUTPUT"
  start_node "$data" "$log_prefix-restart.log"
  local status
  status=$(curl -sf "$NODE_URL/v1/status")
  CRASH_STATE_ROOT=$(json_field "['state_root']" <<<"$status")
  CRASH_HEIGHT=$(json_field "['height']" <<<"$status")
  [ "$CRASH_STATE_ROOT" = "$replayed_root" ] ||
    fail "restarted node's state root $CRASH_STATE_ROOT differs from the re-execution's $replayed_root"
  [ "$CRASH_HEIGHT" -gt "$CRASH_HEIGHT_BEFORE" ] ||
    fail "no block was committed in this round (height $CRASH_HEIGHT, $CRASH_HEIGHT_BEFORE before)"
  "$LOAD" verify --node "$NODE_URL" --committed "$committed" >"$log_prefix-verify.txt" 2>&1 ||
    { cat "$log_prefix-verify.txt" >&2; fail "a transaction reported committed was lost after kill -9"; }
  stop_node
}

# crash_round DATA_DIR COMMITTED_FILE LOG_PREFIX COMMITS_BEFORE_KILL PAUSE_S:
# one full round, kill and recovery.
crash_round() {
  crash_kill_under_load "$@"
  crash_check_recovery "$1" "$2" "$3"
}
