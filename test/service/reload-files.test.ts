/**
 * A reload compares the content of the files a pipeline runs, not only its YAML: a model or labels file replaced
 * under the same path restarts the pipeline; a new model that fails the crash-isolating probe is refused before
 * anything stops (the old pipeline keeps running, the outcome names the file); a rollback runs the previous model's
 * bytes held in memory, whatever the file on disk holds now. A real `edgepipe run` under a real notify socket.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeConstantClassifier } from './constant-models.js';
import { listenerSkipReason } from './notify-listener.js';
import { startService, starts, type RunningService } from './run-service.js';

const skip = listenerSkipReason() !== undefined;
const root = mkdtempSync(path.join(tmpdir(), 'edgepipe-reload-files-'));

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Case {
  dir: string;
  model: string;
  config: string;
  predictions: string;
}

/** A folder with `model.tflite` (always `alpha`) and a config running it on a synthetic source into a file sink. */
function newCase(name: string): Case {
  const dir = path.join(root, name);
  mkdirSync(dir);
  const model = writeConstantClassifier(dir, 'model.tflite', ['alpha', 'beta'], 0);
  return { dir, model, config: path.join(dir, 'pipelines.yaml'), predictions: path.join(dir, 'a.jsonl') };
}

function writeConfig(c: Case, options: { healthS?: number; source?: string; topK?: number; labels?: string } = {}): void {
  const lines = [
    'version: 1',
    'runtime:',
    '  http: { listen: "127.0.0.1:0" }',
    `  reload_health_s: ${options.healthS ?? 20}`,
    'pipelines:',
    '  - name: a',
    `    source: ${options.source ?? '{ kind: synthetic, width: 64, height: 48, fps: 25, pattern: colours }'}`,
    `    model: { file: "${c.model}"${options.labels ? `, labels: "${options.labels}"` : ''} }`,
    `    postprocess: { kind: classify, top_k: ${options.topK ?? 1} }`,
    `    sinks: [ { kind: file, path: "${c.predictions}" } ]`,
  ];
  writeFileSync(c.config, `${lines.join('\n')}\n`);
}

interface Line {
  model: { sha256: string };
  result: { classes: Array<{ label?: string }> };
}

function lines(c: Case): Line[] {
  if (!existsSync(c.predictions)) return [];
  return readFileSync(c.predictions, 'utf8')
    .split('\n')
    .filter((line) => line.endsWith('}'))
    .map((line) => JSON.parse(line) as Line);
}

/** Waits until the file sink has more than `after` lines and the last one is labelled `label`. */
async function lastLabel(c: Case, label: string, after: number, service: RunningService): Promise<Line> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const all = lines(c);
    const last = all.at(-1);
    if (all.length > after && last?.result.classes[0]?.label === label) return last;
    if (Date.now() > deadline) throw new Error(`no prediction labelled ${label} after line ${after}: last ${JSON.stringify(last)}; stderr: ${service.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const framesIn = async (service: RunningService): Promise<number> => (await service.status())[0]?.framesIn ?? -1;

describe.skipIf(skip)('edgepipe run: a reload compares the files a pipeline runs', () => {
  it('a model replaced by another valid one restarts the pipeline on the new model', async () => {
    const c = newCase('valid');
    writeConfig(c);
    const service = await startService(c.config, children);
    const before = await lastLabel(c, 'alpha', 0, service);

    writeConstantClassifier(c.dir, 'model.tflite', ['alpha', 'beta'], 1);
    const ready = await service.reload();
    expect(ready.message).toBe('READY=1\nSTATUS=reloaded: 1 changed, 0 added, 0 removed, 0 unchanged; 1/1 pipelines running; delegate xnnpack');
    expect(service.stderr()).toContain('edgepipe: reload: pipeline a changed, restarting');
    const after = await lastLabel(c, 'beta', lines(c).length, service);
    expect(after.model.sha256).not.toBe(before.model.sha256);
    expect(starts(service.stderr(), 'a')).toBe(2);
    expect(await service.stop(), service.stderr()).toBe(0);
  });

  it('a model replaced by garbage is refused before anything stops, alone or with an edit; the old one keeps running', async () => {
    const c = newCase('garbage');
    writeConfig(c);
    const service = await startService(c.config, children);
    const before = await lastLabel(c, 'alpha', 0, service);

    writeFileSync(c.model, randomBytes(4096));
    const refused = await service.reload();
    // The probe's verdict, with the file (systemd's status line is cut after it).
    const why = `${c.model}: not a TensorFlow Lite model (no "TFL3" identifier at bytes 4-7; 4096 bytes)`;
    expect(refused.message.startsWith(`READY=1\nSTATUS=reloaded: 0 changed, 0 added, 0 removed, 0 unchanged; refused a (${why});`), refused.message).toBe(true);
    expect(service.stderr()).toContain(`edgepipe: reload: pipeline a refused, keeps running as it was: ${why}`);
    expect(service.stderr()).toMatch(/warn edgepipe: reloaded: 0 changed, 0 added, 0 removed, 0 unchanged; refused a /);

    // The same garbage with an edit of the pipeline's YAML: refused too, nothing restarted.
    writeConfig(c, { topK: 2 });
    const edited = await service.reload();
    expect(edited.message).toMatch(/^READY=1\nSTATUS=reloaded: 0 changed, 0 added, 0 removed, 0 unchanged; refused a \(/);

    // Never stopped: one start, counters growing, predictions still from the first model.
    const frames = await framesIn(service);
    await service.until((p) => (p[0]?.framesIn ?? 0) > frames + 10, 'frames keep coming');
    const after = await lastLabel(c, 'alpha', lines(c).length, service);
    expect(after.model.sha256).toBe(before.model.sha256);
    expect((await service.status()).map((p) => [p.name, p.state, p.attempts])).toEqual([['a', 'running', 1]]);
    expect(starts(service.stderr(), 'a')).toBe(1);
    expect(await service.stop(), service.stderr()).toBe(0);
  });

  it('a rollback runs the previous model from memory although the file now holds another', async () => {
    const c = newCase('rollback');
    const empty = path.join(c.dir, 'no-frames');
    mkdirSync(empty);
    writeConfig(c, { healthS: 2 });
    const service = await startService(c.config, children);
    const before = await lastLabel(c, 'alpha', 0, service);

    // A valid new model (it passes the probe) and a source that yields nothing: the health check fails.
    writeConstantClassifier(c.dir, 'model.tflite', ['alpha', 'beta'], 1);
    writeConfig(c, { healthS: 2, source: `{ kind: images, path: "${empty}", watch: true }` });
    const ready = await service.reload();
    expect(ready.message).toBe('READY=1\nSTATUS=reloaded: 1 changed, 0 added, 0 removed, 0 unchanged; rolled back a (no prediction within 2 s); 1/1 pipelines running; delegate xnnpack');
    expect(service.stderr()).toContain('edgepipe: reload: pipeline a failed its health check (no prediction within 2 s); rolled back to its previous config');

    // Back on the synthetic source, with the first model's bytes: still `alpha`, the same hash.
    const after = await lastLabel(c, 'alpha', lines(c).length, service);
    expect(after.model.sha256).toBe(before.model.sha256);
    expect(lines(c).filter((line) => line.result.classes[0]?.label === 'beta')).toEqual([]);
    expect(await service.stop(), service.stderr()).toBe(0);
  });

  it('a model that never got the pipeline running is read again by the retries: a fixed file needs no reload', async () => {
    const c = newCase('fixed');
    const good = readFileSync(c.model);
    writeFileSync(c.model, good.subarray(0, 100)); // a copy still in progress when the service started
    writeConfig(c);
    const service = await startService(c.config, children);
    await service.until((p) => p[0]?.state === 'backoff', 'a fails to start');

    writeFileSync(c.model, good);
    await lastLabel(c, 'alpha', 0, service);
    expect((await service.status())[0]?.state).toBe('running');
    expect(await service.stop(), service.stderr()).toBe(0);
  });

  it('a labels file whose content changed restarts the pipeline with the new labels', async () => {
    const c = newCase('labels');
    const labels = path.join(c.dir, 'labels.txt');
    writeFileSync(labels, 'cat\ndog\n');
    writeConfig(c, { labels });
    const service = await startService(c.config, children);
    await lastLabel(c, 'cat', 0, service);

    writeFileSync(labels, 'lion\ndog\n');
    const ready = await service.reload();
    expect(ready.message).toBe('READY=1\nSTATUS=reloaded: 1 changed, 0 added, 0 removed, 0 unchanged; 1/1 pipelines running; delegate xnnpack');
    await lastLabel(c, 'lion', lines(c).length, service);
    expect(starts(service.stderr(), 'a')).toBe(2);
    expect(await service.stop(), service.stderr()).toBe(0);
  });
});
