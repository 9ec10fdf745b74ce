/** Driving a cascade stage by hand: frames with coloured objects, tracks on them, and a real second model. */
import type { CascadeConfig, PipelineConfig } from '../../src/config/types.js';
import type { TrackEvent } from '../../src/core/events.js';
import type { Frame, ImagePayload, Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import type { Box } from '../../src/core/result.js';
import { defaultRuntime } from '../../src/config/load.js';
import { openSecondaryModel } from '../../src/pipeline/secondary-model.js';
import type { DelegateDescriptor } from '../../src/runtime/delegates.js';
import type { StageContext } from '../../src/stages/types.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';

export type Track = NonNullable<NonNullable<Prediction['analytics']>['tracks']>[number];
export type Rgb = readonly [number, number, number];

export const RED: Rgb = [220, 30, 30];
export const BLUE: Rgb = [30, 40, 220];
export const GREEN: Rgb = [30, 200, 40];
const BACKGROUND: Rgb = [128, 128, 128];

/** An rgb24 frame of `width` x `height`, grey, with each box filled with its colour. */
export function rgbFrame(width: number, height: number, objects: ReadonlyArray<{ box: Box; colour: Rgb }>): Extract<ImagePayload, { kind: 'raw' }> {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i += 1) data.set(BACKGROUND, i * 3);
  for (const { box, colour } of objects) {
    for (let y = Math.max(0, Math.round(box.y)); y < Math.min(height, Math.round(box.y + box.height)); y += 1) {
      for (let x = Math.max(0, Math.round(box.x)); x < Math.min(width, Math.round(box.x + box.width)); x += 1) data.set(colour, (y * width + x) * 3);
    }
  }
  return { kind: 'raw', format: 'rgb24', width, height, data };
}

/** BT.601 limited-range I420 of an rgb24 frame (what a camera source gives). */
export function toI420(rgb: Extract<ImagePayload, { kind: 'raw' }>): Extract<ImagePayload, { kind: 'raw' }> {
  const { width: w, height: h, data } = rgb;
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const out = new Uint8Array(w * h + 2 * cw * ch);
  const at = (x: number, y: number) => {
    const i = (Math.min(y, h - 1) * w + Math.min(x, w - 1)) * 3;
    return [data[i]!, data[i + 1]!, data[i + 2]!] as const;
  };
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const [r, g, b] = at(x, y);
      out[y * w + x] = Math.round(16 + 0.257 * r + 0.504 * g + 0.098 * b);
    }
  }
  for (let y = 0; y < ch; y += 1) {
    for (let x = 0; x < cw; x += 1) {
      const [r, g, b] = at(2 * x, 2 * y);
      out[w * h + y * cw + x] = Math.round(128 - 0.148 * r - 0.291 * g + 0.439 * b);
      out[w * h + cw * ch + y * cw + x] = Math.round(128 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  }
  return { kind: 'raw', format: 'i420', width: w, height: h, data: out };
}

export function frame(id: number, payload: ImagePayload, monoMs = id * 100): Frame {
  return { id, source: 'test', capturedMonoMs: monoMs, capturedWallMs: 1_700_000_000_000 + monoMs, payload, meta: {} };
}

export function track(id: number, box: Box, over: Partial<Track> = {}): Track {
  return {
    track_id: id, index: 2, label: 'car', score: 0.9, best_score: 0.9, box, matched: true,
    first_seen_ms: 0, last_seen_ms: 0, velocity: { x: 0, y: 0 }, stationary: false, ...over,
  };
}

export function prediction(frameId: number, tracks: Track[]): Prediction {
  return {
    pipeline: 'gate', frameId, source: 'test', capturedWallMs: 0,
    latencyMs: { queue: 0, preprocess: 0, wait: 0, infer: 0, postprocess: 0, total: 0 },
    model: { file: 'detector.tflite', sha256: '' }, delegate: 'cpu', meta: {},
    result: { kind: 'detect', objects: [] },
    analytics: { tracks },
  };
}

export function cascadeConfig(model: string, over: Partial<CascadeConfig> = {}): CascadeConfig {
  return {
    model, labelOffset: 0, classes: ['car'], margin: 0, resize: 'fill', everyFrames: 10, regrow: 0, maxPerSecond: 1000, queue: 8, minScore: 0,
    ...over,
  };
}

/** A StageContext whose openModel opens real second models for `pipeline` (its delegates and health). */
export function stageContext(
  pipeline: PipelineConfig = pipelineConfig('gate', { model: { file: 'unused.tflite', delegates: ['cpu'] } }),
  descriptors?: ReadonlyMap<string, DelegateDescriptor>,
): StageContext & { events: TrackEvent[]; logger: ReturnType<typeof memoryLogger> } {
  const logger = memoryLogger();
  const events: TrackEvent[] = [];
  return {
    pipeline: pipeline.name,
    logger,
    events,
    emit: (event) => void events.push(event),
    counts: () => undefined,
    openModel: (spec) => openSecondaryModel(spec, { pipeline, runtime: defaultRuntime(), logger, ...(descriptors ? { descriptors } : {}) }),
  };
}
