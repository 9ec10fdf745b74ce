/**
 * The binary layout of an IIO buffer (Documentation/ABI/testing/sysfs-bus-iio, "scan_elements"): each enabled
 * channel's `in_<ch>_type` reads `[be|le]:[s|u]<bits>/<storagebits>[X<repeat>]>><shift>`; a scan holds the enabled
 * channels in `_index` order, each aligned to its own storage size, the scan padded to the largest one.
 */

export interface ScanType {
  littleEndian: boolean;
  signed: boolean;
  /** Significant bits. */
  bits: number;
  /** Bits the value occupies in the buffer (8, 16, 32 or 64). */
  storageBits: number;
  repeat: number;
  shift: number;
}

export interface ScanElement {
  name: string;
  index: number;
  type: ScanType;
}

export interface ScanLayout {
  /** Bytes per scan. */
  bytes: number;
  /** Byte offset of each element, in the order given to scanLayout. */
  offsets: number[];
}

const typePattern = /^(be|le):([su])(\d+)\/(\d+)(?:X(\d+))?>>(\d+)$/u;

/** The parsed `_type` text, or why it cannot be read. */
export function parseScanType(text: string): ScanType | { error: string } {
  const match = typePattern.exec(text.trim());
  if (!match) return { error: `expected [be|le]:[s|u]BITS/STORAGE>>SHIFT (e.g. le:s12/16>>4), read ${JSON.stringify(text.trim())}` };
  const [, endian, sign, bits, storage, repeat, shift] = match;
  const type: ScanType = {
    littleEndian: endian === 'le',
    signed: sign === 's',
    bits: Number(bits),
    storageBits: Number(storage),
    repeat: repeat === undefined ? 1 : Number(repeat),
    shift: Number(shift),
  };
  if (![8, 16, 32, 64].includes(type.storageBits)) return { error: `storage of ${type.storageBits} bits: expected 8, 16, 32 or 64` };
  if (type.bits < 1 || type.bits + type.shift > type.storageBits) {
    return { error: `${type.bits} bits shifted by ${type.shift} do not fit ${type.storageBits}-bit storage` };
  }
  return type;
}

/** Offsets of `elements` (sorted by index) in a scan and the scan's size, with the kernel's alignment rules. */
export function scanLayout(elements: readonly ScanElement[]): ScanLayout {
  let at = 0;
  let largest = 1;
  const offsets: number[] = [];
  for (const element of elements) {
    const bytes = element.type.storageBits / 8;
    at = Math.ceil(at / bytes) * bytes;
    offsets.push(at);
    at += bytes * element.type.repeat;
    largest = Math.max(largest, bytes);
  }
  return { bytes: Math.ceil(at / largest) * largest, offsets };
}

/** The raw integer of one element (its first repeat) at `offset`: shifted, masked and sign-extended. */
export function readScanValue(scan: Buffer, offset: number, type: ScanType): number {
  if (type.storageBits === 64) {
    const word = type.littleEndian ? scan.readBigUInt64LE(offset) : scan.readBigUInt64BE(offset);
    const value = BigInt.asUintN(type.bits, word >> BigInt(type.shift));
    return Number(type.signed ? BigInt.asIntN(type.bits, value) : value);
  }
  const word =
    type.storageBits === 8
      ? scan.readUInt8(offset)
      : type.storageBits === 16
        ? type.littleEndian ? scan.readUInt16LE(offset) : scan.readUInt16BE(offset)
        : type.littleEndian ? scan.readUInt32LE(offset) : scan.readUInt32BE(offset);
  // 32-bit integer arithmetic: bits + shift <= 32 here.
  const unused = 32 - type.bits;
  const shifted = word >>> type.shift;
  return type.signed ? (shifted << unused) >> unused : unused === 0 ? shifted >>> 0 : shifted & ((1 << type.bits) - 1);
}
