/** Channel names of a sensor source's samples, from its config: what windows carry and what the model sees. */
import type { SensorSourceConfig, SourceConfig } from '../../config/types.js';
import { sensorSourceKinds } from '../../config/schema-sensors.js';
import { serialChannels } from './line-parsers.js';

export function isSensorSource(config: SourceConfig): config is SensorSourceConfig {
  return (sensorSourceKinds as readonly string[]).includes(config.kind);
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
