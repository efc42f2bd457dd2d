#!/usr/bin/env bash
# vectors.cross: C++ makes vectors, JavaScript checks them; JavaScript makes
# vectors from them, C++ checks those.
#   cross_vectors.sh BUNDLE_VECTORS NODE SDK_JS_DIR
set -euo pipefail
vectors_tool=$1 node=$2 js_dir=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$vectors_tool" make "$work/cpp.json"
GOVCHAIN_VECTORS="$work/cpp.json" "$node" --test "$js_dir/test/vectors.test.mjs"
"$node" "$js_dir/scripts/make-js-vectors.mjs" "$work/cpp.json" "$work/js.json"
"$vectors_tool" check "$work/js.json"
