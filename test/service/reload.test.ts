/**
 * SIGHUP reload of a real `edgepipe run` process under a real notify socket: an invalid edit changes nothing and
 * reports positions; a valid edit swaps only the changed pipeline; a changed or new pipeline that delivers no
 * prediction within runtime.reload_health_s is rolled back (or removed) and reported.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeColourModel } from '../helpers/image-models.js';
import { jsonSchemaErrors } from '../../src/config/json-schema-check.js';
import { Mosquitto, mosquittoOrSkip, Subscriber } from '../sinks/mqtt-broker.js';
import { listenerSkipReason } from './notify-listener.js';
import { startService, starts, type PipelineStatus } from './run-service.js';

const skip = listenerSkipReason() !== undefined;
const statusSchema = JSON.parse(readFileSync(new URL('../../schema/status.schema.json', import.meta.url), 'utf8')) as Parameters<typeof jsonSchemaErrors>[0];
const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-reload-'));
const model = writeColourModel(dir);
const brokenModel = path.join(dir, 'broken.tflite');
writeFileSync(brokenModel, 'this is not a TFLite flatbuffer');
const emptyFolder = path.join(dir, 'no-frames-yet');
mkdirSync(emptyFolder);

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

const synthetic = '{ kind: synthetic, width: 64, height: 48, fps: 25, pattern: colours }';

function pipeline(name: string, options: { source?: string; model?: string; postprocess?: string } = {}): string[] {
  return [
    `  - name: ${name}`,
    `    source: ${options.source ?? synthetic}`,
    `    model: { file: "${options.model ?? model}" }`,
    `    postprocess: ${options.postprocess ?? '{ kind: classify, top_k: 1 }'}`,
    `    sinks: [ { kind: file, path: "${path.join(dir, `${name}.jsonl`)}" } ]`,
  ];
}

function writeConfig(file: string, lines: string[]): string {
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const header = (healthS: number): string[] => ['version: 1', 'runtime:', '  http: { listen: "127.0.0.1:0" }', `  reload_health_s: ${healthS}`, 'pipelines:'];
const byName = (pipelines: PipelineStatus[], name: string): PipelineStatus | undefined => pipelines.find((p) => p.name === name);
const framesIn = (pipelines: PipelineStatus[], name: string): number => byName(pipelines, name)?.framesIn ?? -1;

describe.skipIf(skip)('edgepipe run: SIGHUP reload', () => {
  it('an invalid edit keeps every pipeline running and logs each problem with file:line:col', async () => {
    const config = writeConfig(path.join(dir, 'invalid.yaml'), [...header(5), ...pipeline('a'), ...pipeline('b')]);
    const service = await startService(config, children);
    const before = await service.until((p) => framesIn(p, 'a') >= 30 && framesIn(p, 'b') >= 30, 'both pipelines have frames');

    // A new pipeline whose model file is missing: the loader's reference check refuses the whole edit.
    const missing = [...header(5), ...pipeline('a'), ...pipeline('b'), ...pipeline('c', { model: path.join(dir, 'missing.tflite') })];
    writeConfig(config, missing);
    const refused = await service.reload();
    expect(refused.message).toBe('READY=1\nSTATUS=reload refused (1 problem in the configuration), pipelines unchanged; 2/2 pipelines running; delegate xnnpack');
    const modelLine = missing.findIndex((line) => line.includes('missing.tflite')) + 1;
    expect(service.stderr()).toMatch(new RegExp(`edgepipe: reload refused: ${config}:${modelLine}:\\d+: pipelines\\[2\\]\\.model\\.file: file not found`));

    // Two schema problems: both are logged, each with its position.
    const edited = [...header(5), ...pipeline('a'), ...pipeline('b', { postprocess: '{ kind: clasify }' }), ...pipeline('Door C')];
    writeConfig(config, edited);
    const ready = await service.reload();
    expect(ready.message).toBe('READY=1\nSTATUS=reload refused (2 problems in the configuration), pipelines unchanged; 2/2 pipelines running; delegate xnnpack');
    const stderr = service.stderr();
    expect(stderr).toContain('edgepipe: reload refused, pipelines unchanged: 2 problems in the configuration');
    const kindLine = edited.findIndex((line) => line.includes('clasify')) + 1;
    const nameLine = edited.findIndex((line) => line.includes('Door C')) + 1;
    expect(stderr).toMatch(new RegExp(`edgepipe: reload refused: ${config}:${kindLine}:\\d+: pipelines\\[1\\]\\.postprocess\\.kind: .*did you mean "classify"`));
    expect(stderr).toMatch(new RegExp(`edgepipe: reload refused: ${config}:${nameLine}:\\d+: pipelines\\[2\\]\\.name: `));

    // The same pipelines, never restarted: their counters go on from where they were.
    const after = await service.until((p) => framesIn(p, 'a') > framesIn(before, 'a') + 10 && framesIn(p, 'b') > framesIn(before, 'b') + 10, 'counters keep growing');
    expect(after.map((p) => [p.name, p.state, p.attempts])).toEqual([['a', 'running', 1], ['b', 'running', 1]]);
    expect([starts(service.stderr(), 'a'), starts(service.stderr(), 'b')]).toEqual([1, 1]);
    expect(await service.stop(), service.stderr()).toBe(0);
  });

  it('a valid edit to one of two pipelines restarts only that one', async () => {
    const config = writeConfig(path.join(dir, 'valid.yaml'), [...header(20), ...pipeline('a'), ...pipeline('b')]);
    const service = await startService(config, children);
    const before = await service.until((p) => framesIn(p, 'a') >= 30, 'a has frames');

    // A comment moves `a` down two lines (its origin changes, its config does not); b gets top_k 2.
    writeConfig(config, ['# edited', '# by the reload test', ...header(20), ...pipeline('a'), ...pipeline('b', { postprocess: '{ kind: classify, top_k: 2 }' })]);
    const ready = await service.reload();
    expect(ready.message).toBe('READY=1\nSTATUS=reloaded: 1 changed, 0 added, 0 removed, 1 unchanged; 2/2 pipelines running; delegate xnnpack');
    const stderr = service.stderr();
    expect(stderr).toContain('edgepipe: reload: pipeline b changed, restarting');
    expect(stderr).not.toMatch(/reload: pipeline a /);
    expect(stderr).toContain('edgepipe: reloaded: 1 changed, 0 added, 0 removed, 1 unchanged; 2 pipeline(s)');
    expect([starts(stderr, 'a'), starts(stderr, 'b')]).toEqual([1, 2]);

    // a's counter was never reset and keeps growing; b is a new Pipeline and counts again from its restart.
    const after = await service.until((p) => framesIn(p, 'a') > framesIn(before, 'a') + 10 && (byName(p, 'b')?.framesOut ?? 0) > 0, 'both deliver');
    expect(byName(after, 'a')!.framesIn).toBeGreaterThan(byName(before, 'a')!.framesIn);
    expect(after.map((p) => p.state)).toEqual(['running', 'running']);
    expect(await service.stop(), service.stderr()).toBe(0);
  });

  it('a changed pipeline whose source yields nothing is rolled back, a new one removed; a new one with a broken model is refused', async () => {
    const config = writeConfig(path.join(dir, 'rollback.yaml'), [...header(2), ...pipeline('a'), ...pipeline('b')]);
    const service = await startService(config, children);
    await service.until((p) => framesIn(p, 'b') >= 10, 'b has frames');

    const silent = `{ kind: images, path: "${emptyFolder}", watch: true }`;
    writeConfig(config, [...header(2), ...pipeline('a'), ...pipeline('b', { source: silent }), ...pipeline('c', { source: silent }), ...pipeline('d', { model: brokenModel })]);
    const ready = await service.reload();
    // d never starts: its model fails the probe before anything is swapped (systemd's status line is cut in its reason).
    expect(ready.message).toMatch(
      /^READY=1\nSTATUS=reloaded: 1 changed, 1 added, 0 removed, 1 unchanged; rolled back b \(no prediction within 2 s\); removed new c \(no prediction within 2 s\); refused d \(\S+broken/,
    );
    const stderr = service.stderr();
    expect(stderr).toMatch(/edgepipe: reload: pipeline d refused, not started: \S+broken\.tflite: not a TensorFlow Lite model/);
    expect(stderr).toContain('edgepipe: reload: pipeline b failed its health check (no prediction within 2 s); rolled back to its previous config');
    expect(stderr).toContain('edgepipe: reload: new pipeline c failed its health check (no prediction within 2 s); removed');
    expect(stderr).toMatch(/warn edgepipe: reloaded: 1 changed, 1 added, 0 removed, 1 unchanged; rolled back b .*; refused d \(\S+broken\.tflite: not a TensorFlow Lite model .*\); 2 pipeline\(s\)/);

    // b runs its old config again (the synthetic source), c and d are gone, a was never touched.
    const after = await service.until((p) => (byName(p, 'b')?.framesOut ?? 0) > 0, 'b delivers again');
    expect(after.map((p) => [p.name, p.state])).toEqual([['a', 'running'], ['b', 'running']]);
    expect([starts(service.stderr(), 'a'), starts(service.stderr(), 'b'), starts(service.stderr(), 'd')]).toEqual([1, 3, 0]);
    expect(await service.stop(), service.stderr()).toBe(0);
  });
  it('SIGTERM during the health check ends the wait: STOPPING=1 and exit 0, nothing rolled back', async () => {
    const config = writeConfig(path.join(dir, 'term.yaml'), [...header(600), ...pipeline('a')]);
    const service = await startService(config, children);
    writeConfig(config, [...header(600), ...pipeline('a'), ...pipeline('c', { source: `{ kind: images, path: "${emptyFolder}", watch: true }` })]);
    service.child.kill('SIGHUP');
    const log = (): string => service.stderr();
    await service.listener.next((d) => d.message.startsWith('RELOADING=1'), 'RELOADING=1', log);
    await service.until((p) => byName(p, 'c')?.state === 'running', 'c started (and yields nothing)');
    const code = service.stop();
    const stopping = await service.listener.next((d) => d.message.startsWith('STOPPING=1'), 'STOPPING=1', log);
    expect(stopping.message).toBe('STOPPING=1\nSTATUS=stopping: SIGTERM, stopping');
    expect(await code, service.stderr()).toBe(0);
    expect(service.stderr()).not.toContain('failed its health check');
  });
});

const mosquitto = mosquittoOrSkip();

describe.skipIf(skip || !mosquitto)('edgepipe run: a reload on the MQTT status topic', () => {
  it("a refused edit is reported on each pipeline's retained status with every problem's position", async () => {
    const broker = await Mosquitto.start(mosquitto!);
    const watcher = await Subscriber.start(broker.url, 'edgepipe/gate/a/status');
    try {
      const mqttPipeline = (postprocess = '{ kind: classify, top_k: 1 }'): string[] => [
        '  - name: a',
        `    source: ${synthetic}`,
        `    model: { file: "${model}" }`,
        `    postprocess: ${postprocess}`,
        `    sinks: [ { kind: mqtt, url: "${broker.url}", device_id: gate, outbox: { dir: "${path.join(dir, 'outbox-a')}" } } ]`,
      ];
      const config = writeConfig(path.join(dir, 'mqtt-status.yaml'), [...header(5), ...mqttPipeline()]);
      const service = await startService(config, children);
      const edited = [...header(5), ...mqttPipeline('{ kind: clasify }'), ...pipeline('Door C')];
      writeConfig(config, edited);
      await service.reload();
      const messages = await watcher.settle(Infinity, 300);
      const status = JSON.parse(messages.at(-1)!) as { state: string; last_reload?: { ok: boolean; message: string } };
      expect(status.state).toBe('running');
      const kindLine = edited.findIndex((line) => line.includes('clasify')) + 1;
      const nameLine = edited.findIndex((line) => line.includes('Door C')) + 1;
      expect(status.last_reload?.ok).toBe(false);
      expect(status.last_reload?.message).toContain('reload refused (2 problems in the configuration), pipelines unchanged: ');
      expect(status.last_reload?.message).toContain(`${config}:${kindLine}:`);
      expect(status.last_reload?.message).toContain(`${config}:${nameLine}:`);
      expect(jsonSchemaErrors(statusSchema, status as unknown as Parameters<typeof jsonSchemaErrors>[1])).toEqual([]);
      expect(await service.stop(), service.stderr()).toBe(0);
    } finally {
      await watcher.stop();
      await broker.stop();
    }
  });
});
