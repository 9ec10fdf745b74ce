/** A camera pipeline (ffmpeg's test pattern as the camera) through the engine: the producer is killed mid-run. */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { cameraConfig, runFfmpegTests } from '../sources/camera-helpers.js';
import { writeColourModel } from '../helpers/image-models.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';
import { defaultRuntime } from '../../src/config/load.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-camera-pipeline-'));

/** PIDs whose command line contains `needle` (reads /proc: procps may not be installed). */
function pidsWith(needle: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!runFfmpegTests)('camera pipeline', () => {
  it('recovers when the producer is killed, and reports the restart and the source state in its stats', async () => {
    const predictions: Prediction[] = [];
    // A rate and size nobody else uses, to find this test's ffmpeg among the processes.
    const input = 'lavfi:testsrc2=size=176x144:rate=23';
    const pipeline = new Pipeline(
      pipelineConfig('cam', {
        model: { file: writeColourModel(dir) },
        source: cameraConfig({ input, realtime: true }),
        buffer: { policy: 'latest', size: 1 },
      }),
      { runtime: defaultRuntime(), logger: memoryLogger(), extraSinks: (n) => [callbackSink(n, (p) => predictions.push(p))] },
    );
    await pipeline.start();
    try {
      await until(() => predictions.length >= 5, 30_000, 'the first predictions');
      const [pid] = pidsWith('testsrc2=size=176x144:rate=23').filter((p) => p !== process.pid);
      expect(pid).toBeDefined();
      process.kill(pid!, 'SIGKILL');
      const before = predictions.length;
      await until(() => pipeline.report().source?.restarts === 1 && predictions.length >= before + 5, 30_000, 'frames after the restart');
      const report = pipeline.report();
      expect(report.source).toMatchObject({ state: 'running', restarts: 1 });
      expect(report.state).toBe('running');
      // The gap is counted: time without frames while the producer restarted, and a hole in the capture times.
      expect(report.source!.downtimeMs).toBeGreaterThan(0);
      const captured = predictions.map((p) => p.capturedWallMs);
      const widest = Math.max(...captured.slice(1).map((t, i) => t - captured[i]!));
      expect(widest).toBeGreaterThan(2 * (1000 / 23));
      // Frame ids keep increasing across the restart.
      const ids = predictions.map((p) => p.frameId);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    } finally {
      await pipeline.stop();
    }
  });
});
