#!/usr/bin/env bash
# Long soak of the consensus simulator at every n and scenario: the
# simulator part of scripts/soak (docs/reliability.md) with n = 4, 5, 7, 10
# and 13, five scenarios each, and 40 s of simulated faults per seed.
#   tests/sim/soak.sh [build-dir] [seeds-per-case] [first-seed]
# Every seed is used once, in one of the 25 cases; a failing seed is printed
# with its replay command, and the exit status is non-zero.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
seeds=${2:-20000}
first=${3:-$(date +%s)}
cases=""
for validators in 4 5 7 10 13; do
  for scenario in lossy partition crash byzantine mixed; do cases+="$validators:$scenario "; done
done
exec "$root/scripts/soak" --parts sim --build-dir "$build" --seeds $((seeds * 25)) --first-seed "$first" \
  --cases "$cases" --fault-ms 40000
