import { describe, expect, it } from 'vitest';
import { formatGaps, renderJson, renderText, type ViewContext } from '../../src/watch/render.js';
import type { StreamSnapshot, WatchSnapshot } from '../../src/watch/state.js';

const view: ViewContext = {
  broker: 'mqtt://127.0.0.1:1883',
  connection: 'connected',
  subscriptions: { predictions: 'edgepipe/+/+/predictions', status: 'edgepipe/+/status' },
  time: '2026-01-02T03:04:05.678Z',
};

const stream = (overrides: Partial<StreamSnapshot>): StreamSnapshot => ({
  device: 'gate-3',
  pipeline: 'door',
  status: 'online',
  messages: 42,
  fps: 9.96,
  latency_p50_ms: 14.123,
  latest: 'blue 0.99',
  last_seq: 42,
  drops: 0,
  gaps: [],
  late: 0,
  duplicates: 0,
  resets: 0,
  schema_errors: 0,
  last_schema_problem: null,
  last_message_ms_ago: 10,
  ...overrides,
});

describe('watch rendering (pure, from a snapshot)', () => {
  it('a table row per device/pipeline with status, fps, p50, latest, seq, drops, duplicates, schema', () => {
    const snapshot: WatchSnapshot = {
      streams: [stream({}), stream({ device: 'pole-1', pipeline: 'yard', status: 'offline', fps: null, latency_p50_ms: null, latest: '3 boxes (person 0.91)', last_seq: 7, drops: 2, gaps: [{ from: 3, to: 4 }], schema_errors: 1, last_schema_problem: '$.seq: expected integer, got string' })],
      silent_devices: [{ device: 'shed', status: 'online' }],
      ignored: 0,
    };
    expect(renderText(snapshot, view).split('\n')).toEqual([
      'edgepipe watch  mqtt://127.0.0.1:1883  connected  03:04:05 UTC',
      '',
      'DEVICE  PIPELINE  STATUS    FPS  P50 ms  LATEST                 SEQ  DROPS  DUP  SCHEMA',
      'gate-3  door      online   10.0   14.12  blue 0.99               42      0    0      ok',
      'pole-1  yard      offline     -       -  3 boxes (person 0.91)    7      2    0       1',
      'shed    -         online      -       -  no predictions yet       -      -    -       -',
      '',
      'pole-1/yard: missing seq 3-4',
      'pole-1/yard: 1 invalid payload(s), latest: $.seq: expected integer, got string',
      'pole-1/yard: device pole-1 is offline',
      '',
    ]);
  });

  it('says what it waits for before any message', () => {
    expect(renderText({ streams: [], silent_devices: [], ignored: 0 }, { ...view, connection: 'connecting' })).toBe(
      'edgepipe watch  mqtt://127.0.0.1:1883  connecting  03:04:05 UTC\nwaiting for messages on edgepipe/+/+/predictions and edgepipe/+/status\n',
    );
  });

  it('shows the last five gaps, single seqs without a range', () => {
    expect(formatGaps([{ from: 3, to: 3 }, { from: 5, to: 9 }])).toBe('3, 5-9');
    expect(formatGaps(Array.from({ length: 7 }, (_, i) => ({ from: i * 10, to: i * 10 })))).toBe('... 20, 30, 40, 50, 60');
  });

  it('--json: one line with the view and the whole snapshot', () => {
    const snapshot: WatchSnapshot = { streams: [stream({})], silent_devices: [], ignored: 2 };
    const text = renderJson(snapshot, view);
    expect(text.endsWith('}\n') && !text.slice(0, -1).includes('\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({ time: view.time, broker: view.broker, connection: 'connected', subscriptions: view.subscriptions, ...snapshot });
  });

  it('escapes control characters from published names and labels in the table, the notes and the JSON', () => {
    const snapshot: WatchSnapshot = {
      streams: [stream({ device: 'gate\u001b[2J', latest: 'blue\u0000\n0.99', last_schema_problem: 'bad\u009bx', schema_errors: 1, pipeline: 'door\u007f' })],
      silent_devices: [],
      ignored: 0,
    };
    const text = renderText(snapshot, view);
    expect(text).toMatch(/^[\n\x20-\x7e]*$/u);
    expect(text).toContain('gate\\x1b[2J  door\\x7f');
    expect(text).toContain('blue\\x00\\n0.99');
    expect(text).toContain('latest: bad\\x9bx');
    const json = renderJson(snapshot, view);
    expect(json).toMatch(/^[\x20-\x7e]*\n$/u);
    expect((JSON.parse(json) as { streams: StreamSnapshot[] }).streams[0]!.pipeline).toBe('door\u007f');
  });
});
