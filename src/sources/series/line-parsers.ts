/**
 * One line of a serial sensor into one value per channel (a ChannelUpdate): CSV columns, JSON dot paths or NMEA
 * 0183 sentence fields. A value that is absent or not a number is missing (NaN, filled by the windowing); a line
 * that cannot be read at all (bad JSON, a wrong NMEA checksum, a CSV or JSON line without any wanted number) is
 * corrupt; an NMEA sentence no field asks for is ignored (GPS receivers send many kinds).
 */
import type { SerialSourceConfig } from '../../config/types.js';
import type { ChannelUpdate } from './resample.js';
import { SKIP_COLUMN, serialChannels } from '../../config/sensor-channels.js';

export type LineResult =
  | { kind: 'values'; values: ChannelUpdate }
  | { kind: 'corrupt'; reason: string }
  | { kind: 'ignored' };

export interface LineParser {
  /** Channel names in value order (skipped `_` CSV columns left out). */
  readonly channels: readonly string[];
  parse(line: string): LineResult;
}

type ParserConfig = Pick<SerialSourceConfig, 'format' | 'fields' | 'delimiter'>;

export function createLineParser(config: ParserConfig): LineParser {
  switch (config.format) {
    case 'csv':
      return csvParser(config.fields, config.delimiter);
    case 'json':
      return jsonParser(config.fields);
    case 'nmea':
      return nmeaParser(config.fields);
  }
}

export { SKIP_COLUMN, serialChannels } from '../../config/sensor-channels.js';

/** Plain decimal numbers only: `Number()` would also take '', '0x1f' and 'Infinity'. */
const decimal = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/u;

/** The number a text field holds, or NaN (absent, `nan`, text). */
export function parseDecimal(text: string): number {
  const trimmed = text.trim();
  return decimal.test(trimmed) ? Number(trimmed) : Number.NaN;
}

function csvParser(fields: readonly string[], delimiter: string): LineParser {
  const columns: number[] = [];
  fields.forEach((field, column) => {
    if (field !== SKIP_COLUMN) columns.push(column);
  });
  return {
    channels: serialChannels({ format: 'csv', fields: [...fields], delimiter }),
    parse(line) {
      const cells = line.split(delimiter);
      const values = new Float32Array(columns.length);
      let present = 0;
      columns.forEach((column, channel) => {
        const value = column < cells.length ? parseDecimal(cells[column]!) : Number.NaN;
        values[channel] = value;
        if (!Number.isNaN(value)) present += 1;
      });
      if (present === 0) return { kind: 'corrupt', reason: `no number in the ${describeColumns(columns)}` };
      return { kind: 'values', values };
    },
  };
}

function describeColumns(columns: readonly number[]): string {
  return columns.length === 1 ? `column ${columns[0]! + 1}` : `columns ${columns.map((c) => c + 1).join(', ')}`;
}

function jsonParser(fields: readonly string[]): LineParser {
  const paths = fields.map((field) => (field === '' ? [] : field.split('.')));
  return {
    channels: [...fields],
    parse(line) {
      let document: unknown;
      try {
        document = JSON.parse(line);
      } catch {
        return { kind: 'corrupt', reason: 'not JSON' };
      }
      const values = new Float32Array(paths.length);
      let present = 0;
      paths.forEach((path, channel) => {
        const value = numberAt(document, path);
        values[channel] = value;
        if (!Number.isNaN(value)) present += 1;
      });
      if (present === 0) return { kind: 'corrupt', reason: `no number at ${fields.join(', ')}` };
      return { kind: 'values', values };
    },
  };
}

/** The number at a dot path (`accel.x`, `values.0`); NaN when absent or not a number. Own keys only. */
export function numberAt(document: unknown, path: readonly string[]): number {
  let node = document;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return Number.NaN;
    node = (node as Record<string, unknown>)[key];
  }
  if (typeof node === 'number') return node;
  if (typeof node === 'boolean') return node ? 1 : 0;
  if (typeof node === 'string') return parseDecimal(node);
  return Number.NaN;
}

interface NmeaField {
  sentence: string;
  index: number;
}

function nmeaParser(fields: readonly string[]): LineParser {
  const wanted: NmeaField[] = fields.map((field) => {
    const dot = field.lastIndexOf('.');
    return { sentence: field.slice(0, dot), index: Number(field.slice(dot + 1)) };
  });
  return {
    channels: [...fields],
    parse(line) {
      const sentence = readNmea(line);
      if ('reason' in sentence) return { kind: 'corrupt', reason: sentence.reason };
      const values = new Float32Array(wanted.length).fill(Number.NaN);
      let matched = false;
      wanted.forEach((field, channel) => {
        if (!nmeaAddressMatches(sentence.address, field.sentence)) return;
        matched = true;
        const text = sentence.fields[field.index - 1];
        if (text !== undefined) values[channel] = parseDecimal(text);
      });
      return matched ? { kind: 'values', values } : { kind: 'ignored' };
    },
  };
}

/** A sentence's address (`GPGGA`) and its data fields (after the address, before the checksum). */
export interface NmeaSentence {
  address: string;
  fields: string[];
}

/**
 * Checks the framing and the checksum of one NMEA 0183 sentence: `$` or `!`, then the address and fields, then
 * `*hh`, the XOR of every character between the start and `*` in hex. The checksum is optional in NMEA 0183
 * (some simple sensors leave it out); when present it must match.
 */
export function readNmea(line: string): NmeaSentence | { reason: string } {
  const text = line.trim();
  if (!text.startsWith('$') && !text.startsWith('!')) return { reason: 'not an NMEA sentence (no leading $)' };
  const star = text.lastIndexOf('*');
  const body = star === -1 ? text.slice(1) : text.slice(1, star);
  if (star !== -1) {
    const given = text.slice(star + 1);
    if (!/^[0-9A-Fa-f]{2}$/u.test(given)) return { reason: `bad NMEA checksum field "*${given}"` };
    let sum = 0;
    for (let i = 0; i < body.length; i += 1) sum ^= body.charCodeAt(i);
    if (sum !== Number.parseInt(given, 16)) {
      return { reason: `NMEA checksum mismatch: line says ${given.toUpperCase()}, content gives ${hex2(sum)}` };
    }
  }
  const parts = body.split(',');
  const address = parts[0]!;
  if (!/^[A-Z0-9]{2,6}$/u.test(address)) return { reason: `bad NMEA address "${address}"` };
  return { address, fields: parts.slice(1) };
}

/** `GGA` matches `GPGGA`, `GNGGA` ... (the two-letter talker id is ignored); a 5-letter name matches exactly. */
export function nmeaAddressMatches(address: string, sentence: string): boolean {
  return address === sentence || (address.length === sentence.length + 2 && address.endsWith(sentence));
}

const hex2 = (value: number): string => value.toString(16).toUpperCase().padStart(2, '0');

/** `$<body>*hh` with the right checksum (tests, simulators). */
export function nmeaLine(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) sum ^= body.charCodeAt(i);
  return `$${body}*${hex2(sum)}`;
}
