// Vector helpers over flatbuffers' Builder (which builds back to front, so elements are added
// last to first). Shared by the model and metadata writers.
import type { Builder, Offset } from 'flatbuffers';

export function int32Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i] ?? 0);
  return b.endVector();
}

export function float32Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i] ?? 0);
  return b.endVector();
}

export function int64Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i] ?? 0));
  return b.endVector();
}

/**
 * A [ubyte] vector whose first element is aligned to `alignment` bytes (TFLite buffers use 16), copied in one
 * block: Builder.addInt8 per byte is slow for megabytes of weights.
 */
export function byteVector(b: Builder, data: Uint8Array, alignment: number): Offset {
  b.startVector(1, data.length, alignment);
  const bb = b.dataBuffer();
  // After startVector the builder has room for `length` bytes below its current head.
  const head = bb.capacity() - b.offset() - data.length;
  bb.bytes().set(data, head);
  (b as unknown as { space: number }).space = head;
  return b.endVector();
}

export function offsetVector(b: Builder, offsets: readonly Offset[]): Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i] ?? 0);
  return b.endVector();
}

/** A string offset, or 0 (field absent) for undefined. */
export function optionalString(b: Builder, s: string | undefined): Offset {
  return s === undefined ? 0 : b.createString(s);
}
