#!/usr/bin/env bash
# kill -9 of a dev node in the middle of a stream of transactions, three
# times: after each restart every transaction that was reported committed
# is still there, the node resumes at its last committed block, and a
# re-execution of all blocks from genesis (govchaind --check) reproduces
# every stored state root. The round itself is in crash_lib.sh, which the
# kill part of scripts/soak repeats many times.
#   crash_recovery.sh GOVCHAIND GOVCHAIN_LOAD
set -euo pipefail
GOVCHAIND=$1
LOAD=$2
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/crash_lib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/govchain-crash.XXXXXX")
trap 'stop_node; kill ${LOAD_PID:-} 2>/dev/null || true; rm -rf "$work"' EXIT
data="$work/data"
committed="$work/committed.txt"
touch "$committed"
crash_prepare "$data"

for round in 1 2 3; do
  # Kill once this round's first blocks are reported committed, after a
  # further pause that differs per round.
  crash_kill_under_load "$data" "$committed" "$work/round-$round" 500 "0.$((round * 3))"
  echo "round $round: node killed with -9 (load still sending: $CRASH_UNDER_LOAD);" \
    "$(wc -l <"$committed") transactions reported committed so far (height was $CRASH_HEIGHT_BEFORE at start)"
  crash_check_recovery "$data" "$committed" "$work/round-$round"
  echo "round $round: $CRASH_CHECK_OUTPUT"
  cat "$work/round-$round-verify.txt"
done
echo "crash recovery: 3 kill -9 rounds, no committed transaction lost, state roots reproduced"
