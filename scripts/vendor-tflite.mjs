// npm pack (prepack): copies TensorFlow Lite's C library for linux-x64 and linux-arm64, and its C headers, from the
// tfjs-tflite-node dev dependency into tflite/ of the package. tfjs-tflite-node itself is not a dependency of the
// installed package: npm would compile its own binding (node-gyp rebuild: a compiler on the board) and bring
// @tensorflow/tfjs-core and tfjs-tflite (~80 MB) that edgepipe never loads. `--clean` (postpack) removes the copy, so a
// checkout keeps using node_modules/tfjs-tflite-node directly. src/runtime/library.ts looks in tflite/ first.
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'tflite');
rmSync(target, { recursive: true, force: true });
if (process.argv[2] === '--clean') process.exit(0);

const manifest = createRequire(path.join(root, 'package.json')).resolve('tfjs-tflite-node/package.json');
const source = path.dirname(manifest);
const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
for (const [platform, dir] of [['linux-x64', 'linux_amd64'], ['linux-arm64', 'linux_arm64']]) {
  mkdirSync(path.join(target, platform), { recursive: true });
  copyFileSync(path.join(source, 'cc_deps', dir, 'libtensorflowlite_c.so'), path.join(target, platform, 'libtensorflowlite_c.so'));
}
cpSync(path.join(source, 'cc_deps', 'include'), path.join(target, 'include'), { recursive: true });
writeFileSync(
  path.join(target, 'README.txt'),
  `TensorFlow Lite's C library (libtensorflowlite_c.so) and C headers, copied unchanged from the npm package\n` +
    `tfjs-tflite-node ${version} (cc_deps/), Apache License 2.0, (c) Google LLC and the TensorFlow authors.\n` +
    `The library needs glibc >= 2.29 on x64 and >= 2.27 on arm64. A board's own build replaces it: --library PATH,\n` +
    `runtime.library or EDGEPIPE_TFLITE_LIBRARY.\n`,
);
console.error(`tflite/: TensorFlow Lite from tfjs-tflite-node ${version} (linux-x64, linux-arm64, include/)`);
