#!/usr/bin/env bash
# Rebuilds the prebuilt addon shipped in the npm package, prebuilds/linux-{x64,arm64}/edgepipe_tflite.napi.glibc.node,
# on Debian 12 (x64 natively, arm64 with Debian's cross compiler), for glibc >= 2.28 and no libstdc++ of the build
# machine (binding.gyp, edgepipe_portable=1: libstdc++/libgcc linked in, dl* bound to their pre-2.34 versions).
# Writes prebuilds/SOURCES.sha256, which test/native/prebuilds.test.ts compares with src/native and binding.gyp:
# run this after any change there and commit prebuilds/.
#   needs: g++ make python3 binutils, g++-aarch64-linux-gnu
#   (apt-get install -y --no-install-recommends g++ make python3 g++-aarch64-linux-gnu)
# The build happens in a temporary copy, so the checkout's own build/ (which node-gyp-build prefers) is untouched.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
for tool in g++ make python3 aarch64-linux-gnu-g++ aarch64-linux-gnu-strip; do
  command -v "$tool" >/dev/null || { echo "build-prebuilds: $tool not found (apt-get install -y --no-install-recommends g++ make python3 g++-aarch64-linux-gnu)" >&2; exit 1; }
done
gyp="$(npm prefix -g)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$gyp" ] || gyp="$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$gyp" ] || { echo "build-prebuilds: node-gyp (bundled with npm) not found" >&2; exit 1; }
# Node's headers (the same for both architectures): npm's nodedir, else the ones installed beside this node; node-gyp
# downloads them only when neither exists.
nodedir="${npm_config_nodedir:-$(npm config get nodedir)}"
if [ -z "$nodedir" ] || [ "$nodedir" = undefined ] || [ "$nodedir" = null ]; then nodedir="$(dirname "$(dirname "$(command -v node)")")"; fi
[ -f "$nodedir/include/node/node_api.h" ] || nodedir=""

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
build() { # $1 prebuild arch (x64|arm64), $2 toolchain prefix ('' for native)
  local dir="$work/$1"
  mkdir -p "$dir/src"
  cp -r binding.gyp package.json "$dir/"
  cp -r src/native "$dir/src/"
  ln -s "$root/node_modules" "$dir/node_modules"
  (cd "$dir" && CC="${2}gcc" CXX="${2}g++" LINK="${2}g++" AR="${2}ar" \
    node "$gyp" rebuild --arch="$1" --jobs=2 ${nodedir:+--nodedir="$nodedir"} -- -Dedgepipe_portable=1 >"$work/$1.log" 2>&1) ||
    { cat "$work/$1.log" >&2; echo "build-prebuilds: the $1 build failed" >&2; exit 1; }
  mkdir -p "prebuilds/linux-$1"
  "${2}strip" --strip-unneeded -o "prebuilds/linux-$1/edgepipe_tflite.napi.glibc.node" "$dir/build/Release/edgepipe_tflite.node"
}
build x64 ''
build arm64 aarch64-linux-gnu-
node scripts/native-sources-hash.mjs >prebuilds/SOURCES.sha256
ls -l prebuilds/linux-*/
