/**
 * MqttSink.stop(timeoutMs) against a frozen broker (SIGSTOP: connected, silent): it returns within the time it was
 * given, with commands subscribed and messages in flight, rather than wait for acknowledgements until the keepalive
 * timeout; the unacknowledged messages stay in the outbox and a later sink on the same folder delivers them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { pipelineControl } from '../../src/pipeline/pipeline-control.js';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import { FreezableBroker } from './frozen-broker.js';
import { mosquittoOrSkip, Subscriber } from './mqtt-broker.js';
import { mqttConfig, removeOutboxDirs } from './mqtt-fixtures.js';
import { prediction } from './helpers.js';

const mosquitto = mosquittoOrSkip();
afterAll(removeOutboxDirs);

async function poll(test: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!mosquitto)('MqttSink.stop with a frozen broker', () => {
  it('returns within its timeout; what was not acknowledged is delivered by the next sink on the outbox', async () => {
    const broker = await FreezableBroker.start(mosquitto!);
    const subscriber = await Subscriber.start(broker.url, 'edgepipe/dev/door/predictions');
    try {
      // Commands on (the fixture's default): stop unsubscribes them, and a frozen broker never answers that either.
      const config = await mqttConfig(broker.url);
      const control = pipelineControl({ name: 'door', state: 'running', stopping: false, paused: false, postprocessor: undefined, postprocessKind: 'classify', logger: { log: () => undefined } });
      const sink = new MqttSink('door', config, { warn: () => undefined, control });
      await sink.start();
      sink.write(prediction(1));
      await poll(() => subscriber.messages.length === 1, 'the first prediction arrives');

      broker.freeze();
      for (let i = 2; i <= 30; i++) sink.write(prediction(i));
      await poll(() => sink.stats().pending === 29, 'the predictions written while frozen are pending');
      const began = performance.now();
      await sink.stop(1500);
      const stopMs = performance.now() - began;
      // The timeout plus a loaded host's timer slack; before the fix this waited for the keepalive timeout.
      expect(stopMs).toBeLessThan(1500 + 1000);
      expect(sink.stats().pending).toBe(29);

      broker.thaw();
      const next = new MqttSink('door', { ...config, clientId: `${config.clientId}-next` }, { warn: () => undefined });
      await next.start();
      const frames = (): Set<number> => new Set(subscriber.messages.map((m) => (JSON.parse(m) as { frame_id: number }).frame_id));
      await poll(() => frames().size === 30, 'every prediction arrives');
      await next.stop();
      expect([...frames()].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    } finally {
      broker.thaw();
      await subscriber.stop();
      await broker.stop();
    }
  }, 60_000);
});
