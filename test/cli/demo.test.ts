import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { takeMqttFlag } from '../../src/cli/demo.js';
import type { WatchSnapshot } from '../../src/watch/state.js';
import { runCli } from '../helpers/cli.js';
import { Subscriber } from '../sinks/mqtt-broker.js';
import { payloadErrors, seqs } from '../sinks/mqtt-fixtures.js';
import { CliChild } from '../watch/child.js';

describe('npm run demo (edgepipe demo)', () => {
  it('classifies every synthetic frame with the colour it shows and exits 0', async () => {
    const result = await runCli(['demo', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const predictions = lines.slice(0, -1).map((l) => JSON.parse(l) as { frame_id: number; meta: { expected: string }; result: { classes: Array<{ label: string }> } });
    expect(predictions).toHaveLength(24);
    for (const p of predictions) expect(p.result.classes[0]!.label).toBe(p.meta.expected);
    // The final stats line closes the output.
    const stats = JSON.parse(lines[lines.length - 1]!) as { stats: { framesOut: number; drops: Record<string, number> } };
    expect(stats.stats.framesOut).toBe(24);
    expect(stats.stats.drops).toEqual({});
  });
});

describe('npm run demo -- --mqtt', () => {
  it('--mqtt [PORT] is read with or without a value; anything else is refused', () => {
    expect(takeMqttFlag(['--json'])).toEqual({ rest: ['--json'], port: undefined });
    expect(takeMqttFlag(['--mqtt', '--json'])).toEqual({ rest: ['--json'], port: 1883 });
    expect(takeMqttFlag(['--mqtt'])).toEqual({ rest: [], port: 1883 });
    expect(takeMqttFlag(['--mqtt', '0'])).toEqual({ rest: [], port: 0 });
    expect(takeMqttFlag(['--mqtt=8883', '--json'])).toEqual({ rest: ['--json'], port: 8883 });
    expect(() => takeMqttFlag(['--mqtt', '65536'])).toThrow('Expected a port from 0 to 65535 (0: any free port; no value: 1883) for --mqtt but received "65536"');
  });

  it('publishes schema-valid predictions to its embedded broker on a free port, which watch and MQTT.js subscribers see', async () => {
    const demo = new CliChild(['demo', '--mqtt', '0']);
    try {
      const [url, port] = (await demo.waitFor(/mqtt:\/\/127\.0\.0\.1:(\d+)/u)) as [string, string];
      expect(demo.stdout).toContain(`edgepipe watch --broker ${url}`);
      expect(demo.stdout).toContain(`mosquitto_sub -h 127.0.0.1 -p ${port} -t 'edgepipe/#' -v`);
      // The embedded broker (aedes) speaks MQTT 3.1.1.
      const subscriber = await Subscriber.start(url, 'edgepipe/demo/demo/predictions', { protocolVersion: 4 });
      const payloads = (await subscriber.settle(10)).slice(0, 10);
      await subscriber.stop();
      expect(payloads).toHaveLength(10);
      for (const payload of payloads) expect(payloadErrors(payload)).toEqual([]);
      const received = seqs(payloads);
      expect(received).toEqual(received.map((_, i) => received[0]! + i));

      const watched = await runCli(['watch', '--broker', url, '--once', '--json', '--timeout', '60']);
      expect(watched.code, watched.stderr).toBe(0);
      const snapshot = JSON.parse(watched.stdout) as WatchSnapshot;
      expect(snapshot.streams).toHaveLength(1);
      expect(snapshot.streams[0]).toMatchObject({ device: 'demo', pipeline: 'demo', status: 'online', drops: 0, schema_errors: 0 });
    } finally {
      demo.signal('SIGTERM');
    }
    expect(await demo.exited, demo.stderr).toBe(0);
    expect(demo.stdout).toContain('every frame got the colour it shows');
  });

  it('a port that is taken is reported with what to do instead', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const result = await runCli(['demo', '--mqtt', String(port)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`edgepipe demo: port ${port} on 127.0.0.1 is taken (another MQTT broker, e.g. mosquitto?): run with --mqtt 0 for a free port, or --mqtt PORT`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a bad port exits 2', async () => {
    const result = await runCli(['demo', '--mqtt', 'abc']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('for --mqtt but received "abc"');
  });
});
