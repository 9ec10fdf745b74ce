/**
 * Driver for the publisher-SIGKILL test, bundled with esbuild and run as a child process: starts an mqtt sink on
 * the given outbox, writes N predictions, lets the group commit fsync them, prints `ready` and waits to be killed.
 */
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import { prediction } from './helpers.js';
import { mqttConfig } from './mqtt-fixtures.js';

const [url, dir, countText] = process.argv.slice(2);
const sink = new MqttSink('door', await mqttConfig(url!, { clientId: `edgepipe-child-${process.pid}` }, dir), { warn: () => undefined });
await sink.start();
for (let i = 0; i < Number(countText); i++) sink.write(prediction(i));
await new Promise((resolve) => setTimeout(resolve, 500));
process.stdout.write(`ready ${JSON.stringify(sink.stats())}\n`);
setInterval(() => undefined, 60_000);
