// Builds a ModelMetadata flatbuffer (metadata_schema.fbs, identifier "M001") for writeModel().
// Field indices as in metadata.ts.
import { Builder, type Offset } from 'flatbuffers';
import { float32Vector, offsetVector, optionalString } from './flat-builder.js';
import {
  ASSOCIATED_FILE_TYPE_NAMES, COLOR_SPACE_NAMES, ContentPropertiesType, METADATA_FILE_IDENTIFIER, ProcessUnitOptionsType,
  type AssociatedFileTypeName, type ColorSpaceName,
} from './schema.js';
import type { PackedFileSpec } from './zip-writer.js';

/** A file reference in the metadata; the file itself goes in {@link MetadataSpec.files}. */
export interface AssociatedFileSpec {
  readonly name: string;
  readonly type: AssociatedFileTypeName;
  readonly description?: string;
  readonly locale?: string;
}

/** Metadata of one input or output tensor. */
export interface TensorMetadataSpec {
  readonly name?: string;
  readonly description?: string;
  readonly content?: { readonly kind: 'image'; readonly colorSpace?: ColorSpaceName } | { readonly kind: 'feature' };
  /** (x - mean) / std per channel; one value applies to all channels. */
  readonly normalization?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  /** Stats min/max per channel. */
  readonly range?: { readonly min: readonly number[]; readonly max: readonly number[] };
  readonly associatedFiles?: readonly AssociatedFileSpec[];
}

/** TFLITE_METADATA content plus the files packed in the zip archive appended to the model. */
export interface MetadataSpec {
  readonly name?: string;
  readonly description?: string;
  readonly version?: string;
  readonly author?: string;
  readonly license?: string;
  /** One per subgraph input, in order. */
  readonly inputs?: readonly TensorMetadataSpec[];
  /** One per subgraph output, in order. */
  readonly outputs?: readonly TensorMetadataSpec[];
  /** Files appended as a zip archive (e.g. the labels named by an associated file). */
  readonly files?: readonly PackedFileSpec[];
}

/** Serialises `spec` (without its files) to a ModelMetadata flatbuffer. */
export function buildMetadata(spec: MetadataSpec): Uint8Array {
  const b = new Builder(1024);
  const tensors = (list: readonly TensorMetadataSpec[] | undefined): Offset =>
    offsetVector(b, (list ?? []).map((t) => tensorMetadata(b, t)));
  const inputs = tensors(spec.inputs);
  const outputs = tensors(spec.outputs);
  b.startObject(7); // SubGraphMetadata
  b.addFieldOffset(2, inputs, 0);
  b.addFieldOffset(3, outputs, 0);
  const subgraph = b.endObject();
  const subgraphs = offsetVector(b, [subgraph]);

  const name = optionalString(b, spec.name);
  const description = optionalString(b, spec.description);
  const version = optionalString(b, spec.version);
  const author = optionalString(b, spec.author);
  const license = optionalString(b, spec.license);
  // Every field written here exists since metadata schema 1.0.0.
  const minParserVersion = b.createString('1.0.0');
  b.startObject(8); // ModelMetadata
  b.addFieldOffset(0, name, 0);
  b.addFieldOffset(1, description, 0);
  b.addFieldOffset(2, version, 0);
  b.addFieldOffset(3, subgraphs, 0);
  b.addFieldOffset(4, author, 0);
  b.addFieldOffset(5, license, 0);
  b.addFieldOffset(7, minParserVersion, 0);
  b.finish(b.endObject(), METADATA_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

function tensorMetadata(b: Builder, t: TensorMetadataSpec): Offset {
  const name = optionalString(b, t.name);
  const description = optionalString(b, t.description);
  const content = t.content === undefined ? 0 : contentTable(b, t.content);
  let processUnits = 0;
  if (t.normalization !== undefined) {
    const mean = float32Vector(b, t.normalization.mean);
    const std = float32Vector(b, t.normalization.std);
    b.startObject(2); // NormalizationOptions
    b.addFieldOffset(0, mean, 0);
    b.addFieldOffset(1, std, 0);
    const options = b.endObject();
    b.startObject(2); // ProcessUnit
    b.addFieldInt8(0, ProcessUnitOptionsType.NormalizationOptions, 0);
    b.addFieldOffset(1, options, 0);
    processUnits = offsetVector(b, [b.endObject()]);
  }
  let stats = 0;
  if (t.range !== undefined) {
    const max = float32Vector(b, t.range.max);
    const min = float32Vector(b, t.range.min);
    b.startObject(2); // Stats
    b.addFieldOffset(0, max, 0);
    b.addFieldOffset(1, min, 0);
    stats = b.endObject();
  }
  const files = t.associatedFiles === undefined ? 0 : offsetVector(b, t.associatedFiles.map((f) => associatedFile(b, f)));
  b.startObject(7); // TensorMetadata
  b.addFieldOffset(0, name, 0);
  b.addFieldOffset(1, description, 0);
  b.addFieldOffset(3, content, 0);
  b.addFieldOffset(4, processUnits, 0);
  b.addFieldOffset(5, stats, 0);
  b.addFieldOffset(6, files, 0);
  return b.endObject();
}

function contentTable(b: Builder, content: NonNullable<TensorMetadataSpec['content']>): Offset {
  let type: number;
  let properties: Offset;
  if (content.kind === 'image') {
    b.startObject(2); // ImageProperties
    b.addFieldInt8(0, COLOR_SPACE_NAMES.indexOf(content.colorSpace ?? 'RGB'), 0);
    properties = b.endObject();
    type = ContentPropertiesType.ImageProperties;
  } else {
    b.startObject(0); // FeatureProperties
    properties = b.endObject();
    type = ContentPropertiesType.FeatureProperties;
  }
  b.startObject(3); // Content
  b.addFieldInt8(0, type, 0);
  b.addFieldOffset(1, properties, 0);
  return b.endObject();
}

function associatedFile(b: Builder, f: AssociatedFileSpec): Offset {
  const name = b.createString(f.name);
  const description = optionalString(b, f.description);
  const locale = optionalString(b, f.locale);
  b.startObject(4); // AssociatedFile
  b.addFieldOffset(0, name, 0);
  b.addFieldOffset(1, description, 0);
  b.addFieldInt8(2, ASSOCIATED_FILE_TYPE_NAMES.indexOf(f.type), 0);
  b.addFieldOffset(3, locale, 0);
  return b.endObject();
}
