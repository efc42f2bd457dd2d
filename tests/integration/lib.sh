# Shared helpers for the integration scripts: start and stop govchaind on a
# free port in a temporary folder, wait with a bound, and fail loudly.
# Sourced, not run. Expects GOVCHAIND (path of the node binary).

# Several nodes of a test share this machine (and other tests run beside
# it): the production default metrics_addr (127.0.0.1:26660) would clash, so
# nodes started by tests take any free port unless a test says otherwise.
export GOVCHAIND_METRICS_ADDR="${GOVCHAIND_METRICS_ADDR-127.0.0.1:0}"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# start_node DATA_DIR LOG_FILE [extra args...]: sets NODE_PID and NODE_URL.
start_node() {
  local data_dir=$1 log_file=$2
  shift 2
  # The file exists before the node starts: the background redirection may
  # otherwise run after the first read below.
  : >"$log_file"
  "$GOVCHAIND" --dev --data "$data_dir" --rpc-addr 127.0.0.1:0 --log-level warn "$@" >>"$log_file" 2>&1 &
  NODE_PID=$!
  local port=""
  for _ in $(seq 1 300); do
    port=$(sed -n 's/.*API on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$log_file" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$NODE_PID" 2>/dev/null || { cat "$log_file" >&2; fail "govchaind exited during start"; }
    sleep 0.1
  done
  [ -n "$port" ] || fail "govchaind did not report its API port within 30 s"
  NODE_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 50); do
    curl -sf "$NODE_URL/healthz" >/dev/null && return 0
    sleep 0.1
  done
  fail "govchaind did not answer /healthz within 5 s"
}

stop_node() {
  if [ -n "${NODE_PID:-}" ] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill "$NODE_PID"
    for _ in $(seq 1 100); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$NODE_PID" 2>/dev/null || true
  fi
  NODE_PID=""
}

json_field() {
  python3 -c "import json,sys; print(json.load(sys.stdin)$1)"
}
