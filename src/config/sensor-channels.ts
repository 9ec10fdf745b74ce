/**
 * Channel names of a sensor source, derived from its config: what its windows carry, what the model sees, what the
 * config checks count. Pure config knowledge, so the schema's checks, the engine and the sources share it.
 */
import { sensorSourceKinds } from './schema-sensors.js';
import type { SensorSourceConfig, SerialSourceConfig, SourceConfig } from './types.js';

/** The CSV field that skips a column (schema-sensors.ts). */
export const SKIP_COLUMN = '_';

export function isSensorSource(config: SourceConfig): config is SensorSourceConfig {
  return (sensorSourceKinds as readonly string[]).includes(config.kind);
}

/** Channel names of a serial source: its fields without the skipped (`_`) CSV columns. */
export function serialChannels(config: Pick<SerialSourceConfig, 'format' | 'fields' | 'delimiter'>): string[] {
  return config.format === 'csv' ? config.fields.filter((field) => field !== SKIP_COLUMN) : [...config.fields];
}

export function sensorChannels(config: SensorSourceConfig): string[] {
  switch (config.kind) {
    case 'iio':
      return [...config.channels];
    case 'serial':
      return serialChannels(config);
    case 'mqtt':
      return config.fields.map((field) => field.name);
    case 'audio':
      return Array.from({ length: config.channels }, (_, c) => `ch${c}`);
  }
}
