#!/usr/bin/env python3
"""Prints the consortium figures of scripts/bench-network from its work folder.

Usage: bench_network_report.py WORK_DIR VALIDATORS [PACED_PERCENT ...]

WORK_DIR holds sig.json (govchain-load sigbench); for each phase PHASE
(five and four at saturation, five-paced-P and four-paced-P for each
PACED_PERCENT P) PHASE.json (govchain-load run --json), PHASE.log
(validator-0's log during the phase) and PHASE.cpu.json (CPU seconds the
nodes used); and metrics.txt (validator-0's /metrics at the end). A figure
whose file is missing or broken is reported as missing, never guessed.
"""
import json
import re
import statistics
import sys
from pathlib import Path

AIM_TXS_PER_SECOND = 5000
AIM_P50_MS = 500
AIM_P99_MS = 2000
# A paced phase sustained its offered rate if every transaction was
# committed, the load tool kept to its schedule, and the committed rate,
# counted from the first submission to the last commit (so one finality
# time longer than the schedule), reached this share of the offered rate.
SUSTAINED_SHARE_MIN = 0.9
SCHEDULE_LAG_MAX_MS = 1000
COMMITTED_BLOCK = re.compile(
    r"committed block (\d+) \(round (\d+), (\d+) transactions, (\d+) of (\d+) precommits, (\d+) ms\)")


def load_json(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def block_figures(log_path):
    """Blocks with transactions that validator-0 committed during a phase."""
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return None
    blocks = [tuple(int(g) for g in m.groups()) for m in COMMITTED_BLOCK.finditer(text)]
    blocks = [b for b in blocks if b[2] > 0]
    if not blocks:
        return None
    return {
        "blocks": len(blocks),
        "txs_per_block_mean": statistics.mean(b[2] for b in blocks),
        "txs_per_block_max": max(b[2] for b in blocks),
        "block_ms_median": statistics.median(b[5] for b in blocks),
        "block_ms_max": max(b[5] for b in blocks),
        "later_rounds": sum(1 for b in blocks if b[1] > 0),
    }


def print_blocks_and_cpu(blocks, cpu, cores):
    if blocks:
        print(f"   validator-0 committed {blocks['blocks']} blocks with transactions: "
              f"{blocks['txs_per_block_mean']:,.0f} txs per block on average (at most {blocks['txs_per_block_max']:,}), "
              f"{blocks['block_ms_median']:,.0f} ms per height (median; at most {blocks['block_ms_max']:,}), "
              f"{blocks['later_rounds']} decided after round 0")
    if cpu and cpu.get("phase_seconds"):
        available = cpu["phase_seconds"] * cores
        print(f"   the nodes used {cpu['nodes_cpu_seconds']:.1f} CPU seconds of the {available:.1f} the {cores} cores had "
              f"during the phase ({cpu['phase_seconds']:.1f} s, signing of the load included)")


def print_finality(load):
    print(f"   finality p50 {load['latency_p50_ms']:,.0f} ms (aim: under {AIM_P50_MS}), "
          f"p99 {load['latency_p99_ms']:,.0f} ms (aim: under {AIM_P99_MS:,})")


def print_refusals(load):
    reasons = load.get("rejected_by_reason") or {}
    if reasons:
        print("   refused at submission: " + ", ".join(f"{count:,} {reason}" for reason, count in sorted(reasons.items())))


def print_saturation_phase(title, load, blocks, cpu, cores, per_node_limit):
    if not load or "committed_txs_per_second" not in load:
        print(f"{title}: figures missing (the load run failed; see the nodes' logs)")
        return
    tps = load["committed_txs_per_second"]
    print(f"{title}: committed {load['committed']:,}/{load['txs']:,} transactions "
          f"(submitted to {load['nodes_submitted_to']} nodes, {load['rejected_at_submission']:,} rejected at "
          f"submission) in {load['elapsed_seconds']:.1f} s")
    print_refusals(load)
    print(f"   {tps:,.0f} tx/s (aim: at least {AIM_TXS_PER_SECOND:,}); ratio to all-core verifications/s / 5: "
          f"{tps / per_node_limit:.2f}")
    print_finality(load)
    print_blocks_and_cpu(blocks, cpu, cores)


def sustained_verdict(load):
    """Whether a paced phase sustained its offered rate, and why not."""
    if load["submission_lag_max_ms"] > SCHEDULE_LAG_MAX_MS:
        return (f"no: the load tool fell up to {load['submission_lag_max_ms']:,.0f} ms behind its schedule, "
                f"so the rate was not even offered")
    if load["committed"] < load["txs"]:
        return f"no: {load['txs'] - load['committed']:,} of the offered transactions were not committed"
    share = load["committed_txs_per_second"] / load["offered_txs_per_second"]
    if share < SUSTAINED_SHARE_MIN:
        return f"no: committed {share:.0%} of the offered rate (at least {SUSTAINED_SHARE_MIN:.0%} counts as sustained)"
    return "yes"


def print_paced_phase(title, load, blocks, cpu, cores, per_node_limit):
    if not load or not load.get("offered_txs_per_second"):
        print(f"{title}: figures missing (no saturation figure to pace from, or the load run failed; "
              f"see the nodes' logs)")
        return
    offered, tps = load["offered_txs_per_second"], load["committed_txs_per_second"]
    print(f"{title}: offered {offered:,.0f} tx/s for {load['txs'] / offered:.0f} s ({load['txs']:,} transactions, "
          f"{load['txs_per_request']:,} per request, one request every 20 ms in turn to {load['nodes_submitted_to']} "
          f"nodes, at most {load['window']:,} outstanding as a safety bound; the load tool fell at most "
          f"{load['submission_lag_max_ms']:,.0f} ms behind schedule)")
    print_refusals(load)
    print(f"   committed {load['committed']:,}/{load['txs']:,}: {tps:,.0f} tx/s from the first submission to the last "
          f"commit, {tps / offered:.0%} of offered (the last commit came {load['drain_ms']:,.0f} ms after the last "
          f"submission); ratio to all-core verifications/s / 5: {tps / per_node_limit:.2f}")
    print(f"   offered rate sustained: {sustained_verdict(load)}")
    print_finality(load)
    print_blocks_and_cpu(blocks, cpu, cores)


def print_phases(work, name, title, paced_percents, cores, per_node_limit):
    load = load_json(work / f"{name}.json")
    window = f", at most {load['window']:,} transactions outstanding" if load and "window" in load else ""
    print_saturation_phase(f"{title} - saturation (as fast as the window allows{window})", load,
                           block_figures(work / f"{name}.log"), load_json(work / f"{name}.cpu.json"), cores,
                           per_node_limit)
    for percent in paced_percents:
        paced = f"{name}-paced-{percent}"
        print_paced_phase(f"{title} - paced at {percent} % of the saturation throughput above", load_json(work / f"{paced}.json"),
                          block_figures(work / f"{paced}.log"), load_json(work / f"{paced}.cpu.json"), cores,
                          per_node_limit)


def block_seconds_mean(metrics_path):
    try:
        text = metrics_path.read_text()
    except OSError:
        return None
    total = re.search(r"^govchain_consensus_block_seconds_sum\S* (\S+)", text, re.M)
    count = re.search(r"^govchain_consensus_block_seconds_count\S* (\S+)", text, re.M)
    if not total or not count or float(count.group(1)) == 0:
        return None
    return float(total.group(1)) / float(count.group(1)), int(float(count.group(1)))


def main():
    work, validators, paced_percents = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    sig = load_json(work / "sig.json")
    if not sig:
        print("signature verification rate missing: no figures printed")
        return
    one, all_cores = sig["verifications_per_second_one_core"], sig["verifications_per_second_all_cores"]
    per_node_limit = all_cores / validators
    print(f"machine limit: {one:,.0f} verifications/s on one core, {all_cores:,.0f} on all {sig['cores']} cores; "
          f"every transaction is verified by all {validators} nodes on these same {sig['cores']} cores, "
          f"so the nodes together can verify at most {per_node_limit:,.0f} tx/s")
    cores = sig["cores"]
    print_phases(work, "five", f"{validators} validators", paced_percents, cores, per_node_limit)
    print_phases(work, "four", f"{validators - 1} validators (validator-4 killed with kill -9)", paced_percents, cores,
                 per_node_limit)
    mean = block_seconds_mean(work / "metrics.txt")
    if mean:
        print(f"validator-0 /metrics govchain_consensus_block_seconds: {mean[0] * 1000:,.0f} ms per height on "
              f"average over {mean[1]} heights (all phases, empty heights included)")


if __name__ == "__main__":
    main()
