/**
 * keepalive_s: a broker gone silent (SIGSTOP: its sockets stay open, no FIN, no RST: a half-open connection from
 * the client's side) is noticed after about 1.5 x keepalive_s, not MQTT.js's default 60 s x 1.5 = 90 s.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { openLease } from '../../src/sinks/mqtt/lease.js';
import { FreezableBroker } from './frozen-broker.js';
import { mosquittoOrSkip } from './mqtt-broker.js';
import { mqttConfig, removeOutboxDirs } from './mqtt-fixtures.js';

const mosquitto = mosquittoOrSkip();
afterAll(removeOutboxDirs);

async function poll(test: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const yaml = (sink: string): string =>
  ['version: 1', 'pipelines:', '  - name: p', '    source: { kind: synthetic }', '    model: { file: m.tflite }', '    postprocess: { kind: classify }', `    sinks: [ ${sink} ]`].join('\n');

describe('mqtt keepalive_s', () => {
  it('defaults to 15 s; outside 1..3600 it is refused naming the field and the value', () => {
    expect(parseConfig('/etc/edgepipe/p.yaml', yaml('{ kind: mqtt, url: "mqtt://b:1883" }')).pipelines[0]!.sinks[0]).toMatchObject({ keepaliveS: 15 });
    for (const bad of ['0', '3601', '2.5']) {
      expect(() => parseConfig('/etc/edgepipe/p.yaml', yaml(`{ kind: mqtt, url: "mqtt://b:1883", keepalive_s: ${bad} }`))).toThrow(
        `pipelines[0].sinks[0].keepalive_s: expected an integer between 1 and 3600, received ${bad}`,
      );
    }
  });

  it.skipIf(!mosquitto)('with keepalive_s 2, a frozen broker (half-open connection) is noticed within a few seconds', async () => {
    const broker = await FreezableBroker.start(mosquitto!);
    const events: Array<['online' | 'offline', number]> = [];
    const config = await mqttConfig(broker.url, { keepaliveS: 2, reconnect: { initialMs: 60_000, maxMs: 60_000 } });
    const lease = await openLease(config, 'p', {
      online: () => events.push(['online', Date.now()]),
      offline: () => events.push(['offline', Date.now()]),
      error: () => undefined,
    });
    try {
      await poll(() => events.some(([kind]) => kind === 'online'), 'online', 20_000);
      broker.freeze();
      const frozenAt = Date.now();
      // The default keepalive (60 s) would take ~90 s; 2 s x 1.5 = 3 s, with room for a loaded machine.
      await poll(() => events.some(([kind]) => kind === 'offline'), 'offline after the freeze', 20_000);
      const noticedMs = events.find(([kind]) => kind === 'offline')![1] - frozenAt;
      console.log(`keepalive_s 2: frozen broker noticed after ${noticedMs} ms`);
      expect(noticedMs).toBeLessThan(15_000);
    } finally {
      await lease.release(1000);
      await broker.stop();
    }
  }, 60_000);
});
