/**
 * Commands as `edgepipe run` wires them: a pipeline from YAML with an mqtt sink, a real Mosquitto, and an
 * operator client. The sink subscribes to the command topic on its own connection, the pipeline obeys, and
 * `snapshot` publishes the next frame as an annotated JPEG when snapshots are on.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { writeColourModel } from '../helpers/image-models.js';
import { Mosquitto, mosquittoOrSkip } from '../sinks/mqtt-broker.js';
import { until } from './running-pipeline.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-sink-commands-'));
const model = writeColourModel(dir);
const binary = mosquittoOrSkip();

async function operatorOn(url: string): Promise<{ client: MqttClient; messages: Map<string, Buffer[]> }> {
  const client = connect(url, { protocolVersion: 5, reconnectPeriod: 200 });
  client.on('error', () => undefined);
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const messages = new Map<string, Buffer[]>();
  client.on('message', (topic, payload) => messages.set(topic, [...(messages.get(topic) ?? []), payload]));
  await client.subscribeAsync('edgepipe/gate/#', { qos: 1 });
  return { client, messages };
}

async function pipelineWith(url: string, name: string, sinkExtra: string): Promise<{ pipeline: Pipeline; predictions: Prediction[] }> {
  const yaml = [
    'version: 1',
    'pipelines:',
    `  - name: ${name}`,
    '    source: { kind: synthetic, width: 64, height: 48, fps: 20, pattern: colours }',
    `    model: { file: ${model} }`,
    '    postprocess: { kind: classify, top_k: 1 }',
    '    stats_interval_s: 0',
    `    sinks: [{ kind: mqtt, url: "${url}", device_id: gate, outbox: { dir: ${path.join(dir, name)} }${sinkExtra} }]`,
  ].join('\n');
  const file = parseConfig(path.join(dir, `${name}.yaml`), yaml);
  const predictions: Prediction[] = [];
  const pipeline = new Pipeline(file.pipelines[0]!, {
    runtime: file.runtime,
    logger: memoryLogger(),
    extraSinks: (p) => [callbackSink(p, (x) => predictions.push(x))],
  });
  await pipeline.start();
  return { pipeline, predictions };
}

const responses = (messages: Map<string, Buffer[]>, pipeline: string): Array<Record<string, unknown>> =>
  (messages.get(`edgepipe/gate/${pipeline}/responses`) ?? []).map((b) => JSON.parse(b.toString('utf8')) as Record<string, unknown>);

describe.skipIf(!binary)('commands through the mqtt sink', () => {
  let broker: Mosquitto;
  let operator: Awaited<ReturnType<typeof operatorOn>>;

  beforeAll(async () => {
    broker = await Mosquitto.start(binary!);
    operator = await operatorOn(broker.url);
  });
  afterAll(async () => {
    await operator?.client.endAsync();
    await broker?.stop();
  });

  it('pause, resume and a malformed command, answered on the response topic', async () => {
    const { pipeline, predictions } = await pipelineWith(broker.url, 'door', '');
    try {
      await until('predictions', () => predictions.length > 2);
      await operator.client.publishAsync('edgepipe/gate/door/commands', JSON.stringify({ id: 'p1', command: 'pause' }), { qos: 1 });
      await until('the pause answer', () => responses(operator.messages, 'door').length === 1);
      expect(responses(operator.messages, 'door')[0]).toMatchObject({ id: 'p1', command: 'pause', ok: true });
      const atPause = predictions.length;
      await until('paused drops', () => (pipeline.report().drops.paused ?? 0) >= 3);
      expect(predictions.length).toBe(atPause);
      await operator.client.publishAsync('edgepipe/gate/door/commands', '{"command": "resum"}', { qos: 1 });
      await operator.client.publishAsync('edgepipe/gate/door/commands', JSON.stringify({ id: 'r1', command: 'resume' }), { qos: 1 });
      await until('two more answers', () => responses(operator.messages, 'door').length === 3);
      const [, typo, resumed] = responses(operator.messages, 'door');
      expect(typo).toMatchObject({ ok: false, error: { code: 'unknown_command', message: expect.stringContaining('did you mean "resume"') } });
      expect(resumed).toMatchObject({ id: 'r1', ok: true });
      await until('predictions after resume', () => predictions.length > atPause + 2);
    } finally {
      await pipeline.stop();
    }
  });

  it('snapshot publishes the next frame as a JPEG with snapshots on, and is unavailable without', async () => {
    const { pipeline } = await pipelineWith(broker.url, 'yard', ', snapshots: { enabled: true }');
    const { pipeline: plain } = await pipelineWith(broker.url, 'shed', '');
    try {
      await operator.client.publishAsync('edgepipe/gate/yard/commands', JSON.stringify({ id: 's1', command: 'snapshot' }), { qos: 1 });
      await operator.client.publishAsync('edgepipe/gate/shed/commands', JSON.stringify({ id: 's2', command: 'snapshot' }), { qos: 1 });
      await until('both answers', () => responses(operator.messages, 'yard').length === 1 && responses(operator.messages, 'shed').length === 1);
      expect(responses(operator.messages, 'yard')[0], JSON.stringify(responses(operator.messages, 'yard'))).toMatchObject({ id: 's1', ok: true, message: expect.stringContaining('published on edgepipe/gate/yard/snapshot') });
      expect(responses(operator.messages, 'shed')[0]).toMatchObject({ id: 's2', ok: false, error: { code: 'unavailable' } });
      await until('the snapshot', () => (operator.messages.get('edgepipe/gate/yard/snapshot') ?? []).length > 0);
      const jpeg = operator.messages.get('edgepipe/gate/yard/snapshot')![0]!;
      expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 64, height: 48 });
    } finally {
      await Promise.all([pipeline.stop(), plain.stop()]);
    }
  });

  it('with commands disabled nothing is subscribed: a pause is neither answered nor obeyed', async () => {
    const { pipeline, predictions } = await pipelineWith(broker.url, 'gate-off', ', commands: { enabled: false }');
    try {
      await until('predictions', () => predictions.length > 2);
      await operator.client.publishAsync('edgepipe/gate/gate-off/commands', JSON.stringify({ command: 'pause' }), { qos: 1 });
      const before = predictions.length;
      await until('more predictions', () => predictions.length > before + 5);
      expect(responses(operator.messages, 'gate-off')).toEqual([]);
      expect(pipeline.report().drops.paused).toBeUndefined();
    } finally {
      await pipeline.stop();
    }
  });
});
