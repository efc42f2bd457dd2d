#!/usr/bin/env bash
# integration.tls: the CLI (and so the client SDK) against the node's API
# behind nginx with TLS, configured with the nginx block of
# docs/operations.md ("The API behind TLS") and a test CA made here:
#   - https works with --ca-file, by host name and by IP address, for reads,
#     a signed transaction and a WebSocket upgrade through nginx;
#   - refused: no CA file (the test CA is not in the system's store),
#     another CA's file, a certificate of another CA, a certificate naming
#     another host, a CA file with an http:// URL; each with a message
#     that names the cause;
#   - nginx refuses a body over the block's 4 MiB before the node sees it.
# Usage: tls.sh GOVCHAIND GOVCHAIN OPERATIONS_MD
set -euo pipefail
GOVCHAIND=$(realpath "$1")
GOVCHAIN=$(realpath "$2")
DOC=$(realpath "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=network_lib.sh
source "$HERE/network_lib.sh"
for tool in nginx openssl curl jq; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is missing (scripts/bootstrap installs it)"; exit 77; }
done

WORK=$(mktemp -d /tmp/govchain-tls.XXXXXX)
NGINX_PID=""
cleanup() {
  local status=$?
  stop_node
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    [ -f "$WORK/nginx/error.log" ] && tail -n 20 "$WORK/nginx/error.log"
    echo "work folder kept: $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
unset GOVCHAIN_CA_FILE GOVCHAIN_NODE

echo "1. a dev node, a test CA, and nginx with the configuration of docs/operations.md"
start_node "$WORK/devchain" "$WORK/node.log"
NODE_PORT=${NODE_URL##*:}
cd "$WORK"
make_ca() {  # make_ca NAME
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=govchain test $1" \
    2>/dev/null
}
make_certificate() {  # make_certificate NAME CA SUBJECT_ALT_NAMES
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -out "$1.crt" -days 2 \
    -extfile "$1.ext" 2>/dev/null
}
make_ca ca
make_ca other-ca
make_certificate node ca "DNS:localhost,IP:127.0.0.1"
make_certificate foreign other-ca "DNS:localhost,IP:127.0.0.1"
make_certificate elsewhere ca "DNS:node.other.example"

BASE=$(free_base_port 4)
PORT_GOOD=$BASE PORT_FOREIGN=$((BASE + 1)) PORT_ELSEWHERE=$((BASE + 2))
mkdir -p nginx/sites nginx/temp
chmod 777 nginx/temp
python3 - "$DOC" >nginx/site.template <<'PY'
import re, sys
blocks = re.findall(r"^```nginx\n(.*?)^```$", open(sys.argv[1], encoding="utf-8").read(), re.S | re.M)
if len(blocks) != 1:
    sys.exit(f"{sys.argv[1]}: expected one nginx block, found {len(blocks)}")
print(blocks[0], end="")
PY
grep -q 'listen 443 ssl;' nginx/site.template || fail "the nginx block of docs/operations.md does not listen on 443"
grep -q 'proxy_pass http://127.0.0.1:26657;' nginx/site.template || fail "the nginx block does not proxy to 26657"
site() {  # site PORT CERTIFICATE: the documented block on PORT with CERTIFICATE, proxying to the test node
  sed -e "s|listen 443 ssl;|listen 127.0.0.1:$1 ssl;|" -e '/listen \[::\]:443 ssl;/d' \
    -e "s|/etc/ssl/govchain/node.crt|$WORK/$2.crt|" -e "s|/etc/ssl/govchain/node.key|$WORK/$2.key|" \
    -e "s|127.0.0.1:26657|127.0.0.1:$NODE_PORT|g" -e "s|shared:govchain:10m|shared:govchain$1:1m|" \
    nginx/site.template
}
site "$PORT_GOOD" node >nginx/sites/good.conf
# Only one map of $connection_upgrade may exist; the other sites reuse it.
site "$PORT_FOREIGN" foreign | sed '/^map /,/^}/d' >nginx/sites/foreign.conf
site "$PORT_ELSEWHERE" elsewhere | sed '/^map /,/^}/d' >nginx/sites/elsewhere.conf
cat >nginx/nginx.conf <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/temp/body;
  proxy_temp_path $WORK/nginx/temp/proxy;
  fastcgi_temp_path $WORK/nginx/temp/fastcgi;
  uwsgi_temp_path $WORK/nginx/temp/uwsgi;
  scgi_temp_path $WORK/nginx/temp/scgi;
  include $WORK/nginx/sites/*.conf;
}
EOF
nginx -t -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx-t.log" || { cat "$WORK/nginx-t.log"; fail "nginx -t"; }
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 1 50); do
  curl -s --cacert ca.pem "https://localhost:$PORT_GOOD/healthz" >/dev/null && break
  sleep 0.1
done

expect_ok() {
  "$GOVCHAIN" "$@" >out 2>err || { cat out err; fail "govchain $* failed"; }
}
expect_refused() {  # expect_refused PATTERN ARGS...: exit 1 and PATTERN on stderr
  local pattern=$1
  shift
  if "$GOVCHAIN" "$@" >out 2>err; then cat out; fail "govchain $* was not refused"; fi
  grep -Eq "$pattern" err || { cat err; fail "govchain $*: no '$pattern' in the error"; }
}

echo "2. https with the CA file: by name, by address, a transaction, a WebSocket"
expect_ok --node "https://localhost:$PORT_GOOD" --ca-file ca.pem status
grep -q govchain-dev out || fail "status through TLS does not name the chain: $(cat out)"
expect_ok --node "https://127.0.0.1:$PORT_GOOD" --ca-file ca.pem --json status
jq -e '.chain_id == "govchain-dev"' out >/dev/null || fail "status by IP address: $(cat out)"
ACCOUNT=$("$GOVCHAIN" --json keys new --dev --out "$WORK/office.json" 2>/dev/null | jq -r .public_key)
expect_ok --node "https://localhost:$PORT_GOOD" --ca-file ca.pem --dev-key --key "$WORK/devchain/keys/admin.json" \
  role grant --account "$ACCOUNT" --role archive
grep -q "status ok" out || fail "a role grant through TLS was not committed: $(cat out)"
GOVCHAIN_CA_FILE="$WORK/ca.pem" "$GOVCHAIN" --node "https://localhost:$PORT_GOOD" roles "$ACCOUNT" >out 2>err ||
  { cat out err; fail "GOVCHAIN_CA_FILE is not used"; }
grep -q archive out || fail "the granted role is not shown: $(cat out)"
curl -sS -i -N --http1.1 --max-time 3 --cacert ca.pem -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
  -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
  "https://localhost:$PORT_GOOD/v1/events" >ws.out 2>/dev/null || true
grep -q '^HTTP/1.1 101' ws.out || { head -5 ws.out; fail "no WebSocket upgrade through nginx"; }
echo "   status, a role grant and a WebSocket upgrade over https with the test CA"

echo "3. wrong certificates and wrong use are refused"
expect_refused "not accepted: .*(unable to get local issuer|self.signed)" --node "https://localhost:$PORT_GOOD" status
expect_refused "not accepted" --node "https://localhost:$PORT_GOOD" --ca-file other-ca.pem status
expect_refused "not accepted" --node "https://localhost:$PORT_FOREIGN" --ca-file ca.pem status
expect_refused "not accepted: .*hostname mismatch" --node "https://localhost:$PORT_ELSEWHERE" --ca-file ca.pem status
expect_refused "plain http" --node "$NODE_URL" --ca-file ca.pem status
expect_refused "cannot read the CA file" --node "https://localhost:$PORT_GOOD" --ca-file "$WORK/missing.pem" status
expect_refused "https|wss" --node "https://localhost:$PORT_GOOD" --ca-file ca.pem events --duration-ms 500
echo "   no CA file, another CA, another CA's certificate, another host, a CA file with http, a missing CA file"

echo "4. nginx stops an oversized body before the node"
head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >big.json
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert ca.pem -X POST --data-binary @big.json \
  -H 'Content-Type: application/json' "https://localhost:$PORT_GOOD/v1/txs")
[ "$code" = 413 ] || fail "a 5 MiB body got HTTP $code through nginx, expected 413"
curl -fsS "$NODE_URL/healthz" >/dev/null || fail "the node does not answer after the oversized body"
echo "PASS: tls"
