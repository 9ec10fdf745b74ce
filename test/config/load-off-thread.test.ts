/**
 * `edgepipe run` and `validate` load on a worker thread (loadConfigFilesOffThread): same results and problems as
 * loadConfigFiles, and the event loop keeps ticking while a large legal file is parsed (issue 11: a 2 MB file
 * added to a running folder froze predictions for 9 s on SIGHUP). Needs dist/ (`npm test` builds it first).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigs } from '../../src/cli/run.js';
import { loadConfigFiles } from '../../src/config/load.js';
import { loadConfigFilesOffThread } from '../../src/config/load-off-thread.js';
import { runCli } from '../helpers/cli.js';
import { configError, guardedFifo, pipelineYaml, problemLines, tempDir, validDir } from './helpers.js';

/** The longest time between two ticks of a 5 ms interval while `run` is in flight, and the ticks counted. */
async function ticking<T>(run: () => Promise<T>): Promise<{ result: T; maxGapMs: number; ticks: number }> {
  let last = performance.now();
  let maxGapMs = 0;
  let ticks = 0;
  const tick = (): void => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  };
  const timer = setInterval(() => {
    tick();
    ticks += 1;
  }, 5);
  try {
    const result = await run();
    tick();
    return { result, maxGapMs, ticks };
  } finally {
    clearInterval(timer);
  }
}

describe('loadConfigFilesOffThread', () => {
  it('returns what loadConfigFiles returns, frozen', async () => {
    const expected = await loadConfigFiles([validDir]);
    const configs = await loadConfigFilesOffThread([validDir]);
    expect(configs).toEqual(expected);
    expect(Object.isFrozen(configs[0]!.pipelines[0]!.model)).toBe(true);
  });

  it('throws the same ConfigError, with the env given', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'door.yaml');
    writeFileSync(file, `version: 1\npipelines:\n${pipelineYaml('door', '    every: ${EVERY}\n')}`);
    const error = await configError(() => loadConfigFilesOffThread([file], { env: { EVERY: '0' } }));
    expect(problemLines(error)).toEqual([`${file}:7:12: pipelines[0].every: expected an integer between 1 and 100000, received "0" (from \${EVERY})`]);
    expect(await loadConfigFilesOffThread([file], { env: { EVERY: '2' } })).toMatchObject([{ pipelines: [{ every: 2 }] }]);
  });

  it('keeps the event loop ticking while a large legal file is loaded, as reload does', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'many.yaml');
    const pipelines = Array.from({ length: 1500 }, (_, i) => pipelineYaml(`p${i}`)).join('');
    writeFileSync(file, `version: 1\npipelines:\n${pipelines}`);
    // On this thread, as the loader ran before: the loop stalls for the whole parse (seconds on a loaded host).
    const blocking = await ticking(() => loadConfigFiles([file]));
    expect(blocking.result[0]!.pipelines).toHaveLength(1500);
    // The reload path: only the worker's start and the result's arrival touch this thread.
    const offThread = await ticking(() => loadConfigs([file]));
    expect(offThread.result[0]!.pipelines).toHaveLength(1500);
    expect(offThread.ticks).toBeGreaterThan(0);
    expect(offThread.maxGapMs).toBeLessThan(blocking.maxGapMs / 3);
  });

  it('refuses a load that needs more memory than its heap limit, and one that takes too long', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'many.yaml');
    writeFileSync(file, `version: 1\npipelines:\n${Array.from({ length: 1500 }, (_, i) => pipelineYaml(`p${i}`)).join('')}`);
    await expect(loadConfigFilesOffThread([file], { maxHeapMb: 8 })).rejects.toThrow('loading the configuration needed more than 8 MB of memory; refused');
    await expect(loadConfigFilesOffThread([file], { timeoutMs: 1 })).rejects.toThrow('loading the configuration took more than 1 ms; refused');
  });
});

describe('edgepipe validate', () => {
  it('exits 2 with a clear message for a .yaml that is a FIFO, without waiting for a writer', async () => {
    const dir = tempDir();
    const fifo = guardedFifo(dir, 'door.yaml');
    const result = await runCli(['validate', fifo]);
    expect(result.stderr.trim().split('\n')).toEqual([
      'edgepipe validate: 1 problem in the configuration:',
      `${fifo}: the file is a FIFO (named pipe), not a regular file`,
      'See docs/configuration.md for every field, its type, default and an example.',
    ]);
    expect(result.code).toBe(2);
  });
});
