/**
 * The last will: `edgepipe run` killed with SIGKILL (no chance to say goodbye) must still turn its device status
 * to `offline` for subscribers, because the broker publishes the will when the connection drops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeColourModel } from '../helpers/image-models.js';
import { projectRoot } from '../helpers/shared-models.js';
import { Mosquitto, mosquittoOrSkip, Subscriber } from './mqtt-broker.js';

const binary = mosquittoOrSkip();
const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-lwt-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!binary)('MQTT last will', () => {
  it('a subscriber sees the device go offline when edgepipe is killed with SIGKILL', async () => {
    const broker = await Mosquitto.start(binary!);
    const status = await Subscriber.start(broker.url, 'edgepipe/gate/status');
    const predictions = await Subscriber.start(broker.url, 'edgepipe/gate/door/predictions');
    try {
      const config = path.join(dir, 'door.yaml');
      writeFileSync(
        config,
        [
          'version: 1',
          'pipelines:',
          '  - name: door',
          '    source: { kind: synthetic, width: 64, height: 48, fps: 10, pattern: colours }',
          `    model: { file: "${writeColourModel(dir)}" }`,
          '    postprocess: { kind: classify, top_k: 1 }',
          `    sinks: [ { kind: mqtt, url: "${broker.url}", device_id: gate, outbox: { dir: "${path.join(dir, 'outbox')}" } } ]`,
        ].join('\n'),
      );
      const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), 'run', config], { stdio: 'ignore' });
      children.push(child);
      await waitFor('online and a prediction', () => status.messages.includes('online') && predictions.messages.length > 0);
      child.kill('SIGKILL');
      await waitFor('the last will', () => status.messages.at(-1) === 'offline');
      expect(status.messages.slice(-2)).toEqual(['online', 'offline']);
      // Retained: a subscriber arriving later learns it too.
      const late = await Subscriber.start(broker.url, 'edgepipe/gate/status');
      await waitFor('the retained status', () => late.messages.length > 0, 5000);
      expect(late.messages).toEqual(['offline']);
      await late.stop();
    } finally {
      await status.stop();
      await predictions.stop();
      await broker.stop();
    }
  });
});
