#!/usr/bin/env bash
# CTest check.dependency_graph_catches_violations: shows that
# scripts/check-deps fails when any node/ folder includes a folder above it.
#
# It copies node/ (sources only) into a temporary folder, checks that the
# copy passes, then injects one back-include at a time — into every folder
# that has a folder above it (p2p both ways, and folders with digits in
# their names), plus a clock include into execution and a folder outside the
# graph — and expects each to fail with a message naming the file.
#
#   tests/unit/check_deps_test.sh SCRIPTS_CHECK_DEPS REPOSITORY_ROOT
set -euo pipefail
check=${1:?usage: check_deps_test.sh CHECK_DEPS ROOT}
root=${2:?usage: check_deps_test.sh CHECK_DEPS ROOT}
work=$(mktemp -d "${TMPDIR:-/tmp}/govchain-check-deps.XXXXXX")
trap 'rm -rf "$work"' EXIT

(cd "$root" && find node \( -name '*.h' -o -name '*.cpp' \) -print0 | tar --null -T - -cf -) | tar -C "$work" -xf -
"$check" "$work" >/dev/null || { echo "FAIL: the unchanged copy of node/ does not pass"; "$check" "$work"; exit 1; }

failures=0
checked=0
# Appends `line` to a header of node/<folder>, expects check-deps to fail
# naming that header, and restores the file.
expect_violation() {
  local folder=$1 line=$2 why=$3
  local file
  file=$(find "$work/node/$folder" -name '*.h' | sort | head -n 1)
  [ -n "$file" ] || { echo "FAIL: node/$folder has no header to inject into"; failures=$((failures + 1)); return; }
  cp "$file" "$file.orig"
  printf '%s\n' "$line" >>"$file"
  local output
  if output=$("$check" "$work" 2>&1); then
    echo "FAIL: $why was not caught ($line in ${file#"$work"/})"
    failures=$((failures + 1))
  elif ! grep -q "${file#"$work"/}" <<<"$output"; then
    echo "FAIL: $why failed the check without naming ${file#"$work"/}: $output"
    failures=$((failures + 1))
  fi
  mv "$file.orig" "$file"
  checked=$((checked + 1))
}

for dir in "$work"/node/*/; do
  folder=$(basename "$dir")
  allowed=$("$check" --allowed "$folder")
  # The first folder this one may not use: everything but app has one.
  above=""
  for candidate in app rpc sync p2p mempool block execution runtime setup chain consensus state storage crypto codec core; do
    [ "$candidate" = "$folder" ] && continue
    [ -d "$work/node/$candidate" ] || continue
    grep -qw -- "$candidate" <<<"$allowed" && continue
    above=$candidate
    break
  done
  if [ -z "$above" ]; then
    [ "$folder" = app ] || { echo "FAIL: node/$folder may use every folder, but only app is at the top"; failures=$((failures + 1)); }
    continue
  fi
  expect_violation "$folder" "#include \"$above/injected.h\"" "node/$folder including node/$above"
done

# p2p as the target of a back-include, and as its source.
expect_violation consensus '#include "p2p/transport.h"' "node/consensus including node/p2p"
expect_violation p2p '#include "rpc/api.h"' "node/p2p including node/rpc"
expect_violation p2p '  #  include "sync/protocol.h"' "an indented include"
# The clock stays out of deterministic code.
expect_violation execution '#include "core/clock.h"' "node/execution including the clock"
# A folder outside the graph (with a digit, like p2p) is refused as such.
mkdir -p "$work/node/x2y"
printf '#pragma once\n' >"$work/node/x2y/thing.h"
if "$check" "$work" >/dev/null 2>&1; then
  echo "FAIL: a folder outside the graph (node/x2y) passed"
  failures=$((failures + 1))
fi
rm -r "$work/node/x2y"

if [ "$failures" -gt 0 ]; then
  echo "$failures of $checked injected violations were not caught"
  exit 1
fi
echo "check-deps caught all $checked injected violations and a folder outside the graph"
