// Enums of the TFLite model schema (tensorflow/compiler/mlir/lite/schema/schema.fbs, v3c) and of
// the metadata schema (tensorflow_lite_support/metadata/metadata_schema.fbs, "M001") that this
// package reads and writes. Field indices of tables live next to their accessors.

/** File identifier of a TFLite model flatbuffer (bytes 4..8). */
export const MODEL_FILE_IDENTIFIER = 'TFL3';
/** File identifier of a ModelMetadata flatbuffer. */
export const METADATA_FILE_IDENTIFIER = 'M001';
/** Name of the Model.metadata entry whose buffer holds the ModelMetadata flatbuffer. */
export const METADATA_ENTRY_NAME = 'TFLITE_METADATA';
/** Name of the Model.metadata entry holding the minimum runtime version as a string. */
export const MIN_RUNTIME_VERSION_ENTRY_NAME = 'min_runtime_version';

/** Tensor element types, by `TensorType` code (index = code). */
export const TENSOR_TYPE_NAMES = [
  'float32', 'float16', 'int32', 'uint8', 'int64', 'string', 'bool', 'int16', 'complex64', 'int8',
  'float64', 'complex128', 'uint64', 'resource', 'variant', 'uint32', 'uint16', 'int4', 'bfloat16',
] as const;

/** A tensor element type, lower-case as in numpy/TypedArray names. */
export type TensorTypeName = (typeof TENSOR_TYPE_NAMES)[number];

/** `TensorType` code of a type name, e.g. `int8` → 9. */
export function tensorTypeCode(name: TensorTypeName): number {
  return TENSOR_TYPE_NAMES.indexOf(name);
}

/** Type name of a `TensorType` code, or undefined if the code is unknown. */
export function tensorTypeName(code: number): TensorTypeName | undefined {
  return TENSOR_TYPE_NAMES[code];
}

/** Bytes per element of fixed-size types; undefined for string/resource/variant/int4 (packed). */
export function tensorTypeByteSize(name: TensorTypeName): number | undefined {
  switch (name) {
    case 'bool': case 'int8': case 'uint8': return 1;
    case 'int16': case 'uint16': case 'float16': case 'bfloat16': return 2;
    case 'int32': case 'uint32': case 'float32': return 4;
    case 'int64': case 'uint64': case 'float64': case 'complex64': return 8;
    case 'complex128': return 16;
    default: return undefined;
  }
}

/** `Padding` enum. */
export const PADDING_NAMES = ['SAME', 'VALID'] as const;
export type PaddingName = (typeof PADDING_NAMES)[number];

/** `ActivationFunctionType` enum (fused activations). */
export const ACTIVATION_NAMES = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** `BuiltinOptions` union type codes of the option tables this package writes (0 = NONE). */
export const BuiltinOptionsType = {
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  SubOptions: 28,
  DequantizeOptions: 38,
  QuantizeOptions: 89,
} as const;

/** Metadata `AssociatedFileType` enum. */
export const ASSOCIATED_FILE_TYPE_NAMES = [
  'UNKNOWN', 'DESCRIPTIONS', 'TENSOR_AXIS_LABELS', 'TENSOR_VALUE_LABELS',
  'TENSOR_AXIS_SCORE_CALIBRATION', 'VOCABULARY', 'SCANN_INDEX_FILE',
] as const;
export type AssociatedFileTypeName = (typeof ASSOCIATED_FILE_TYPE_NAMES)[number];

/** Metadata `ColorSpaceType` enum. */
export const COLOR_SPACE_NAMES = ['UNKNOWN', 'RGB', 'GRAYSCALE'] as const;
export type ColorSpaceName = (typeof COLOR_SPACE_NAMES)[number];

/** Metadata `ContentProperties` union codes (0 = NONE). */
export const ContentPropertiesType = {
  FeatureProperties: 1,
  ImageProperties: 2,
  BoundingBoxProperties: 3,
  AudioProperties: 4,
} as const;

/** Metadata `ProcessUnitOptions` union codes (0 = NONE). */
export const ProcessUnitOptionsType = {
  NormalizationOptions: 1,
  ScoreCalibrationOptions: 2,
  ScoreThresholdingOptions: 3,
  BertTokenizerOptions: 4,
  SentencePieceTokenizerOptions: 5,
  RegexTokenizerOptions: 6,
} as const;
