/**
 * FULLY_CONNECTED weights in the rewrite: symmetric int8 per tensor, not per channel, because TFLite 2.9 (the
 * library edgepipe ships) runs per-channel FC weights on neither kernel: measured below, XNNPACK takes no node of
 * such a model and the int8 reference kernel reads a single filter scale, so its outputs are wrong. The rewrite's
 * per-tensor FC stays within the requantisation error of the original on both.
 */
import { describe, expect, it } from 'vitest';
import { optimizeModelBytes } from '../../src/optimize/index.js';
import { convertToInt8 } from '../../src/optimize/convert.js';
import { OP_RULES } from '../../src/optimize/op-rules.js';
import { createInterpreter, Model } from '../../src/runtime/index.js';
import { writeModel } from '../../src/tflite/index.js';
import { readModelGraph } from '../../src/tflite/model-graph.js';
import { writeModelGraph } from '../../src/tflite/graph-writer.js';
import { randomInts, randomUint8, rng } from '../tflite/reference/random.js';

const f = Math.fround;
const IN = { scale: f(1 / 64), zeroPoint: 128 };
const W = { scale: f(0.01), zeroPoint: 0 };
const OUT = { scale: f(0.08), zeroPoint: 128 };

/**
 * uint8 [1,16] -> FULLY_CONNECTED 16 -> 4 -> uint8 [1,4]. Weights with zero point 0, as TF1 models have at a range's
 * end: row 0 spans the whole uint8 range (255 steps: int8 needs a coarser scale), rows 1-3 fit in 0..127.
 */
function fcModel(): { bytes: Uint8Array; weights: number[] } {
  const r = rng(7);
  const weights = [randomInts(r, 16, 0, 255), randomInts(r, 16, 0, 100), randomInts(r, 16, 0, 60), randomInts(r, 16, 0, 127)].flat();
  const bytes = writeModel({
    tensors: [
      { name: 'x', type: 'uint8', shape: [1, 16], quantization: { scale: [IN.scale], zeroPoint: [IN.zeroPoint] } },
      { name: 'w', type: 'uint8', shape: [4, 16], data: Uint8Array.from(weights), quantization: { scale: [W.scale], zeroPoint: [W.zeroPoint] } },
      { name: 'b', type: 'int32', shape: [4], data: Int32Array.from([100, -200, 300, 0]), quantization: { scale: [f(IN.scale * W.scale)], zeroPoint: [0] } },
      { name: 'y', type: 'uint8', shape: [1, 4], quantization: { scale: [OUT.scale], zeroPoint: [OUT.zeroPoint] } },
    ],
    operators: [{ op: 'FULLY_CONNECTED', inputs: ['x', 'w', 'b'], outputs: ['y'] }],
    inputs: ['x'],
    outputs: ['y'],
  });
  return { bytes, weights };
}

/** The rewritten weights as real values (int8 x their scale). */
function int8Weights(bytes: Uint8Array): { real: number[]; scales: number[]; dimension: number } {
  const graph = readModelGraph(bytes, 'fc');
  const w = graph.subgraphs[0]!.tensors.find((t) => t.name === 'w')!;
  const data = new Int8Array(graph.buffers[w.buffer]!.buffer, graph.buffers[w.buffer]!.byteOffset, 64);
  const scales = w.quantization!.scale;
  return { real: Array.from(data, (q, i) => q * scales[scales.length === 1 ? 0 : Math.floor(i / 16)]!), scales, dimension: w.quantization!.quantizedDimension };
}

async function run(original: Uint8Array, converted: Uint8Array, delegate: 'cpu' | 'xnnpack', inputs: Uint8Array[]) {
  const a = await createInterpreter(Model.fromBuffer(original, 'original'), { delegates: ['cpu'] });
  const b = await createInterpreter(Model.fromBuffer(converted, 'converted'), { delegates: [delegate] });
  try {
    const pairs: [number[], number[]][] = [];
    for (const x of inputs) {
      a.interpreter.setInput(0, x);
      b.interpreter.setInput(0, x);
      await a.interpreter.invoke();
      await b.interpreter.invoke();
      pairs.push([Array.from(a.interpreter.output(0) as Uint8Array), Array.from(b.interpreter.output(0) as Uint8Array)]);
    }
    return { pairs, delegate: b.delegate, nodes: b.usage.nodes, refused: b.refused };
  } finally {
    a.interpreter.dispose();
    b.interpreter.dispose();
  }
}

const inputs = Array.from({ length: 32 }, (_, k) => randomUint8(16, 100 + k));

describe('FULLY_CONNECTED in the rewrite', () => {
  it('is per tensor, and within the requantisation error of the original on the int8 kernel and on XNNPACK', async () => {
    const { bytes: original, weights } = fcModel();
    const { bytes } = optimizeModelBytes(original, 'fc');
    const w = int8Weights(bytes);
    // One scale, the finest that holds the widest row (centred values up to max - 0 > 127).
    expect(w.scales).toEqual([f((W.scale * Math.max(...weights)) / 127)]);
    for (const delegate of ['cpu', 'xnnpack'] as const) {
      const result = await run(original, bytes, delegate, inputs);
      expect(result.delegate).toBe(delegate);
      if (delegate === 'xnnpack') expect(result.nodes).toBeGreaterThanOrEqual(1);
      // Outputs clipped at 0 or 255 would hide differences: most must be inside the range.
      expect(result.pairs.flatMap(([before]) => before).filter((v) => v > 0 && v < 255).length).toBeGreaterThan(100);
      result.pairs.forEach(([before, after], k) => {
        const x = Array.from(inputs[k]!, (q) => IN.scale * (q - IN.zeroPoint));
        for (let row = 0; row < 4; row++) {
          // What the weights' requantisation moves this output by, in output steps; +1 for each side's rounding.
          let moved = 0;
          for (let i = 0; i < 16; i++) moved += x[i]! * (w.real[16 * row + i]! - W.scale * (weights[16 * row + i]! - W.zeroPoint));
          expect(Math.abs(before[row]! - after[row]!), `input ${k} row ${row} on ${delegate}`).toBeLessThanOrEqual(Math.ceil(Math.abs(moved) / OUT.scale) + 2);
        }
      });
    }
  });

  it('per channel (what the int8 spec allows) is refused by XNNPACK and miscomputed by the int8 kernel of TFLite 2.9', async () => {
    const { bytes: original } = fcModel();
    const rule = OP_RULES['FULLY_CONNECTED']!;
    let perChannel: Uint8Array;
    try {
      // The rewrite as it would be with per-channel FC weights (quantized_dimension 0).
      (OP_RULES as Record<string, unknown>)['FULLY_CONNECTED'] = { kind: 'weights', channelDim: 0, perChannel: true };
      perChannel = writeModelGraph(convertToInt8(readModelGraph(original, 'fc'), 'fc').graph);
    } finally {
      (OP_RULES as Record<string, unknown>)['FULLY_CONNECTED'] = rule;
    }
    expect(int8Weights(perChannel).scales).toHaveLength(4);
    expect(int8Weights(perChannel).dimension).toBe(0);
    const xnn = await run(original, perChannel, 'xnnpack', inputs.slice(0, 4));
    expect(xnn.delegate).toBe('cpu');
    expect(xnn.refused[0]).toMatchObject({ delegate: 'xnnpack', stage: 'no-nodes', reason: 'took 0 of 3 nodes' });
    // The int8 kernel runs it with a wrong scale: every output is the zero point, far from the original's values.
    const cpu = await run(original, perChannel, 'cpu', inputs.slice(0, 4));
    const worst = Math.max(...cpu.pairs.flatMap(([a, b]) => a.map((v, i) => Math.abs(v - b[i]!))));
    console.log(`per-channel FC on TFLite 2.9's int8 kernel: outputs ${JSON.stringify(cpu.pairs.map(([, b]) => b))}, original ${JSON.stringify(cpu.pairs.map(([a]) => a))}`);
    expect(worst).toBeGreaterThan(50);
  });
});
