// edgepipe optimize as a user runs it (the built CLI), on a tiny uint8 network the test writes.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModel } from '../../src/tflite/index.js';
import { runCli } from '../helpers/cli.js';
import { needsRealHardware, PROBE_UNDER_EMULATION } from '../helpers/emulation.js';
import { uint8Network } from './uint8-models.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-optimize-cli-'));
const model = path.join(dir, 'net.tflite');
const images = path.join(dir, 'images');

beforeAll(async () => {
  writeFileSync(model, uint8Network({ metadata: true }));
  mkdirSync(images);
  for (const [i, colour] of [[0, { r: 200, g: 40, b: 40 }], [1, { r: 30, g: 160, b: 220 }], [2, { r: 250, g: 250, b: 20 }]] as const) {
    await sharp({ create: { width: 16, height: 12, channels: 3, background: colour } }).png().toFile(path.join(images, `c${i}.png`));
  }
  writeFileSync(path.join(images, 'notes.txt'), 'not an image');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(needsRealHardware(PROBE_UNDER_EMULATION))('edgepipe optimize (CLI)', () => {
  it('rewrites, reports nodes, time and agreement on the calibration images, and writes the model', async () => {
    const out = path.join(dir, 'net.int8.tflite');
    const r = await runCli(['optimize', model, '-o', out, '--calibration', images, '--runs', '5']);
    expect(r.stderr.replace(/^INFO: .*\n/gm, '')).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      `${model} -> ${out}: uint8 inputs/outputs; 5 weight tensors requantised to int8 (41 of 41 channels exact, 0 rescaled); ` +
        '4 QUANTIZE added; 0 tensors given their concatenation\'s scale',
    );
    expect(lines[1]).toMatch(/^XNNPACK nodes: before 0 of 11 \(plain CPU kernels\), after \d+ of 15 in \d+ partition\(s\)$/);
    expect(lines[2]).toMatch(/^invoke p50 \(1 thread\(s\), 5 alternating runs\): before [\d.]+ ms, after [\d.]+ ms \([\d.]+x\)$/);
    expect(lines[3]).toMatch(/^agreement on 3 images \(classifier\): 100\.0% \(3 of 3 inputs with the same top-1 class\), max score difference [\d.]+$/);
    expect(lines[4]).toMatch(/^wrote .*net\.int8\.tflite \([\d.]+ MB\)$/);
    const info = readModel(readFileSync(out));
    expect(info.subgraphs[0]!.tensors.filter((t) => t.type === 'int8').length).toBeGreaterThan(10);
    expect(info.metadata?.labels?.[0]).toBe('zero');
  }, 60_000);

  it('--json reports the same as data', async () => {
    const out = path.join(dir, 'net.json.tflite');
    const r = await runCli(['optimize', model, '-o', out, '--calibration', images, '--runs', '3', '--io', 'int8', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { written: boolean; io: string; evaluation: { before: { delegate: string }; after: { delegate: string } } };
    expect(json).toMatchObject({ written: true, io: 'int8', evaluation: { before: { delegate: 'cpu' }, after: { delegate: 'xnnpack' } } });
  }, 60_000);

  it('refuses bad flags and unsupported models with exit code 2, writing nothing', async () => {
    const out = path.join(dir, 'never.tflite');
    const cases: [string[], string][] = [
      [['optimize', model], 'edgepipe optimize: missing -o OUT.tflite, where to write the optimised model (see edgepipe optimize --help)'],
      [['optimize', model, '-o', out, '--io', 'uint16'], 'edgepipe optimize: Expected uint8 or int8 for --io but received "uint16"'],
      [['optimize', model, '-o', out, '--min-agreement', '2'], 'edgepipe optimize: Expected a number between 0 and 1 for --min-agreement but received "2"'],
      [['optimize', model, '-o', model], `edgepipe optimize: Expected a file other than the model itself for -o but received ${JSON.stringify(model)}`],
      [['optimize', model, '-o', out, '--calibration', path.join(dir, 'none')], `edgepipe optimize: Expected a folder of images for --calibration but received`],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.replace(/^INFO: .*\n/gm, '').trim().startsWith(message), r.stderr).toBe(true);
    }
    const int8 = path.join(dir, 'net.json.tflite');
    const r = await runCli(['optimize', int8, '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`edgepipe optimize: ${int8}: already int8 (tensor 0 "input" is int8); XNNPACK runs int8 models as they are, nothing to optimize`);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
