// Reads the TFLITE_METADATA flatbuffer (tensorflow_lite_support/metadata/metadata_schema.fbs,
// identifier "M001") and the label file packed in the zip archive appended to the model.
import type { FormatFailure } from './errors.js';
import { FlatReader, type FlatTable } from './flat-reader.js';
import {
  ASSOCIATED_FILE_TYPE_NAMES, COLOR_SPACE_NAMES, ContentPropertiesType, METADATA_FILE_IDENTIFIER, ProcessUnitOptionsType,
} from './schema.js';
import type { AssociatedFileInfo, ContentInfo, ModelMetadataInfo, TensorMetadataInfo } from './types.js';
import { openZipWith } from './zip.js';

const F = {
  model: { name: 0, description: 1, version: 2, subgraphs: 3, author: 4, license: 5, associatedFiles: 6, minParserVersion: 7 },
  subgraph: { inputs: 2, outputs: 3, associatedFiles: 4 },
  tensor: { name: 0, description: 1, content: 3, processUnits: 4, stats: 5, associatedFiles: 6 },
  content: { propertiesType: 0, properties: 1 },
  image: { colorSpace: 0, defaultSize: 1 },
  imageSize: { width: 0, height: 1 },
  processUnit: { optionsType: 0, options: 1 },
  normalization: { mean: 0, std: 1 },
  thresholding: { globalScoreThreshold: 0 },
  stats: { max: 0, min: 1 },
  file: { name: 0, description: 1, type: 2, locale: 3 },
} as const;

/**
 * Parses a ModelMetadata flatbuffer and reads the model's labels from the zip archive appended to the model file,
 * found as the TFLite Task Library finds them (see {@link findLabelFile}).
 *
 * @param metadataBytes content of the buffer named by the TFLITE_METADATA entry
 * @param fileBytes the whole model file (the zip archive is at its end)
 * @param fail reports a malformed metadata flatbuffer
 * @param failFile reports a malformed zip archive
 */
export function readMetadata(
  metadataBytes: Uint8Array, fileBytes: Uint8Array, fail: FormatFailure, failFile: FormatFailure,
): ModelMetadataInfo {
  const r = new FlatReader(metadataBytes, fail);
  const id = r.identifier();
  if (id !== METADATA_FILE_IDENTIFIER) fail(`not a metadata flatbuffer (identifier "${id}", expected "${METADATA_FILE_IDENTIFIER}")`);
  const root = r.root('ModelMetadata');
  const subgraph = r.tables(root, F.model.subgraphs, (i) => `subgraph metadata ${i}`)[0];
  const tensors = (field: number, what: string): TensorMetadataInfo[] =>
    subgraph === undefined ? [] : r.tables(subgraph, field, (i) => `${what} ${i}`).map((t) => readTensorMetadata(r, t));
  const inputs = tensors(F.subgraph.inputs, 'input tensor metadata');
  const outputs = tensors(F.subgraph.outputs, 'output tensor metadata');

  const fileNames = new Set<string>();
  for (const f of readFiles(r, root, F.model.associatedFiles)) fileNames.add(f.name);
  if (subgraph !== undefined) for (const f of readFiles(r, subgraph, F.subgraph.associatedFiles)) fileNames.add(f.name);
  for (const t of [...inputs, ...outputs]) for (const f of t.associatedFiles) fileNames.add(f.name);

  const warnings: string[] = [];
  const zip = fileNames.size > 0 ? openZipWith(fileBytes, failFile) : undefined;
  if (fileNames.size > 0 && zip === undefined) {
    warnings.push(`metadata lists ${fileNames.size} associated file(s) but no zip archive is appended to the model`);
  }
  const packed = new Set(zip?.entries.map((e) => e.name) ?? []);
  if (zip !== undefined) {
    for (const name of fileNames) if (!packed.has(name)) warnings.push(`associated file "${name}" is not packed in the model`);
  }
  const labelFile = findLabelFile(outputs);
  const labelBytes = labelFile === undefined ? undefined : zip?.read(labelFile.name);

  const text = (field: number): string | undefined => r.string(root, field);
  const name = text(F.model.name);
  const description = text(F.model.description);
  const version = text(F.model.version);
  const author = text(F.model.author);
  const license = text(F.model.license);
  const minParserVersion = text(F.model.minParserVersion);
  return {
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
    ...(version === undefined ? {} : { version }),
    ...(author === undefined ? {} : { author }),
    ...(license === undefined ? {} : { license }),
    ...(minParserVersion === undefined ? {} : { minParserVersion }),
    inputs,
    outputs,
    ...(labelBytes === undefined || labelFile === undefined ? {} : {
      labels: splitLines(labelBytes),
      labelsFrom: { output: labelFile.output, file: labelFile.name, type: labelFile.type },
    }),
    associatedFiles: [...fileNames],
    packedFiles: [...packed],
    warnings,
  };
}

/**
 * The label file of the model, as the TFLite Task Library reads it: a classifier's labels are a TENSOR_AXIS_LABELS
 * file on its scores output (one label per element, ImageClassifier), a detector's a TENSOR_VALUE_LABELS file on its
 * classes output (the label of each class value, ObjectDetector: the COCO SSD models attach `labelmap.txt` to
 * "classes" this way). Axis labels are preferred, on the first output that has them; else the value labels of the
 * first output that has them. Within a tensor the first file of the type counts (later ones are usually other
 * locales of the same labels).
 */
function findLabelFile(
  outputs: readonly TensorMetadataInfo[],
): { output: number; name: string; type: 'TENSOR_AXIS_LABELS' | 'TENSOR_VALUE_LABELS' } | undefined {
  for (const type of ['TENSOR_AXIS_LABELS', 'TENSOR_VALUE_LABELS'] as const) {
    for (let output = 0; output < outputs.length; output += 1) {
      const file = outputs[output]!.associatedFiles.find((f) => f.type === type);
      if (file !== undefined) return { output, name: file.name, type };
    }
  }
  return undefined;
}

function readTensorMetadata(r: FlatReader, t: FlatTable): TensorMetadataInfo {
  const name = r.string(t, F.tensor.name);
  const description = r.string(t, F.tensor.description);
  const contentTable = r.child(t, F.tensor.content, `content of ${t.what}`);
  const content = contentTable === undefined ? undefined : readContent(r, contentTable);
  let normalization: TensorMetadataInfo['normalization'];
  let scoreThreshold: number | undefined;
  for (const unit of r.tables(t, F.tensor.processUnits, (i) => `process unit ${i} of ${t.what}`)) {
    const type = r.uint8(unit, F.processUnit.optionsType, 0);
    const options = r.child(unit, F.processUnit.options, `options of ${unit.what}`);
    if (options === undefined) continue;
    if (type === ProcessUnitOptionsType.NormalizationOptions && normalization === undefined) {
      normalization = { mean: r.float32s(options, F.normalization.mean) ?? [], std: r.float32s(options, F.normalization.std) ?? [] };
    } else if (type === ProcessUnitOptionsType.ScoreThresholdingOptions) {
      scoreThreshold = r.float32(options, F.thresholding.globalScoreThreshold, 0);
    }
  }
  const stats = r.child(t, F.tensor.stats, `stats of ${t.what}`);
  const min = stats === undefined ? undefined : r.float32s(stats, F.stats.min);
  const max = stats === undefined ? undefined : r.float32s(stats, F.stats.max);
  return {
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
    ...(content === undefined ? {} : { content }),
    ...(normalization === undefined ? {} : { normalization }),
    ...(min === undefined && max === undefined ? {} : { range: { min: min ?? [], max: max ?? [] } }),
    ...(scoreThreshold === undefined ? {} : { scoreThreshold }),
    associatedFiles: readFiles(r, t, F.tensor.associatedFiles),
  };
}

function readContent(r: FlatReader, t: FlatTable): ContentInfo {
  const type = r.uint8(t, F.content.propertiesType, 0);
  switch (type) {
    case ContentPropertiesType.FeatureProperties: return { kind: 'feature' };
    case ContentPropertiesType.BoundingBoxProperties: return { kind: 'boundingBox' };
    case ContentPropertiesType.AudioProperties: return { kind: 'audio' };
    case ContentPropertiesType.ImageProperties: break;
    default: return { kind: 'unknown' };
  }
  const image = r.child(t, F.content.properties, `image properties of ${t.what}`);
  if (image === undefined) return { kind: 'image' };
  const size = r.child(image, F.image.defaultSize, `default size of ${t.what}`);
  return {
    kind: 'image',
    colorSpace: COLOR_SPACE_NAMES[r.int8(image, F.image.colorSpace, 0)] ?? 'UNKNOWN',
    ...(size === undefined ? {} : {
      defaultSize: { width: r.uint32(size, F.imageSize.width, 0), height: r.uint32(size, F.imageSize.height, 0) },
    }),
  };
}

function readFiles(r: FlatReader, t: FlatTable, field: number): AssociatedFileInfo[] {
  return r.tables(t, field, (i) => `associated file ${i} of ${t.what}`).map((f) => {
    const description = r.string(f, F.file.description);
    const locale = r.string(f, F.file.locale);
    return {
      name: r.string(f, F.file.name) ?? '',
      type: ASSOCIATED_FILE_TYPE_NAMES[r.int8(f, F.file.type, 0)] ?? 'UNKNOWN',
      ...(description === undefined ? {} : { description }),
      ...(locale === undefined ? {} : { locale }),
    };
  });
}

/** Lines of a UTF-8 text file, without line ends and without the empty line after a final newline. */
function splitLines(bytes: Uint8Array): string[] {
  const lines = new TextDecoder().decode(bytes).split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
