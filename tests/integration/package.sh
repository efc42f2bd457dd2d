#!/usr/bin/env bash
# integration.package: the Debian package, and docs/operations.md run on it.
#
#  1. `cmake --build BUILD --target package` (what `make package` runs)
#     builds the .deb; its control data (dependencies, conffiles, maintainer
#     scripts) and its files are checked.
#  2. It is unpacked into a temporary root (dpkg -x): govchaind --version
#     and --print-config work from the installed files, the man pages come
#     from --help, and `systemd-analyze verify` accepts the unit without a
#     word of complaint.
#  3. A node starts from the installed files with the packaged settings
#     file, the rest given as GOVCHAIND_* variables (as a container would),
#     the passphrase as a systemd credential, and JSON log lines.
#  4. Every ```sh block of docs/operations.md runs, in page order, in a
#     second temporary root, as the member "aachen": install, keys,
#     ceremony, settings, start, TLS through nginx, monitoring, version,
#     an online backup, a restore into the stopped node, the double-sign
#     guard refusing it and the one start with --allow-signing-after-restore,
#     an upgrade (the same package installed again as the "new" one), and
#     the node's removal. The test plays the coordinator's machine and the
#     members "soest" and "wuppertal" (with the same installed commands), and
#     stands in for what a test may not do to this machine: apt-get unpacks
#     the package into the root (keeping a changed settings file, as
#     --force-confold does) and purge deletes the package's files there,
#     systemctl and systemd-run start govchaind the way the unit says (its
#     ExecStart, LoadCredential and StateDirectory) and stop it, runuser runs
#     the command as this user, chgrp is skipped (there is no group govchain
#     here), and paths, host names and ports of the page are moved into the
#     root and to free ports (rewrite() below). The vote that takes a
#     validator out of the set before its removal is not played (it is
#     tested in integration.validator_change). Before the removal the three
#     nodes agree on their blocks and report the genesis hash the
#     coordinator printed, the restored node included; after it the other
#     two go on making no blocks (three validators need all three) but keep
#     their chain.
#
# Usage: package.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
BUILD=$(realpath "$1")
SOURCE=$(realpath "$2")
DOC="$SOURCE/docs/operations.md"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=network_lib.sh
source "$HERE/network_lib.sh"
for tool in dpkg-deb systemd-analyze nginx promtool openssl jq curl help2man; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is missing (scripts/bootstrap installs it)"; exit 77; }
done

WORK=$(mktemp -d /tmp/govchain-package.XXXXXX)
cleanup() {
  local status=$?
  for pid_file in "$WORK"/*.pid "$WORK"/nginx/nginx.pid; do
    [ -s "$pid_file" ] && kill "$(cat "$pid_file" 2>/dev/null)" 2>/dev/null || true
  done
  sleep 0.5
  if [ "$status" -ne 0 ]; then
    for log in "$WORK"/*.log; do [ -f "$log" ] && { echo "---- $log"; tail -n 15 "$log"; }; done
    echo "work folder kept: $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
unset GOVCHAIN_KEY_PASSPHRASE GOVCHAIN_PASSPHRASE_FILE GOVCHAIN_NODE GOVCHAIN_CA_FILE GOVCHAIND_CONFIG

echo "1. the package"
grep -q '^CMAKE_INSTALL_PREFIX:PATH=/usr$' "$BUILD/CMakeCache.txt" ||
  fail "$BUILD is configured with another install prefix than /usr; make package configures it"
rm -f "$BUILD"/govchain_*.deb
cmake --build "$BUILD" --target package >"$WORK/cpack.log" 2>&1 || { tail -n 30 "$WORK/cpack.log"; fail "cpack"; }
DEB=$(ls "$BUILD"/govchain_*.deb)
VERSION=$("$BUILD/bin/govchaind" --version | awk '{print $2}')
dpkg-deb -I "$DEB" >"$WORK/control.txt"
grep -q '^ Package: govchain$' "$WORK/control.txt" || fail "no package name govchain"
grep -q "^ Version: ${VERSION%%+*}" "$WORK/control.txt" || fail "package version is not ${VERSION%%+*}"
for dependency in adduser systemd libleveldb libsecp256k1 libcrypto++ libssl3 libspdlog; do
  grep -q "^ Depends:.*$dependency" "$WORK/control.txt" || fail "the package does not depend on $dependency"
done
dpkg-deb -e "$DEB" "$WORK/control"
grep -qx /etc/govchain/govchaind.json "$WORK/control/conffiles" || fail "govchaind.json is not a conffile"
for script in postinst prerm postrm; do
  [ -x "$WORK/control/$script" ] || fail "no executable $script"
  sh -n "$WORK/control/$script" || fail "$script does not parse"
done
grep -q 'adduser --system' "$WORK/control/postinst" || fail "postinst makes no system user"
dpkg-deb -c "$DEB" | awk '{print $6}' >"$WORK/files.txt"
for file in ./usr/bin/govchaind ./usr/bin/govchain ./usr/lib/systemd/system/govchaind.service \
  ./etc/govchain/govchaind.json ./usr/share/man/man1/govchaind.1.gz ./usr/share/man/man1/govchain.1.gz \
  ./usr/share/govchain/contracts/genesis-contracts.txt ./usr/share/govchain/contracts/identity.wasm \
  ./usr/share/govchain/contracts/identity.abi.json ./usr/share/govchain/monitoring/prometheus/govchain-alerts.yml \
  ./usr/share/govchain/monitoring/grafana/govchain-dashboard.json ./usr/share/doc/govchain/operations.md; do
  grep -qx "$file" "$WORK/files.txt" || fail "the package lacks $file"
done
echo "   $(basename "$DEB"): $(wc -l <"$WORK/files.txt") entries, depends on $(sed -n 's/^ Depends: //p' "$WORK/control.txt" | tr ',' '\n' | wc -l) packages"

echo "2. unpacked: --version, --print-config, man pages, systemd-analyze verify"
R="$WORK/installed"
dpkg -x "$DEB" "$R"
[ "$("$R/usr/bin/govchaind" --version)" = "govchaind $VERSION" ] || fail "installed govchaind --version: $("$R/usr/bin/govchaind" --version)"
[ "$("$R/usr/bin/govchain" --version)" = "govchain $VERSION" ] || fail "installed govchain --version"
"$R/usr/bin/govchaind" --config "$R/etc/govchain/govchaind.json" --print-config >"$WORK/print-config.txt"
grep -Eq '^data_dir +"/var/lib/govchain" +# file .*/etc/govchain/govchaind.json$' "$WORK/print-config.txt" ||
  fail "--print-config does not show data_dir from the packaged file: $(head -3 "$WORK/print-config.txt")"
grep -Eq '^rpc_connections_max +256 +# default$' "$WORK/print-config.txt" || fail "--print-config: no default source"
zcat "$R/usr/share/man/man1/govchaind.1.gz" | grep -q 'print\\-config' || fail "the man page lacks --print-config"
zcat "$R/usr/share/man/man1/govchaind.1.gz" | grep -q 'rpc\\-connections\\-max' || fail "the man page lacks the settings"
# The root gets the machine's own units (targets the unit refers to), so
# that verify checks govchaind.service and nothing else is missing.
cp -an /usr/lib/systemd/system/. "$R/usr/lib/systemd/system/"
MANPATH="$R/usr/share/man" systemd-analyze verify --root="$R" /usr/lib/systemd/system/govchaind.service \
  >"$WORK/verify.txt" 2>&1 || { cat "$WORK/verify.txt"; fail "systemd-analyze verify refused the unit"; }
[ ! -s "$WORK/verify.txt" ] || { cat "$WORK/verify.txt"; fail "systemd-analyze verify complained"; }
echo "   version $VERSION; systemd-analyze verify: no complaint"

echo "3. a node from the installed files and the packaged settings file"
SINGLE="$WORK/single"
mkdir -p "$SINGLE/data" "$SINGLE/credentials"
printf 'a single member test passphrase\n' >"$SINGLE/passphrase"
chmod 600 "$SINGLE/passphrase"
cp "$SINGLE/passphrase" "$SINGLE/credentials/govchain-key-passphrase"
PORTS=$(free_base_port 3)
"$R/usr/bin/govchain" --passphrase-file "$SINGLE/passphrase" genesis keys --out "$SINGLE/keys" >/dev/null
"$R/usr/bin/govchain" genesis export --keys "$SINGLE/keys" --municipality solo --p2p-addr "127.0.0.1:$((PORTS + 1))" \
  --out "$SINGLE/member.json" >/dev/null
"$R/usr/bin/govchain" --json genesis assemble --chain-id govchain-solo --member "$SINGLE/member.json" \
  --out "$SINGLE/genesis.json" >"$SINGLE/assembled.json"
jq -e '.contracts == 5' "$SINGLE/assembled.json" >/dev/null || fail "the packaged contracts are not in the genesis"
env -i PATH=/usr/bin:/bin CREDENTIALS_DIRECTORY="$SINGLE/credentials" GOVCHAIND_DATA_DIR="$SINGLE/data" \
  GOVCHAIND_GENESIS="$SINGLE/genesis.json" GOVCHAIND_VALIDATOR_KEY="$SINGLE/keys/validator.json" \
  GOVCHAIND_RPC_ADDR="127.0.0.1:$PORTS" GOVCHAIND_P2P_ADDR="127.0.0.1:$((PORTS + 1))" GOVCHAIND_LOG_FORMAT=json \
  GOVCHAIND_METRICS_ADDR="127.0.0.1:$((PORTS + 2))" \
  "$R/usr/bin/govchaind" --config "$R/etc/govchain/govchaind.json" >"$WORK/single.log" 2>&1 &
echo $! >"$WORK/single.pid"
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$PORTS/healthz" >/dev/null 2>&1 && break
  kill -0 "$(cat "$WORK/single.pid")" 2>/dev/null || fail "the installed node exited: $(tail -n 5 "$WORK/single.log")"
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORTS/v1/status" >"$SINGLE/status.json"
jq -e --arg v "$VERSION" '.version == $v and .chain_id == "govchain-solo"' "$SINGLE/status.json" >/dev/null ||
  fail "the installed node's status: $(cat "$SINGLE/status.json")"
curl -fsS "http://127.0.0.1:$((PORTS + 2))/metrics" >"$SINGLE/metrics.txt" || fail "GET /metrics on the metrics address failed"
grep -q "^govchain_build_info{version=\"$VERSION\"} 1" "$SINGLE/metrics.txt" ||
  fail "no govchain_build_info with version $VERSION on the metrics address"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORTS/metrics")" = 404 ] ||
  fail "/metrics is served on the public API port by default"
jq -e '.wire_format_version == 1 and .storage_format_version == 1' "$SINGLE/status.json" >/dev/null ||
  fail "the status does not announce the format versions"
kill "$(cat "$WORK/single.pid")"
wait "$(cat "$WORK/single.pid")" || fail "the installed node did not stop cleanly on SIGTERM"
rm "$WORK/single.pid"
while IFS= read -r line; do
  jq -e '.time and .level and .message' <<<"$line" >/dev/null 2>&1 || fail "a log line is not JSON: $line"
done <"$WORK/single.log"
grep -q 'systemd credential' "$WORK/single.log" && fail "the log names the passphrase's source as a problem"
echo "   started with the packaged settings, GOVCHAIND_* overrides and a credential; $(wc -l <"$WORK/single.log") JSON log lines"

echo "4. docs/operations.md, every sh block in a fresh root as member aachen"
S="$WORK/sandbox"
mkdir -p "$S/root" "$WORK/steps" "$WORK/coordinator" "$WORK/credentials" "$WORK/nginx/temp"
chmod 777 "$WORK/nginx/temp"
cp "$DEB" "$WORK/coordinator/"
python3 - "$DOC" "$WORK/steps" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
marked = re.findall(r"<!-- ops-step: ([a-z0-9-]+) -->\n```sh\n(.*?)```\n", text, re.S)
markers = len(re.findall(r"<!-- ops-step:", text))
sh_blocks = len(re.findall(r"^```sh$", text, re.M))
if not marked or len(marked) != markers or len(marked) != sh_blocks:
    sys.exit(f"{sys.argv[1]}: {sh_blocks} sh blocks, {markers} step markers, {len(marked)} marked sh blocks: "
             "every ```sh block needs an <!-- ops-step: NAME --> line right above it")
for number, (name, body) in enumerate(marked):
    open(f"{sys.argv[2]}/{number:02d}-{name}.sh", "w", encoding="utf-8").write(body)
nginx = re.findall(r"^```nginx\n(.*?)^```$", text, re.S | re.M)
open(f"{sys.argv[2]}/nginx.conf", "w").write(nginx[0])
PY
BASE=$(free_base_port 8)
RPC_A=$BASE P2P_A=$((BASE + 1)) TLS_PORT=$((BASE + 6)) METRICS_A=$((BASE + 7))
# The page's paths, host names and ports, moved into the root and to free ports.
rewrite() {
  sed -e "s|node.aachen.example:26656|127.0.0.1:$P2P_A|g" -e "s|0.0.0.0:26656|127.0.0.1:$P2P_A|g" \
    -e "s|https://node.aachen.example|https://localhost:$TLS_PORT|g" -e "s|node.aachen.example|localhost|g" \
    -e "s|127.0.0.1:26657|127.0.0.1:$RPC_A|g" -e "s|127.0.0.1:26660|127.0.0.1:$METRICS_A|g" -e "s|listen 443 ssl;|listen 127.0.0.1:$TLS_PORT ssl;|" \
    -e '/listen \[::\]:443 ssl;/d' -e "s|/etc/|$S/etc/|g" -e "s|/var/lib/govchain|$S/var/lib/govchain|g" \
    -e "s|/usr/share/govchain|$S/usr/share/govchain|g" -e "s|/root/|$S/root/|g" -e "s|/srv/|$S/srv/|g" "$@"
}
cat >"$WORK/prelude.sh" <<EOF
# Stand-ins for what the test may not do to this machine (see the top of package.sh).
set -euo pipefail
export PATH="$S/usr/bin:\$PATH" GOVCHAIN_NODE="http://127.0.0.1:$RPC_A"
GENESIS_HASH=\$(cat "$WORK/genesis-hash" 2>/dev/null || true)
apt-get() {
  local argument purge=0 skip=0
  for argument in "\$@"; do
    [ "\$skip" = 1 ] && { skip=0; continue; }
    case "\$argument" in
      install | -y) ;;
      -o) skip=1 ;;
      purge) purge=1 ;;
      *.deb) install_deb "\$argument" ;;
      govchain) [ "\$purge" = 1 ] && purge_govchain ;;
      nginx-light) command -v nginx >/dev/null ;;
      prometheus) command -v promtool >/dev/null && install -d "$S/etc/prometheus" ;;
      prometheus-node-exporter) ;;
      *) echo "apt-get stand-in: unknown package \$argument" >&2; return 1 ;;
    esac
  done
}
# A settings file the operator changed stays (dpkg with --force-confold).
install_deb() {
  local settings="$S/etc/govchain/govchaind.json"
  [ -f "\$settings" ] && cp -p "\$settings" "$WORK/settings.kept"
  dpkg -x "\$1" "$S" && install -d -m 0750 "$S/etc/govchain" "$S/etc/govchain/keys"
  if [ -f "$WORK/settings.kept" ]; then mv "$WORK/settings.kept" "\$settings"; fi
  echo "unpacked \$(basename "\$1")"
}
# purge: the package's files and its conffile go; keys, passphrase, genesis
# and the chain stay (postrm).
purge_govchain() {
  local path
  dpkg-deb -c "$DEB" | awk '{print \$6}' | while IFS= read -r path; do
    [ -d "$S/\$path" ] || rm -f "$S/\$path"
  done
  find "$S/usr" -depth -type d -empty -delete
  echo "purged govchain"
}
chgrp() { echo "(chgrp \$* skipped: no group govchain on the test machine)"; }
runuser() {
  while [ "\$1" != "--" ]; do shift; done
  shift
  "\$@"
}
nginx() { command nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" "\$@"; }
journalctl() { tail -n 20 "$WORK/journal.log"; }
systemctl() {
  case "\$*" in
    "enable --now govchaind" | "start govchaind") start_govchaind ;;
    "stop govchaind" | "disable --now govchaind") stop_unit govchaind ;;
    "restart govchaind") stop_unit govchaind && start_govchaind ;;
    "stop govchaind-after-restore") stop_unit govchaind-after-restore ;;
    "status govchaind --no-pager") kill -0 "\$(cat "$WORK/govchaind.pid")" && echo "govchaind.service: active (running)" ;;
    "reload nginx")
      if [ -s "$WORK/nginx/nginx.pid" ]; then nginx -s reload; else nginx; fi ;;
    *) echo "systemctl stand-in: \$*" >&2; return 1 ;;
  esac
}
# Stops a unit's process (SIGTERM, as KillSignal says) and waits for it; a
# unit whose process has already ended (a refused start) is stopped too.
stop_unit() {
  local pid
  pid=\$(cat "$WORK/\$1.pid" 2>/dev/null || true)
  if [ -n "\$pid" ] && kill "\$pid" 2>/dev/null; then
    for _ in \$(seq 1 600); do kill -0 "\$pid" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "\$pid" 2>/dev/null || { echo "\$1 did not stop within 60 s" >&2; return 1; }
  fi
  rm -f "$WORK/\$1.pid"
}
# What systemd does for govchaind.service: StateDirectory, LoadCredential,
# then ExecStart as written in the unit.
start_govchaind() {
  local unit="$S/usr/lib/systemd/system/govchaind.service" command credential
  command=\$(sed -n 's/^ExecStart=//p' "\$unit" | sed -e "s|/usr/bin/|$S/usr/bin/|" -e "s|/etc/|$S/etc/|g")
  credential=\$(sed -n 's/^LoadCredential=govchain-key-passphrase://p' "\$unit")
  run_service govchaind "$S\$credential" \$command
}
# systemd-run with the options docs/operations.md uses: a transient unit
# with the service's identity, state folder and credential.
systemd-run() {
  local unit="" credential=""
  while [ \$# -gt 0 ]; do
    case "\$1" in
      --unit | --uid | --gid) [ "\$1" = --unit ] && unit=\$2; shift 2 ;;
      --property)
        case "\$2" in
          LoadCredential=govchain-key-passphrase:*) credential=\${2#LoadCredential=govchain-key-passphrase:} ;;
          StateDirectory=govchain) ;;
          *) echo "systemd-run stand-in: unknown property \$2" >&2; return 1 ;;
        esac
        shift 2 ;;
      -*) echo "systemd-run stand-in: unknown option \$1" >&2; return 1 ;;
      *) break ;;
    esac
  done
  local program="$S\$1"
  shift
  run_service "\$unit" "\$credential" "\$program" "\$@"
  echo "Running as unit: \$unit.service"
}
run_service() {  # run_service UNIT CREDENTIAL_FILE COMMAND...
  local unit=\$1 credential=\$2
  shift 2
  rm -f "$WORK/credentials/govchain-key-passphrase"
  install -m 0400 "\$credential" "$WORK/credentials/govchain-key-passphrase"
  install -d -m 0700 "$S/var/lib/govchain"
  # exec: the recorded pid is the node's own, so that stopping the unit
  # stops the node (not only a shell around it).
  (cd / && exec env -i PATH=/usr/bin:/bin CREDENTIALS_DIRECTORY="$WORK/credentials" GOVCHAIND_METRICS_ADDR=127.0.0.1:$METRICS_A "\$@" >"$WORK/journal.log" 2>&1) &
  echo \$! >"$WORK/\$unit.pid"
}
EOF

# expect NAME: "EXIT_CODE|PATTERN|..." for the step's output.
VERSION_RE=$(sed 's/[.+]/\\&/g' <<<"$VERSION")
expect() {
  case $1 in
    install) echo "0|^govchaind $VERSION_RE\$|^govchain $VERSION_RE\$" ;;
    passphrase) echo "0" ;;
    keys) echo "0|created encrypted key files|validator.json" ;;
    export) echo "0|wrote the public part|\"format\": \"govchain-member/1\"" ;;
    move-account-keys) echo "0|^validator.json\$" ;;
    assemble) echo "0|genesis hash: [0-9a-f]{64}|3 members" ;;
    verify) echo "0|matches|node key, admin and 4 office roles" ;;
    node-config) echo "0|^peers .*# file |# validator key passphrase" ;;
    start) echo "0|active \\(running\\)" ;;
    check) echo "0|govchain-nrw|^$VERSION_RE\$" ;;
    nginx-install) echo "0" ;;
    nginx-enable) echo "0|syntax is ok|govchain-nrw" ;;
    prometheus) echo "0|SUCCESS: 7 rules found" ;;
    version) echo "0|^govchaind $VERSION_RE\$|govchain_build_info\\{version=\"$VERSION_RE\"\\} 1" ;;
    backup) echo "0|private keys are not included|\"chain_id\": \"govchain-nrw\"|\"storage_format_version\": 1" ;;
    restore) echo "0|^restored chain govchain-nrw at height [0-9]+" ;;
    guard) echo "0|this validator last signed at height [0-9]+.*--allow-signing-after-restore" ;;
    guard-override) echo "0|Running as unit: govchaind-after-restore|\"height\": [0-9]+|double-sign guard: .*starting anyway" ;;
    guard-done) echo "0|active \\(running\\)" ;;
    upgrade) echo "0|private keys are not included|^unpacked govchain_|^govchaind $VERSION_RE\$|\"wire_format_version\": 1|\"storage_format_version\": 1" ;;
    remove) echo "0|private keys are not included|^purged govchain\$|validator.json|passphrase" ;;
    destroy-keys) echo "0" ;;
    *) echo "unknown" ;;
  esac
}

# The other members play their part with the same installed commands.
member() {  # member ID INDEX: keys and member file of a member in its own folder
  local id=$1 dir="$WORK/$1"
  mkdir -p "$dir/data"
  printf 'the passphrase of %s, long enough\n' "$id" >"$dir/passphrase"
  chmod 600 "$dir/passphrase"
  "$R/usr/bin/govchain" --passphrase-file "$dir/passphrase" genesis keys --out "$dir/keys" >/dev/null
  "$R/usr/bin/govchain" genesis export --keys "$dir/keys" --municipality "$id" \
    --p2p-addr "127.0.0.1:$((BASE + 2 * $2 + 1))" --out "$dir/member-$id.json" >/dev/null
  cp "$dir/member-$id.json" "$WORK/coordinator/"
}
start_member() {  # start_member ID INDEX: verify, settings and node of another member
  local id=$1 dir="$WORK/$1"
  "$R/usr/bin/govchain" genesis verify "$WORK/coordinator/genesis.json" --hash "$(cat "$WORK/genesis-hash")" \
    --member "$dir/member-$id.json" >/dev/null
  "$R/usr/bin/govchain" genesis node-config --genesis "$WORK/coordinator/genesis.json" --keys "$dir/keys" \
    --member "$WORK/coordinator/member-aachen.json" --member "$WORK/coordinator/member-soest.json" \
    --member "$WORK/coordinator/member-wuppertal.json" --data-dir "$dir/data" \
    --rpc-addr "127.0.0.1:$((BASE + 2 * $2))" --p2p-addr "127.0.0.1:$((BASE + 2 * $2 + 1))" \
    --key-passphrase-file "$dir/passphrase" --out "$dir/node.json" >/dev/null
  "$R/usr/bin/govchaind" --config "$dir/node.json" >"$WORK/$id.log" 2>&1 &
  echo $! >"$WORK/$id.pid"
}

before_step() {
  case $1 in
    assemble)
      member soest 1
      member wuppertal 2
      cp "$S/root/member-aachen.json" "$WORK/coordinator/" ;;
    nginx-enable)
      mkdir -p "$S/etc/nginx/sites-available" "$S/etc/nginx/sites-enabled" "$S/etc/ssl/govchain"
      rewrite "$WORK/steps/nginx.conf" >"$S/etc/nginx/sites-available/govchain"
      (cd "$S/etc/ssl/govchain" &&
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=test CA" 2>/dev/null &&
        openssl req -newkey rsa:2048 -nodes -keyout node.key -out node.csr -subj "/CN=localhost" 2>/dev/null &&
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >node.ext &&
        openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out node.crt -days 2 \
          -extfile node.ext 2>/dev/null && chmod 600 node.key)
      cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/temp/body;
  proxy_temp_path $WORK/nginx/temp/proxy;
  fastcgi_temp_path $WORK/nginx/temp/fastcgi;
  uwsgi_temp_path $WORK/nginx/temp/uwsgi;
  scgi_temp_path $WORK/nginx/temp/scgi;
  include $S/etc/nginx/sites-enabled/*;
}
EOF
      ;;
  esac
}

height_at() { curl -fsS --max-time 2 "http://127.0.0.1:$1/v1/status" 2>/dev/null | jq -r '.height // -1' || echo -1; }
wait_height_at() {  # wait_height_at PORT HEIGHT SECONDS
  local h=-1
  for _ in $(seq 1 $(($3 * 5))); do
    h=$(height_at "$1")
    [ "$h" -ge "$2" ] 2>/dev/null && return 0
    sleep 0.2
  done
  fail "the node on port $1 is at height $h after $3 s, not $2: $(tail -n 5 "$WORK/journal.log")"
}
# The three members' nodes report the coordinator's genesis hash and agree on
# every block they all have.
check_agreement() {
  local hash port
  hash=$(cat "$WORK/genesis-hash")
  for port in $RPC_A $((BASE + 2)) $((BASE + 4)); do
    [ "$(curl -fsS "http://127.0.0.1:$port/v1/status" | jq -r .genesis_hash)" = "$hash" ] ||
      fail "the node on port $port does not report the genesis hash $hash"
  done
  python3 - "$RPC_A" $((BASE + 2)) $((BASE + 4)) <<'PY2'
import json, sys, urllib.request
urls = [f"http://127.0.0.1:{port}" for port in sys.argv[1:]]
get = lambda url: json.load(urllib.request.urlopen(url, timeout=10))
common = min(get(u + "/v1/status")["height"] for u in urls)
for height in range(common + 1):
    if len({get(f"{u}/v1/blocks/{height}")["hash"] for u in urls}) != 1:
        sys.exit(f"FORK at height {height}")
print(f"   aachen, soest and wuppertal agree on all {common + 1} blocks, genesis hash as printed by the coordinator")
PY2
}

after_step() {
  case $1 in
    backup)
      # The node votes on a few more blocks, so that the backup is older
      # than its last vote and the guard refuses the restored folder.
      backup_height=$(jq -r .head.height "$S"/srv/backup/govchain-*/manifest.json)
      wait_height_at "$RPC_A" $((backup_height + 3)) 120 ;;
    guard)
      jq -e '.height > 0' "$S/var/lib/govchain/signing-state.json" >/dev/null || fail "no signing state after the restore"
      jq -r .height "$S/var/lib/govchain/signing-state.json" >"$WORK/signed-height"
      echo "   refused: $(grep -oE 'last signed at height [0-9]+.{0,40}data folder ends at height [0-9]+' "$WORK/step.out" | head -n 1)" ;;
    guard-override)
      signed=$(cat "$WORK/signed-height")
      [ "$(height_at "$RPC_A")" -gt "$signed" ] || fail "the restored node is not past height $signed"
      wait_height_at $((BASE + 2)) $((signed + 3)) 120
      echo "   the restored node signed up to height $signed before its backup was restored; the chain is past it" ;;
    upgrade)
      jq -e '.peers | length == 2' "$S/etc/govchain/govchaind.json" >/dev/null || fail "the upgrade replaced the settings"
      wait_height_at $((BASE + 4)) $(($(height_at "$RPC_A") + 3)) 120
      check_agreement ;;
    remove)
      for gone in usr/bin/govchaind usr/bin/govchain usr/lib/systemd/system/govchaind.service \
        etc/govchain/govchaind.json var/lib/govchain usr/share/govchain; do
        [ ! -e "$S/$gone" ] || fail "/$gone is left after the removal"
      done
      [ -f "$S/etc/govchain/keys/aachen/validator.json" ] || fail "purge deleted the node key"
      [ -f "$S/srv/backup/govchain-last/manifest.json" ] || fail "no last backup" ;;
    destroy-keys) [ ! -e "$S/etc/govchain" ] || fail "/etc/govchain is left" ;;
    assemble) grep -oE 'genesis hash: [0-9a-f]{64}' "$WORK/step.out" | awk '{print $3}' >"$WORK/genesis-hash" ;;
    start)
      start_member soest 1
      start_member wuppertal 2 ;;
    check)
      for _ in $(seq 1 600); do
        h=$(curl -fsS --max-time 2 "http://127.0.0.1:$RPC_A/v1/status" 2>/dev/null | jq -r '.height // -1' || echo -1)
        [ "$h" -ge 3 ] 2>/dev/null && break
        sleep 0.2
      done
      [ "$h" -ge 3 ] 2>/dev/null || fail "aachen's node is at height $h after 120 s: $(tail -n 5 "$WORK/journal.log")" ;;
  esac
}

for step in "$WORK"/steps/[0-9][0-9]-*.sh; do
  name=$(basename "$step" .sh)
  name=${name#*-}
  spec=$(expect "$name")
  [ "$spec" != unknown ] || fail "docs/operations.md has a step '$name' this test does not know"
  before_step "$name"
  { cat "$WORK/prelude.sh"; rewrite "$step"; } >"$WORK/run-step.sh"
  set +e
  (cd "$WORK/coordinator" && bash "$WORK/run-step.sh") >"$WORK/step.out" 2>&1
  status=$?
  set -e
  IFS='|' read -r -a parts <<<"$spec"
  [ "$status" = "${parts[0]}" ] || { cat "$WORK/step.out"; fail "step $name exited with $status, expected ${parts[0]}"; }
  for pattern in "${parts[@]:1}"; do
    grep -Eq -- "$pattern" "$WORK/step.out" || { cat "$WORK/step.out"; fail "step $name: no '$pattern' in its output"; }
  done
  after_step "$name"
  echo "   step $name: ok"
done

for id in soest wuppertal; do
  kill "$(cat "$WORK/$id.pid")"
  wait "$(cat "$WORK/$id.pid")" 2>/dev/null || true
  rm -f "$WORK/$id.pid"
done
[ -s "$WORK/nginx/nginx.pid" ] && kill "$(cat "$WORK/nginx/nginx.pid")"
echo "PASS: package"
