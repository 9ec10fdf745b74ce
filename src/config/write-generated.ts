/**
 * Regenerates the files derived from the schema DSL: schema/pipeline.schema.json and docs/configuration.md.
 * Run after changing src/config/schema*.ts: `npm run build && node dist/config/write-generated.js`
 * (test/config/generated.test.ts fails while they are out of date).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../runtime/paths.js';
import { configurationDocPath, renderConfigurationDoc } from './docs.js';
import { jsonSchemaPath, renderPipelineJsonSchema } from './json-schema.js';

for (const [relative, text] of [
  [jsonSchemaPath, renderPipelineJsonSchema()],
  [configurationDocPath, renderConfigurationDoc()],
] as const) {
  writeFileSync(path.join(packageRoot(), relative), text);
  process.stdout.write(`wrote ${relative}\n`);
}
