/**
 * Commands end to end: a real Mosquitto on 127.0.0.1, a CommandChannel over a real MQTT.js client, a real
 * running Pipeline. A second client plays the operator: publishes commands, reads the responses.
 */
import { readFileSync } from 'node:fs';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_COMMAND_OPTIONS, MqttCommands, type CommandChannel, type CommandOptions } from '../../src/commands/mqtt-commands.js';
import type { CommandResponse } from '../../src/commands/protocol.js';
import { jsonSchemaErrors } from '../../src/config/json-schema-check.js';
import { memoryLogger } from '../../src/core/log.js';
import { Mosquitto, mosquittoOrSkip, Subscriber } from '../sinks/mqtt-broker.js';
import { startPipeline, until, type RunningPipeline } from './running-pipeline.js';

type Json = Parameters<typeof jsonSchemaErrors>[1];
const responseSchema = JSON.parse(readFileSync(new URL('../../schema/command-response.schema.json', import.meta.url), 'utf8')) as Parameters<typeof jsonSchemaErrors>[0];

/** A CommandChannel over one MQTT.js client; like a shared connection, every handler sees every message. */
function mqttChannel(client: MqttClient): CommandChannel {
  const handlers = new Map<string, (topic: string, payload: Buffer) => void>();
  client.on('message', (topic, payload) => {
    for (const handler of handlers.values()) handler(topic, payload);
  });
  return {
    subscribe: async (filter, onMessage) => {
      handlers.set(filter, onMessage);
      await client.subscribeAsync(filter, { qos: 1 });
    },
    publish: async (topic, payload) => {
      await client.publishAsync(topic, payload, { qos: 1 });
    },
    unsubscribe: async (filter) => {
      handlers.delete(filter);
      await client.unsubscribeAsync(filter);
    },
  };
}

async function connected(url: string): Promise<MqttClient> {
  const client = connect(url, { protocolVersion: 5, reconnectPeriod: 200 });
  client.on('error', () => undefined);
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return client;
}

const binary = mosquittoOrSkip();

describe.skipIf(!binary)('MQTT commands', () => {
  let broker: Mosquitto;
  let device: MqttClient;
  let operator: MqttClient;
  const cleanup: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    broker = await Mosquitto.start(binary!);
    device = await connected(broker.url);
    operator = await connected(broker.url);
    // Other subscriptions on the device's connection: their messages reach the handler too. They do not overlap
    // the command topics: Mosquitto delivers a message once per matching subscription, so an overlapping filter
    // (edgepipe/dev1/#) would deliver each command twice.
    await device.subscribeAsync(['edgepipe/dev1/+/commands/+', 'edgepipe/dev1/off/#'], { qos: 0 });
  });

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  afterAll(async () => {
    await device?.endAsync(true);
    await operator?.endAsync(true);
    await broker?.stop();
  });

  interface Setup extends RunningPipeline {
    commands: MqttCommands;
    responses: Subscriber;
    logger: ReturnType<typeof memoryLogger>;
    /** Publishes `payload` on the command topic and returns the next response. */
    ask(payload: string | Buffer): Promise<CommandResponse>;
  }

  async function setup(name: string, options: Partial<CommandOptions> = {}, extra: Parameters<typeof startPipeline>[2] = {}, now?: () => number): Promise<Setup> {
    const run = await startPipeline(name, 100, extra);
    cleanup.push(() => run.pipeline.stop());
    const logger = memoryLogger();
    const commands = await MqttCommands.start(
      mqttChannel(device),
      run.pipeline.control,
      { ...DEFAULT_COMMAND_OPTIONS, maxPerSecond: 1000, ...options },
      { device: 'dev1', pipeline: name, logger, ...(now ? { now } : {}) },
    );
    cleanup.push(() => commands.stop());
    const responses = await Subscriber.start(broker.url, `edgepipe/dev1/${name}/responses`);
    cleanup.push(() => responses.stop());
    const ask = async (payload: string | Buffer): Promise<CommandResponse> => {
      const before = responses.messages.length;
      await operator.publishAsync(`edgepipe/dev1/${name}/commands`, payload, { qos: 1 });
      await until('a response', () => responses.messages.length > before);
      const response = JSON.parse(responses.messages[before]!) as CommandResponse;
      expect(jsonSchemaErrors(responseSchema, response as unknown as Json)).toEqual([]);
      return response;
    };
    return { ...run, commands, responses, logger, ask };
  }

  it('pause stops predictions (drops counted as paused), resume continues them, set_threshold changes results', async () => {
    const { pipeline, predictions, ask, commands } = await setup('cam');
    expect(commands.topic).toBe('edgepipe/dev1/cam/commands');
    await until('first predictions', () => predictions.length >= 3);

    expect(await ask('{"id":"1","command":"pause"}')).toMatchObject({ id: '1', command: 'pause', ok: true, state: { pipeline: 'cam', paused: true } });
    const atPause = predictions.length;
    await until('10 paused drops', () => (pipeline.report().drops.paused ?? 0) >= 10);
    expect(predictions.length).toBe(atPause);
    expect(pipeline.report().paused).toBe(true);

    expect(await ask('{"id":"2","command":"resume"}')).toMatchObject({ id: '2', ok: true, state: { paused: false } });
    await until('predictions after resume', () => predictions.length >= atPause + 3);

    expect(await ask('{"id":"3","command":"set_threshold","value":1}')).toMatchObject({ ok: true, state: { threshold: { kind: 'score', value: 1 } } });
    const at = predictions.length;
    await until('predictions after set_threshold', () => predictions.length >= at + 5);
    expect(predictions.slice(at).map((p) => (p.result.kind === 'classify' ? p.result.classes.length : -1))).toEqual(new Array(predictions.length - at).fill(0));
    expect(commands.stats()).toMatchObject({ received: 3, ok: 3, invalid: 0, rateLimited: 0, failed: 0, responsesDropped: 0 });
  });

  it('answers malformed JSON, unknown commands, bad arguments and oversized payloads precisely; the pipeline keeps running', async () => {
    const { pipeline, predictions, ask, commands } = await setup('bad');
    expect(await ask('{"command":')).toMatchObject({ id: null, command: null, ok: false, error: { code: 'invalid_json' } });
    expect(await ask('{"id":"x","command":"pasue"}')).toEqual({
      schema: 'edgepipe.command-response/1',
      id: 'x',
      command: 'pasue',
      ok: false,
      error: { code: 'unknown_command', message: 'Unknown command "pasue": did you mean "pause"? Expected one of pause, resume, reload, snapshot, set_threshold' },
    });
    expect(await ask('{"id":"y","command":"set_threshold","value":7}')).toMatchObject({
      id: 'y',
      error: { code: 'invalid_argument', message: 'Expected a number from 0 to 1 for value but received 7' },
    });
    expect(await ask('{"command":"pause","now":true}')).toMatchObject({ error: { code: 'invalid_argument', message: 'Unexpected field "now" for pause: pause takes no arguments' } });
    const big = Buffer.from(JSON.stringify({ command: 'pause', pad: 'x'.repeat(17 * 1024) }));
    expect(await ask(big)).toMatchObject({ error: { code: 'too_large', message: `Expected a command of at most 16384 bytes but received ${big.byteLength} bytes` } });
    expect(await ask('{"id":"s","command":"snapshot"}')).toMatchObject({ id: 's', error: { code: 'unavailable' } });
    const at = predictions.length;
    await until('predictions after the errors', () => predictions.length >= at + 3);
    expect(pipeline.state).toBe('running');
    expect(pipeline.report().paused).toBeUndefined();
    expect(commands.stats()).toMatchObject({ received: 6, invalid: 5, failed: 1, ok: 0 });
  });

  it('answers a payload nested 5,000 levels deep (10 kB, under the size limit) as invalid and logs it', async () => {
    const { pipeline, predictions, ask, commands, logger } = await setup('deep');
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const message = 'Expected a JSON object nested at most 8 levels deep (like {"command":"pause"}) but the payload nests deeper';
    expect(await ask(deep)).toEqual({ schema: 'edgepipe.command-response/1', id: null, command: null, ok: false, error: { code: 'invalid_request', message } });
    const objects = '{"a":'.repeat(2500) + '1' + '}'.repeat(2500);
    expect(await ask(objects)).toMatchObject({ ok: false, error: { code: 'invalid_request', message } });
    // Brackets inside strings are text, not nesting.
    expect(await ask(JSON.stringify({ id: '[[[[[[[[[[[[', command: 'resume' }))).toMatchObject({ ok: true });
    expect(logger.entries.filter((e) => e.level === 'warn').map((e) => e.message)).toEqual([
      `commands: refused (invalid_request): ${message}`,
      `commands: refused (invalid_request): ${message}`,
    ]);
    const at = predictions.length;
    await until('predictions after the deep payloads', () => predictions.length >= at + 3);
    expect(pipeline.state).toBe('running');
    expect(commands.stats()).toMatchObject({ received: 3, invalid: 2, ok: 1 });
  });

  it('reload calls the hook and publishes its outcome', async () => {
    let calls = 0;
    const requestReload = async (): Promise<{ ok: boolean; message: string }> => {
      calls += 1;
      return calls === 1
        ? { ok: true, message: 'reloaded: 0 changed, 0 added, 0 removed, 1 unchanged' }
        : { ok: false, message: 'reloaded: 1 changed, 0 added, 0 removed, 0 unchanged; rolled back cam (no prediction within 30 s)' };
    };
    const { ask } = await setup('rl', {}, { requestReload });
    expect(await ask('{"id":"r","command":"reload"}')).toMatchObject({ id: 'r', ok: true, message: 'reloaded: 0 changed, 0 added, 0 removed, 1 unchanged' });
    expect(await ask('{"id":"r2","command":"reload"}')).toMatchObject({
      id: 'r2',
      ok: false,
      error: { code: 'failed', message: 'reload: reloaded: 1 changed, 0 added, 0 removed, 0 unchanged; rolled back cam (no prediction within 30 s)' },
    });
    expect(calls).toBe(2);
  });

  it('handles only its exact topic, answers over the rate with errors, and subscribes nothing when disabled', async () => {
    const { ask, commands, responses } = await setup('exact', { maxPerSecond: 2 }, {}, () => 0);
    const off = await setup('off', { enabled: false });
    expect(off.commands.enabled).toBe(false);
    // Messages the shared connection delivers for other topics: not commands, never answered.
    await operator.publishAsync('edgepipe/dev1/exact/commands/x', '{"command":"pause"}', { qos: 1 });
    await operator.publishAsync('edgepipe/dev1/off/commands', '{"command":"pause"}', { qos: 1 });
    expect(await ask('{"id":"a","command":"resume"}')).toMatchObject({ id: 'a', ok: true });
    expect(commands.stats().ignored).toBeGreaterThanOrEqual(2);
    expect(off.pipeline.report().paused).toBeUndefined();
    expect(off.commands.stats()).toMatchObject({ received: 0, ok: 0 });
    expect(off.responses.messages).toEqual([]);

    expect(await ask('{"id":"b","command":"resume"}')).toMatchObject({ id: 'b', ok: true });
    expect(await ask('{"id":"c","command":"resume"}')).toMatchObject({ id: null, ok: false, error: { code: 'rate_limited' } });
    expect(commands.stats()).toMatchObject({ received: 3, ok: 2, rateLimited: 1 });
    expect(responses.messages).toHaveLength(3);
  });

  it('refuses topics that would loop or match more than one topic', async () => {
    const run = await startPipeline('opts');
    cleanup.push(() => run.pipeline.stop());
    const channel = mqttChannel(device);
    const start = (options: Partial<CommandOptions>): Promise<MqttCommands> =>
      MqttCommands.start(channel, run.pipeline.control, { ...DEFAULT_COMMAND_OPTIONS, ...options }, { device: 'dev1', pipeline: 'opts' });
    await expect(start({ responseTopic: DEFAULT_COMMAND_OPTIONS.topic })).rejects.toThrow(
      'Expected commands.response_topic to differ from commands.topic but both are "edgepipe/dev1/opts/commands"',
    );
    await expect(start({ topic: 'edgepipe/+/{pipeline}/commands' })).rejects.toThrow(
      'Expected a topic without wildcards (+, #) for commands.topic but received "edgepipe/+/{pipeline}/commands"',
    );
    await expect(start({ maxPerSecond: 0.5 })).rejects.toThrow('Expected an integer from 1 to 1000 for max_per_second but received 0.5');
  });
});
