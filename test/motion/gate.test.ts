/** The gate decision: motion passes, tracked objects get a keep-alive look, everything else is skipped and counted. */
import { describe, expect, it } from 'vitest';
import { MotionGate } from '../../src/motion/index.js';

describe('motion gate', () => {
  it('passes motion, keeps tracked objects alive every keepalive ms, skips the rest', () => {
    const gate = new MotionGate(1000);
    expect(gate.decide(false, false, 0)).toBe('skip');
    expect(gate.decide(true, false, 100)).toBe('motion');
    // Tracking, no motion: the first look comes keepalive ms after the last frame that passed.
    expect(gate.decide(false, true, 600)).toBe('skip');
    expect(gate.decide(false, true, 1099)).toBe('skip');
    expect(gate.decide(false, true, 1100)).toBe('keepalive');
    expect(gate.decide(false, true, 1500)).toBe('skip');
    expect(gate.decide(false, false, 2500)).toBe('skip');
    expect(gate.decide(false, true, 2500)).toBe('keepalive');
    expect(gate.counters).toEqual({ motion: 1, keepalive: 2, skipped: 5 });
  });

  it('never keeps alive with keepalive 0, and refuses a negative interval', () => {
    const gate = new MotionGate(0);
    expect([0, 5000, 100000].map((t) => gate.decide(false, true, t))).toEqual(['skip', 'skip', 'skip']);
    expect(() => new MotionGate(-1)).toThrow('Expected a number of 0 or more for keepaliveMs but received -1');
  });
});
