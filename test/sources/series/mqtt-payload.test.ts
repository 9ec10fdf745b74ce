/** Reading sensor messages: dot paths, numbers, topic filters and what one message gives. */
import { describe, expect, it } from 'vitest';
import {
  compileJsonPath,
  followPath,
  MessageReader,
  numericValue,
  topicFilterProblem,
  topicMatches,
  type JsonPath,
} from '../../../src/sources/series/mqtt-payload.js';
import { redactUrl } from '../../../src/sources/series/mqtt-source.js';

const path = (text: string): JsonPath => compileJsonPath(text) as JsonPath;

describe('JSON paths', () => {
  it('follows object keys and array indexes; "" is the payload itself', () => {
    const doc = { accel: { x: 1.5 }, values: [10, [20, 30]], n: 0 };
    expect(followPath(doc, path('accel.x'))).toBe(1.5);
    expect(followPath(doc, path('values.0'))).toBe(10);
    expect(followPath(doc, path('values.1.1'))).toBe(30);
    expect(followPath(42, path(''))).toBe(42);
    expect(followPath(doc, path('n'))).toBe(0);
  });

  it('leads nowhere for absent keys, bad indexes, scalars and inherited properties', () => {
    const doc = { accel: { x: 1 }, values: [1, 2] };
    for (const p of ['accel.y', 'values.2', 'values.-1', 'values.01', 'values.x', 'accel.x.y', 'constructor', 'accel.toString', '__proto__']) {
      expect(followPath(doc, path(p)), p).toBeUndefined();
    }
  });

  it('rejects empty segments with a message', () => {
    expect(compileJsonPath('a..b')).toEqual({ problem: expect.stringContaining('empty segment') });
    expect(compileJsonPath('.a')).toHaveProperty('problem');
    expect(compileJsonPath('a.')).toHaveProperty('problem');
  });
});

describe('numericValue', () => {
  it('takes numbers, numeric strings and booleans; everything else is missing', () => {
    expect(numericValue(-2.25)).toBe(-2.25);
    expect(numericValue(' 21.5 ')).toBe(21.5);
    expect(numericValue('1e3')).toBe(1000);
    expect(numericValue(true)).toBe(1);
    expect(numericValue(false)).toBe(0);
    for (const value of ['', '12 C', '0x10', 'NaN', 'Infinity', null, undefined, {}, [1], 1e300]) {
      expect(numericValue(value), String(value)).toBeNaN();
    }
  });
});

describe('topic filters', () => {
  it('matches + and # like a broker', () => {
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
    expect(topicMatches('a/+/c', 'a/b/d')).toBe(false);
    expect(topicMatches('a/#', 'a')).toBe(true);
    expect(topicMatches('a/#', 'a/b/c')).toBe(true);
    expect(topicMatches('a/b', 'a/b/c')).toBe(false);
    expect(topicMatches('a/b/c', 'a/b')).toBe(false);
    expect(topicMatches('#', '$SYS/load')).toBe(false);
    expect(topicMatches('$SYS/#', '$SYS/load')).toBe(true);
  });

  it('finds misplaced wildcards', () => {
    expect(topicFilterProblem('a/+/#')).toBeUndefined();
    expect(topicFilterProblem('a/#/b')).toMatch(/`#` must be a whole level and the last/);
    expect(topicFilterProblem('a/b#')).toMatch(/`#`/);
    expect(topicFilterProblem('a/b+')).toMatch(/`\+` must be a whole level/);
  });
});

describe('MessageReader', () => {
  const reader = new MessageReader(
    [
      { path: path('accel.x'), topic: 'imu' },
      { path: path('accel.y'), topic: 'imu' },
      { path: path(''), topic: 'temp' },
      { path: path('rssi') },
    ],
    64,
  );
  const read = (topic: string, text: string) => reader.read(topic, Buffer.from(text));
  const values = (topic: string, text: string): number[] => {
    const reading = read(topic, text);
    if (reading.kind !== 'values') throw new Error(`got ${reading.kind}`);
    return Array.from(reading.values);
  };

  it('fills the channels of fields on the topic (or on any topic); the rest are NaN', () => {
    expect(values('imu', '{"accel":{"x":0.5,"y":-1},"rssi":-70}')).toEqual([0.5, -1, NaN, -70]);
    expect(values('temp', '21.5')).toEqual([NaN, NaN, 21.5, NaN]);
    expect(values('imu', '{"accel":{"x":"oops"}}')).toEqual([NaN, NaN, NaN, NaN]);
    expect(values('other', '{"rssi":-60}')).toEqual([NaN, NaN, NaN, -60]);
  });

  it('says why a message gave nothing', () => {
    const only = new MessageReader([{ path: path('x'), topic: 'imu' }], 64);
    expect(only.read('other', Buffer.from('{"x":1}')).kind).toBe('unmatched');
    expect(read('imu', '').kind).toBe('empty');
    expect(read('imu', '{"accel":').kind).toBe('malformed');
    expect(read('temp', '21,5').kind).toBe('malformed');
    expect(read('imu', `{"pad":"${'x'.repeat(64)}"}`).kind).toBe('oversized');
  });
});

describe('redactUrl', () => {
  it('hides credentials in the broker URL', () => {
    expect(redactUrl('mqtt://user:s3cret@broker:1883')).toBe('mqtt://***@broker:1883');
    expect(redactUrl('mqtts://broker:8883')).toBe('mqtts://broker:8883');
  });
});
