/**
 * Issue 11, points 3 and 9c: what the loader refuses to read and how fast. A 2 MB flow list took 23 s and 1 GB,
 * `${file:/dev/zero}` grew to 8.5 GB, a FIFO (as a `${file:}` or as the .yaml itself) hung the loader forever.
 */
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolateString } from '../../src/config/interpolate.js';
import { loadConfigFiles, parseConfig } from '../../src/config/load.js';
import { offsetPastNodeLimit, positionOf } from '../../src/config/yaml-node-count.js';
import { configError, guardedFifo, pipelineYaml, problemLines, tempDir } from './helpers.js';

const relative = (dir: string) => (line: string) => line.replaceAll(`${dir}/`, '');

describe('pipeline file size', () => {
  it('refuses a file over 1 MiB from its size alone, before reading it', async () => {
    const dir = tempDir();
    // A sparse 1 GiB file: reading it would take seconds and more memory than a string can hold.
    const huge = path.join(dir, 'huge.yaml');
    writeFileSync(huge, '');
    truncateSync(huge, 1024 ** 3);
    // The file: a 2 MB flow list of 1M items.
    const flow = path.join(dir, 'flow.yaml');
    writeFileSync(flow, `version: 1\npipelines: [${Array(1_000_000).fill('1').join(',')}]\n`);
    const started = performance.now();
    const error = await configError(() => loadConfigFiles([huge, flow]));
    expect(problemLines(error).map(relative(dir))).toEqual([
      'huge.yaml: the file is 1,073,741,824 bytes (1.0 GiB), more than the 1 MiB limit for a pipeline file',
      'flow.yaml: the file is 2,000,024 bytes (1.9 MiB), more than the 1 MiB limit for a pipeline file',
    ]);
    // Loosely: the old loader took 23 s on the flow list alone.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('reads a file of exactly 1 MiB and refuses one byte more', async () => {
    const dir = tempDir();
    const head = 'version: 1\npipelines: []\n# ';
    const exact = path.join(dir, 'exact.yaml');
    writeFileSync(exact, `${head}${'x'.repeat(1024 * 1024 - head.length - 1)}\n`);
    expect(await loadConfigFiles([exact])).toHaveLength(1);
    writeFileSync(exact, `${head}${'x'.repeat(1024 * 1024 - head.length)}\n`);
    const error = await configError(() => loadConfigFiles([exact]));
    expect(problemLines(error).map(relative(dir))).toEqual(['exact.yaml: the file is 1,048,577 bytes (1.0 MiB), more than the 1 MiB limit for a pipeline file']);
  });
});

describe('YAML node count', () => {
  it('refuses a flow list of 500,000 items under 1 MiB quickly, naming the limit and where it was passed', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'items.yaml');
    const text = `version: 1\npipelines: [${Array(500_000).fill('1').join(',')}]\n`;
    expect(text.length).toBeLessThan(1024 * 1024);
    writeFileSync(file, text);
    const started = performance.now();
    const error = await configError(() => loadConfigFiles([file]));
    // Nodes 1-4 are version, 1, pipelines and the list; item 99,997 is node 100,001, at column 12 + 2 * 99,996 + 1.
    expect(problemLines(error).map(relative(dir))).toEqual([
      'items.yaml:2:200005: the file has more than 100,000 YAML nodes (keys, values and list items), the limit for a pipeline file',
    ]);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('counts keys, values, list items and the empty values YAML reads between separators', () => {
    const nodes = (text: string): number => {
      for (let limit = 0; ; limit += 1) if (offsetPastNodeLimit(text, limit) === undefined) return limit;
    };
    expect(nodes('a: 1\nb: [x, y]\n')).toBe(6); // a, 1, b, the list, x, y
    expect(nodes('- \n-\n- a\n')).toBe(3); // two empty items and a
    expect(nodes('{a: 1, b: , c: "q"}')).toBe(7); // the map, a, 1, b, its empty value, c, "q"
    expect(nodes("k: |\n  text\nz: *a\nq: 'x'\n")).toBe(6); // an alias counts once here; its expansion while building
    expect(nodes('# only a comment\n')).toBe(0);
    expect(positionOf('ab\ncd\n', 4)).toEqual({ line: 2, col: 2 });
  });

  it('lists the first 100 problems of a file and counts the rest', async () => {
    const text = `version: 1\npipelines: [${Array(150).fill('1').join(', ')}]\n`;
    const error = await configError(() => parseConfig('many.yaml', text));
    const lines = problemLines(error);
    expect(lines).toHaveLength(101);
    expect(lines[0]).toBe('many.yaml:2:13: pipelines[0]: expected a map of fields, received 1');
    expect(lines[100]).toBe('many.yaml: and 50 more problems in this file (the first 100 are listed)');
    expect(error.message.split('\n')[0]).toBe('101 problems in the configuration:');
  });
});

describe('${file:} and ${credential:} read small regular files only', () => {
  const why = (ref: string, dir: string) => {
    const result = interpolateString(ref, { env: { CREDENTIALS_DIRECTORY: dir }, dir });
    return 'errors' in result ? result.errors : result;
  };

  it('refuses /dev/zero, a folder and a FIFO at once, without reading them', () => {
    const dir = tempDir();
    guardedFifo(dir, 'pipe');
    mkdirSync(path.join(dir, 'folder'));
    expect(why('${file:/dev/zero}', dir)).toEqual(['${file:/dev/zero}: cannot read /dev/zero: it is a character device, not a regular file']);
    expect(why('${file:folder}', dir)).toEqual([`\${file:folder}: cannot read ${dir}/folder: it is a folder, not a regular file`]);
    expect(why('${file:pipe}', dir)).toEqual([`\${file:pipe}: cannot read ${dir}/pipe: it is a FIFO (named pipe), not a regular file`]);
    expect(why('${credential:pipe}', dir)).toEqual([`\${credential:pipe}: cannot read ${dir}/pipe: it is a FIFO (named pipe), not a regular file`]);
  });

  it('reads up to 64 KiB and refuses one byte more', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'token'), 'k'.repeat(64 * 1024));
    expect(interpolateString('${file:token}', { env: {}, dir })).toEqual({ text: 'k'.repeat(64 * 1024), refs: ['${file:token}'] });
    writeFileSync(path.join(dir, 'token'), 'k'.repeat(64 * 1024 + 1));
    expect(why('${file:token}', dir)).toEqual([
      `\${file:token}: cannot read ${dir}/token: it is 65,537 bytes (64.0 KiB), more than the 64 KiB limit for a \${file:} or \${credential:} value`,
    ]);
  });

  it('reports a FIFO reference at its value in the file', async () => {
    const dir = tempDir();
    guardedFifo(dir, 'pipe');
    const file = path.join(dir, 'door.yaml');
    writeFileSync(file, `version: 1\npipelines:\n${pipelineYaml('door', '    sinks: [{ kind: file, path: "${file:pipe}" }]\n')}`);
    const error = await configError(() => loadConfigFiles([file]));
    expect(problemLines(error).map(relative(dir))).toEqual([
      `door.yaml:7:33: pipelines[0].sinks[0].path: \${file:pipe}: cannot read pipe: it is a FIFO (named pipe), not a regular file`,
    ]);
  });
});

describe('pipeline files that are not regular files', () => {
  it('refuses a .yaml FIFO named directly, and FIFOs and folders with .yaml names in a folder', async () => {
    const dir = tempDir();
    const named = guardedFifo(dir, 'named.yaml');
    const folder = path.join(dir, 'pipelines.d');
    mkdirSync(path.join(folder, 'c.yaml'), { recursive: true });
    writeFileSync(path.join(folder, 'a.yaml'), 'version: 1\npipelines: []\n');
    guardedFifo(folder, 'b.yaml');
    const error = await configError(() => loadConfigFiles([named, folder]));
    expect(problemLines(error).map(relative(dir))).toEqual([
      'named.yaml: the file is a FIFO (named pipe), not a regular file',
      'pipelines.d/b.yaml: the file is a FIFO (named pipe), not a regular file',
      'pipelines.d/c.yaml: the file is a folder, not a regular file',
    ]);
  });
});
