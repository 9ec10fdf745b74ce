/**
 * The effective configuration as YAML in the file's own format (snake_case keys, every default filled in, paths
 * absolute), for `config show`-style output and logs. Secrets (ConfigFile.secretPaths: `${file:...}` and
 * `${credential:...}` values, passwords, keys, tokens) are replaced by `<hidden>`.
 * A dump of a config without such values loads back to the same config.
 */
import { stringify } from 'yaml';
import type { Schema } from './schema-dsl.js';
import { configFileSchema } from './schema.js';
import type { ConfigFile } from './types.js';
import { camelCase } from './validate.js';

/** What secrets are replaced with. */
export const hiddenValue = '<hidden>';

/** YAML text of `config` (a leading comment names the file); secrets hidden. */
export function redactedConfigDump(config: ConfigFile): string {
  const secrets = new Set(config.secretPaths);
  const body = toYamlForm(configFileSchema, config, '', secrets);
  const note = secrets.size > 0 ? ` Secrets are shown as ${hiddenValue}.` : '';
  return `# Effective configuration of ${config.file}: defaults filled in, paths absolute.${note}\n${stringify(body, { lineWidth: 0 })}`;
}

/** A validated value back in YAML form (snake_case keys), walking the schema alongside. */
function toYamlForm(schema: Schema, value: unknown, objPath: string, secrets: ReadonlySet<string>): unknown {
  if (secrets.has(objPath)) return hiddenValue;
  const record = (value ?? {}) as Record<string, unknown>;
  const join = (key: string): string => (objPath ? `${objPath}.${key}` : key);
  switch (schema.type) {
    case 'list':
      return (value as unknown[]).map((item, i) => toYamlForm(schema.items, item, `${objPath}[${i}]`, secrets));
    case 'union': {
      const kind = String(record['kind']);
      const variant = schema.variants[kind];
      return variant ? { kind, ...(toYamlForm(variant, value, objPath, secrets) as object) } : value;
    }
    case 'object': {
      // Written back in the short form when only the shorthand field is set, as it may have been written.
      const keys = Object.keys(record).filter((key) => record[key] !== undefined);
      if (schema.shorthand !== undefined && keys.length === 1 && keys[0] === camelCase(schema.shorthand)) {
        return toYamlForm(schema.fields[schema.shorthand]!, record[keys[0]], join(keys[0]), secrets);
      }
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(schema.fields)) {
        const camel = camelCase(key);
        if (record[camel] !== undefined) out[key] = toYamlForm(field, record[camel], join(camel), secrets);
      }
      return out;
    }
    default:
      return value;
  }
}
