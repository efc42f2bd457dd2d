#!/usr/bin/env bash
# Long soak of the consensus simulator: every n and scenario over a large,
# fresh seed range. Usage: tests/sim/soak.sh [build-dir] [seeds-per-case] [first-seed]
# Prints one summary line per case and the replay command of any failing seed.
set -uo pipefail
build=${1:-build}
seeds=${2:-20000}
first=${3:-$(date +%s)}
status=0
for validators in 4 5 7 10 13; do
  for scenario in lossy partition crash byzantine mixed; do
    "$build/bin/govchain_sim" --seed "$first" --seeds "$seeds" --validators "$validators" --scenario "$scenario" \
      --fault-ms 40000 | grep -v '^seed ' || status=1
  done
done
exit $status
