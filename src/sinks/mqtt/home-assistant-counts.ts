/**
 * Home Assistant discovery for the zone and line counts (counts.ts topics): per zone an occupancy binary sensor
 * and a count sensor per label; per line a sensor per label and direction (total_increasing). Each reads its
 * zone's or line's retained counts topic; a label seen for the first time adds its entities then.
 */
import type { CountsSnapshot } from '../../zones/counts.js';
import { discoveryDevice, discoveryId, type DiscoveryMessage } from './home-assistant.js';

export interface CountsDiscoveryOptions {
  prefix: string;
  device: string;
  pipeline: string;
  /** The counts topic of a zone or line. */
  countsTopic: (name: string) => string;
  availabilityTopic: string;
  version: string;
}

/** Jinja for `labels[label].<field>`, 0 while the label has not been seen. */
const labelValue = (label: string, field: string): string => {
  const key = JSON.stringify(label);
  return `{{ value_json.labels[${key}].${field} if ${key} in value_json.labels else 0 }}`;
};

/** Every discovery config for the zones, lines and labels of `snapshot`. */
export function countsDiscoveryMessages(snapshot: CountsSnapshot, options: CountsDiscoveryOptions): DiscoveryMessage[] {
  const node = discoveryId(`${options.device}_${options.pipeline}`);
  const device = discoveryDevice(options.device, options.version);
  const entity = (component: 'sensor' | 'binary_sensor', zoneOrLine: string, object: string, name: string, template: string, extra: Record<string, unknown>): DiscoveryMessage => {
    const id = discoveryId(`${zoneOrLine}_${object}`);
    return {
      topic: `${options.prefix}/${component}/${node}/${id}/config`,
      config: {
        name: `${options.pipeline} ${zoneOrLine} ${name}`,
        unique_id: `edgepipe_${node}_${id}`,
        state_topic: options.countsTopic(zoneOrLine),
        value_template: template,
        availability_topic: options.availabilityTopic,
        payload_available: 'online',
        payload_not_available: 'offline',
        ...(component === 'binary_sensor' ? { payload_on: 'ON', payload_off: 'OFF' } : {}),
        ...extra,
        device,
        origin: { name: 'edgepipe', sw_version: options.version },
      },
    };
  };
  const out: DiscoveryMessage[] = [];
  for (const [zone, labels] of Object.entries(snapshot.zones)) {
    out.push(entity('binary_sensor', zone, 'occupied', 'occupied', "{{ 'ON' if value_json.occupied else 'OFF' }}", { device_class: 'occupancy' }));
    for (const label of Object.keys(labels)) {
      out.push(entity('sensor', zone, `${label}_count`, `${label} count`, labelValue(label, 'count'), { state_class: 'measurement' }));
    }
  }
  for (const [line, labels] of Object.entries(snapshot.lines)) {
    for (const label of Object.keys(labels)) {
      for (const direction of ['in', 'out'] as const) {
        out.push(entity('sensor', line, `${label}_${direction}`, `${label} ${direction}`, labelValue(label, direction), { state_class: 'total_increasing' }));
      }
    }
  }
  return out;
}
