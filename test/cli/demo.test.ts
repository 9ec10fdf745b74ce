import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeMqttFlag } from '../../src/cli/demo.js';
import { COCO80_LABELS } from '../../src/demo/yolo-layout-model.js';
import type { WatchSnapshot } from '../../src/watch/state.js';
import { runCli } from '../helpers/cli.js';
import { hasSharedModels, projectRoot, sharedModelsDir } from '../helpers/shared-models.js';
import { Subscriber } from '../sinks/mqtt-broker.js';
import { payloadErrors, seqs } from '../sinks/mqtt-fixtures.js';
import { CliChild } from '../watch/child.js';

describe('npm run demo (edgepipe demo)', () => {
  it('classifies every synthetic frame with the colour it shows and exits 0', async () => {
    const result = await runCli(['demo', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const predictions = lines.slice(0, -1).map((l) => JSON.parse(l) as { frame_id: number; meta: { expected: string }; result: { classes: Array<{ label: string }> } });
    expect(predictions).toHaveLength(24);
    for (const p of predictions) expect(p.result.classes[0]!.label).toBe(p.meta.expected);
    // The final stats line closes the output.
    const stats = JSON.parse(lines[lines.length - 1]!) as { stats: { framesOut: number; drops: Record<string, number> } };
    expect(stats.stats.framesOut).toBe(24);
    expect(stats.stats.drops).toEqual({});
  });
});

describe('npm run demo -- --mqtt', () => {
  it('--mqtt [PORT] is read with or without a value; anything else is refused', () => {
    expect(takeMqttFlag(['--json'])).toEqual({ rest: ['--json'], port: undefined });
    expect(takeMqttFlag(['--mqtt', '--json'])).toEqual({ rest: ['--json'], port: 1883 });
    expect(takeMqttFlag(['--mqtt'])).toEqual({ rest: [], port: 1883 });
    expect(takeMqttFlag(['--mqtt', '0'])).toEqual({ rest: [], port: 0 });
    expect(takeMqttFlag(['--mqtt=8883', '--json'])).toEqual({ rest: ['--json'], port: 8883 });
    expect(() => takeMqttFlag(['--mqtt', '65536'])).toThrow('Expected a port from 0 to 65535 (0: any free port; no value: 1883) for --mqtt but received "65536"');
  });

  it('publishes schema-valid predictions to its embedded broker on a free port, which watch and MQTT.js subscribers see', async () => {
    const demo = new CliChild(['demo', '--mqtt', '0']);
    try {
      const [url, port] = (await demo.waitFor(/mqtt:\/\/127\.0\.0\.1:(\d+)/u)) as [string, string];
      expect(demo.stdout).toContain(`edgepipe watch --broker ${url}`);
      expect(demo.stdout).toContain(`mosquitto_sub -h 127.0.0.1 -p ${port} -t 'edgepipe/#' -v`);
      // The embedded broker (aedes) speaks MQTT 3.1.1.
      const subscriber = await Subscriber.start(url, 'edgepipe/demo/demo/predictions', { protocolVersion: 4 });
      const payloads = (await subscriber.settle(10)).slice(0, 10);
      await subscriber.stop();
      expect(payloads).toHaveLength(10);
      for (const payload of payloads) expect(payloadErrors(payload)).toEqual([]);
      const received = seqs(payloads);
      expect(received).toEqual(received.map((_, i) => received[0]! + i));

      const watched = await runCli(['watch', '--broker', url, '--once', '--json', '--timeout', '60']);
      expect(watched.code, watched.stderr).toBe(0);
      const snapshot = JSON.parse(watched.stdout) as WatchSnapshot;
      expect(snapshot.streams).toHaveLength(1);
      expect(snapshot.streams[0]).toMatchObject({ device: 'demo', pipeline: 'demo', status: 'online', drops: 0, schema_errors: 0 });
    } finally {
      demo.signal('SIGTERM');
    }
    expect(await demo.exited, demo.stderr).toBe(0);
    expect(demo.stdout).toContain('every frame got the colour it shows');
  });

  it('a port that is taken is reported with what to do instead', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const result = await runCli(['demo', '--mqtt', String(port)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`edgepipe demo: port ${port} on 127.0.0.1 is taken (another MQTT broker, e.g. mosquitto?): run with --mqtt 0 for a free port, or --mqtt PORT`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a bad port exits 2', async () => {
    const result = await runCli(['demo', '--mqtt', 'abc']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('for --mqtt but received "abc"');
  });
});

describe('edgepipe demo --write-models DIR', () => {
  const exampleFiles = ['accel_anomaly_int8.tflite', 'coco80_labels.txt', 'colour_classifier_int8.tflite', 'yolo_int8.tflite'];

  it('writes the models the examples name, under stable names, into a folder it creates', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'edgepipe-write-models-')), 'models');
    const result = await runCli(['demo', '--write-models', dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(exampleFiles);
    expect(result.stdout.split('\n')[0]).toBe(`edgepipe demo: wrote 4 files to ${dir}`);
    expect(result.stdout).toContain(`EDGEPIPE_MODELS=${dir} edgepipe validate pipelines/`);
    expect(readFileSync(path.join(dir, 'coco80_labels.txt'), 'utf8').split('\n').slice(0, 3)).toEqual(['person', 'bicycle', 'car']);
    expect(COCO80_LABELS).toHaveLength(80);

    // The accelerometer stand-in through real TFLite: score = min(1, mean(x^2) / 4), x = q / 32.
    const score = async (q: number[]): Promise<number> => {
      const input = path.join(dir, `window-${q.join('_')}.raw`);
      writeFileSync(input, Int8Array.from({ length: 384 }, (_, i) => q[i % q.length]!));
      const infer = await runCli(['infer', path.join(dir, 'accel_anomaly_int8.tflite'), '--input', input, '--json']);
      expect(infer.code, infer.stderr).toBe(0);
      return (JSON.parse(infer.stdout) as { outputs: Array<{ values: number[] }> }).outputs[0]!.values[0]!;
    };
    expect(await score([0])).toBe(0);
    expect(await score([32, -32])).toBeCloseTo(0.25, 2); // one standard deviation: a quiet machine
    expect(await score([64])).toBe(1); // two deviations everywhere: flagged (above 0.8)
  });

  it('refuses a DIR that is a file, naming it and the cause (exit 2)', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'edgepipe-write-models-')), 'not-a-folder');
    writeFileSync(file, '');
    const result = await runCli(['demo', '--write-models', file]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`edgepipe demo: --write-models cannot write to ${file} (EEXIST): choose a folder you can write to`);
    const below = await runCli(['demo', '--write-models', path.join(file, 'models')]);
    expect(below.stderr.trim()).toBe(`edgepipe demo: --write-models cannot write to ${path.join(file, 'models')} (ENOTDIR): choose a folder you can write to`);
  });

  it('refuses a read-only folder (a read-only tmpfs) before writing anything (exit 2)', async (context) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-write-models-ro-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    } catch (error) {
      if (process.env['CI'] === 'true') throw error;
      console.warn(`skipping the read-only folder test: cannot mount a tmpfs (${(error as Error).message.split('\n')[0]})`);
      context.skip();
    }
    try {
      const result = await runCli(['demo', '--write-models', dir]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(`edgepipe demo: --write-models cannot write to ${dir} (EROFS): choose a folder you can write to`);
    } finally {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is given alone: with --json or --mqtt it is refused (exit 2)', async () => {
    const result = await runCli(['demo', '--write-models', tmpdir(), '--json']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('edgepipe demo: --write-models DIR only writes the models: give it alone, and run the demo (--json, --mqtt) without it');
  });

  // The README's promise: the shared (downloaded) models next to the ones edgepipe writes make every example valid.
  it.skipIf(!hasSharedModels)('with the shared models next to them, `edgepipe validate pipelines/` exits 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-examples-'));
    for (const name of readdirSync(sharedModelsDir)) symlinkSync(path.join(sharedModelsDir, name), path.join(dir, name));
    const written = await runCli(['demo', '--write-models', dir]);
    expect(written.code, written.stderr).toBe(0);
    const examples = readdirSync(path.join(projectRoot, 'pipelines')).filter((f) => f.endsWith('.yaml'));
    const result = await runCli(['validate', 'pipelines/'], { EDGEPIPE_MODELS: dir });
    // Only warnings: the USB camera example's /dev/video0 is absent on a machine without a camera.
    const stderr = result.stderr.split('\n').filter((line) => line !== '');
    expect(stderr.filter((line) => !/^warning: pipelines\/\S+: pipelines\[\d+\]\.source\.input: the camera device \/dev\/video\d+ does not exist now/.test(line))).toEqual([]);
    expect(result.code).toBe(0);
    // Before the verdict, what the tracker of each analytics example will see (frame size, classes).
    const lines = result.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(new RegExp(`^ok: \\d+ pipeline\\(s\\) in ${examples.length} file\\(s\\)$`, 'u'));
    expect(lines.slice(0, -1).filter((line) => !/^pipeline [a-z0-9_-]+: (the tracker.* sees? \d+x\d+ frames|classes tracked: )/.test(line))).toEqual([]);
    // Without the written models the examples that need them are named, each with its field.
    const sharedOnly = await runCli(['validate', 'pipelines/'], { EDGEPIPE_MODELS: sharedModelsDir });
    expect(sharedOnly.code).toBe(2);
    expect(sharedOnly.stderr).toContain('pipelines/demo.yaml:');
  });
});
