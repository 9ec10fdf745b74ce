import { describe, expect, it } from 'vitest';
import { createLineParser, nmeaAddressMatches, nmeaLine, readNmea, serialChannels, type LineResult } from '../../../src/sources/series/line-parsers.js';

const values = (result: LineResult): number[] => {
  if (result.kind !== 'values') throw new Error(`expected values, got ${JSON.stringify(result)}`);
  return [...result.values];
};

/** Values as a Float32Array holds them (channel updates are float32, like the model's input). */
const f32 = (numbers: number[]): number[] => [...Float32Array.from(numbers)];

describe('CSV lines', () => {
  const parser = createLineParser({ format: 'csv', fields: ['t', '_', 'ax', 'ay'], delimiter: ',' });

  it('takes the named columns, skipping `_` ones, in field order', () => {
    expect(parser.channels).toEqual(['t', 'ax', 'ay']);
    expect(values(parser.parse('12, 99, 0.5, -1.25'))).toEqual([12, 0.5, -1.25]);
  });

  it('gives NaN for empty, missing or non-numeric cells and ignores extra columns', () => {
    expect(values(parser.parse('1,x,,2,7,8'))).toEqual([1, Number.NaN, 2]);
    expect(values(parser.parse('1,2'))).toEqual([1, Number.NaN, Number.NaN]);
    expect(values(parser.parse('nan,0,3e2,0x10'))).toEqual([Number.NaN, 300, Number.NaN]);
  });

  it('calls a line without any wanted number corrupt (a header line, garbage)', () => {
    expect(parser.parse('t,skip,ax,ay')).toEqual({ kind: 'corrupt', reason: 'no number in the columns 1, 3, 4' });
    expect(parser.parse('\u0000\u00ff')).toMatchObject({ kind: 'corrupt' });
  });

  it('splits on the configured delimiter', () => {
    const semi = createLineParser({ format: 'csv', fields: ['a', 'b'], delimiter: ';' });
    expect(values(semi.parse('1.5;2'))).toEqual([1.5, 2]);
  });
});

describe('JSON lines', () => {
  const parser = createLineParser({ format: 'json', fields: ['accel.x', 'accel.y', 'values.1', 'ok'], delimiter: ',' });

  it('follows dot paths into objects and arrays', () => {
    expect(parser.channels).toEqual(['accel.x', 'accel.y', 'values.1', 'ok']);
    expect(values(parser.parse('{"accel":{"x":0.5,"y":"-2"},"values":[9,8],"ok":true}'))).toEqual([0.5, -2, 8, 1]);
  });

  it('gives NaN for absent paths and values that are not numbers', () => {
    expect(values(parser.parse('{"accel":{"x":1,"y":null},"values":{}}'))).toEqual([1, Number.NaN, Number.NaN, Number.NaN]);
    expect(values(parser.parse('{"accel":{"x":1,"y":"high"}}'))).toEqual([1, Number.NaN, Number.NaN, Number.NaN]);
  });

  it('does not follow inherited keys', () => {
    const proto = createLineParser({ format: 'json', fields: ['a', 'constructor.length'], delimiter: ',' });
    expect(values(proto.parse('{"a":1}'))).toEqual([1, Number.NaN]);
  });

  it('takes the payload itself for an empty path', () => {
    const bare = createLineParser({ format: 'json', fields: [''], delimiter: ',' });
    expect(values(bare.parse('21.5'))).toEqual([21.5]);
  });

  it('calls bad JSON, or JSON without any wanted number, corrupt', () => {
    expect(parser.parse('{"accel":')).toEqual({ kind: 'corrupt', reason: 'not JSON' });
    expect(parser.parse('{"other":1}')).toEqual({ kind: 'corrupt', reason: 'no number at accel.x, accel.y, values.1, ok' });
  });
});

describe('NMEA 0183 sentences', () => {
  const gga = 'GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,';

  it('verifies the checksum: the XOR of the characters between $ and *', () => {
    // The classic example sentence from the NMEA documentation, checksum 47.
    expect(nmeaLine(gga)).toBe(`$${gga}*47`);
    expect(readNmea(`$${gga}*47`)).toEqual({ address: 'GPGGA', fields: gga.split(',').slice(1) });
    expect(readNmea(`$${gga}*46`)).toEqual({ reason: 'NMEA checksum mismatch: line says 46, content gives 47' });
    expect(readNmea(`$${gga.replace('545.4', '545.5')}*47`)).toMatchObject({ reason: expect.stringContaining('mismatch') });
    expect(readNmea(`$${gga}*4`)).toEqual({ reason: 'bad NMEA checksum field "*4"' });
  });

  it('accepts sentences without a checksum and rejects lines that are not sentences', () => {
    expect(readNmea('$WIMWV,214.8,R,0.1,K,A')).toEqual({ address: 'WIMWV', fields: ['214.8', 'R', '0.1', 'K', 'A'] });
    expect(readNmea('GPGGA,1,2')).toEqual({ reason: 'not an NMEA sentence (no leading $)' });
    expect(readNmea('$gp gga,1')).toEqual({ reason: 'bad NMEA address "gp gga"' });
  });

  it('matches a sentence name with any talker id, and a 5-letter name exactly', () => {
    expect(nmeaAddressMatches('GPGGA', 'GGA')).toBe(true);
    expect(nmeaAddressMatches('GNGGA', 'GGA')).toBe(true);
    expect(nmeaAddressMatches('GPGGA', 'GPGGA')).toBe(true);
    expect(nmeaAddressMatches('GNGGA', 'GPGGA')).toBe(false);
    expect(nmeaAddressMatches('GPRMC', 'GGA')).toBe(false);
    expect(nmeaAddressMatches('PGGA', 'GGA')).toBe(false);
  });

  it('SENTENCE.N picks the Nth field after the sentence name; other sentences leave their channels NaN', () => {
    const parser = createLineParser({ format: 'nmea', fields: ['GGA.9', 'GGA.7', 'RMC.7'], delimiter: ',' });
    expect(values(parser.parse(nmeaLine(gga)))).toEqual(f32([545.4, 8, Number.NaN]));
    expect(values(parser.parse(nmeaLine(gga.replace('GPGGA', 'GNGGA'))))).toEqual(f32([545.4, 8, Number.NaN]));
    const rmc = 'GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W';
    expect(values(parser.parse(nmeaLine(rmc)))).toEqual(f32([Number.NaN, Number.NaN, 22.4]));
  });

  it('ignores sentences no field asks for, and calls a bad checksum corrupt', () => {
    const parser = createLineParser({ format: 'nmea', fields: ['GGA.9'], delimiter: ',' });
    expect(parser.parse(nmeaLine('GPGSV,3,1,11,03,03,111,00'))).toEqual({ kind: 'ignored' });
    expect(parser.parse(`$${gga}*00`)).toMatchObject({ kind: 'corrupt' });
  });

  it('gives NaN for an empty field (no fix yet)', () => {
    const parser = createLineParser({ format: 'nmea', fields: ['GGA.9'], delimiter: ',' });
    expect(values(parser.parse(nmeaLine('GPGGA,123519,,,,,0,00,,,M,,M,,')))).toEqual([Number.NaN]);
  });
});

describe('serial channel names', () => {
  it('are the fields without skipped CSV columns', () => {
    expect(serialChannels({ format: 'csv', fields: ['_', 'a', '_', 'b'], delimiter: ',' })).toEqual(['a', 'b']);
    expect(serialChannels({ format: 'nmea', fields: ['GGA.9'], delimiter: ',' })).toEqual(['GGA.9']);
  });
});
