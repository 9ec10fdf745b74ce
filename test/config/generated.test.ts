/**
 * schema/pipeline.schema.json and docs/configuration.md are generated from the schema DSL and committed; these
 * tests fail while they are out of date. Regenerate with: npm run build && node dist/config/write-generated.js
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configurationDocPath, renderConfigurationDoc } from '../../src/config/docs.js';
import { redactedConfigDump } from '../../src/config/dump.js';
import { jsonSchemaErrors } from '../../src/config/json-schema-check.js';
import { jsonSchemaPath, pipelineJsonSchema, renderPipelineJsonSchema } from '../../src/config/json-schema.js';
import { loadConfigFiles } from '../../src/config/load.js';
import { packageRoot } from '../../src/runtime/paths.js';
import { brokenDir, validDir } from './helpers.js';

const regenerate = 'out of date: run `npm run build && node dist/config/write-generated.js` and commit the result';
const committed = (relative: string) => readFileSync(path.join(packageRoot(), relative), 'utf8');
const schema = pipelineJsonSchema();
const validFiles = readdirSync(validDir).map((name) => path.join(validDir, name));

describe('generated files', () => {
  it(`${jsonSchemaPath} is current`, () => {
    expect(committed(jsonSchemaPath), `${jsonSchemaPath} is ${regenerate}`).toBe(renderPipelineJsonSchema());
  });

  it(`${configurationDocPath} is current`, () => {
    expect(committed(configurationDocPath), `${configurationDocPath} is ${regenerate}`).toBe(renderConfigurationDoc());
  });

  it('the docs describe every field of every section', () => {
    const doc = renderConfigurationDoc();
    for (const field of ['top_k', 'max_fps', 'stats_interval_s', 'label_offset', 'pad_colour', 'max_bytes', 'timeout_ms', 'reprobe_s', 'max_detections', 'min_fraction', 'mask_dir']) {
      expect(doc).toMatch(new RegExp(`^\\| \`${field}\` \\| `, 'm'));
    }
    expect(doc).toContain('| `top_k` | an integer between 1 and 1000 | `5` | How many of the best classes to report. |');
    expect(doc).toContain('| `size` | an integer between 1 and 10000 | `1` with policy `latest`, `8` with policy `queue` |');
  });
});

describe('the JSON Schema', () => {
  it('is draft-07 and describes every property', () => {
    expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    const missing: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${at}[${i}]`));
      else if (node && typeof node === 'object') {
        const record = node as Record<string, unknown>;
        if (record['properties']) {
          for (const [key, property] of Object.entries(record['properties'] as Record<string, Record<string, unknown>>)) {
            if (typeof property['description'] !== 'string') missing.push(`${at}.${key}`);
          }
        }
        for (const [key, child] of Object.entries(record)) if (key !== 'default' && key !== 'examples') walk(child, `${at}.${key}`);
      }
    };
    walk(schema, '$');
    expect(missing).toEqual([]);
  });

  it('accepts the valid examples, and the dumps of their effective configuration', async () => {
    for (const file of validFiles) {
      expect(jsonSchemaErrors(schema, parse(readFileSync(file, 'utf8'))), file).toEqual([]);
      const [config] = await loadConfigFiles([file]);
      expect(jsonSchemaErrors(schema, parse(redactedConfigDump(config!))), file).toEqual([]);
    }
  });

  it('rejects what the loader rejects, field by field', () => {
    const cases: Record<string, string[]> = {
      'top-k-zero': ['$.pipelines[0].postprocess.top_k: expected at least 1, got 0'],
      'misspelt-top-level': ['$.pipelines: missing', '$.pipeline: not allowed'],
      'missing-version': ['$.version: missing'],
      'wrong-version': ['$.version: expected 1, got 2'],
      'enum-typo': ['$.pipelines[0].preprocess.resize: expected one of "fill", "contain", "cover", got "strech"'],
      'pad-colour-short': ['$.pipelines[0].preprocess.pad_colour: expected at least 3 items, got 2'],
      'sinks-empty': ['$.pipelines[0].sinks: expected at least 1 item, got 0'],
      'name-with-spaces': ['$.pipelines[0].name: expected a match for /^[a-z0-9][a-z0-9_-]{0,62}$/, got "Front Door"'],
      'delegates-repeated': ['$.pipelines[0].model.delegates: expected unique items, got "xnnpack" at [0] and [2]'],
      'std-zero': ['$.pipelines[0].preprocess.std[0]: expected more than 0, got 0'],
      'threads-word': ['$.pipelines[0].model.threads: expected "auto", got "Auto"'],
      'misplaced-field': ['$.pipelines[0].top_k: not allowed'],
    };
    for (const [name, errors] of Object.entries(cases)) {
      expect(jsonSchemaErrors(schema, parse(readFileSync(path.join(brokenDir, `${name}.yaml`), 'utf8'))), name).toEqual(errors);
    }
  });
});
