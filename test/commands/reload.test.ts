/**
 * The `reload` command on the path `edgepipe run` gives it: PipelineSet hands requestReload to every pipeline,
 * and it runs reloadFiles (the SIGHUP path) on real files; the answer reports the outcome.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigs, reloadFiles } from '../../src/cli/run.js';
import { CommandDispatcher } from '../../src/commands/dispatcher.js';
import { memoryLogger } from '../../src/core/log.js';
import { PipelineSet } from '../../src/service/pipeline-set.js';
import { specsOf } from '../../src/service/reload-plan.js';
import { writeColourModel } from '../helpers/image-models.js';
import { until } from './running-pipeline.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-command-reload-'));
const model = writeColourModel(dir);

function writeConfig(file: string, every: string): void {
  const lines = [
    'version: 1',
    'runtime:',
    '  reload_health_s: 5',
    'pipelines:',
    '  - name: door',
    '    source: { kind: synthetic, width: 64, height: 48, fps: 50, pattern: colours }',
    `    model: { file: "${model}" }`,
    '    postprocess: { kind: classify, top_k: 1 }',
    `    every: ${every}`,
    `    sinks: [ { kind: file, path: "${path.join(dir, 'door.jsonl')}" } ]`,
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
}

const sets: PipelineSet[] = [];
afterEach(async () => {
  await Promise.all(sets.splice(0).map((set) => set.stop()));
});

describe('reload command through PipelineSet and reloadFiles', () => {
  it('reports an unchanged reload, a swap, and a refused edit with its first problem', async () => {
    const file = path.join(dir, 'door.yaml');
    writeConfig(file, '1');
    const logger = memoryLogger();
    const set: PipelineSet = new PipelineSet({
      logger,
      requestReload: async () => {
        const result = await reloadFiles({ paths: [file], pipelines: set, logger, signal: new AbortController().signal, onLoaded: () => undefined });
        return { ok: result.ok, message: result.detail ? `${result.message}; first: ${result.detail}` : result.message };
      },
    });
    sets.push(set);
    await set.start(specsOf(await loadConfigs([file])));
    const current = () => set.supervisors()[0]!.pipelines()[0]!;
    const ask = (body: unknown) => new CommandDispatcher(current().control, { maxPerSecond: 10 }).handle(JSON.stringify(body));
    await until('door runs', () => current().stats.framesOut > 0);

    expect(await ask({ id: '1', command: 'reload' })).toMatchObject({ id: '1', ok: true, message: 'reloaded: 0 changed, 0 added, 0 removed, 1 unchanged' });

    writeConfig(file, '2');
    const before = current();
    expect(await ask({ id: '2', command: 'reload' })).toMatchObject({ id: '2', ok: true, message: 'reloaded: 1 changed, 0 added, 0 removed, 0 unchanged' });
    expect(current()).not.toBe(before);

    writeConfig(file, 'often');
    const refused = await ask({ id: '3', command: 'reload' });
    expect(refused).toMatchObject({ id: '3', ok: false, error: { code: 'failed' } });
    expect(refused.error?.message).toMatch(
      new RegExp(`^reload: reload refused \\(1 problem in the configuration\\), pipelines unchanged; first: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:9:12: `),
    );
    expect(current().state).toBe('running');
  });
});
