// The .tflite file format: read models (with metadata and packed label files) and write small ones.
export { readModel } from './reader.js';
export { writeModel } from './writer.js';
export { TfliteFormatError } from './errors.js';
export { ModelSpecError } from './writer-spec.js';
export type {
  ModelSpec, TensorSpec, OperatorSpec, QuantizationSpec, TensorData,
  Conv2DOptionsSpec, DepthwiseConv2DOptionsSpec, Pool2DOptionsSpec,
} from './writer-spec.js';
export type { MetadataSpec, TensorMetadataSpec, AssociatedFileSpec } from './metadata-writer.js';
export type { PackedFileSpec } from './zip-writer.js';
export { openZip } from './zip.js';
export type { ZipArchive, ZipEntry } from './zip.js';
export type {
  TfliteModelInfo, SubgraphInfo, TensorInfo, OperatorInfo, QuantizationInfo, SignatureInfo,
  ModelMetadataInfo, TensorMetadataInfo, ContentInfo, AssociatedFileInfo,
} from './types.js';
export {
  builtinOperatorName, builtinOperatorCode, CUSTOM_OPERATOR_CODE, KNOWN_BUILTIN_OPERATOR_COUNT,
} from './builtin-ops.js';
export {
  TENSOR_TYPE_NAMES, tensorTypeByteSize, tensorTypeCode, tensorTypeName,
  MODEL_FILE_IDENTIFIER, METADATA_FILE_IDENTIFIER, METADATA_ENTRY_NAME,
} from './schema.js';
export type {
  TensorTypeName, ActivationName, PaddingName, AssociatedFileTypeName, ColorSpaceName,
} from './schema.js';
