/**
 * Home Assistant MQTT discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery): retained
 * config messages at `<prefix>/<component>/<node_id>/<object_id>/config`, node_id `<device>_<pipeline>`, one per
 * entity, reading the predictions topic through `value_template` and the device status topic for availability.
 * They are left in place at stop (Home Assistant expects discovery to persist; the entities go unavailable with
 * the device status). Which entities depend on the result kind, known at the first prediction.
 */
import type { Result } from '../../core/result.js';

export interface DiscoveryOptions {
  prefix: string;
  device: string;
  pipeline: string;
  /** The predictions topic (state_topic). */
  stateTopic: string;
  /** The device status topic (`online` / `offline`). */
  availabilityTopic: string;
  /** Shown as the device's software version. */
  version: string;
}

export interface DiscoveryMessage {
  topic: string;
  config: Record<string, unknown>;
}

interface Entity {
  component: 'sensor' | 'binary_sensor';
  object: string;
  name: string;
  template: string;
  extra?: Record<string, unknown>;
}

const TOP = 'value_json.result.classes[0]';
const topLabel = `{{ (${TOP}.label if ${TOP}.label is defined else ${TOP}.index) if value_json.result.classes else 'none' }}`;
const latency: Entity = {
  component: 'sensor',
  object: 'latency',
  name: 'latency',
  template: '{{ value_json.latency_ms.total }}',
  extra: { unit_of_measurement: 'ms', state_class: 'measurement', entity_category: 'diagnostic' },
};

function entities(kind: Result['kind']): Entity[] {
  switch (kind) {
    case 'classify':
      return [
        { component: 'sensor', object: 'class', name: 'class', template: topLabel },
        { component: 'sensor', object: 'score', name: 'score', template: `{{ ${TOP}.score if value_json.result.classes else 0 }}`, extra: { state_class: 'measurement' } },
        latency,
      ];
    case 'detect':
      return [
        { component: 'sensor', object: 'objects', name: 'objects', template: '{{ value_json.result.objects | length }}', extra: { state_class: 'measurement' } },
        { component: 'binary_sensor', object: 'presence', name: 'presence', template: "{{ 'ON' if value_json.result.objects | length > 0 else 'OFF' }}", extra: { device_class: 'occupancy' } },
        latency,
      ];
    case 'segment':
      return [{ component: 'sensor', object: 'class', name: 'class', template: topLabel }, latency];
    case 'pose':
      return [
        {
          component: 'binary_sensor',
          object: 'presence',
          name: 'presence',
          template: "{{ 'ON' if value_json.result.keypoints | selectattr('visible') | list | length > 0 else 'OFF' }}",
          extra: { device_class: 'occupancy' },
        },
        latency,
      ];
    case 'scalar':
      return [
        { component: 'sensor', object: 'value', name: 'value', template: '{{ value_json.result.value }}', extra: { state_class: 'measurement' } },
        { component: 'binary_sensor', object: 'anomaly', name: 'anomaly', template: "{{ 'ON' if value_json.result.anomaly else 'OFF' }}", extra: { device_class: 'problem' } },
        latency,
      ];
  }
}

/** Characters Home Assistant accepts in node and object ids: others become `_`. */
export const discoveryId = (text: string): string => text.replace(/[^A-Za-z0-9_-]/gu, '_');

/** The `device` block every entity of `device` carries (Home Assistant groups them by it). */
export function discoveryDevice(device: string, version: string): Record<string, unknown> {
  return { identifiers: [`edgepipe_${discoveryId(device)}`], name: `edgepipe ${device}`, manufacturer: 'edgepipe', model: 'edge inference runtime', sw_version: version };
}

/** The discovery configs for a pipeline whose results are of `kind`. */
export function discoveryMessages(kind: Result['kind'], options: DiscoveryOptions): DiscoveryMessage[] {
  const node = discoveryId(`${options.device}_${options.pipeline}`);
  const device = discoveryDevice(options.device, options.version);
  return entities(kind).map((entity) => ({
    topic: `${options.prefix}/${entity.component}/${node}/${entity.object}/config`,
    config: {
      name: `${options.pipeline} ${entity.name}`,
      unique_id: `edgepipe_${node}_${entity.object}`,
      state_topic: options.stateTopic,
      value_template: entity.template,
      availability_topic: options.availabilityTopic,
      payload_available: 'online',
      payload_not_available: 'offline',
      ...(entity.component === 'binary_sensor' ? { payload_on: 'ON', payload_off: 'OFF' } : {}),
      ...entity.extra,
      device,
      origin: { name: 'edgepipe', sw_version: options.version },
    },
  }));
}
