// The declarative description of a model that writeModel() serialises.
import type { MetadataSpec } from './metadata-writer.js';
import type { ActivationName, PaddingName, TensorTypeName } from './schema.js';

/** Constant tensor contents; the element type must match the tensor type (raw bytes are also accepted). */
export type TensorData =
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array | Float32Array | Float64Array;

/** Affine quantisation: real = scale * (q - zeroPoint). */
export interface QuantizationSpec {
  /** One scale (per tensor) or one per channel along `quantizedDimension`; each > 0. */
  readonly scale: readonly number[];
  /** Same length as `scale`; integers. */
  readonly zeroPoint: readonly number[];
  /** Channel axis for per-channel parameters; default 0. */
  readonly quantizedDimension?: number;
}

export interface TensorSpec {
  /** Unique within the model; operators refer to tensors by name. */
  readonly name: string;
  readonly type: TensorTypeName;
  readonly shape: readonly number[];
  /** Shape with -1 for dynamic dimensions (optional). */
  readonly shapeSignature?: readonly number[];
  readonly quantization?: QuantizationSpec;
  /** Constant contents (weights, biases, shapes). Omit for inputs and activations. */
  readonly data?: TensorData;
}

interface OperatorIo {
  /** Tensor names; `null` marks an omitted optional input (written as -1). */
  readonly inputs: readonly (string | null)[];
  readonly outputs: readonly string[];
  /** Operator version; default: what the TFLite converter writes for the input type (1 for float). */
  readonly version?: number;
}

/** Options of CONV_2D. Strides and dilations ≥ 1; default stride 1, dilation 1, SAME, NONE. */
export interface Conv2DOptionsSpec {
  readonly padding?: PaddingName;
  readonly strideW?: number;
  readonly strideH?: number;
  readonly dilationW?: number;
  readonly dilationH?: number;
  readonly activation?: ActivationName;
}

/** Options of DEPTHWISE_CONV_2D; depthMultiplier = output channels / input channels (default: from the tensor shapes). */
export interface DepthwiseConv2DOptionsSpec extends Conv2DOptionsSpec {
  readonly depthMultiplier?: number;
}

/** Options of AVERAGE_POOL_2D / MAX_POOL_2D (filter size in elements, required). */
export interface Pool2DOptionsSpec {
  readonly filterWidth: number;
  readonly filterHeight: number;
  readonly padding?: PaddingName;
  readonly strideW?: number;
  readonly strideH?: number;
  readonly activation?: ActivationName;
}

/** One operator; the union is keyed by `op`, each with its own option table. */
export type OperatorSpec =
  | (OperatorIo & { readonly op: 'CONV_2D'; readonly options?: Conv2DOptionsSpec })
  | (OperatorIo & { readonly op: 'DEPTHWISE_CONV_2D'; readonly options?: DepthwiseConv2DOptionsSpec })
  | (OperatorIo & { readonly op: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D'; readonly options: Pool2DOptionsSpec })
  | (OperatorIo & { readonly op: 'FULLY_CONNECTED'; readonly options?: { readonly activation?: ActivationName; readonly keepNumDims?: boolean } })
  | (OperatorIo & { readonly op: 'ADD' | 'SUB' | 'MUL'; readonly options?: { readonly activation?: ActivationName } })
  | (OperatorIo & { readonly op: 'SOFTMAX'; readonly options?: { readonly beta?: number } })
  /** newShape defaults to the output tensor's shape. */
  | (OperatorIo & { readonly op: 'RESHAPE'; readonly options?: { readonly newShape?: readonly number[] } })
  | (OperatorIo & { readonly op: 'QUANTIZE' | 'DEQUANTIZE' | 'LOGISTIC' })
  /** axis may be negative (counted from the last dimension). */
  | (OperatorIo & { readonly op: 'CONCATENATION'; readonly options: { readonly axis: number; readonly activation?: ActivationName } })
  | (OperatorIo & { readonly op: 'CUSTOM'; readonly customCode: string; readonly customOptions?: Uint8Array });

/** A single-subgraph model. */
export interface ModelSpec {
  readonly description?: string;
  readonly subgraphName?: string;
  readonly tensors: readonly TensorSpec[];
  /** In execution order. */
  readonly operators: readonly OperatorSpec[];
  /** Names of the inference inputs / outputs, in order. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Written as the `min_runtime_version` metadata entry when given, e.g. "2.3.0". */
  readonly minRuntimeVersion?: string;
  /** TFLITE_METADATA plus associated files appended as a zip archive. */
  readonly metadata?: MetadataSpec;
}

/** Thrown by writeModel() for an invalid spec; the message names the spec path, the expectation and the value. */
export class ModelSpecError extends Error {
  override readonly name = 'ModelSpecError';

  constructor(
    readonly path: string,
    expected: string,
    received: unknown,
  ) {
    super(`Expected ${expected} for ${path} but received ${describe(received)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.byteLength} bytes)`;
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  return String(value);
}
