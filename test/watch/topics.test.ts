import { describe, expect, it } from 'vitest';
import { filterProblem, parseTopic, subscriptions } from '../../src/watch/topics.js';

describe('watch topics', () => {
  it('subscribes to the mqtt sink default layout, narrowed by --device and --pipeline', () => {
    expect(subscriptions({})).toEqual({ predictions: 'edgepipe/+/+/predictions', status: 'edgepipe/+/status' });
    expect(subscriptions({ device: 'gate-3', pipeline: 'door' })).toEqual({ predictions: 'edgepipe/gate-3/door/predictions', status: 'edgepipe/gate-3/status' });
  });

  it('reads device and pipeline from a topic; anything else is other', () => {
    expect(parseTopic('edgepipe/gate-3/door/predictions')).toEqual({ kind: 'predictions', device: 'gate-3', pipeline: 'door' });
    expect(parseTopic('edgepipe/gate-3/status')).toEqual({ kind: 'status', device: 'gate-3' });
    expect(parseTopic('edgepipe/gate-3/door/events')).toEqual({ kind: 'other' });
    expect(parseTopic('other/gate-3/status')).toEqual({ kind: 'other' });
  });

  it('a filter must be one topic level', () => {
    expect(filterProblem('--device', 'gate-3')).toBeUndefined();
    expect(filterProblem('--device', 'a/b')).toBe('--device "a/b" contains +, # or /: expected one MQTT topic level (a device id or pipeline name)');
    expect(filterProblem('--pipeline', '')).toMatch(/^--pipeline "" is empty/);
    expect(filterProblem('--pipeline', '#')).toMatch(/contains \+, # or \//);
  });
});
