/**
 * A `${file:...}` value never leaves the process, by any exit: `edgepipe run` (a real process) with three pipelines
 * whose errors name such a value (a file sink path that cannot be created, a file sink on a full tmpfs, a tls.ca
 * that does not exist). The log lines, /healthz, /status, /metrics and every MQTT message (stats, status) are read
 * and searched for the values; the errors themselves must still be there, with `<hidden>` in place of the value.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeColourModel } from '../helpers/image-models.js';
import { projectRoot } from '../helpers/shared-models.js';
import { get } from './run-service.js';
import { Mosquitto, mosquittoOrSkip } from '../sinks/mqtt-broker.js';


/** A 16 KiB tmpfs at `dir`, or a reason it cannot be mounted here. */
function mountTiny(dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const binary = mosquittoOrSkip();
const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-secret-exits-'));
const full = path.join(dir, 'full');
mkdirSync(full);
const mountProblem = mountTiny(full);
if (mountProblem && process.env['CI'] === 'true') throw new Error(`cannot mount a tmpfs for the full-disk case: ${mountProblem}`);
if (mountProblem) console.warn(`secret-exits: skipped, cannot mount a tmpfs: ${mountProblem}`);

// The secrets: parts of paths read from files. Each would appear in an error text if nothing hid it.
const secrets = { broken: 'S3CRET-sink-dir-7141', full: 'S3CRET-full-disk-2718', ca: 'S3CRET-ca-file-1618' };

describe.skipIf(!binary || mountProblem !== undefined)('secrets at every exit of edgepipe run', () => {
  let broker: Mosquitto;
  let observer: MqttClient;
  const messages: Array<{ topic: string; payload: string }> = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.start(binary!);
    observer = connect(broker.url, { protocolVersion: 5 });
    observer.on('message', (topic, payload) => messages.push({ topic, payload: payload.toString('utf8') }));
    await new Promise<void>((resolve) => observer.once('connect', () => resolve()));
    await observer.subscribeAsync('#', { qos: 0 });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await observer?.endAsync(true);
    await broker?.stop();
    execFileSync('umount', [full], { stdio: 'ignore' });
  });

  it('hides them in the log, /healthz, /status, /metrics and on MQTT, keeping the errors', async () => {
    const model = writeColourModel(dir);
    // A folder under a regular file: the file sink cannot start (ENOTDIR), so the pipeline fails and is retried.
    // (Not under /proc: Node 20's recursive mkdir never settles there.)
    writeFileSync(path.join(dir, 'broken-path'), `${dir}/broken-path/${secrets.broken}/out.jsonl\n`);
    writeFileSync(path.join(dir, 'full-path'), `${full}/${secrets.full}.jsonl\n`);
    writeFileSync(path.join(dir, 'ca-path'), `${dir}/missing/${secrets.ca}.crt\n`);
    const pipeline = (name: string, sinks: string[]): string[] => [
      `  - name: ${name}`,
      '    source: { kind: synthetic, width: 64, height: 48, fps: 50, pattern: colours }',
      `    model: { file: "${model}" }`,
      '    postprocess: { kind: classify, top_k: 1 }',
      '    sinks:',
      ...sinks.map((sink) => `      - ${sink}`),
    ];
    const mqtt = (name: string, extra = ''): string =>
      `{ kind: mqtt, url: "${broker.url}", client_id: ${name}, device_id: dev, outbox: { dir: "${dir}/outbox-${name}" }, stats: { enabled: true, interval_s: 1 }${extra} }`;
    const config = path.join(dir, 'secrets.yaml');
    writeFileSync(
      config,
      [
        'version: 1',
        'runtime:',
        '  http: { listen: "127.0.0.1:0" }',
        'pipelines:',
        ...pipeline('broken', ['{ kind: file, path: "${file:broken-path}" }']),
        ...pipeline('full', ['{ kind: file, path: "${file:full-path}" }', mqtt('full')]),
        ...pipeline('tls', [mqtt('tls', ', tls: { ca: "${file:ca-path}" }').replace('mqtt://', 'mqtts://')]),
        '',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), 'run', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = Date.now() + 45_000;
    const wait = async (what: string, test: () => boolean | Promise<boolean>): Promise<void> => {
      while (!(await test())) {
        if (Date.now() > deadline) throw new Error(`${what}: not within 45 s; stderr: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await wait('the endpoint', () => /http: listening on http:\/\/127\.0\.0\.1:\d+/.test(stderr));
    const port = Number(/http: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
    type Status = { pipelines: Array<{ name: string; lastError?: string }> };
    let status: Status = { pipelines: [] };
    await wait('both failing pipelines with a lastError', async () => {
      status = JSON.parse((await get(port, '/status')).body) as Status;
      return status.pipelines.filter((p) => p.lastError).length >= 2;
    });
    // The full disk: the file sink's error in the stats on MQTT (published every second).
    await wait('an MQTT stats message with the full sink error', () => messages.some((m) => m.topic.endsWith('/stats') && m.payload.includes('no space')));
    await wait('the full sink warning in the log', () => stderr.includes('sink full/file: cannot write'));

    const healthz = await get(port, '/healthz');
    const statusBody = (await get(port, '/status')).body;
    const metrics = (await get(port, '/metrics')).body;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await wait('the stopped status message', () => messages.some((m) => m.topic === 'edgepipe/dev/full/status' && m.payload.includes('"stopped"')));

    const exits = { log: stderr, healthz: healthz.body, status: statusBody, metrics, mqtt: messages.map((m) => `${m.topic} ${m.payload}`).join('\n') };
    for (const [exit, text] of Object.entries(exits)) {
      for (const secret of Object.values(secrets)) expect(text, `${exit} shows ${secret}`).not.toContain(secret);
    }
    // The errors are still told, with the secret part hidden.
    expect(healthz.status).toBe(503);
    // Each file holds a whole path, so the whole path is the secret.
    expect(healthz.body).toMatch(/^broken: (backoff|starting): sink broken\/file: cannot open <hidden>: .*$/m);
    expect(healthz.body).toMatch(/^tls: (backoff|starting): sink tls\/mqtt: cannot read the TLS files: tls\.ca <hidden>: no such file.*$/m);
    const broken = (JSON.parse(statusBody) as Status).pipelines.find((p) => p.name === 'broken')!;
    expect(broken.lastError).toMatch(/^sink broken\/file: cannot open <hidden>: /);
    expect(stderr).toContain('sink full/file: cannot write <hidden>: no space left on device');
    expect(exits.mqtt).toContain('"last_error":"<hidden>: no space left on device"');
  });
});
