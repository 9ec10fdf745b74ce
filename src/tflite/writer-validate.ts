// Checks a ModelSpec before serialisation, so that a mistake is reported with its spec path
// instead of producing a file the runtime rejects later.
import { TENSOR_TYPE_NAMES, tensorTypeByteSize, type TensorTypeName } from './schema.js';
import { ModelSpecError, type ModelSpec, type TensorData, type TensorSpec } from './writer-spec.js';

const TYPED_ARRAY_FOR: Partial<Record<TensorTypeName, string>> = {
  int8: 'Int8Array', uint8: 'Uint8Array', bool: 'Uint8Array', int16: 'Int16Array', uint16: 'Uint16Array',
  int32: 'Int32Array', uint32: 'Uint32Array', int64: 'BigInt64Array', uint64: 'BigUint64Array',
  float32: 'Float32Array', float64: 'Float64Array',
};

/** Throws {@link ModelSpecError} at the first inconsistency in `spec`. */
export function validateModelSpec(spec: ModelSpec): void {
  const names = new Set<string>();
  spec.tensors.forEach((t, i) => {
    const path = `tensors[${i}]`;
    if (typeof t.name !== 'string' || t.name === '') throw new ModelSpecError(`${path}.name`, 'a non-empty string', t.name);
    if (names.has(t.name)) throw new ModelSpecError(`${path}.name`, 'a name not used by another tensor', t.name);
    names.add(t.name);
    if (!TENSOR_TYPE_NAMES.includes(t.type)) throw new ModelSpecError(`${path}.type`, `one of ${TENSOR_TYPE_NAMES.join(', ')}`, t.type);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ModelSpecError(`${path}.shape`, 'non-negative integers', t.shape);
    if (t.data !== undefined) validateData(t, t.data, `${path}.data`);
    if (t.quantization !== undefined) validateQuantization(t, `${path}.quantization`);
  });
  const ref = (name: string | null, path: string, optional: boolean): void => {
    if (name === null && optional) return;
    if (name === null || !names.has(name)) throw new ModelSpecError(path, 'the name of a tensor in tensors[]', name);
  };
  spec.operators.forEach((op, i) => {
    op.inputs.forEach((n, j) => ref(n, `operators[${i}].inputs[${j}]`, true));
    op.outputs.forEach((n, j) => ref(n, `operators[${i}].outputs[${j}]`, false));
    if (op.op === 'CUSTOM' && (typeof op.customCode !== 'string' || op.customCode === '')) {
      throw new ModelSpecError(`operators[${i}].customCode`, 'a non-empty custom op name', op.customCode);
    }
    if (op.version !== undefined && !(Number.isInteger(op.version) && op.version >= 1)) {
      throw new ModelSpecError(`operators[${i}].version`, 'an integer ≥ 1', op.version);
    }
  });
  spec.inputs.forEach((n, j) => ref(n, `inputs[${j}]`, false));
  spec.outputs.forEach((n, j) => ref(n, `outputs[${j}]`, false));
  const meta = spec.metadata;
  if (meta?.inputs !== undefined && meta.inputs.length > spec.inputs.length) {
    throw new ModelSpecError('metadata.inputs', `at most ${spec.inputs.length} entries (one per input)`, meta.inputs.length);
  }
  if (meta?.outputs !== undefined && meta.outputs.length > spec.outputs.length) {
    throw new ModelSpecError('metadata.outputs', `at most ${spec.outputs.length} entries (one per output)`, meta.outputs.length);
  }
}

function validateData(t: TensorSpec, data: TensorData, path: string): void {
  const elementSize = tensorTypeByteSize(t.type);
  if (elementSize === undefined) throw new ModelSpecError(path, 'no constant data (unsupported for this type)', t.type);
  const expectedBytes = t.shape.reduce((n, d) => n * d, 1) * elementSize;
  const arrayName = TYPED_ARRAY_FOR[t.type];
  // A Uint8Array is accepted as raw little-endian bytes for every type.
  if (data.constructor.name !== arrayName && data.constructor.name !== 'Uint8Array') {
    throw new ModelSpecError(path, `${arrayName ?? 'raw bytes'} (or raw bytes as Uint8Array) for type ${t.type}`, data);
  }
  if (data.byteLength !== expectedBytes) {
    throw new ModelSpecError(path, `${expectedBytes} bytes for shape [${t.shape.join(', ')}] of ${t.type}`, data);
  }
}

function validateQuantization(t: TensorSpec, path: string): void {
  const q = t.quantization;
  if (q === undefined) return;
  if (q.scale.length === 0 || !q.scale.every((s) => Number.isFinite(s) && s > 0)) {
    throw new ModelSpecError(`${path}.scale`, 'one or more finite scales > 0', q.scale);
  }
  if (q.zeroPoint.length !== q.scale.length || !q.zeroPoint.every((z) => Number.isInteger(z))) {
    throw new ModelSpecError(`${path}.zeroPoint`, `${q.scale.length} integer zero point(s)`, q.zeroPoint);
  }
  const axis = q.quantizedDimension ?? 0;
  if (q.scale.length > 1 && t.shape[axis] !== q.scale.length) {
    throw new ModelSpecError(`${path}.quantizedDimension`, `an axis of shape [${t.shape.join(', ')}] with ${q.scale.length} channels`, axis);
  }
}
