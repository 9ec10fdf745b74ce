/**
 * The corpus of broken files: each test/fixtures/config/broken/NAME.yaml is loaded alone and must fail with
 * exactly the lines of NAME.expected.txt (the fixture folder written as nothing, its parent as <fixtures>).
 * To add a case: write NAME.yaml and NAME.expected.txt by hand, and check the message reads well to a person.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFiles } from '../../src/config/load.js';
import { configDocsPointer } from '../../src/config/problems.js';
import { brokenDir, configError, fixturesDir, problemLines } from './helpers.js';

const env = { EDGEPIPE_TEST_SECRET: 'hunter2', HOME: '/home/tester' };
const cases = readdirSync(brokenDir)
  .filter((name) => name.endsWith('.yaml'))
  .sort();

describe('broken configuration corpus', () => {
  it('has at least 40 cases, each with its expected lines', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    const expected = readdirSync(brokenDir).filter((name) => name.endsWith('.expected.txt'));
    expect(expected.map((name) => name.replace('.expected.txt', '.yaml')).sort()).toEqual(cases);
  });

  it.each(cases)('%s', async (name) => {
    const error = await configError(() => loadConfigFiles([path.join(brokenDir, name)], { env }));
    const lines = problemLines(error).map((line) => line.replaceAll(`${brokenDir}/`, '').replaceAll(fixturesDir, '<fixtures>'));
    const expected = readFileSync(path.join(brokenDir, name.replace(/\.yaml$/, '.expected.txt')), 'utf8').trimEnd().split('\n');
    expect(lines).toEqual(expected);
    expect(error.message.split('\n')[0]).toBe(`${lines.length === 1 ? '1 problem' : `${lines.length} problems`} in the configuration:`);
    expect(error.message.split('\n').at(-1)).toBe(configDocsPointer);
    expect(error.code).toBe('ERR_CONFIG');
    expect(error.exitCode).toBe(2);
    expect(error.problems).toHaveLength(lines.length);
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify(error.problems)).not.toContain('hunter2');
    expect(error.message).not.toMatch(/\n\s+at /); // no stack frames in what the CLI prints
  });
});
