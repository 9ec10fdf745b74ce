/**
 * The topics `edgepipe watch` subscribes to: the mqtt sink's default layout (docs/mqtt.md), predictions on
 * `edgepipe/{device}/{pipeline}/predictions` and the retained device status on `edgepipe/{device}/status`.
 */
import { topicLevelProblem } from '../sinks/mqtt/envelope.js';

export const TOPIC_PREFIX = 'edgepipe';

export interface WatchFilter {
  /** A device id, or undefined for every device. */
  device?: string;
  /** A pipeline name, or undefined for every pipeline. */
  pipeline?: string;
}

export interface Subscriptions {
  predictions: string;
  status: string;
}

/** Why `value` cannot be the `flag` filter (undefined when it can). */
export function filterProblem(flag: string, value: string): string | undefined {
  const problem = topicLevelProblem(value);
  return problem ? `${flag} "${value}" ${problem}: expected one MQTT topic level (a device id or pipeline name)` : undefined;
}

export function subscriptions(filter: WatchFilter): Subscriptions {
  const device = filter.device ?? '+';
  return {
    predictions: `${TOPIC_PREFIX}/${device}/${filter.pipeline ?? '+'}/predictions`,
    status: `${TOPIC_PREFIX}/${device}/status`,
  };
}

export type ParsedTopic =
  | { kind: 'predictions'; device: string; pipeline: string }
  | { kind: 'status'; device: string }
  | { kind: 'other' };

export function parseTopic(topic: string): ParsedTopic {
  const levels = topic.split('/');
  if (levels[0] !== TOPIC_PREFIX) return { kind: 'other' };
  if (levels.length === 4 && levels[3] === 'predictions') return { kind: 'predictions', device: levels[1]!, pipeline: levels[2]! };
  if (levels.length === 3 && levels[2] === 'status') return { kind: 'status', device: levels[1]! };
  return { kind: 'other' };
}
