/**
 * A classify pipeline on a model that outputs logits (the project's slow model: int8 scores from AVERAGE_POOL,
 * no softmax): predictions carry probabilities, the start log says why, and the published payloads validate.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { memoryLogger } from '../../src/core/log.js';
import type { Prediction } from '../../src/core/frame.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { defaultRuntime } from '../../src/config/load.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';
import { writeSlowModel } from '../helpers/image-models.js';
import { payloadOf } from '../postprocess/payload.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-scores-'));
const slowModel = writeSlowModel(dir);

describe('classify pipeline on a logits model', () => {
  it('publishes softmax probabilities, logs the decision at start, and every payload validates', async () => {
    const predictions: Prediction[] = [];
    const logger = memoryLogger();
    const pipeline = new Pipeline(
      pipelineConfig('logits', {
        model: { file: slowModel },
        source: { kind: 'synthetic', width: 96, height: 96, fps: 0, pattern: 'colours', frames: 4 },
        postprocess: { kind: 'classify', topK: 64, threshold: 0 },
        buffer: { policy: 'queue', size: 8 },
      }),
      { runtime: defaultRuntime(), logger, extraSinks: (p) => [callbackSink(p, (x) => predictions.push(x))] },
    );
    await pipeline.start();
    await pipeline.finished;
    await pipeline.stop();
    expect(predictions).toHaveLength(4);
    for (const p of predictions) {
      if (p.result.kind !== 'classify') throw new Error(p.result.kind);
      expect(p.result.classes).toHaveLength(64);
      expect(p.result.classes.reduce((sum, c) => sum + c.score, 0)).toBeCloseTo(1, 6);
      expect(payloadOf(p.result).problems).toEqual([]);
    }
    const started = logger.entries.find((e) => e.message === `pipeline logits: running on ${predictions[0]!.delegate}`);
    expect(started?.fields).toMatchObject({ scores: 'output "scores" int8 [1,64] can hold -6.4..6.35: softmax' });
  });
});
