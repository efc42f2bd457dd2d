#!/usr/bin/env python3
"""Prints the consortium figures of scripts/bench-network from its work folder.

Usage: bench_network_report.py WORK_DIR VALIDATORS

WORK_DIR holds sig.json (govchain-load sigbench), five.json and four.json
(govchain-load run --json), five.log and four.log (validator-0's log during
each phase) and metrics.txt (validator-0's /metrics at the end). A figure
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


def print_phase(title, load, blocks, cpu, cores, per_node_limit):
    if not load or "committed_txs_per_second" not in load:
        print(f"{title}: figures missing (the load run failed; see the nodes' logs)")
        return
    tps = load["committed_txs_per_second"]
    print(f"{title}: committed {load['committed']:,}/{load['txs']:,} transactions "
          f"(submitted to {load['nodes_submitted_to']} nodes, {load['rejected_at_submission']:,} rejected at "
          f"submission) in {load['elapsed_seconds']:.1f} s")
    reasons = load.get("rejected_by_reason") or {}
    if reasons:
        print("   refused at submission: " + ", ".join(f"{count:,} {reason}" for reason, count in sorted(reasons.items())))
    print(f"   {tps:,.0f} tx/s (aim: at least {AIM_TXS_PER_SECOND:,}); ratio to all-core verifications/s / 5: "
          f"{tps / per_node_limit:.2f}")
    print(f"   finality p50 {load['latency_p50_ms']:,.0f} ms (aim: under {AIM_P50_MS}), "
          f"p99 {load['latency_p99_ms']:,.0f} ms (aim: under {AIM_P99_MS:,})")
    if blocks:
        print(f"   validator-0 committed {blocks['blocks']} blocks with transactions: "
              f"{blocks['txs_per_block_mean']:,.0f} txs per block on average (at most {blocks['txs_per_block_max']:,}), "
              f"{blocks['block_ms_median']:,.0f} ms per height (median; at most {blocks['block_ms_max']:,}), "
              f"{blocks['later_rounds']} decided after round 0")
    if cpu and cpu.get("phase_seconds"):
        available = cpu["phase_seconds"] * cores
        print(f"   the nodes used {cpu['nodes_cpu_seconds']:.1f} CPU seconds of the {available:.1f} the {cores} cores had "
              f"during the phase ({cpu['phase_seconds']:.1f} s, signing of the load included)")


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
    work, validators = Path(sys.argv[1]), int(sys.argv[2])
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
    print_phase(f"{validators} validators", load_json(work / "five.json"), block_figures(work / "five.log"),
                load_json(work / "five.cpu.json"), cores, per_node_limit)
    print_phase(f"{validators - 1} validators (validator-4 killed with kill -9)", load_json(work / "four.json"),
                block_figures(work / "four.log"), load_json(work / "four.cpu.json"), cores, per_node_limit)
    mean = block_seconds_mean(work / "metrics.txt")
    if mean:
        print(f"validator-0 /metrics govchain_consensus_block_seconds: {mean[0] * 1000:,.0f} ms per height on "
              f"average over {mean[1]} heights (both phases, empty heights included)")


if __name__ == "__main__":
    main()
