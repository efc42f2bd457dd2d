#!/usr/bin/env bash
# Builds the JavaScript verifier (sdk/js) and the verification page (web/)
# into OUT_DIR: npm ci in both packages (only when their lock files changed
# since the last run), then esbuild. Offline-tolerant: when npm cannot reach
# the registry it uses its cache (--prefer-offline), and when even that
# fails but an earlier install is there, it builds with that one. It never
# fails the C++ build: without Node.js or the packages it says why and
# leaves no page (the node's /verify then answers 404 with a hint, and the
# tests that need the page fail, naming this script).
#   web/build-page.sh SOURCE_DIR OUT_DIR
set -uo pipefail
source_dir=$1
out_dir=$2
mkdir -p "$out_dir"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "build-page: Node.js or npm is missing (scripts/bootstrap installs them); the verification page is not built" >&2
  rm -f "$out_dir/verify.html"
  exit 0
fi

install() {
  local package_dir=$1 stamp=$out_dir/npm-$(basename "$1").stamp
  if [ -d "$package_dir/node_modules" ] && [ "$stamp" -nt "$package_dir/package-lock.json" ]; then return 0; fi
  if (cd "$package_dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error); then
    touch "$stamp"
    return 0
  fi
  if [ -d "$package_dir/node_modules" ]; then
    echo "build-page: npm ci failed in $package_dir; building with the packages installed earlier" >&2
    return 0
  fi
  return 1
}

if ! install "$source_dir/sdk/js" || ! install "$source_dir/web"; then
  echo "build-page: cannot install the npm packages (registry and cache unavailable); the page is not built" >&2
  rm -f "$out_dir/verify.html"
  exit 0
fi
(cd "$source_dir/sdk/js" && node_modules/.bin/esbuild src/index.ts --bundle --format=esm --platform=neutral \
  --log-level=warning --outfile=dist/index.js) || exit 1
node "$source_dir/web/build.mjs" --out "$out_dir/verify.html" || exit 1
