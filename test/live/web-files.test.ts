/**
 * The live view's static page (web/) without a browser: its weight, no CDN, no HTML built from strings, imports
 * that resolve, and the editor's YAML (web/yaml-snippet.js, run here in Node) accepted by the real config parser.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import { projectRoot } from '../helpers/shared-models.js';

const web = path.join(projectRoot, 'web');
const files = readdirSync(web, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => path.relative(web, path.join(entry.parentPath, entry.name)));
const scripts = files.filter((f) => f.endsWith('.js'));

interface Shape {
  kind: 'zone' | 'line' | 'track-mask' | 'motion-mask';
  name: string;
  units: 'pixels' | 'fraction';
  points: Array<[number, number]>;
  frame: { width: number; height: number };
}
interface SnippetModule {
  snippet(shape: Shape): string;
  insertShape(text: string, pipeline: string, shape: Shape): { text?: string; error?: string };
}
const load = async (): Promise<SnippetModule> => (await import(pathToFileURL(path.join(web, 'yaml-snippet.js')).href)) as SnippetModule;

describe('web/ as shipped', () => {
  it('weighs under 200 KB in all', () => {
    const total = files.reduce((sum, f) => sum + statSync(path.join(web, f)).size, 0);
    console.log(`web/: ${files.length} files, ${total} bytes`);
    expect(total).toBeLessThan(200 * 1024);
    expect(files).toContain('index.html');
  });

  it('loads nothing from another origin and never builds HTML from strings', () => {
    for (const file of files.filter((f) => /\.(js|html|css)$/.test(f))) {
      const text = readFileSync(path.join(web, file), 'utf8');
      expect(text, file).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
      expect(text, file).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//i);
      if (file.endsWith('.js')) {
        expect(text, file).not.toMatch(/\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/);
      }
    }
    // No inline script or style: the server's Content-Security-Policy (default-src 'self') would block them.
    const html = readFileSync(path.join(web, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('imports only its own files, which exist', () => {
    for (const file of scripts) {
      const text = readFileSync(path.join(web, file), 'utf8');
      for (const [, target] of text.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)) {
        expect(target, `${file} imports ${target}`).toMatch(/^\.\/[a-z0-9-]+\.js$/);
        expect(files, `${file} imports ${target}`).toContain(target!.slice(2));
      }
    }
  });
});

const pipelineYaml = `version: 1
pipelines:
  - name: door
    source:
      kind: synthetic
      width: 640
      height: 480
    model:
      file: /models/detector.tflite
    postprocess:
      kind: detect-ssd
    track:
      classes: [person]
    sinks:
      - kind: stdout
`;

function problems(text: string): string[] {
  try {
    parseConfig('/tmp/door.yaml', text);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.line}:${p.path}: ${p.message}`);
    throw error;
  }
}

describe("the editor's YAML (web/yaml-snippet.js)", () => {
  const frame = { width: 640, height: 480 };
  const square: Array<[number, number]> = [[64, 48], [320, 48], [320, 240], [64, 240]];

  it('writes zones, lines and masks in the pipeline vocabulary, in pixels or fractions', async () => {
    const { snippet } = await load();
    expect(snippet({ kind: 'zone', name: 'doorway', units: 'pixels', points: [[64.4, 48.6], [320, 48], [700, -3]], frame })).toBe(
      'zones:\n  - name: doorway\n    points: [[64, 49], [320, 48], [640, 0]]',
    );
    expect(snippet({ kind: 'line', name: 'gate', units: 'fraction', points: [[0, 240], [640, 240]], frame })).toBe(
      'lines:\n  - name: gate\n    units: fraction\n    points: [[0, 0.5], [1, 0.5]]',
    );
    expect(snippet({ kind: 'track-mask', name: 'ignored', units: 'pixels', points: square, frame })).toBe(
      'track:\n  masks:\n    - points: [[64, 48], [320, 48], [320, 240], [64, 240]]',
    );
    expect(snippet({ kind: 'motion-mask', name: 'Tree 1', units: 'pixels', points: square, frame })).toBe(
      'motion:\n  masks:\n    - name: "Tree 1"\n      points: [[64, 48], [320, 48], [320, 240], [64, 240]]',
    );
  });

  it('inserts each kind into a pipeline file so that the config parser accepts it', async () => {
    const { insertShape } = await load();
    expect(problems(pipelineYaml)).toEqual([]);
    let text = pipelineYaml;
    for (const shape of [
      { kind: 'zone', name: 'doorway', units: 'pixels', points: square, frame },
      { kind: 'zone', name: 'yard', units: 'fraction', points: square, frame },
      { kind: 'line', name: 'gate', units: 'pixels', points: [[0, 400], [640, 400]], frame },
      { kind: 'motion-mask', name: 'tree', units: 'fraction', points: square, frame },
      { kind: 'track-mask', name: '', units: 'pixels', points: square, frame },
    ] as Shape[]) {
      const result = insertShape(text, 'door', shape);
      expect(result.error).toBeUndefined();
      text = result.text!;
      expect(problems(text), text).toEqual([]);
    }
    expect(text).toContain('    zones:\n      - name: doorway\n        points: [[64, 48], [320, 48], [320, 240], [64, 240]]\n      - name: yard\n        units: fraction\n');
    expect(text).toContain('    track:\n      classes: [person]\n      masks:\n        - points: [[64, 48], [320, 48], [320, 240], [64, 240]]\n');
    // A section written on one line cannot take another key: the editor says so instead of breaking the file.
    const flow = pipelineYaml.replace('    track:\n      classes: [person]\n', '    track: { classes: [person] }\n');
    expect(problems(flow)).toEqual([]);
    expect(insertShape(flow, 'door', { kind: 'track-mask', name: '', units: 'pixels', points: square, frame }).error).toBe(
      '"track" of pipeline "door" is written on one line ({ classes: [person] }): paste the lines by hand',
    );
    expect(insertShape(text, 'hall', { kind: 'zone', name: 'a', units: 'pixels', points: square, frame }).error).toBe('the file has no pipeline named "hall"');
  });

  it('a broken zone is reported by the parser at the inserted line', async () => {
    const { insertShape } = await load();
    const text = insertShape(pipelineYaml, 'door', { kind: 'zone', name: 'doorway', units: 'pixels', points: [[0, 0], [100, 100], [0, 100], [100, 0]], frame }).text!;
    const line = text.split('\n').findIndex((l) => l.includes('points: [[0, 0], [100, 100]')) + 1;
    expect(problems(text)).toEqual([expect.stringMatching(new RegExp(`^${line}:pipelines\\[0\\]\\.zones\\[0\\]\\.points: the polygon crosses itself`))]);
  });
});
