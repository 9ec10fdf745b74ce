// A bounds-checked view of a flatbuffer. flatbuffers' ByteBuffer reads past the end as 0
// (it indexes a Uint8Array), so every position is checked here before it is read, and every
// failure goes to one FormatFailure that names the file and what was being read.
// Layout reference: https://flatbuffers.dev/internals/ (tables, vtables, vectors, unions).
import { ByteBuffer } from 'flatbuffers';
import type { FormatFailure } from './errors.js';

/** A validated table: its position, its vtable and a label for error messages. */
export interface FlatTable {
  readonly pos: number;
  readonly vtable: number;
  readonly vtableSize: number;
  readonly inlineSize: number;
  readonly what: string;
}

/** A validated vector: position of element 0 and element count. */
export interface FlatVector {
  readonly start: number;
  readonly length: number;
}

const UTF8 = new TextDecoder('utf-8');

/** Reads tables of one flatbuffer, checking every offset against the buffer size. */
export class FlatReader {
  private readonly bb: ByteBuffer;
  readonly size: number;
  // Vector elements may overlap in a hostile file (many entries pointing at one big table);
  // a budget of element reads proportional to the file size keeps reading linear.
  private budget: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly fail: FormatFailure,
  ) {
    this.bb = new ByteBuffer(bytes);
    this.size = bytes.length;
    this.budget = 4 * bytes.length + 1_000_000;
  }

  /** The 4-character file identifier at bytes 4..8 (shown with escapes if not printable). */
  identifier(): string {
    if (this.size < 8) this.fail(`truncated: ${this.size} bytes, a flatbuffer needs at least 8`);
    let id = '';
    for (let i = 4; i < 8; i++) {
      const c = this.bytes[i] ?? 0;
      id += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
    }
    return id;
  }

  /** The root table (uoffset at byte 0). */
  root(what: string): FlatTable {
    this.need(0, 4, 'root offset');
    return this.table(this.bb.readUint32(0), what);
  }

  /** Validates the table at `pos` and its vtable. */
  table(pos: number, what: string): FlatTable {
    if (pos < 0 || pos + 4 > this.size) this.fail(`truncated: table ${what} at offset ${pos} beyond end (size ${this.size})`);
    const vtable = pos - this.bb.readInt32(pos);
    if (vtable < 0 || vtable + 4 > this.size) {
      this.fail(`corrupt: vtable of ${what} at offset ${vtable} outside the file (size ${this.size})`);
    }
    const vtableSize = this.bb.readUint16(vtable);
    const inlineSize = this.bb.readUint16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0 || vtable + vtableSize > this.size) {
      this.fail(`corrupt: vtable of ${what} at offset ${vtable} has invalid size ${vtableSize}`);
    }
    if (inlineSize < 4 || pos + inlineSize > this.size) {
      this.fail(`truncated: table ${what} at offset ${pos} (${inlineSize} bytes) beyond end (size ${this.size})`);
    }
    return { pos, vtable, vtableSize, inlineSize, what };
  }

  /** Absolute position of field `index` of `t` holding `width` bytes inline, or 0 if absent. */
  field(t: FlatTable, index: number, width: number): number {
    const slot = 4 + 2 * index;
    if (slot + 2 > t.vtableSize) return 0;
    const off = this.bb.readUint16(t.vtable + slot);
    if (off === 0) return 0;
    if (off + width > t.inlineSize) this.fail(`corrupt: field ${index} of ${t.what} lies outside its table`);
    return t.pos + off;
  }

  int8(t: FlatTable, index: number, def: number): number {
    const p = this.field(t, index, 1);
    return p === 0 ? def : this.bb.readInt8(p);
  }

  uint8(t: FlatTable, index: number, def: number): number {
    const p = this.field(t, index, 1);
    return p === 0 ? def : this.bb.readUint8(p);
  }

  bool(t: FlatTable, index: number, def: boolean): boolean {
    const p = this.field(t, index, 1);
    return p === 0 ? def : this.bb.readUint8(p) !== 0;
  }

  int32(t: FlatTable, index: number, def: number): number {
    const p = this.field(t, index, 4);
    return p === 0 ? def : this.bb.readInt32(p);
  }

  uint32(t: FlatTable, index: number, def: number): number {
    const p = this.field(t, index, 4);
    return p === 0 ? def : this.bb.readUint32(p);
  }

  float32(t: FlatTable, index: number, def: number): number {
    const p = this.field(t, index, 4);
    return p === 0 ? def : this.bb.readFloat32(p);
  }

  uint64(t: FlatTable, index: number, def: bigint): bigint {
    const p = this.field(t, index, 8);
    return p === 0 ? def : this.bb.readUint64(p);
  }

  /** Target of the uoffset field `index`, or 0 if absent. */
  private target(t: FlatTable, index: number): number {
    const p = this.field(t, index, 4);
    if (p === 0) return 0;
    const target = p + this.bb.readUint32(p);
    if (target + 4 > this.size) {
      this.fail(`truncated: field ${index} of ${t.what} points at offset ${target} beyond end (size ${this.size})`);
    }
    return target;
  }

  /** Vector field with elements of `elementSize` bytes, or undefined if absent. */
  vector(t: FlatTable, index: number, elementSize: number): FlatVector | undefined {
    const target = this.target(t, index);
    if (target === 0) return undefined;
    const length = this.bb.readUint32(target);
    const start = target + 4;
    if (start + length * elementSize > this.size) {
      this.fail(`truncated: vector field ${index} of ${t.what} (${length} x ${elementSize} bytes at offset ${start}) beyond end (size ${this.size})`);
    }
    return { start, length };
  }

  string(t: FlatTable, index: number): string | undefined {
    const v = this.vector(t, index, 1);
    return v === undefined ? undefined : UTF8.decode(this.bytes.subarray(v.start, v.start + v.length));
  }

  /** Sub-table field, or undefined if absent. */
  child(t: FlatTable, index: number, what: string): FlatTable | undefined {
    const target = this.target(t, index);
    return target === 0 ? undefined : this.table(target, what);
  }

  /** Vector-of-tables field; `what(i)` labels element i. Absent → []. */
  tables(t: FlatTable, index: number, what: (i: number) => string): FlatTable[] {
    const v = this.vector(t, index, 4);
    if (v === undefined) return [];
    this.spend(v.length);
    const out: FlatTable[] = [];
    for (let i = 0; i < v.length; i++) {
      const p = v.start + 4 * i;
      out.push(this.table(p + this.bb.readUint32(p), what(i)));
    }
    return out;
  }

  /** Vector-of-strings field. Absent → []. */
  strings(t: FlatTable, index: number): string[] {
    const v = this.vector(t, index, 4);
    if (v === undefined) return [];
    this.spend(v.length);
    const out: string[] = [];
    for (let i = 0; i < v.length; i++) {
      const p = v.start + 4 * i;
      const s = p + this.bb.readUint32(p);
      this.need(s, 4, `string ${i} of field ${index} of ${t.what}`);
      const len = this.bb.readUint32(s);
      this.need(s + 4, len, `string ${i} of field ${index} of ${t.what}`);
      out.push(UTF8.decode(this.bytes.subarray(s + 4, s + 4 + len)));
    }
    return out;
  }

  int32s(t: FlatTable, index: number): number[] | undefined {
    return this.numbers(t, index, 4, (p) => this.bb.readInt32(p));
  }

  float32s(t: FlatTable, index: number): number[] | undefined {
    return this.numbers(t, index, 4, (p) => this.bb.readFloat32(p));
  }

  /** int64 vector as numbers (exact up to 2^53, which covers zero points and sizes). */
  int64s(t: FlatTable, index: number): number[] | undefined {
    return this.numbers(t, index, 8, (p) => Number(this.bb.readInt64(p)));
  }

  /** ubyte vector as a view (no copy), or undefined if absent. */
  bytesOf(t: FlatTable, index: number): Uint8Array | undefined {
    const v = this.vector(t, index, 1);
    return v === undefined ? undefined : this.bytes.subarray(v.start, v.start + v.length);
  }

  private numbers(t: FlatTable, index: number, width: number, read: (p: number) => number): number[] | undefined {
    const v = this.vector(t, index, width);
    if (v === undefined) return undefined;
    this.spend(v.length);
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = read(v.start + width * i);
    return out;
  }

  private need(pos: number, length: number, what: string): void {
    if (pos < 0 || pos + length > this.size) {
      this.fail(`truncated: ${what} at offset ${pos} (${length} bytes) beyond end (size ${this.size})`);
    }
  }

  private spend(elements: number): void {
    this.budget -= elements;
    if (this.budget < 0) this.fail('corrupt: vectors overlap far more than the file size allows');
  }
}
