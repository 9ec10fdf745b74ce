// The uint8 -> int8 rewrite of a classic TF1 quantised model, on the graph from readModelGraph():
// activations and constants move by -128 (same scale), conv/depthwise/FC weights become symmetric int8 per channel,
// biases follow the new weight scales, operator constraints are restored, and the model's uint8 inputs/outputs and
// custom operators (TFLite_Detection_PostProcess) keep their uint8 tensors behind QUANTIZE operators.
import { builtinOperatorCode, CUSTOM_OPERATOR_CODE } from '../tflite/builtin-ops.js';
import type { GraphOperator, GraphQuantization, GraphSubgraph, GraphTensor, ModelGraph } from '../tflite/model-graph.js';
import { OptimizeError } from './errors.js';
import { INT8_OP_VERSIONS, OP_RULES, type OpRule } from './op-rules.js';
import { requantizeWeights, rescaleBias, shiftUint8ToInt8 } from './requantize.js';

export interface ConvertOptions {
  /** Type of the model's inputs and outputs: 'uint8' (default, QUANTIZE at each boundary) or 'int8'. */
  readonly io?: 'uint8' | 'int8';
}

/** What the rewrite did, for the report. */
export interface ConversionSummary {
  readonly operators: number;
  readonly requantizedWeights: number;
  /** Weight channels whose values needed a coarser scale than the original (the others are exact). */
  readonly widenedChannels: number;
  readonly totalChannels: number;
  readonly insertedQuantize: number;
  /**
   * Concatenation inputs whose producer was given the concatenation's scale instead of a requantising op (only
   * where the concatenation's range lies within the input's, so the clipping is the original's).
   */
  readonly retargetedTensors: number;
  readonly keptUint8: readonly string[];
}

/**
 * Revision of the rewrite's output: bump it whenever convertToInt8 writes something different for the same input,
 * so `model.optimize: auto` converts again instead of running what an older edgepipe cached (auto-cache.ts).
 */
export const CONVERTER_REVISION = 1;

const QUANTIZE = builtinOperatorCode('QUANTIZE')!;

type Quant = GraphQuantization;

const sameQuant = (a: Quant | undefined, b: Quant | undefined): boolean =>
  a !== undefined && b !== undefined && a.scale.length === 1 && b.scale.length === 1 &&
  Math.fround(a.scale[0]!) === Math.fround(b.scale[0]!) && a.zeroPoint[0] === b.zeroPoint[0];

/**
 * Rewrites `graph` (mutated and returned) so its 8-bit tensors are int8 per the TFLite int8 spec.
 * @throws OptimizeError (exit code 2) for a model that is not uint8-quantised, is already int8, or has an operator
 *   or tensor the rewrite cannot carry, naming the operator and the tensor
 */
export function convertToInt8(graph: ModelGraph, fileName: string, options: ConvertOptions = {}): { graph: ModelGraph; summary: ConversionSummary } {
  if (graph.subgraphs.length !== 1) {
    throw new OptimizeError(`${fileName}: has ${graph.subgraphs.length} subgraphs; edgepipe optimize converts single-subgraph models`);
  }
  const sg = graph.subgraphs[0]!;
  const isConst = (t: GraphTensor): boolean => (graph.buffers[t.buffer]?.length ?? 0) > 0;
  const rules = checkModel(sg, isConst, fileName);
  return new Rewrite(graph, sg, rules, options.io ?? 'uint8').run();
}

/** Refuses what the rewrite cannot do; returns each operator's rule (undefined: custom, or untouched float op). */
function checkModel(sg: GraphSubgraph, isConst: (t: GraphTensor) => boolean, fileName: string): (OpRule | 'custom' | undefined)[] {
  const int8 = sg.tensors.findIndex((t) => t.type === 'int8');
  if (int8 >= 0) {
    throw new OptimizeError(
      `${fileName}: already int8 (tensor ${int8} "${sg.tensors[int8]!.name}" is int8); XNNPACK runs int8 models as they are, nothing to optimize`,
    );
  }
  const activations = sg.tensors.filter((t) => t.type === 'uint8' && !isConst(t));
  if (activations.length === 0) {
    const types = [...new Set(sg.inputs.map((i) => sg.tensors[i]!.type))].join(', ');
    throw new OptimizeError(`${fileName}: not a uint8-quantised model (no uint8 activations; its inputs are ${types || 'none'})`);
  }
  sg.tensors.forEach((t, i) => {
    if (t.type !== 'uint8') return;
    if (t.quantization === undefined) {
      throw new OptimizeError(`${fileName}: tensor ${i} "${t.name}" is uint8 without quantisation parameters; only quantised uint8 models can be converted`);
    }
    if (t.quantization.scale.length !== 1) {
      throw new OptimizeError(`${fileName}: tensor ${i} "${t.name}" has per-channel uint8 quantisation, which TF1 uint8 models do not use`);
    }
  });
  return sg.operators.map((op, i) => {
    if (op.opcode.builtinCode === CUSTOM_OPERATOR_CODE) return 'custom';
    const touchesUint8 = [...op.inputs, ...op.outputs].some((t) => t >= 0 && sg.tensors[t]!.type === 'uint8');
    const rule = OP_RULES[op.name];
    if (rule !== undefined) return rule;
    if (!touchesUint8) return undefined;
    const out = op.outputs[0];
    const tensor = out === undefined ? '' : `, output tensor ${out} "${sg.tensors[out]!.name}"`;
    throw new OptimizeError(
      `${fileName}: operator ${i} (${op.name}${tensor}) has uint8 tensors and edgepipe optimize cannot convert ${op.name}; ` +
        `supported: ${Object.keys(OP_RULES).join(', ')} and custom operators`,
    );
  });
}

class Rewrite {
  private readonly pre = new Map<number, GraphOperator[]>();
  private readonly post = new Map<number, GraphOperator[]>();
  private readonly keepUint8 = new Set<number>();
  private readonly weights = new Set<number>();
  private inserted = 0;
  private retargeted = 0;

  constructor(
    private readonly graph: ModelGraph,
    private readonly sg: GraphSubgraph,
    private readonly rules: (OpRule | 'custom' | undefined)[],
    private readonly io: 'uint8' | 'int8',
  ) {}

  run(): { graph: ModelGraph; summary: ConversionSummary } {
    const originalOps = this.sg.operators.length;
    this.sg.operators.forEach((op, i) => {
      if (this.rules[i] !== undefined && this.rules[i] !== 'custom' && (this.rules[i] as OpRule).kind === 'weights') {
        if (op.inputs[1] !== undefined && op.inputs[1] >= 0) this.weights.add(op.inputs[1]);
        if (op.inputs[2] !== undefined && op.inputs[2] >= 0) this.weights.add(op.inputs[2]);
      }
    });
    this.customBoundaries();
    if (this.io === 'uint8') this.modelBoundaries();
    this.shiftTensors();
    this.sg.operators.forEach((op, i) => this.constrain(op, i));
    let requantizedWeights = 0;
    let widenedChannels = 0;
    let totalChannels = 0;
    this.sg.operators.forEach((op, i) => {
      const rule = this.rules[i];
      if (typeof rule === 'object' && rule.kind === 'weights') {
        const r = this.requantize(op, i, rule);
        requantizedWeights += 1;
        widenedChannels += r.widened;
        totalChannels += r.channels;
      }
    });
    this.sg.operators = this.sg.operators.flatMap((op, i) => [...(this.pre.get(i) ?? []), op, ...(this.post.get(i) ?? [])]);
    for (const op of this.sg.operators) this.setVersion(op);
    return {
      graph: this.graph,
      summary: {
        operators: originalOps,
        requantizedWeights,
        widenedChannels,
        totalChannels,
        insertedQuantize: this.inserted,
        retargetedTensors: this.retargeted,
        keptUint8: [...this.keepUint8].map((i) => this.sg.tensors[i]!.name),
      },
    };
  }

  private isConst(i: number): boolean {
    return (this.graph.buffers[this.tensor(i).buffer]?.length ?? 0) > 0;
  }

  private tensor(i: number): GraphTensor {
    return this.sg.tensors[i]!;
  }

  private consumers(t: number): { op: GraphOperator; slot: number }[] {
    const out: { op: GraphOperator; slot: number }[] = [];
    for (const list of [this.sg.operators, ...this.pre.values(), ...this.post.values()]) {
      for (const op of list) op.inputs.forEach((x, slot) => x === t && out.push({ op, slot }));
    }
    return out;
  }

  private producer(t: number): number {
    return this.sg.operators.findIndex((op) => op.outputs.includes(t));
  }

  /** A new activation tensor like `t` (shape, quantisation), named after it. */
  private twin(t: number, suffix: string, quantization?: Quant): number {
    const src = this.tensor(t);
    const copy: GraphTensor = {
      name: `${src.name}${suffix}`,
      type: src.type,
      shape: [...src.shape],
      ...(src.shapeSignature === undefined ? {} : { shapeSignature: [...src.shapeSignature] }),
      buffer: 0,
      ...(quantization ?? src.quantization ? { quantization: cloneQuant((quantization ?? src.quantization)!) } : {}),
      isVariable: false,
      hasRank: src.hasRank,
    };
    return this.sg.tensors.push(copy) - 1;
  }

  private quantizeOp(from: number, to: number): GraphOperator {
    this.inserted += 1;
    return { opcode: { builtinCode: QUANTIZE, version: 1 }, name: 'QUANTIZE', inputs: [from], outputs: [to], customOptionsFormat: 0 };
  }

  private addPre(i: number, op: GraphOperator): void {
    this.pre.set(i, [...(this.pre.get(i) ?? []), op]);
  }

  private addPost(i: number, op: GraphOperator): void {
    this.post.set(i, [...(this.post.get(i) ?? []), op]);
  }

  /** Custom operators keep their uint8 tensors: QUANTIZE int8 -> uint8 before them, uint8 -> int8 after them. */
  private customBoundaries(): void {
    const uint8Twins = new Map<number, number>();
    this.sg.operators.forEach((op, i) => {
      if (this.rules[i] !== 'custom') return;
      op.inputs.forEach((t, slot) => {
        if (t < 0 || this.tensor(t).type !== 'uint8') return;
        if (this.isConst(t)) {
          // Constants (anchors) stay as they are, unless an operator that is converted reads them too.
          if (this.consumers(t).every((c) => c.op.opcode.builtinCode === CUSTOM_OPERATOR_CODE)) this.keepUint8.add(t);
          return;
        }
        let twin = uint8Twins.get(t);
        if (twin === undefined) {
          twin = this.twin(t, '_uint8');
          uint8Twins.set(t, twin);
          this.keepUint8.add(twin);
          this.addPre(i, this.quantizeOp(t, twin));
        }
        op.inputs[slot] = twin;
      });
      op.outputs.forEach((t) => {
        if (this.tensor(t).type !== 'uint8') return;
        this.keepUint8.add(t);
        const users = this.consumers(t);
        if (users.length === 0) return;
        const twin = this.twin(t, '_int8');
        for (const u of users) u.op.inputs[u.slot] = twin;
        this.addPost(i, this.quantizeOp(t, twin));
      });
    });
  }

  /** The model's uint8 inputs and outputs stay uint8, converted at the edges as TF2 converters do. */
  private modelBoundaries(): void {
    for (const t of this.sg.inputs) {
      if (this.tensor(t).type !== 'uint8' || this.keepUint8.has(t)) continue;
      const twin = this.twin(t, '_int8');
      for (const u of this.consumers(t)) u.op.inputs[u.slot] = twin;
      this.keepUint8.add(t);
      this.addPre(0, this.quantizeOp(t, twin));
    }
    for (const t of this.sg.outputs) {
      if (this.tensor(t).type !== 'uint8' || this.keepUint8.has(t)) continue;
      const p = this.producer(t);
      if (p < 0) continue;
      const twin = this.twin(t, '_int8');
      const producer = this.sg.operators[p]!;
      producer.outputs = producer.outputs.map((x) => (x === t ? twin : x));
      for (const u of this.consumers(t)) u.op.inputs[u.slot] = twin;
      this.keepUint8.add(t);
      this.addPost(p, this.quantizeOp(twin, t));
    }
  }

  /** Every other uint8 tensor becomes int8 with zero point - 128 (constants: data - 128). Weights are done later. */
  private shiftTensors(): void {
    this.sg.tensors.forEach((t, i) => {
      if (t.type !== 'uint8' || this.keepUint8.has(i) || this.weights.has(i)) return;
      t.type = 'int8';
      t.quantization = { ...t.quantization!, zeroPoint: t.quantization!.zeroPoint.map((z) => z - 128) };
      if (this.isConst(i)) t.buffer = this.graph.buffers.push(shiftUint8ToInt8(this.graph.buffers[t.buffer]!)) - 1;
    });
  }

  private constrain(op: GraphOperator, index: number): void {
    const rule = this.rules[index];
    if (typeof rule !== 'object') return;
    const int8 = (t: number): boolean => t >= 0 && this.tensor(t).type === 'int8';
    if (rule.kind === 'fixed') {
      const out = op.outputs[0]!;
      const want: Quant = { scale: [rule.scale], zeroPoint: [rule.zeroPoint], quantizedDimension: 0 };
      if (int8(out) && !sameQuant(this.tensor(out).quantization, want)) this.requantizeOutput(op, index, 0, want);
    } else if (rule.kind === 'same') {
      const input = op.inputs[rule.dataInput];
      if (input === undefined || !int8(input)) return;
      const want = this.tensor(input).quantization!;
      op.outputs.forEach((out, slot) => {
        if (int8(out) && !sameQuant(this.tensor(out).quantization, want)) this.requantizeOutput(op, index, slot, want);
      });
    } else if (rule.kind === 'concat') {
      const out = op.outputs[0]!;
      if (!int8(out)) return;
      const want = this.tensor(out).quantization!;
      op.inputs.forEach((t, slot) => {
        if (!int8(t) || sameQuant(this.tensor(t).quantization, want)) return;
        if (this.retarget(t, want)) return;
        const twin = this.twin(t, '_requantized', want);
        this.addPre(index, this.quantizeOp(t, twin));
        op.inputs[slot] = twin;
      });
    }
  }

  /** The op writes a new tensor with `want` and a QUANTIZE brings it to the output's own quantisation. */
  private requantizeOutput(op: GraphOperator, index: number, slot: number, want: Quant): void {
    const out = op.outputs[slot]!;
    const twin = this.twin(out, '_requantize', want);
    op.outputs[slot] = twin;
    this.addPost(index, this.quantizeOp(twin, out));
  }

  /**
   * Gives tensor `t` the quantisation `want` by changing what its producer writes, when nothing else reads it:
   * a requantising producer (conv, add...) just writes at the new scale; a same-scale producer (reshape) passes the
   * change on to its own input. One rounding instead of a requantising QUANTIZE.
   */
  private retarget(t: number, want: Quant): boolean {
    const tensor = this.tensor(t);
    if (this.sg.inputs.includes(t) || this.sg.outputs.includes(t) || this.isConst(t)) return false;
    if (this.consumers(t).length !== 1) return false;
    // The original clipped this tensor to its own range before the concatenation clipped it to the output's: one
    // clip to the output's range is the same only when that range lies within this one.
    if (!withinRange(want, tensor.quantization!)) return false;
    const p = this.producer(t);
    const rule = p < 0 ? undefined : this.rules[p];
    if (typeof rule !== 'object') return false;
    if (rule.kind === 'same') {
      const producer = this.sg.operators[p]!;
      if (producer.outputs.length !== 1) return false;
      const input = producer.inputs[rule.dataInput];
      if (input === undefined || input < 0 || !this.retarget(input, want)) return false;
    } else if (rule.kind !== 'free' && rule.kind !== 'weights') {
      return false;
    }
    tensor.quantization = cloneQuant(want);
    this.retargeted += 1;
    return true;
  }

  private requantize(op: GraphOperator, index: number, rule: Extract<OpRule, { kind: 'weights' }>): { widened: number; channels: number } {
    const [input, filter, bias] = op.inputs;
    const where = `operator ${index} (${op.name})`;
    if (filter === undefined || filter < 0) throw new OptimizeError(`${where}: has no weights input`);
    const w = this.tensor(filter);
    if (w.type !== 'uint8') return { widened: 0, channels: 0 };
    if (!this.isConst(filter)) {
      throw new OptimizeError(`${where}: weights tensor ${filter} "${w.name}" is not constant; only constant weights can be requantised`);
    }
    if (this.consumers(filter).length !== 1) {
      throw new OptimizeError(`${where}: weights tensor ${filter} "${w.name}" is shared by several operators, which this rewrite does not handle`);
    }
    const q = w.quantization!;
    const { values, scales } = requantizeWeights(
      this.graph.buffers[w.buffer]!, w.shape, q.scale[0]!, q.zeroPoint[0]!, rule.channelDim, rule.perChannel,
    );
    w.type = 'int8';
    w.quantization = { scale: scales, zeroPoint: scales.map(() => 0), quantizedDimension: rule.perChannel ? rule.channelDim : 0 };
    w.buffer = this.graph.buffers.push(new Uint8Array(values.buffer)) - 1;
    if (bias !== undefined && bias >= 0) {
      const b = this.tensor(bias);
      if (b.type !== 'int32' || !this.isConst(bias)) throw new OptimizeError(`${where}: bias tensor ${bias} "${b.name}" is not a constant int32 tensor`);
      const data = this.graph.buffers[b.buffer]!;
      const old = new Int32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
      const inputScale = this.tensor(input!).quantization!.scale[0]!;
      const oldScale = b.quantization?.scale[0] ?? inputScale * q.scale[0]!;
      const rescaled = rescaleBias(old, oldScale, inputScale, scales);
      b.quantization = { scale: rescaled.scales, zeroPoint: rescaled.scales.map(() => 0), quantizedDimension: 0 };
      b.buffer = this.graph.buffers.push(new Uint8Array(rescaled.values.buffer)) - 1;
    }
    const widened = scales.filter((s) => s !== Math.fround(q.scale[0]!)).length;
    return { widened, channels: scales.length };
  }

  private setVersion(op: GraphOperator): void {
    if (op.opcode.builtinCode === CUSTOM_OPERATOR_CODE) return;
    const usesInt8 = [...op.inputs, ...op.outputs].some((t) => t >= 0 && this.tensor(t).type === 'int8');
    const wanted = INT8_OP_VERSIONS[op.name];
    if (usesInt8 && wanted !== undefined && wanted > op.opcode.version) op.opcode = { ...op.opcode, version: wanted };
  }
}

/** Whether the int8 range of `inner` lies within that of `outer` (up to float32 rounding). */
function withinRange(inner: Quant, outer: Quant): boolean {
  const range = (q: Quant): [number, number] => [q.scale[0]! * (-128 - q.zeroPoint[0]!), q.scale[0]! * (127 - q.zeroPoint[0]!)];
  const [a0, a1] = range(inner);
  const [b0, b1] = range(outer);
  const eps = 1e-6 * Math.max(Math.abs(b0), Math.abs(b1), 1);
  return a0 >= b0 - eps && a1 <= b1 + eps;
}

function cloneQuant(q: Quant): Quant {
  return { scale: [...q.scale], zeroPoint: [...q.zeroPoint], quantizedDimension: q.quantizedDimension };
}
