/**
 * The file and stdout sinks write track events as JSON lines among the predictions, in call order, counted like
 * predictions; each line is the events topic's payload without the MQTT envelope (id, seq, device).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trackEventLine } from '../../src/events/record.js';
import { FileSink } from '../../src/sinks/file-sink.js';
import { predictionLine } from '../../src/sinks/json-lines.js';
import { StdoutSink } from '../../src/sinks/stdout-sink.js';
import type { PredictionSink } from '../../src/sinks/types.js';
import { everyType } from '../events/fixtures.js';
import { removeTempDirs, tempDir } from '../sources/helpers.js';
import { MemoryStream, prediction } from './helpers.js';
import { schemaErrors } from './mqtt-fixtures.js';

afterAll(removeTempDirs);

/** prediction 0, every event type, prediction 1. */
function feed(sink: PredictionSink): void {
  sink.write(prediction(0));
  for (const event of everyType) sink.event!(event);
  sink.write(prediction(1));
}
const expected = [predictionLine(prediction(0)), ...everyType.map(trackEventLine), predictionLine(prediction(1))].map((l) => l.trimEnd());
const withEnvelope = (line: string, seq: number): string => {
  const { schema, ...rest } = JSON.parse(line) as Record<string, unknown>;
  return JSON.stringify({ schema, id: '0193f0a4-0000-7000-8000-000000000000', seq, device: 'd', ...rest });
};

describe('track events as JSON lines', () => {
  it('file sink: in call order among the predictions, valid against the events schema once enveloped', async () => {
    const file = path.join(tempDir('event-lines'), 'out.jsonl');
    const sink = new FileSink('door', { kind: 'file', path: file, maxBytes: 1024 * 1024, keep: 1 }, { warn: () => undefined });
    await sink.start();
    feed(sink);
    expect(await sink.flush()).toBe(true);
    await sink.stop();
    const lines = existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n') : [];
    expect(lines).toEqual(expected);
    lines.slice(1, -1).forEach((line, i) => expect(schemaErrors('track-event', withEnvelope(line, i + 1))).toEqual([]));
    expect(sink.stats()).toEqual({ written: 2 + everyType.length, dropped: 0, errors: 0, pending: 0 });
    sink.event(everyType[0]!);
    expect(sink.stats().dropped).toBe(1);
  });

  it('stdout sink: the same lines, same order', async () => {
    const stream = new MemoryStream();
    const sink = new StdoutSink('door', { stream });
    await sink.start();
    feed(sink);
    expect(await sink.flush()).toBe(true);
    await sink.stop();
    expect(stream.lines()).toEqual(expected);
    expect(sink.stats()).toMatchObject({ written: 2 + everyType.length, dropped: 0 });
  });
});
