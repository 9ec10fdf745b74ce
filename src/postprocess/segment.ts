/**
 * Semantic segmentation: a class map [1,H,W] (int32/int64, a model ending in ArgMax) or class scores [1,H,W,C]
 * (argmax per pixel on the stored values: dequantisation with a positive scale keeps the order). Reports the
 * fraction of pixels per class, and optionally writes the class map as an indexed PNG (mask-png.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SegmentConfig } from '../config/types.js';
import { EdgepipeError } from '../runtime/errors.js';
import type { TensorArray } from '../runtime/dtypes.js';
import type { TensorInfo } from '../runtime/tensor.js';
import { labelOf } from './labels.js';
import { MaskRetention } from './mask-retention.js';
import { encodeIndexedPng, vocPalette } from './mask-png.js';
import { checkLabelCount, describeOutputs, mismatch } from './mismatch.js';
import { isNumeric } from './tensor-values.js';
import type { FrameRef, OutputTensors, PostprocessContext, Postprocessor, Result, ScoredClassResult } from './types.js';

const INTEGER_DTYPES = new Set(['int8', 'uint8', 'int16', 'int32', 'int64']);

export interface SegmentLayout {
  height: number;
  width: number;
  /** 0 for a class map, else the number of class scores per pixel. */
  classes: number;
}

/** [1,H,W] or [1,H,W,1] unquantised integers: a class map; [1,H,W,C>1] numeric: scores. */
export function segmentLayout(info: TensorInfo): SegmentLayout | undefined {
  const [batch, height, width, channels] = info.shape;
  if (batch !== 1 || height === undefined || width === undefined || !isNumeric(info)) return undefined;
  const classMap = INTEGER_DTYPES.has(info.dtype) && info.quantization === null;
  if (info.shape.length === 3 || (info.shape.length === 4 && channels === 1)) return classMap ? { height, width, classes: 0 } : undefined;
  return info.shape.length === 4 && channels !== undefined && channels > 1 ? { height, width, classes: channels } : undefined;
}

/** Class per pixel: the map's value, or the index of the highest score. */
function classesOf(values: TensorArray, layout: SegmentLayout): Int32Array {
  const pixels = layout.height * layout.width;
  const out = new Int32Array(pixels);
  const c = layout.classes;
  if (c === 0) {
    for (let i = 0; i < pixels; i += 1) out[i] = Number(values[i]);
    return out;
  }
  for (let i = 0, base = 0; i < pixels; i += 1, base += c) {
    let best = 0;
    let bestScore = Number(values[base]);
    for (let k = 1; k < c; k += 1) {
      const s = Number(values[base + k]);
      if (s > bestScore) {
        best = k;
        bestScore = s;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Pixels per class (a typed array for the usual 0..255, a map for anything else). */
function countClasses(perPixel: Int32Array): Map<number, number> {
  const small = new Uint32Array(256);
  const counts = new Map<number, number>();
  for (const c of perPixel) {
    if (c >= 0 && c < 256) small[c]! += 1;
    else counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  small.forEach((n, c) => n > 0 && counts.set(c, n));
  return counts;
}

const PALETTE = vocPalette();

/**
 * Classes covering at least `minFraction` of the pixels, largest first; `score` repeats the fraction. With
 * `maskDir`, each run writes `<pipeline>-<frame id, 8 digits>.png` (or `mask-<n>.png` without a frame) at the
 * tensor's resolution (not mapped back to the source image): pixel = class index, 255 for classes outside 0..255
 * (the VOC "void" value). The folder is created on the first write; beyond `keepMasks` files of this pipeline
 * the oldest are deleted.
 */
export function createSegment(config: SegmentConfig, outputs: readonly TensorInfo[], context: PostprocessContext): Postprocessor {
  const info = outputs[0];
  const layout = info === undefined ? undefined : segmentLayout(info);
  if (info === undefined || layout === undefined) {
    throw mismatch(
      `postprocess.kind: segment needs a first output with a class map [1,H,W] (int32 or int64) or class scores [1,H,W,C] ` +
        `but ${describeOutputs(context.modelName, outputs)}`,
    );
  }
  if (layout.classes > 0) checkLabelCount(context.labels, context.labelOffset, layout.classes, info.name);
  const maskDir = config.maskDir;
  let folderReady: Promise<unknown> | undefined;
  let written = 0;
  let retention: MaskRetention | undefined;

  async function writeMask(indices: Uint8Array, frame: FrameRef | undefined): Promise<string> {
    written += 1;
    const name = frame === undefined ? `mask-${written}.png` : `${frame.pipeline}-${String(frame.id).padStart(8, '0')}.png`;
    const file = path.join(maskDir!, name);
    const png = encodeIndexedPng(layout!.width, layout!.height, indices, PALETTE);
    try {
      folderReady ??= mkdir(maskDir!, { recursive: true });
      await folderReady;
      await writeFile(file, png);
      const prefix = frame === undefined ? 'mask-' : `${frame.pipeline}-`;
      retention ??= new MaskRetention(maskDir!, (n) => n.startsWith(prefix) && n.endsWith('.png'), config.keepMasks);
      await retention.added(file);
    } catch (cause) {
      folderReady = undefined;
      throw new EdgepipeError('ERR_MASK_WRITE', `postprocess.mask_dir: cannot write ${file}: ${(cause as Error).message}`, { cause });
    }
    return file;
  }

  function run(tensors: OutputTensors, _geometry: unknown, frame?: FrameRef): Result | Promise<Result> {
    // Everything read from the views happens before the first await: they are reused by the next invoke.
    const perPixel = classesOf(tensors.values[0]!, layout!);
    const counts = countClasses(perPixel);
    const classes: Array<ScoredClassResult & { fraction: number }> = [];
    for (const [index, n] of counts) {
      const fraction = n / perPixel.length;
      if (fraction < config.minFraction) continue;
      const label = labelOf(index, context.labels, context.labelOffset);
      classes.push(label === undefined ? { index, score: fraction, fraction } : { index, label, score: fraction, fraction });
    }
    classes.sort((a, b) => b.fraction - a.fraction || a.index - b.index);
    if (maskDir === undefined) return { kind: 'segment', classes };
    const indices = Uint8Array.from(perPixel, (c) => (c >= 0 && c <= 255 ? c : 255));
    return writeMask(indices, frame).then((mask) => ({ kind: 'segment', classes, mask }));
  }
  return { run };
}
