import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-cli-'));
const empty = path.join(dir, 'empty.tflite');
const garbage = path.join(dir, 'garbage.tflite');
writeFileSync(empty, '');
writeFileSync(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) & 0xff)));

describe('CLI user errors: exit code 2, one line naming the file and the cause, no stack trace', () => {
  it.each([
    [['inspect', path.join(dir, 'missing.tflite')], /missing\.tflite: cannot read model: no such file/],
    [['infer', empty, '--input', 'x.raw'], /empty\.tflite: the model file is empty/],
    [['bench', garbage], /garbage\.tflite: not a TensorFlow Lite model \(no "TFL3" identifier/],
    [['bench', garbage, '--threads', '0'], /Expected an integer between 1 and 64 for --threads but received "0"/],
    [['bench', garbage, '--delegates', 'tpu'], /Expected a delegate named in delegates\/ \(.*edgetpu.*\) but received "tpu"/],
    [['infer', garbage], /give at least one --input/],
    [['bench', garbage, '--frobnicate'], /Unknown option '--frobnicate'/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('edgepipe %j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a library path that does not exist is a user error naming where it came from', async () => {
    const result = await runCli(['inspect', garbage], { EDGEPIPE_TFLITE_LIBRARY: path.join(dir, 'nope.so') });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`TensorFlow Lite library not found: ${path.join(dir, 'nope.so')} (from EDGEPIPE_TFLITE_LIBRARY)`);
  });

  it('a library that is not TFLite is refused naming the missing symbol', async () => {
    // libc has none of the TFLite C API. The one this process has mapped is of this architecture wherever it lives
    // (/lib/x86_64-linux-gnu, /lib/aarch64-linux-gnu, or /usr/aarch64-linux-gnu/lib under qemu-user).
    const libc = readFileSync('/proc/self/maps', 'utf8').match(/\s(\/\S*\/libc\.so\.6)$/m)?.[1];
    expect(libc, 'libc.so.6 in /proc/self/maps').toBeDefined();
    const result = await runCli(['inspect', garbage, '--library', libc!]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('lacks the symbol TfLiteVersion');
  });
});
