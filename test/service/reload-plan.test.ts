/** What a reload touches: pipelines matched by name, compared on everything a running pipeline reads. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { withFiles } from '../../src/service/pipeline-files.js';
import { deepEqual, healthSeconds, planReload, specsOf, type PipelineSpec } from '../../src/service/reload-plan.js';

const pipeline = (name: string, extra = '') => [
  `  - name: ${name}`,
  '    source: { kind: synthetic }',
  '    model: { file: /models/m.tflite }',
  `    postprocess: { kind: classify${extra} }`,
  '    sinks: [ { kind: stdout } ]',
];

function specs(lines: string[]): PipelineSpec[] {
  return specsOf([parseConfig('/etc/edgepipe/pipelines.d/p.yaml', ['version: 1', ...lines].join('\n'))]);
}

const current = (list: PipelineSpec[]) => new Map(list.map((spec) => [spec.config.name, spec]));

describe('planReload', () => {
  const before = specs(['pipelines:', ...pipeline('a'), ...pipeline('b'), ...pipeline('c')]);

  it('sorts pipelines into unchanged, changed, added and removed, in the order of the next files', () => {
    const next = specs(['pipelines:', ...pipeline('d'), ...pipeline('b', ', top_k: 2'), ...pipeline('a')]);
    expect(planReload(current(before), next)).toEqual({ unchanged: ['a'], changed: ['b'], added: ['d'], removed: ['c'] });
  });

  it('a pipeline that only moved in its file is unchanged (its origin is not compared)', () => {
    const next = specs(['# a comment', '', 'pipelines:', ...pipeline('c'), ...pipeline('a'), ...pipeline('b')]);
    expect(next[1]!.config.origin).not.toBe(before[0]!.config.origin);
    expect(planReload(current(before), next)).toEqual({ unchanged: ['c', 'a', 'b'], changed: [], added: [], removed: [] });
  });

  it('a change of the runtime a pipeline runs on (library, cache_dir) changes every pipeline of that file', () => {
    const next = specs(['runtime: { cache_dir: /var/cache/other }', 'pipelines:', ...pipeline('a'), ...pipeline('b'), ...pipeline('c')]);
    expect(planReload(current(before), next).changed).toEqual(['a', 'b', 'c']);
  });

  it("a pipeline whose model or labels file's content changed is changed; the same bytes again are not", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-plan-files-'));
    const model = path.join(dir, 'm.tflite');
    const labels = path.join(dir, 'labels.txt');
    writeFileSync(model, 'model one');
    writeFileSync(labels, 'cat\n');
    const withLabels = (name: string) => [`  - name: ${name}`, '    source: { kind: synthetic }', `    model: { file: ${model}, labels: ${labels} }`, '    postprocess: { kind: classify }', '    sinks: [ { kind: stdout } ]'];
    const read = () => withFiles(specs(['pipelines:', ...withLabels('a')]));
    const first = await read();
    expect(planReload(current(first), await read()).unchanged).toEqual(['a']);
    writeFileSync(model, 'model two');
    const replaced = await read();
    expect(planReload(current(first), replaced).changed).toEqual(['a']);
    writeFileSync(labels, 'lion\n');
    expect(planReload(current(replaced), await read()).changed).toEqual(['a']);
    // Held with the spec: the bytes read then, whatever the file holds now.
    expect(first[0]!.files.model).toMatchObject({ path: model, bytes: Buffer.from('model one') });
    rmSync(model);
    const gone = await read();
    expect(gone[0]!.files.model).toEqual({ path: model, error: 'cannot read: no such file' });
    expect(planReload(current(replaced), gone).changed).toEqual(['a']);
  });

  it('process-wide settings (log, http, reload_health_s) change no pipeline', () => {
    const next = specs([
      'runtime: { log: { level: debug }, http: { listen: "127.0.0.1:9108" }, reload_health_s: 0 }',
      'pipelines:',
      ...pipeline('a'),
      ...pipeline('b'),
      ...pipeline('c'),
    ]);
    expect(planReload(current(before), next).unchanged).toEqual(['a', 'b', 'c']);
    expect(healthSeconds(next[0]!)).toBe(0);
    expect(healthSeconds(before[0]!)).toBe(30);
  });

  it('an edited delegate descriptor in the chain changes the pipeline', () => {
    const edited = { ...before[0]!, descriptors: new Map([...before[0]!.descriptors].map(([name, d]) => [name, name === 'xnnpack' ? { ...d, options: { ...d.options, num_threads: 3 } } : d])) };
    expect(before[0]!.config.model.delegates).toContain('xnnpack');
    expect(planReload(current([before[0]!]), [edited]).changed).toEqual(['a']);
  });
});

describe('deepEqual', () => {
  it('compares plain data structurally; an undefined key counts as absent', () => {
    expect(deepEqual({ a: [1, { b: 'x' }], c: undefined }, { a: [1, { b: 'x' }] })).toBe(true);
    expect(deepEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(deepEqual({ a: [] }, { a: {} })).toBe(false);
    expect(deepEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
  });
});
