/** IIO buffer scans: the `_type` grammar, the kernel's alignment rules, and value decoding. */
import { describe, expect, it } from 'vitest';
import { parseScanType, readScanValue, scanLayout, type ScanType } from '../../../src/sources/series/iio-scan.js';

const type = (text: string): ScanType => {
  const parsed = parseScanType(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
};

describe('IIO scan types', () => {
  it('parses the sysfs _type text', () => {
    expect(parseScanType('le:s12/16>>4\n')).toEqual({ littleEndian: true, signed: true, bits: 12, storageBits: 16, repeat: 1, shift: 4 });
    expect(parseScanType('be:u24/32X3>>0')).toEqual({ littleEndian: false, signed: false, bits: 24, storageBits: 32, repeat: 3, shift: 0 });
    expect(parseScanType('le:s12/12>>0')).toEqual({ error: 'storage of 12 bits: expected 8, 16, 32 or 64' });
    expect(parseScanType('le:s16/16>>4')).toEqual({ error: '16 bits shifted by 4 do not fit 16-bit storage' });
    expect(parseScanType('s16')).toMatchObject({ error: expect.stringContaining('read "s16"') });
  });

  it('decodes shifted, masked and sign-extended values in both byte orders', () => {
    const scan = Buffer.alloc(16);
    scan.writeInt16LE(-5 << 4, 0); // le:s12/16>>4 holding -5
    scan.writeUInt16BE(0xabcd, 2); // be:u16/16>>0
    scan.writeInt32LE(-123456, 4); // le:s32/32>>0
    scan.writeBigInt64LE(1_700_000_000_123_456_789n, 8); // the timestamp: le:s64/64>>0
    expect(readScanValue(scan, 0, type('le:s12/16>>4'))).toBe(-5);
    expect(readScanValue(scan, 0, type('le:u12/16>>4'))).toBe(4096 - 5);
    expect(readScanValue(scan, 2, type('be:u16/16>>0'))).toBe(0xabcd);
    expect(readScanValue(scan, 2, type('be:s16/16>>0'))).toBe(0xabcd - 0x10000);
    expect(readScanValue(scan, 4, type('le:s32/32>>0'))).toBe(-123456);
    expect(readScanValue(scan, 4, type('le:u32/32>>0'))).toBe(2 ** 32 - 123456);
    expect(readScanValue(scan, 8, type('le:s64/64>>0'))).toBe(Number(1_700_000_000_123_456_789n));
  });

  it('aligns each element to its storage size and pads the scan to the largest', () => {
    const elements = [
      { name: 'accel_x', index: 0, type: type('le:s12/16>>4') },
      { name: 'accel_y', index: 1, type: type('le:s12/16>>4') },
      { name: 'accel_z', index: 2, type: type('le:s12/16>>4') },
      { name: 'timestamp', index: 3, type: type('le:s64/64>>0') },
    ];
    // Three 2-byte values, the timestamp at the next multiple of 8: 16 bytes a scan (as the kernel docs show).
    expect(scanLayout(elements)).toEqual({ bytes: 16, offsets: [0, 2, 4, 8] });
    expect(scanLayout(elements.slice(0, 3))).toEqual({ bytes: 6, offsets: [0, 2, 4] });
    expect(scanLayout([{ name: 'a', index: 0, type: type('le:u8/8>>0') }, { name: 'b', index: 1, type: type('le:u32/32>>0') }])).toEqual({ bytes: 8, offsets: [0, 4] });
  });
});
