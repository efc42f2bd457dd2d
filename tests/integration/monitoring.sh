#!/usr/bin/env bash
# The monitoring files (monitoring/) in their tools' checkers, and the alert
# rules against a real network.
#
#   monitoring.sh static SOURCE_DIR
#     (CTest monitoring.rules) promtool checks the rules and the example
#     Prometheus configuration; the rules' unit tests and the committed
#     recording of a real network pass; a broken ChainHalted rule fails that
#     recording; every query of the Grafana dashboard parses (promtool, as
#     recording rules) and every metric the dashboard and the rules name is
#     one the node's sources define.
#
#   monitoring.sh recorded SOURCE_DIR GOVCHAIND GOVCHAIN [FIXTURE_OUT]
#     (CTest monitoring.recorded) five validators made with `govchain
#     network`: their /metrics are scraped every 5 s while all run, after one
#     is stopped and after a second one is stopped; the recording becomes a
#     `promtool test rules` file that requires no alert at first,
#     GovchainNodeDown and ValidatorMissingPrecommits with one down, and
#     ChainHalted and PeersBelowQuorum with two down. It must pass, and fail
#     with a broken ChainHalted rule. Every metric the dashboard and the
#     rules name must be served by the live nodes. With FIXTURE_OUT, the test
#     file is also written there (how monitoring/tests/recorded-*.test.yml
#     was made).
set -euo pipefail
MODE=$1
SOURCE=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
RULES="$SOURCE/monitoring/prometheus/govchain-alerts.yml"
DASHBOARD="$SOURCE/monitoring/grafana/govchain-dashboard.json"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
command -v promtool >/dev/null || { echo "SKIP: promtool is missing (scripts/bootstrap installs prometheus)"; exit 77; }

WORK=$(mktemp -d /tmp/govchain-monitoring.XXXXXX)
NET="$WORK/net"
RECORDER_PID=""
cleanup() {
  local status=$?
  [ -n "$RECORDER_PID" ] && kill "$RECORDER_PID" 2>/dev/null || true
  if [ -f "$NET/network.json" ]; then "${GOVCHAIN:-false}" network down "$NET" >/dev/null 2>&1 || true; fi
  if [ "$status" -ne 0 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# A copy of the rules whose ChainHalted fires on one block a minute instead
# of none: a test that still passes with it proves nothing.
broken_rules() {
  sed 's/expr: max by (job) (changes(govchain_height\[1m\])) == 0/expr: max by (job) (changes(govchain_height[1m])) == 1/' \
    "$RULES" >"$WORK/broken-alerts.yml"
  cmp -s "$RULES" "$WORK/broken-alerts.yml" && fail "could not break the ChainHalted rule (its expression changed?)"
  return 0
}

# check_metric_names SOURCE_OF_NAMES: every metric of the dashboard and the
# rules is in the file of known names (one per line).
check_metric_names() {
  python3 - "$DASHBOARD" "$RULES" "$1" <<'PY'
import json, re, sys
import yaml
dashboard, rules, known_file = sys.argv[1:4]
known = set(open(known_file).read().split())
exprs = [t["expr"] for p in json.load(open(dashboard))["panels"] for t in p.get("targets", [])]
exprs += [r["expr"] for g in yaml.safe_load(open(rules))["groups"] for r in g["rules"]]
names = set()
for expr in exprs:
    for name in re.findall(r"\b(govchain_[a-z_]+)\b", expr):
        names.add(re.sub(r"_(bucket|sum|count)$", "", name))
missing = sorted(n for n in names if n not in known)
if missing:
    sys.exit(f"the dashboard or the rules name metrics the node does not have: {missing}")
print(f"   {len(names)} govchain metrics named by the dashboard and the rules, all known")
PY
}

static_checks() {
  echo "1. promtool checks the rules and the example configuration"
  promtool check rules "$RULES" >/dev/null
  promtool check config "$SOURCE/monitoring/prometheus/prometheus.yml" >/dev/null
  echo "2. the rules' unit tests and the committed recording of a real network pass"
  for test in "$SOURCE"/monitoring/tests/*.test.yml; do
    promtool test rules "$test" >"$WORK/promtool.out" 2>&1 || { cat "$WORK/promtool.out"; fail "$test"; }
  done
  echo "3. a broken ChainHalted rule fails the recording"
  broken_rules
  for test in "$SOURCE"/monitoring/tests/recorded-*.test.yml; do
    sed "s|../prometheus/govchain-alerts.yml|$WORK/broken-alerts.yml|" "$test" >"$WORK/broken.test.yml"
    if promtool test rules "$WORK/broken.test.yml" >/dev/null 2>&1; then
      fail "$test passes with a broken ChainHalted rule"
    fi
  done
  echo "4. the Grafana dashboard: its JSON, and every query parses"
  python3 - "$DASHBOARD" "$WORK/dashboard-queries.yml" <<'PY'
import json, sys
import yaml
dashboard = json.load(open(sys.argv[1]))
for field in ("title", "uid", "schemaVersion", "panels", "templating"):
    assert field in dashboard, f"dashboard lacks '{field}'"
ids, rules = set(), []
for panel in dashboard["panels"]:
    assert panel["id"] not in ids, f"panel id {panel['id']} twice"
    ids.add(panel["id"])
    grid = panel["gridPos"]
    assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24 and grid["h"] > 0, f"panel {panel['title']}: gridPos {grid}"
    assert panel["targets"], f"panel {panel['title']} has no query"
    for target in panel["targets"]:
        expr = target["expr"].replace("$job", "govchain")
        rules.append({"record": f"dashboard:panel_{panel['id']}_{target['refId']}", "expr": expr})
variables = {v["name"] for v in dashboard["templating"]["list"]}
assert {"datasource", "job"} <= variables, f"dashboard variables {variables}"
yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[2], "w"))
print(f"   {len(dashboard['panels'])} panels, {len(rules)} queries")
PY
  promtool check rules "$WORK/dashboard-queries.yml" >/dev/null ||
    { promtool check rules "$WORK/dashboard-queries.yml"; fail "a dashboard query does not parse"; }
  echo "5. every metric named is defined in the node's sources"
  grep -rhoE '"govchain_[a-z_]+"' "$SOURCE/node" | tr -d '"' | sort -u >"$WORK/source-metrics.txt"
  check_metric_names "$WORK/source-metrics.txt"
}

# ---- recorded ----

recorded_run() {
  GOVCHAIND=$(realpath "$3")
  GOVCHAIN=$(realpath "$4")
  local fixture_out=${5:-}
  # shellcheck source=network_lib.sh
  source "$HERE/network_lib.sh"
  local base
  base=$(free_base_port 10)
  echo "1. five validators"
  "$GOVCHAIN" network new --out "$NET" --base-port "$base" --municipality aachen --municipality gelsenkirchen \
    --municipality soest --municipality wuppertal --municipality paderborn >/dev/null
  "$GOVCHAIN" network up "$NET" --bin "$GOVCHAIND" --start-timeout-ms 120000 >/dev/null
  wait_height aachen 3 120
  local urls=()
  for id in aachen gelsenkirchen soest wuppertal paderborn; do urls+=(--url "$id=$(url_of "$id")"); done
  python3 "$HERE/monitoring_record.py" record "${urls[@]}" --interval-s 5 --out "$WORK/samples.jsonl" &
  RECORDER_PID=$!
  echo "2. recording: all five for 45 s, then paderborn stopped for 150 s, then soest too for 165 s"
  sleep 45
  local all_end killed_one_end
  all_end=$(date +%s.%N)
  kill -9 "$(pid_of paderborn)"
  sleep 150
  killed_one_end=$(date +%s.%N)
  wait_height aachen 10 5
  kill -9 "$(pid_of soest)"
  sleep 165
  local end
  end=$(date +%s.%N)
  kill "$RECORDER_PID"
  wait "$RECORDER_PID" || true
  RECORDER_PID=""
  echo "   $(wc -l <"$WORK/samples.jsonl") scrapes of five nodes"
  jq -n --arg net "$NET" --argjson a "$all_end" --argjson b "$killed_one_end" --argjson c "$end" \
    --arg paderborn "$(jq -r '.nodes[] | select(.id=="paderborn") | .public_key' "$NET/network.json")" \
    --arg soest "$(jq -r '.nodes[] | select(.id=="soest") | .public_key' "$NET/network.json")" \
    '{network: "govchain network, kill -9", validator_keys: {paderborn: $paderborn, soest: $soest},
      phases: [{name: "all five", end_s: $a, down: []},
               {name: "paderborn stopped", end_s: $b, down: ["paderborn"]},
               {name: "paderborn and soest stopped", end_s: $c, down: ["paderborn", "soest"]}]}' >"$WORK/phases.json"
  echo "3. the recording as a promtool test: the scenario's alerts, and only those"
  python3 "$HERE/monitoring_record.py" make-test --samples "$WORK/samples.jsonl" --phases "$WORK/phases.json" \
    --rules "$RULES" --out "$WORK/recorded.test.yml"
  promtool test rules "$WORK/recorded.test.yml" >"$WORK/promtool.out" 2>&1 ||
    { cat "$WORK/promtool.out"; fail "the alert rules do not give the scenario's alerts on the recorded network"; }
  broken_rules
  python3 "$HERE/monitoring_record.py" make-test --samples "$WORK/samples.jsonl" --phases "$WORK/phases.json" \
    --rules "$WORK/broken-alerts.yml" --out "$WORK/broken.test.yml"
  if promtool test rules "$WORK/broken.test.yml" >/dev/null 2>&1; then
    fail "the recording passes with a broken ChainHalted rule"
  fi
  echo "   ChainHalted fires with two of five stopped and not before; a broken rule fails"
  if [ -n "$fixture_out" ]; then
    python3 "$HERE/monitoring_record.py" make-test --samples "$WORK/samples.jsonl" --phases "$WORK/phases.json" \
      --rules "$RULES" --rules-reference ../prometheus/govchain-alerts.yml --out "$fixture_out"
    echo "   wrote $fixture_out"
  fi
  echo "4. every metric the dashboard and the rules name is served by the nodes"
  curl -fsS "$(url_of aachen)/metrics" | sed -n 's/^\(govchain_[a-z_]*\).*/\1/p' |
    sed -E 's/_(bucket|sum|count)$//' | sort -u >"$WORK/live-metrics.txt"
  # Counted only once it happens: no equivocation in this run.
  echo govchain_consensus_evidence_total >>"$WORK/live-metrics.txt"
  check_metric_names "$WORK/live-metrics.txt"
}

case "$MODE" in
  static) static_checks ;;
  recorded) recorded_run "$@" ;;
  *) fail "usage: monitoring.sh static|recorded SOURCE_DIR [GOVCHAIND GOVCHAIN [FIXTURE_OUT]]" ;;
esac
echo "PASS: monitoring $MODE"
