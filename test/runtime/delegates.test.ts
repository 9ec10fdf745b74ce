import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MAX_DESCRIPTOR_BYTES, builtinDelegatesDir, loadDelegateDescriptors, locateDelegateLibrary, parseDelegateDescriptor,
} from '../../src/runtime/delegates.js';

describe('delegate descriptors', () => {
  it('ships xnnpack, edgetpu, vx, armnn, gpu and qnn, all valid', () => {
    const descriptors = loadDelegateDescriptors([builtinDelegatesDir]);
    expect([...descriptors.keys()].sort()).toEqual(['armnn', 'edgetpu', 'gpu', 'qnn', 'vx', 'xnnpack']);
    expect(descriptors.get('xnnpack')).toMatchObject({ abi: 'xnnpack', options: { int8: true, uint8: false } });
    expect(descriptors.get('edgetpu')).toMatchObject({ abi: 'plugin', customOp: 'edgetpu-custom-op' });
    expect(descriptors.get('edgetpu')!.library!.names).toContain('libedgetpu.so.1');
    expect(descriptors.get('gpu')).toMatchObject({ abi: 'gpu-v2', cache: { option: 'serialization_dir', tokenOption: 'model_token' } });
    expect(descriptors.get('vx')!.cache).toMatchObject({ option: 'cache_file_path', file: true });
    for (const d of descriptors.values()) {
      if (d.abi !== 'xnnpack') {
        expect(d.library!.searchPaths['arm64']!.length).toBeGreaterThan(0);
        expect(d.library!.searchPaths['x64']!.length).toBeGreaterThan(0);
      }
    }
  });

  it('reports every problem of a bad descriptor with file:line:col, the field, the value and what was expected', () => {
    const text = ['version: 2', 'name: tpu', 'abi: magic', 'options:', '  device: [1, 2]', ''].join('\n');
    expect(() => parseDelegateDescriptor('tpu.yaml', text)).toThrow(
      [
        'tpu.yaml:1:10: version: expected 1 but received 2',
        'tpu.yaml:3:6: abi: expected one of xnnpack, plugin, gpu-v2 but received "magic"',
        'tpu.yaml:5:11: options.device: expected a string, number or boolean but received an array of 2',
      ].join('\n'),
    );
  });

  it('reports YAML syntax errors with their position', () => {
    expect(() => parseDelegateDescriptor('x.yaml', 'name: [unclosed\n')).toThrow(/^x\.yaml:\d+:\d+: /);
  });

  it('locates a library in the search paths for the architecture, or says where it looked', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-delegates-'));
    const descriptor = parseDelegateDescriptor('d.yaml', [
      'version: 1', 'name: fake', 'abi: plugin',
      'library:', '  names: [libfake.so.1]', `  search_paths:`, `    arm64: [${dir}]`, `    x64: [${dir}]`,
    ].join('\n'));
    expect(locateDelegateLibrary(descriptor)).toEqual({ missing: `library libfake.so.1 not found in ${dir}` });
    writeFileSync(path.join(dir, 'libfake.so.1'), '');
    expect(locateDelegateLibrary(descriptor)).toEqual({ path: path.join(dir, 'libfake.so.1') });
  });

  it('lets a later folder override a shipped descriptor by name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-delegates-'));
    writeFileSync(path.join(dir, 'xnnpack.yaml'), 'version: 1\nname: xnnpack\nabi: xnnpack\noptions:\n  uint8: true\n');
    const descriptors = loadDelegateDescriptors([builtinDelegatesDir, dir]);
    expect(descriptors.get('xnnpack')!.options).toEqual({ uint8: true });
    expect(descriptors.get('xnnpack')!.file).toBe(path.join(dir, 'xnnpack.yaml'));
  });

  it('refuses a FIFO or an oversized file among the descriptors instead of waiting on it or reading it all', () => {
    const fifoDir = mkdtempSync(path.join(tmpdir(), 'edgepipe-delegates-fifo-'));
    const fifo = path.join(fifoDir, 'npu.yaml');
    // mkfifo(1): Node has no API for it. A readFileSync of it would wait for a writer forever.
    execFileSync('mkfifo', [fifo]);
    expect(() => loadDelegateDescriptors([fifoDir])).toThrow(`${fifo}: cannot read this delegate descriptor: it is a FIFO (named pipe), not a regular file`);

    const bigDir = mkdtempSync(path.join(tmpdir(), 'edgepipe-delegates-big-'));
    const big = path.join(bigDir, 'npu.yaml');
    writeFileSync(big, `# ${'x'.repeat(MAX_DESCRIPTOR_BYTES)}\nversion: 1\n`);
    expect(() => loadDelegateDescriptors([bigDir])).toThrow(`${big}: cannot read this delegate descriptor: it is 65,550 bytes (64.0 KiB), more than the 64 KiB limit for a delegate descriptor`);
  });
});
