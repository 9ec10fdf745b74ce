/** One warning line per kind per window, with the count of the others; real pipeline with undecodable frames. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryLogger } from '../../src/core/log.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { RepeatLimiter } from '../../src/runtime/repeat-limiter.js';
import { defaultRuntime } from '../../src/config/load.js';
import { writeColourModel } from '../helpers/image-models.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';

describe('RepeatLimiter', () => {
  afterEach(() => vi.useRealTimers());

  it('logs the first of a kind at once, then the latest with a count when the window ends', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const limiter = new RepeatLimiter((line) => lines.push(line), { now: () => Date.now() });
    for (let i = 1; i <= 206; i++) {
      limiter.log('preprocess_error', `frame ${i} dropped`);
      if (i === 3) limiter.log('infer_error', 'frame 3 infer failed');
      vi.advanceTimersByTime(100); // 206 frames in 20.6 s
    }
    expect(lines).toEqual([
      'frame 1 dropped',
      'frame 3 infer failed',
      'frame 100 dropped (98 more in the last 10 s)',
      'frame 200 dropped (99 more in the last 10 s)',
    ]);
    limiter.flush();
    expect(lines.slice(4)).toEqual(['frame 206 dropped (5 more in the last 10 s)']);
    // After a quiet window the next one is logged at once again.
    vi.advanceTimersByTime(10_000);
    limiter.log('preprocess_error', 'frame 300 dropped');
    expect(lines.at(-1)).toBe('frame 300 dropped');
    limiter.log('preprocess_error', 'frame 301 dropped');
    vi.advanceTimersByTime(10_000);
    expect(lines.at(-1)).toBe('frame 301 dropped');
  });
});

describe('a pipeline whose frames cannot be decoded', () => {
  it('logs one warning per 10 s, not one per frame, and counts every drop', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-undecodable-'));
    const model = writeColourModel(dir);
    const image = path.join(dir, 'garbage.jpg');
    writeFileSync(image, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 0x5a)]));
    const logger = memoryLogger();
    const pipeline = new Pipeline(
      pipelineConfig('cam', { model: { file: model }, source: { kind: 'images', path: image, loop: true, fps: 0, watch: false }, buffer: { policy: 'queue', size: 4 } }),
      { runtime: defaultRuntime(), logger },
    );
    await pipeline.start();
    const deadline = Date.now() + 30_000;
    while ((pipeline.report().drops['preprocess_error'] ?? 0) < 50) {
      if (Date.now() > deadline) throw new Error(`not 50 undecodable frames in 30 s: ${JSON.stringify(pipeline.report().drops)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await pipeline.stop();
    const drops = pipeline.report().drops['preprocess_error']!;
    const warnings = logger.entries.filter((e) => e.level === 'warn' && e.message.includes('dropped (preprocess_error)'));
    // The first at once, then (the run is shorter than 10 s) the summary written at stop.
    expect(warnings.length).toBe(2);
    expect(warnings[0]!.message).toMatch(/^pipeline cam: frame \d+ dropped \(preprocess_error\): cannot decode the image/);
    const more = Number(/\((\d+) more in the last \d+ s\)$/.exec(warnings[1]!.message)?.[1]);
    expect(more).toBe(drops - 2);
  });
});
