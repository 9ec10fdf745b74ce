// Public result types of readModel(). Plain data (JSON-serialisable), no flatbuffer handles.
import type { AssociatedFileTypeName, ColorSpaceName, TensorTypeName } from './schema.js';

/** Affine quantisation of a tensor: real = scale * (q - zeroPoint), per tensor or per channel. */
export interface QuantizationInfo {
  /** One scale per tensor, or one per channel along `quantizedDimension`. */
  readonly scale: readonly number[];
  /** Zero points, same length as `scale` (int64 in the file; exact up to 2^53). */
  readonly zeroPoint: readonly number[];
  /** Axis of the per-channel parameters (0 when per tensor). */
  readonly quantizedDimension: number;
}

/** One tensor of a subgraph. */
export interface TensorInfo {
  /** Index in the subgraph's tensor list (what operators and inputs/outputs refer to). */
  readonly index: number;
  readonly name: string;
  readonly type: TensorTypeName;
  /** Static shape; dimensions of unknown size are 1 here and -1 in `shapeSignature`. */
  readonly shape: readonly number[];
  /** Shape with -1 for dynamic dimensions, when the converter wrote it. */
  readonly shapeSignature?: readonly number[];
  /** Index into the model's buffers (0 = the empty sentinel, no constant data). */
  readonly buffer: number;
  /** Byte length of the constant data of this tensor (0 for activations and inputs). */
  readonly dataByteLength: number;
  readonly isVariable: boolean;
  /** Present when the tensor carries scale/zero-point parameters. */
  readonly quantization?: QuantizationInfo;
}

/** One operator, in execution order. */
export interface OperatorInfo {
  /** Builtin name (e.g. `FULLY_CONNECTED`) or, for CUSTOM ops, the custom code (e.g. `TFLite_Detection_PostProcess`). */
  readonly name: string;
  /** Builtin code (32 for CUSTOM), the max of `deprecated_builtin_code` and `builtin_code`. */
  readonly builtinCode: number;
  readonly custom: boolean;
  /** Operator version from the operator code (1 if absent). */
  readonly version: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

/** One subgraph (subgraph 0 is the main model). */
export interface SubgraphInfo {
  readonly name?: string;
  /** Tensor indices of the inference inputs. */
  readonly inputs: readonly number[];
  /** Tensor indices of the inference outputs. */
  readonly outputs: readonly number[];
  readonly tensors: readonly TensorInfo[];
  readonly operators: readonly OperatorInfo[];
}

/** A SignatureDef: named entry point mapping aliases to tensor indices of one subgraph. */
export interface SignatureInfo {
  readonly key: string;
  readonly subgraphIndex: number;
  readonly inputs: readonly { readonly name: string; readonly tensorIndex: number }[];
  readonly outputs: readonly { readonly name: string; readonly tensorIndex: number }[];
}

/** A file packed into the model's zip archive and described in the metadata. */
export interface AssociatedFileInfo {
  readonly name: string;
  readonly type: AssociatedFileTypeName;
  readonly description?: string;
  readonly locale?: string;
}

/** What the metadata says about the content of a tensor. */
export interface ContentInfo {
  readonly kind: 'feature' | 'image' | 'boundingBox' | 'audio' | 'unknown';
  /** For images: the colour space the model expects. */
  readonly colorSpace?: ColorSpaceName;
  /** For images with dynamic shapes: the default width and height in pixels. */
  readonly defaultSize?: { readonly width: number; readonly height: number };
}

/** Metadata of one input or output tensor (same order as the subgraph's inputs/outputs). */
export interface TensorMetadataInfo {
  readonly name?: string;
  readonly description?: string;
  readonly content?: ContentInfo;
  /** Input normalisation: model value = (x - mean) / std, per channel (one value = all channels). */
  readonly normalization?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  /** Value statistics (Stats max/min), per channel (one value = all channels). */
  readonly range?: { readonly min: readonly number[]; readonly max: readonly number[] };
  /** Recommended global score threshold (ScoreThresholdingOptions), when present. */
  readonly scoreThreshold?: number;
  readonly associatedFiles: readonly AssociatedFileInfo[];
}

/** Parsed TFLITE_METADATA (schema "M001"), with labels read from the appended zip archive. */
export interface ModelMetadataInfo {
  readonly name?: string;
  readonly description?: string;
  readonly version?: string;
  readonly author?: string;
  readonly license?: string;
  readonly minParserVersion?: string;
  /** Subgraph 0's input tensor metadata. */
  readonly inputs: readonly TensorMetadataInfo[];
  /** Subgraph 0's output tensor metadata. */
  readonly outputs: readonly TensorMetadataInfo[];
  /**
   * Lines of the model's label file, if it is packed in the model: the first TENSOR_AXIS_LABELS file of the first
   * output that has one (classifiers: line i labels element i), else the first TENSOR_VALUE_LABELS file of the first
   * output that has one (detectors: line v labels class value v). Found as the TFLite Task Library finds them.
   */
  readonly labels?: readonly string[];
  /** Where `labels` came from: the output (index in subgraph 0's outputs), the file and its type. Present with `labels`. */
  readonly labelsFrom?: {
    readonly output: number;
    readonly file: string;
    readonly type: 'TENSOR_AXIS_LABELS' | 'TENSOR_VALUE_LABELS';
  };
  /** Names of all associated files (model, subgraph and tensor level), without duplicates. */
  readonly associatedFiles: readonly string[];
  /** Names of the files actually packed in the model's zip archive. */
  readonly packedFiles: readonly string[];
  /** Non-fatal inconsistencies, e.g. a declared label file that is not packed. */
  readonly warnings: readonly string[];
}

/** Everything readModel() reports about a .tflite file. */
export interface TfliteModelInfo {
  readonly fileName: string;
  /** File size in bytes (flatbuffer plus any appended zip archive). */
  readonly byteLength: number;
  /** Schema version (3 for all current models). */
  readonly version: number;
  readonly description?: string;
  /** From the `min_runtime_version` metadata entry (e.g. "1.14.0"), when present. */
  readonly minRuntimeVersion?: string;
  readonly subgraphs: readonly SubgraphInfo[];
  readonly signatures: readonly SignatureInfo[];
  /** Operator counts over all subgraphs by name, e.g. `{ CONV_2D: 12, ADD: 3 }`. */
  readonly opCounts: Readonly<Record<string, number>>;
  /** Distinct custom op names used by operators, in first-use order. */
  readonly customOps: readonly string[];
  /** Number of entries in the model's buffer table (including the empty sentinel). */
  readonly buffersCount: number;
  /** Names of Model.metadata entries, e.g. `['min_runtime_version', 'TFLITE_METADATA']`. */
  readonly metadataEntries: readonly string[];
  readonly metadata?: ModelMetadataInfo;
  /**
   * Problems that do not stop parsing but that the TFLite runtime rejects when it builds an
   * interpreter, e.g. per-channel quantisation along a dimension the tensor does not have.
   */
  readonly warnings: readonly string[];
}
