#!/usr/bin/env python3
"""Record govchaind metrics of a real network and turn them into a
`promtool test rules` file for monitoring/prometheus/govchain-alerts.yml.

  monitoring_record.py record --url ID=URL ... --interval-s 5 --out samples.jsonl
      Scrapes every node's /metrics every interval (as Prometheus would, with
      job "govchain" and the node's host:port as instance) until SIGTERM.
      A failed scrape is recorded as up 0, a good one as up 1.

  monitoring_record.py make-test --samples samples.jsonl --phases phases.json
                                 --rules RULES --out TEST.yml
      phases.json: {"network": "...", "validator_keys": {ID: key},
                    "phases": [{"name": "...", "end_s": wall time,
                                "down": [ID, ...]}, ...]}
      Writes input series (missing samples after a failed scrape become
      'stale', then '_') and, at the end of each phase, the alerts the
      scenario requires: none while all run; GovchainNodeDown for each down
      node; ValidatorMissingPrecommits for a validator down while the chain
      goes on; ChainHalted and PeersBelowQuorum once more than a third is
      down. The expectations come from the scenario (who was stopped when),
      never from evaluating the rules here.
"""
import argparse
import json
import re
import signal
import sys
import threading
import time
import urllib.request

import yaml

# The metrics the rules read; the others are left out to keep the file small.
METRICS = {
    "govchain_height",
    "govchain_peers_connected",
    "govchain_validators",
    "govchain_consensus_validator_precommit_height",
    "govchain_mempool_txs",
    "govchain_mempool_txs_max",
}
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
ALERTS = ["ChainHalted", "GovchainNodeDown", "NodeBehind", "ValidatorMissingPrecommits", "PeersBelowQuorum",
          "MempoolFull"]


def scrape(url, timeout_s):
    samples = {}
    with urllib.request.urlopen(url + "/metrics", timeout=timeout_s) as answer:
        for line in answer.read().decode().splitlines():
            match = LINE.match(line)
            if not match or match.group(1) not in METRICS:
                continue
            labels = dict(LABEL.findall(match.group(2) or ""))
            samples[(match.group(1), tuple(sorted(labels.items())))] = float(match.group(3))
    return samples


def record(arguments):
    nodes = dict(entry.split("=", 1) for entry in arguments.url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with open(arguments.out, "w") as out:
        next_s = time.time()
        while not stop.is_set():
            row = {"time_s": next_s, "nodes": {}}
            for node, url in nodes.items():
                instance = url.split("://", 1)[1]
                try:
                    values = scrape(url, min(arguments.interval_s / 2, 2.0))
                    row["nodes"][node] = {"instance": instance, "up": 1,
                                          "samples": [[n, dict(l), v] for (n, l), v in values.items()]}
                except Exception:  # down, refused, timed out: what Prometheus records as up 0
                    row["nodes"][node] = {"instance": instance, "up": 0, "samples": []}
            out.write(json.dumps(row) + "\n")
            out.flush()
            next_s += arguments.interval_s
            stop.wait(max(0.0, next_s - time.time()))


def series_name(name, labels):
    inner = ", ".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    return f"{name}{{{inner}}}"


def input_series(rows):
    """Every series over all rows: values, 'stale' at the first missing
    sample after a present one (what Prometheus writes when a scrape fails
    or a series disappears), '_' after that."""
    series = {}
    for index, row in enumerate(rows):
        for node in row["nodes"].values():
            base = {"job": "govchain", "instance": node["instance"]}
            entries = [["up", {}, node["up"]]] + node["samples"]
            for name, labels, value in entries:
                key = series_name(name, {**labels, **base})
                series.setdefault(key, [None] * len(rows))[index] = value
    result = []
    for key, values in sorted(series.items()):
        words, present = [], False
        for value in values:
            if value is not None:
                words.append(f"{value:g}")
                present = True
            else:
                words.append("stale" if present else "_")
                present = False
        result.append({"series": key, "values": " ".join(words)})
    return result


def render(text, labels):
    return re.sub(r"\{\{\s*\$labels\.([a-zA-Z_]+)\s*\}\}", lambda m: labels[m.group(1)], text)


def expected(rule, labels):
    full = {**labels, **rule.get("labels", {})}
    return {"exp_labels": full,
            "exp_annotations": {k: render(v, full) for k, v in rule.get("annotations", {}).items()}}


def make_test(arguments):
    rows = [json.loads(line) for line in open(arguments.samples)]
    scenario = json.load(open(arguments.phases))
    rules = {rule["alert"]: rule for group in yaml.safe_load(open(arguments.rules))["groups"]
             for rule in group["rules"] if "alert" in rule}
    interval_s = rows[1]["time_s"] - rows[0]["time_s"]
    start_s = rows[0]["time_s"]
    instances = {node: row_node["instance"] for node, row_node in rows[0]["nodes"].items()}
    members = list(instances)
    tests = []
    down_before = set()
    for phase in scenario["phases"]:
        # The last sample taken before the phase ended.
        index = max(i for i, row in enumerate(rows) if row["time_s"] <= phase["end_s"])
        eval_s = int(round((rows[index]["time_s"] - start_s)))
        down = set(phase["down"])
        halted = len(down) * 3 >= len(members)  # a quorum needs more than two thirds
        firing = {name: [] for name in ALERTS}
        for node in sorted(down):
            firing["GovchainNodeDown"].append(expected(rules["GovchainNodeDown"],
                                                       {"job": "govchain", "instance": instances[node]}))
        # A validator down while the chain still went on falls behind; one
        # stopped together with the halt does not (the heights stop too).
        for node in sorted(down_before if halted else down):
            key = scenario["validator_keys"][node]
            firing["ValidatorMissingPrecommits"].append(
                expected(rules["ValidatorMissingPrecommits"], {"job": "govchain", "validator": key}))
        if halted:
            firing["ChainHalted"].append(expected(rules["ChainHalted"], {"job": "govchain"}))
            for node in members:
                if node not in down:
                    firing["PeersBelowQuorum"].append(
                        expected(rules["PeersBelowQuorum"], {"job": "govchain", "instance": instances[node]}))
        tests.extend({"eval_time": f"{eval_s}s", "alertname": name, "exp_alerts": alerts}
                     for name, alerts in firing.items())
        down_before = down
    document = {
        "rule_files": [arguments.rules_reference or arguments.rules],
        "evaluation_interval": f"{int(interval_s)}s",
        "tests": [{"interval": f"{int(interval_s)}s", "input_series": input_series(rows),
                   "alert_rule_test": tests}],
    }
    recorded_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(start_s))
    header = (f"# Recorded on {recorded_at} from a real network of {len(members)} validators ({scenario['network']}), "
              f"one scrape every {int(interval_s)} s, by tests/integration/monitoring_record.py.\n# Phases: " +
              "; ".join(f"{p['name']} until {int(p['end_s'] - start_s)} s, down: {', '.join(p['down']) or 'none'}"
                        for p in scenario["phases"]) + ".\n")
    with open(arguments.out, "w") as out:
        out.write(header)
        yaml.safe_dump(document, out, sort_keys=False, width=200)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    recorder = commands.add_parser("record")
    recorder.add_argument("--url", action="append", required=True, help="ID=http://host:port")
    recorder.add_argument("--interval-s", type=float, default=5.0)
    recorder.add_argument("--out", required=True)
    maker = commands.add_parser("make-test")
    maker.add_argument("--samples", required=True)
    maker.add_argument("--phases", required=True)
    maker.add_argument("--rules", required=True)
    maker.add_argument("--rules-reference", help="the rule file's path as the test file names it")
    maker.add_argument("--out", required=True)
    arguments = parser.parse_args()
    (record if arguments.command == "record" else make_test)(arguments)


if __name__ == "__main__":
    sys.exit(main())
