import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openZip, readModel, TfliteFormatError } from '../../src/tflite/index.js';
import { buildZip, concatBytes } from '../../src/tflite/zip-writer.js';
import { int8ConvAvgPoolSoftmax } from '../helpers/models.js';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

function zipError(bytes: Uint8Array): string {
  try {
    const zip = openZip(bytes, 'z.zip');
    zip?.entries.forEach((e) => zip.read(e.name));
  } catch (err) {
    if (err instanceof TfliteFormatError) return err.message;
    throw err;
  }
  throw new Error('expected a TfliteFormatError');
}

describe('openZip', () => {
  const files = [
    { name: 'a.txt', data: 'stored text', compression: 'store' as const },
    { name: 'dir/b.bin', data: new Uint8Array(5000).fill(7) },
    { name: 'ünïcode.txt', data: '' },
  ];
  const zip = buildZip(files, 0);

  it('lists and reads stored and deflated entries', () => {
    const archive = openZip(zip);
    expect(archive?.entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ['a.txt', 'store', 11], ['dir/b.bin', 'deflate', 5000], ['ünïcode.txt', 'deflate', 0],
    ]);
    expect(archive?.entries[1]?.compressedSize).toBeLessThan(100);
    expect(text(archive?.read('a.txt'))).toBe('stored text');
    expect(archive?.read('dir/b.bin')).toEqual(new Uint8Array(5000).fill(7));
    expect(archive?.read('ünïcode.txt')).toEqual(new Uint8Array(0));
    expect(archive?.read('missing')).toBeUndefined();
  });

  it('returns undefined when there is no archive', () => {
    expect(openZip(new Uint8Array(0))).toBeUndefined();
    expect(openZip(new Uint8Array(100).fill(0x50))).toBeUndefined();
  });

  it('finds the end record before an archive comment', () => {
    const comment = new TextEncoder().encode('a comment');
    const withComment = concatBytes([zip, comment]);
    new DataView(withComment.buffer).setUint16(zip.length - 2, comment.length, true);
    expect(text(openZip(withComment)?.read('a.txt'))).toBe('stored text');
  });

  it('rejects zip64, encrypted and unsupported entries with a clear cause', () => {
    const zip64 = zip.slice();
    new DataView(zip64.buffer).setUint32(zip64.length - 6, 0xffffffff, true);
    expect(zipError(zip64)).toBe('z.zip: zip: zip64 archives are not supported');

    const central = Buffer.from(zip).indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const encrypted = zip.slice();
    new DataView(encrypted.buffer).setUint16(central + 8, 1, true);
    expect(zipError(encrypted)).toBe('z.zip: zip: "a.txt" is encrypted');
    const bzip2 = zip.slice();
    new DataView(bzip2.buffer).setUint16(central + 10, 12, true);
    expect(zipError(bzip2)).toBe('z.zip: zip: "a.txt" uses compression method 12 (only stored and deflate are supported)');
  });

  it('reports truncated and undecodable entries', () => {
    const shortDirectory = zip.slice();
    new DataView(shortDirectory.buffer).setUint32(shortDirectory.length - 10, 10_000, true);
    expect(zipError(shortDirectory)).toMatch(/^z\.zip: zip: central directory \(10000 bytes at offset \d+\) does not fit/);
    const garbled = zip.slice();
    const deflated = Buffer.from(garbled).indexOf('dir/b.bin') + 'dir/b.bin'.length;
    garbled.fill(0xff, deflated, deflated + 8);
    expect(zipError(garbled)).toMatch(/^z\.zip: zip: cannot inflate "dir\/b\.bin": /);
  });
});

const python = spawnSync('python3', ['--version']).status === 0;

describe.skipIf(!python)(python ? 'zip interoperability with Python zipfile' : 'zip interoperability — SKIPPED: python3 not found', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgepipe-zip-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a written .tflite is a zip archive other tools read', () => {
    const path = join(dir, 'model.tflite');
    writeFileSync(path, int8ConvAvgPoolSoftmax().bytes);
    const out = execFileSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); z.testzip(); print(z.read("labels.txt").decode(), end="")', path], { encoding: 'utf8' });
    expect(out).toBe('cat\ndog\nbird\nfish\n');
  });

  it('reads labels appended by Python zipfile in append mode, as the metadata populator does', () => {
    const model = int8ConvAvgPoolSoftmax();
    const info = readModel(model.bytes);
    const zipStart = openZip(model.bytes)?.entries[0]?.headerOffset ?? 0;
    const path = join(dir, 'appended.tflite');
    writeFileSync(path, model.bytes.subarray(0, zipStart));
    execFileSync('python3', ['-c', 'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "a", zipfile.ZIP_DEFLATED) as z: z.writestr("labels.txt", "p\\nq\\n")', path]);
    const appended = readModel(new Uint8Array(readFileSync(path)));
    expect(appended.metadata?.labels).toEqual(['p', 'q']);
    expect(appended.subgraphs).toEqual(info.subgraphs);
  });
});
