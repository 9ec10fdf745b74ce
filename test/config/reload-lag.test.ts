/**
 * Issue 11: a 2 MB file added to a running pipelines folder froze predictions for 9 s on SIGHUP. Now reloadFiles
 * (the SIGHUP path) parses on a worker thread: a running pipeline keeps predicting and the event loop keeps
 * ticking while a large file in its folder is parsed, and the reload is refused or applied as before.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigs, reloadFiles } from '../../src/cli/run.js';
import { loadConfigFiles } from '../../src/config/load.js';
import { memoryLogger } from '../../src/core/log.js';
import { PipelineSet } from '../../src/service/pipeline-set.js';
import { specsOf } from '../../src/service/reload-plan.js';
import { writeColourModel } from '../helpers/image-models.js';
import { pipelineYaml, tempDir } from './helpers.js';

const sets: PipelineSet[] = [];
afterEach(async () => {
  await Promise.all(sets.splice(0).map((set) => set.stop()));
});

/** Waits (polling every 10 ms, at most `timeoutMs`) until `condition` holds. */
async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The longest time between ticks of a 5 ms interval while `run` is in flight. */
async function longestGap<T>(run: () => Promise<T>): Promise<{ result: T; maxGapMs: number }> {
  let last = performance.now();
  let maxGapMs = 0;
  const tick = (): void => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  };
  const timer = setInterval(tick, 5);
  try {
    const result = await run();
    tick();
    return { result, maxGapMs };
  } finally {
    clearInterval(timer);
  }
}

describe('reload of a folder with a large file', () => {
  it('keeps the running pipeline predicting and the loop ticking while the file is parsed, then refuses it', async () => {
    const dir = tempDir();
    const model = writeColourModel(dir);
    const door = [
      'version: 1',
      'pipelines:',
      '  - name: door',
      '    source: { kind: synthetic, width: 64, height: 48, fps: 50, pattern: colours }',
      `    model: { file: "${model}" }`,
      '    postprocess: { kind: classify, top_k: 1 }',
      `    sinks: [ { kind: file, path: "${path.join(dir, 'door.jsonl')}" } ]`,
      '',
    ].join('\n');
    writeFileSync(path.join(dir, 'a-door.yaml'), door);
    const logger = memoryLogger();
    const set = new PipelineSet({ logger });
    sets.push(set);
    await set.start(specsOf(await loadConfigs([dir])));
    const running = () => set.supervisors()[0]!.pipelines()[0]!;
    await until('door predicts', () => running().stats.framesOut > 0);

    // Added to the folder: 1,500 valid pipelines (251 KB), the last one with a mistake.
    const big = Array.from({ length: 1500 }, (_, i) => pipelineYaml(`p${i}`, i === 1499 ? '    every: 0\n' : '')).join('');
    writeFileSync(path.join(dir, 'b-many.yaml'), `version: 1\npipelines:\n${big}`);
    // What the loop would have stalled for with the loader on this thread (as before), on this host, now.
    const blocking = await longestGap(() => loadConfigFiles([dir]).catch(() => undefined));

    const before = running().stats.framesOut;
    const reload = await longestGap(() =>
      reloadFiles({ paths: [dir], pipelines: set, logger, signal: new AbortController().signal, onLoaded: () => undefined }),
    );
    expect(reload.result).toMatchObject({ ok: false, message: 'reload refused (1 problem in the configuration), pipelines unchanged' });
    expect(reload.result.detail).toBe(`${path.join(dir, 'b-many.yaml')}:6003:12: pipelines[1499].every: expected an integer between 1 and 100000, received 0`);
    expect(reload.maxGapMs).toBeLessThan(blocking.maxGapMs / 3);
    // The pipeline went on predicting during the reload, and still runs.
    expect(running().stats.framesOut).toBeGreaterThan(before);
    expect(running().state).toBe('running');
  });
});
