/** The stage runner on its own: order of gates and result stages, the gates' view, frames out of order, names. */
import { describe, expect, it } from 'vitest';
import type { DropReason } from '../../src/core/stats-report.js';
import type { Frame, Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { StageRunner } from '../../src/pipeline/stage-runner.js';
import type { Stage } from '../../src/stages/types.js';

const frame = (id: number): Frame => ({
  id,
  source: 'door/synthetic',
  capturedMonoMs: 1000 + id * 40,
  capturedWallMs: 1_700_000_000_000 + id * 40,
  payload: { kind: 'raw', format: 'gray8', width: 2, height: 2, data: new Uint8Array(4) },
  meta: {},
});
const prediction = (id: number): Prediction => ({
  pipeline: 'door',
  frameId: id,
  source: 'door/synthetic',
  capturedWallMs: frame(id).capturedWallMs,
  latencyMs: { queue: 0, preprocess: 0, wait: 0, infer: 0, postprocess: 0, total: 0 },
  model: { file: 'm.tflite', sha256: '0' },
  delegate: 'cpu',
  meta: {},
  result: { kind: 'scalar', value: id, anomaly: false },
});

function runner(stages: Stage[]) {
  const drops: DropReason[] = [];
  const warnings: string[] = [];
  const stageRunner = new StageRunner(stages, {
    pipeline: 'door',
    logger: memoryLogger(),
    emit: () => undefined,
    counts: () => undefined,
    drop: (reason) => void drops.push(reason),
    warn: (_key, message) => void warnings.push(message),
  });
  return { stageRunner, drops, warnings };
}

describe('StageRunner', () => {
  it('gives gates the latest prediction the result stages returned', () => {
    const views: Array<number | undefined> = [];
    const { stageRunner } = runner([
      { name: 'gate', gate: (_frame, view) => (views.push(view.latest?.frameId), { infer: true }) },
      { name: 'double', process: (p) => ({ ...p, frameId: p.frameId * 2 }) },
    ]);
    expect(stageRunner.admit(frame(1))).toBe(true);
    expect(stageRunner.process(prediction(1), frame(1))?.frameId).toBe(2);
    expect(stageRunner.admit(frame(2))).toBe(true);
    expect(views).toEqual([undefined, 2]);
  });

  it('runs result stages in order, each on what the one before returned', () => {
    const { stageRunner } = runner([
      { name: 'a', process: (p) => ({ ...p, meta: { ...p.meta, order: `${p.meta['order'] ?? ''}a` } }) },
      { name: 'b', process: (p) => ({ ...p, meta: { ...p.meta, order: `${p.meta['order'] ?? ''}b` } }) },
    ]);
    expect(stageRunner.process(prediction(1), frame(1))?.meta).toEqual({ order: 'ab' });
  });

  it('drops a prediction older than one the result stages already had (pool > 1), counted as out_of_order', () => {
    const seen: number[] = [];
    const { stageRunner, drops } = runner([{ name: 'track', process: (p) => (seen.push(p.frameId), p) }]);
    for (const id of [1, 3, 2, 4]) stageRunner.process(prediction(id), frame(id));
    expect(seen).toEqual([1, 3, 4]);
    expect(drops).toEqual(['out_of_order']);
  });

  it('without result stages passes predictions through in any order', () => {
    const { stageRunner, drops } = runner([{ name: 'gate', gate: () => ({ infer: true }) }]);
    const out = [3, 1, 2].map((id) => stageRunner.process(prediction(id), frame(id))?.frameId);
    expect(out).toEqual([3, 1, 2]);
    expect(drops).toEqual([]);
  });

  it('counts skips by reason and reports whether it gates at all', () => {
    const { stageRunner } = runner([{ name: 'motion', gate: (f) => (f.id % 3 === 0 ? { infer: true } : { infer: false, reason: 'no_motion' }) }]);
    const admitted = [0, 1, 2, 3, 4, 5, 6].filter((id) => stageRunner.admit(frame(id)));
    expect(admitted).toEqual([0, 3, 6]);
    expect(stageRunner.skips).toEqual({ no_motion: 4 });
    expect(stageRunner.skipped).toBe(4);
    expect(stageRunner.gating).toBe(true);
    expect(runner([{ name: 'tracking', process: (p) => p }]).stageRunner.gating).toBe(false);
  });

  it('refuses two stages with one name', () => {
    expect(() => runner([{ name: 'motion' }, { name: 'motion' }])).toThrow('pipeline door: two stages are named "motion"; stage names must be unique');
  });

  it('stops every started stage, last first, even when one fails to stop', async () => {
    const calls: string[] = [];
    const { stageRunner } = runner([
      { name: 'a', start: () => void calls.push('start a'), stop: () => void calls.push('stop a') },
      { name: 'b', stop: () => { calls.push('stop b'); throw new Error('stuck'); } },
    ]);
    await stageRunner.start();
    await stageRunner.stop();
    await stageRunner.stop();
    expect(calls).toEqual(['start a', 'stop b', 'stop a']);
  });
});
