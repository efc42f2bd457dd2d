#!/usr/bin/env bash
# hostile.deep_json: bodies of 4 MB of "[" (four million levels
# of nesting) to POST /v1/txs and POST /v1/query, and 4 MB of "[]," (over a
# million empty arrays), five times each. Every one must be refused with 413
# within 3 s, the node's resident memory must grow by less than 64 MiB, and
# the node keeps serving. Before the JSON shape pre-scan the parser took RSS
# from 48 to 475 MB and kept it.
# Usage: hostile_deep_json.sh GOVCHAIND
set -euo pipefail
GOVCHAIND=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/govchain-deep-json.XXXXXX")
trap 'stop_node; rm -rf "$WORK"' EXIT

start_node "$WORK/data" "$WORK/node.log"
PORT=${NODE_URL##*:}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$NODE_PID/status"; }
RSS_BEFORE=$(rss_kib)

python3 - "$PORT" <<'PY'
import http.client, sys, time
port = int(sys.argv[1])
bodies = {"deep": b"[" * 4_000_000, "wide": b"[" + b"[]," * 1_333_000 + b"[]]"}
for round_index in range(5):
    for path in ("/v1/txs", "/v1/query"):
        for name, body in bodies.items():
            started = time.monotonic()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = response.read()
            connection.close()
            elapsed = time.monotonic() - started
            if response.status != 413 or elapsed > 3:
                sys.exit(f"FAIL: {name} body to {path}: status {response.status} after {elapsed:.1f} s: {answer[:200]!r}")
print("every 4 MB body (deep and wide) to /v1/txs and /v1/query was refused with 413 within 3 s")
PY

RSS_AFTER=$(rss_kib)
echo "resident memory: ${RSS_BEFORE} KiB before, ${RSS_AFTER} KiB after 20 refused 4 MB bodies"
[ $((RSS_AFTER - RSS_BEFORE)) -lt 65536 ] || fail "resident memory grew by $((RSS_AFTER - RSS_BEFORE)) KiB"
curl -sf "$NODE_URL/v1/status" >/dev/null || fail "the node does not serve after the deep JSON bodies"
curl -sf "$NODE_URL/metrics" | grep '^govchain_rpc_refused_total{reason="json_shape"}' ||
  fail "the refusals are not counted"
echo "deep JSON: refused before parsing, memory bounded, node serving"
