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

# start_node_at DATA_DIR PORT [extra args...]: starts govchaind --dev on a
# port the test chose (so its URL stays the same across restarts), appending
# to $WORK/node.log; waits up to 15 s for /healthz; sets NODE_PID and NODE_URL.
start_node_at() {
  local data_dir=$1 port=$2
  shift 2
  "$GOVCHAIND" --dev --data "$data_dir" --rpc-addr "127.0.0.1:$port" "$@" >>"$WORK/node.log" 2>&1 &
  NODE_PID=$!
  NODE_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 150); do
    curl -fsS --max-time 1 "$NODE_URL/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$NODE_PID" 2>/dev/null || fail "govchaind exited during start-up"
    sleep 0.1
  done
  fail "govchaind did not answer /healthz within 15 s"
}

# stop_process PID: asks PID (may be empty) to stop, waits up to 10 s, then
# kills it.
stop_process() {
  local pid=$1
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
}

stop_node() {
  stop_process "${NODE_PID:-}"
  NODE_PID=""
}

step() { echo "== $*"; }

# free_port: a free TCP port on 127.0.0.1 (bind port 0, read it, release it),
# for tests that must know a node's port before it starts.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# test_work NAME: WORK becomes a new temporary folder. On exit the node
# (NODE_PID) and a background reader (EVENTS_PID) are stopped, the last 30
# lines of $WORK/node.log are printed when the test failed, and WORK is
# removed.
test_work() {
  WORK=$(mktemp -d -t "govchain-$1.XXXXXX")
  NODE_PID=""
  EVENTS_PID=""
  trap test_work_cleanup EXIT
}

test_work_cleanup() {
  local status=$?
  stop_process "${EVENTS_PID:-}"
  stop_process "${NODE_PID:-}"
  if [ "$status" -ne 0 ] && [ -f "$WORK/node.log" ]; then
    echo "---- node log (last 30 lines) ----"
    tail -n 30 "$WORK/node.log"
  fi
  rm -rf "$WORK"
}

json_field() {
  python3 -c "import json,sys; print(json.load(sys.stdin)$1)"
}
