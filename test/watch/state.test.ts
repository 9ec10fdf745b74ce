import { describe, expect, it } from 'vitest';
import { predictionSchemaCheck } from '../../src/watch/schema-check.js';
import { MAX_GAPS, WatchState } from '../../src/watch/state.js';
import { edited, payload } from './payloads.js';

const check = predictionSchemaCheck();

/** A state fed `seqs` of cam/door at 100 ms intervals from t = 0. */
function fed(seqs: number[]): WatchState {
  const state = new WatchState(check);
  seqs.forEach((seq, i) => state.prediction('cam', 'door', payload(seq), i * 100));
  return state;
}

const door = (state: WatchState, nowMs = 1000) => state.snapshot(nowMs).streams[0]!;

describe('watch state (pure aggregation)', () => {
  it('a clean stream: no drops, fps from arrivals, latency p50, latest summary, status', () => {
    const state = fed([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    state.status('cam', 'online');
    const s = door(state, 1000);
    expect(s).toMatchObject({ device: 'cam', pipeline: 'door', status: 'online', messages: 11, fps: 10, latency_p50_ms: 14, latest: 'blue 0.99', last_seq: 11, drops: 0, gaps: [], duplicates: 0, schema_errors: 0 });
    expect(s.last_message_ms_ago).toBe(0);
  });

  it('seq gaps are drops, with their ranges; a late arrival fills its gap', () => {
    const state = fed([1, 2, 5, 6, 9]);
    expect(door(state)).toMatchObject({ drops: 4, gaps: [{ from: 3, to: 4 }, { from: 7, to: 8 }], last_seq: 9 });
    state.prediction('cam', 'door', payload(4), 600);
    expect(door(state)).toMatchObject({ drops: 3, late: 1, gaps: [{ from: 3, to: 3 }, { from: 7, to: 8 }] });
  });

  it('a repeated message id is a duplicate (redelivery), not a drop or a reset', () => {
    const state = new WatchState(check);
    const messages = [payload(1), payload(2), payload(3)];
    for (const m of [...messages, messages[1]!]) state.prediction('cam', 'door', m, 0);
    expect(door(state)).toMatchObject({ drops: 0, duplicates: 1, resets: 0, last_seq: 3 });
  });

  it('seq going back with a new id is a reset: tracking restarts there', () => {
    const state = fed([7, 8, 1, 2, 4]);
    expect(door(state)).toMatchObject({ resets: 1, drops: 1, gaps: [{ from: 3, to: 3 }], last_seq: 4 });
  });

  it('the first message sets the start: a watcher joining late sees no drops', () => {
    expect(door(fed([500, 501]))).toMatchObject({ drops: 0, last_seq: 501 });
  });

  it('seq is tracked per device and pipeline, as the sink numbers it', () => {
    const state = new WatchState(check);
    state.prediction('cam', 'door', payload(1), 0);
    state.prediction('cam', 'yard', payload(1, 'cam', 'yard'), 0);
    state.prediction('cam', 'door', payload(2), 0);
    state.prediction('cam', 'yard', payload(3, 'cam', 'yard'), 0);
    const [doorStream, yard] = state.snapshot(0).streams;
    expect([doorStream!.drops, yard!.drops, yard!.gaps]).toEqual([0, 1, [{ from: 2, to: 2 }]]);
  });

  it('schema problems and non-JSON are counted per stream with the latest problem; a valid seq still counts', () => {
    const state = new WatchState(check);
    state.prediction('cam', 'door', payload(1), 0);
    state.prediction('cam', 'door', edited(payload(2), (v) => (v['schema'] = 'x')), 0);
    state.prediction('cam', 'door', '{"seq":', 0);
    const s = door(state);
    expect(s.schema_errors).toBe(2);
    expect(s.last_schema_problem).toMatch(/^not JSON: /);
    expect(s).toMatchObject({ messages: 3, last_seq: 2, drops: 0 });
  });

  it('a payload naming another device or pipeline than its topic is a problem', () => {
    const state = new WatchState(check);
    state.prediction('cam', 'door', payload(1, 'other'), 0);
    expect(door(state).last_schema_problem).toBe('$.device: "other" but the topic says "cam"');
  });

  it('fps covers the last 5 s only; null with fewer than two arrivals in it', () => {
    const state = fed([1, 2, 3]);
    expect(door(state, 5100).fps).toBe(10);
    expect(door(state, 5150).fps).toBeNull();
    expect(door(state, 60_000)).toMatchObject({ fps: null, messages: 3, last_message_ms_ago: 59_800 });
  });

  it('devices with a status and no predictions are listed; offline replaces online; junk status is ignored', () => {
    const state = new WatchState(check);
    state.status('gate', 'online');
    state.status('gate', 'offline');
    state.status('yard', 'maybe');
    state.status('pole', '');
    expect(state.snapshot(0)).toEqual({ streams: [], silent_devices: [{ device: 'gate', status: 'offline' }, { device: 'pole', status: 'unknown' }], ignored: 1 });
  });

  it('keeps at most MAX_GAPS gap ranges (the drop count stays exact)', () => {
    const seqs = Array.from({ length: MAX_GAPS + 10 }, (_, i) => 1 + i * 2);
    const s = door(fed(seqs));
    expect(s.gaps).toHaveLength(MAX_GAPS);
    expect(s.drops).toBe(MAX_GAPS + 9);
    expect(s.gaps[MAX_GAPS - 1]).toEqual({ from: seqs[seqs.length - 1]! - 1, to: seqs[seqs.length - 1]! - 1 });
  });
});
