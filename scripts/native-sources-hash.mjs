// One sha256 over binding.gyp and src/native/* (sorted by name): what the prebuilt binaries were built from.
// scripts/build-prebuilds.sh writes it to prebuilds/SOURCES.sha256; the prebuilds test compares it with the checkout.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const files = ['binding.gyp', ...readdirSync(path.join(root, 'src', 'native')).sort().map((name) => `src/native/${name}`)];
const hash = createHash('sha256');
for (const file of files) hash.update(`${file}\0`).update(readFileSync(path.join(root, file))).update('\0');
console.log(`${hash.digest('hex')}  binding.gyp src/native/*`);
