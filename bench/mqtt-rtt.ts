/**
 * A command's round trip over MQTT: an operator client publishes `{"command":"resume"}` (QoS 1) on a pipeline's
 * command topic, edgepipe's MqttCommands (over an MQTT.js client) answers on the response topic, the operator
 * times publish -> answer. 300 commands one after the other, after 20 of warm-up, against a local Mosquitto, with
 * Nagle's algorithm on or off (TCP_NODELAY) at the broker (`set_tcp_nodelay`) and at both clients.
 * The pipeline behind the commands is a fixed stand-in: what is measured is the transport.
 */
import { connect, type MqttClient } from 'mqtt';
import type { PipelineControl } from '../src/commands/control.js';
import { MqttCommands } from '../src/commands/mqtt-commands.js';
import { disableNagle } from '../src/sinks/mqtt/no-delay.js';
import { summarise } from '../src/runtime/timing.js';
import { mosquittoBinary, startBroker, stopBroker } from './mqtt.js';

const control: PipelineControl = {
  pause: () => ({ ok: true }),
  resume: () => ({ ok: true }),
  setThreshold: () => ({ ok: true }),
  state: () => ({ pipeline: 'bench', state: 'running', paused: false }),
};

async function client(url: string, noDelay: boolean): Promise<MqttClient> {
  const mqtt = connect(url, { protocolVersion: 5, reconnectPeriod: 0 });
  if (noDelay) mqtt.on('connect', () => disableNagle(mqtt));
  await new Promise<void>((resolve, reject) => {
    mqtt.once('connect', () => resolve());
    mqtt.once('error', reject);
  });
  return mqtt;
}

async function roundTrips(brokerNoDelay: boolean, clientsNoDelay: boolean): Promise<unknown> {
  const binary = mosquittoBinary();
  if (!binary) return { name: 'mqtt-command-rtt', skipped: 'mosquitto is not installed' };
  const broker = await startBroker(binary, false, brokerNoDelay ? ['set_tcp_nodelay true'] : []);
  const device = await client(broker.url, clientsNoDelay);
  const operator = await client(broker.url, clientsNoDelay);
  try {
    const handlers = new Map<string, (topic: string, payload: Buffer) => void>();
    device.on('message', (topic, payload) => handlers.get(topic)?.(topic, payload));
    const commands = await MqttCommands.start(
      {
        subscribe: async (filter, onMessage) => {
          handlers.set(filter, onMessage);
          await device.subscribeAsync(filter, { qos: 1 });
        },
        publish: async (topic, payload) => {
          await device.publishAsync(topic, payload, { qos: 1 });
        },
      },
      control,
      { enabled: true, topic: 'edgepipe/{device}/{pipeline}/commands', responseTopic: 'edgepipe/{device}/{pipeline}/responses', maxPerSecond: 1000 },
      { device: 'bench', pipeline: 'p' },
    );
    let answered: (() => void) | undefined;
    operator.on('message', () => answered?.());
    await operator.subscribeAsync('edgepipe/bench/p/responses', { qos: 1 });
    const times: number[] = [];
    for (let i = 0; i < 320; i += 1) {
      const answer = new Promise<void>((resolve) => (answered = resolve));
      const start = performance.now();
      await operator.publishAsync('edgepipe/bench/p/commands', JSON.stringify({ id: String(i), command: 'resume' }), { qos: 1 });
      await answer;
      if (i >= 20) times.push(performance.now() - start);
    }
    await commands.stop();
    const t = summarise(times);
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    return { name: 'mqtt-command-rtt', broker_tcp_nodelay: brokerNoDelay, clients_tcp_nodelay: clientsNoDelay, commands: times.length, p50_ms: r3(t.p50), p99_ms: r3(t.p99) };
  } finally {
    await Promise.all([device.endAsync(), operator.endAsync()]);
    await stopBroker(broker);
  }
}

export async function commandRoundTrip(): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [brokerNoDelay, clientsNoDelay] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    out.push(await roundTrips(brokerNoDelay, clientsNoDelay));
  }
  return out;
}
