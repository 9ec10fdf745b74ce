/**
 * What the MQTT source needs to read sensor messages: dot paths into parsed JSON (`accel.x`, `values.0`), numbers
 * out of what they find, and MQTT topic filters (`+`, `#`) to check that each field's topic can ever arrive.
 */

/** A compiled dot path: object keys, or array indexes where the segment is a non-negative integer. */
export type JsonPath = readonly string[];

/** Compiles `accel.x`; `''` (no path) is the payload itself. Returns a problem (for the config message) instead of throwing. */
export function compileJsonPath(path: string): JsonPath | { problem: string } {
  if (path === '') return [];
  const segments = path.split('.');
  if (segments.some((segment) => segment === '')) {
    return { problem: 'has an empty segment; expected keys or indexes separated by single dots, e.g. accel.x or values.0' };
  }
  return segments;
}

/** Follows `path` through objects and arrays; undefined where it leads nowhere. Never reads inherited properties. */
export function followPath(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/u.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/u;

/**
 * A channel value from what a path found: a number, a numeric string (many sensors publish `"21.5"`), or a
 * boolean as 1/0 (motion, door contacts). Anything else, or a value outside float32, is missing (NaN).
 */
export function numericValue(found: unknown): number {
  let value = Number.NaN;
  if (typeof found === 'number') value = found;
  else if (typeof found === 'boolean') value = found ? 1 : 0;
  else if (typeof found === 'string' && decimal.test(found.trim())) value = Number(found.trim());
  return Number.isFinite(Math.fround(value)) ? value : Number.NaN;
}

/** Why `filter` is not a valid MQTT topic filter, or undefined when it is. */
export function topicFilterProblem(filter: string): string | undefined {
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i += 1) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '`#` must be a whole level and the last one';
    if (level.includes('+') && level !== '+') return '`+` must be a whole level';
  }
  return undefined;
}

/** Whether the topic name `topic` matches the filter (MQTT 3.1.1/5 rules; `$` topics only match explicit filters). */
export function topicMatches(filter: string, topic: string): boolean {
  const filterLevels = filter.split('/');
  const topicLevels = topic.split('/');
  if (topic.startsWith('$') && (filterLevels[0] === '+' || filterLevels[0] === '#')) return false;
  for (let i = 0; i < filterLevels.length; i += 1) {
    const level = filterLevels[i]!;
    if (level === '#') return true;
    if (i >= topicLevels.length) return false;
    if (level !== '+' && level !== topicLevels[i]) return false;
  }
  return filterLevels.length === topicLevels.length;
}

export interface CompiledField {
  path: JsonPath;
  /** Only messages on this exact topic; undefined = any. */
  topic?: string;
}

/** What one message gave: values for every channel (NaN where absent), or why it gave none. */
export type MessageReading =
  | { kind: 'values'; values: Float32Array }
  /** No field takes values from this topic. */
  | { kind: 'unmatched' }
  /** Empty payload (a retained message being cleared): nothing to read, nothing wrong. */
  | { kind: 'empty' }
  | { kind: 'oversized' }
  | { kind: 'malformed' };

/** Per-topic field lists are cached; wildcard subscriptions can bring many topics, so the cache is bounded. */
const MAX_CACHED_TOPICS = 1024;

/** Reads each message's channel values: the payload is parsed once, whatever the number of fields. */
export class MessageReader {
  private readonly fields: readonly CompiledField[];
  private readonly maxPayloadBytes: number;
  private readonly byTopic = new Map<string, readonly number[]>();

  constructor(fields: readonly CompiledField[], maxPayloadBytes: number) {
    this.fields = fields;
    this.maxPayloadBytes = maxPayloadBytes;
  }

  read(topic: string, payload: Buffer): MessageReading {
    const indexes = this.fieldsOf(topic);
    if (indexes.length === 0) return { kind: 'unmatched' };
    if (payload.length === 0) return { kind: 'empty' };
    if (payload.length > this.maxPayloadBytes) return { kind: 'oversized' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      return { kind: 'malformed' };
    }
    const values = new Float32Array(this.fields.length).fill(Number.NaN);
    for (const index of indexes) values[index] = numericValue(followPath(parsed, this.fields[index]!.path));
    return { kind: 'values', values };
  }

  private fieldsOf(topic: string): readonly number[] {
    let indexes = this.byTopic.get(topic);
    if (indexes === undefined) {
      indexes = this.fields.flatMap((field, index) => (field.topic === undefined || field.topic === topic ? [index] : []));
      if (this.byTopic.size >= MAX_CACHED_TOPICS) this.byTopic.clear();
      this.byTopic.set(topic, indexes);
    }
    return indexes;
  }
}
