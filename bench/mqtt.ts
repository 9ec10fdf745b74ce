/**
 * Sustained publish rate of the mqtt sink with its disk outbox (fsync-ed group commit) against a real Mosquitto
 * on 127.0.0.1, QoS 1: messages/s acknowledged, write()-to-arrival latency at a subscriber in this process, CPU
 * per message of this process (sink + subscriber) and of the broker (/proc/<pid>/stat), the outbox's peak bytes
 * on disk, and whether every seq arrived exactly once. Broker persistence off and on, fed as fast as the sink
 * settles messages (at most 1,000 unsettled) or at a fixed rate, and the in-flight window at 1 against 20.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { connect, type MqttClient } from 'mqtt';
import type { MqttSinkConfig } from '../src/config/types.js';
import type { Prediction } from '../src/core/frame.js';
import { parseConfig } from '../src/config/load.js';
import { MqttSink } from '../src/sinks/mqtt/mqtt-sink.js';
import { summarise } from '../src/runtime/timing.js';

export interface MqttRunSpec {
  persistence: boolean;
  /** Messages per second offered; 0 = as fast as the sink settles them (at most MAX_PENDING unsettled). */
  rate: number;
  inflight: number;
  messages: number;
}

const TOPIC = 'edgepipe/bench/bench/predictions';
/** Unsettled messages the max-rate feed allows before it waits. */
const MAX_PENDING = 1000;
const LABELS = ['tabby', 'tiger cat', 'Egyptian cat', 'lynx', 'remote control'];

export function mosquittoBinary(): string | undefined {
  for (const dir of [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    const file = path.join(dir, 'mosquitto');
    if (dir && existsSync(file)) return file;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => (socket.destroy(), resolve(false)));
  });

export interface Broker {
  child: ChildProcess;
  dir: string;
  url: string;
}

/**
 * Mosquitto with defaults except: unlimited queue towards the subscriber (so a slow subscriber loses nothing) and,
 * with persistence on, a save every second (as the tests use; the default 1,800 s would never save during a run).
 */
export async function startBroker(binary: string, persistence: boolean, extraLines: readonly string[] = []): Promise<Broker> {
  const dir = await mkdtemp(path.join(tmpdir(), 'edgepipe-bench-mosquitto-'));
  const port = await freePort();
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'max_queued_messages 0',
    ...(persistence ? ['persistence true', `persistence_location ${dir}/`, 'autosave_interval 1'] : ['persistence false']),
    ...extraLines,
    ...(process.getuid?.() === 0 ? ['user root'] : []),
  ];
  await writeFile(path.join(dir, 'mosquitto.conf'), `${lines.join('\n')}\n`);
  const child = spawn(binary, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  for (let i = 0; i < 100; i++) {
    if (await canConnect(port)) return { child, dir, url: `mqtt://127.0.0.1:${port}` };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`mosquitto did not start on port ${port}: ${stderr.trim()}`);
}

export async function stopBroker(broker: Broker): Promise<void> {
  if (broker.child.exitCode === null) {
    await new Promise<void>((resolve) => {
      broker.child.once('exit', () => resolve());
      broker.child.kill('SIGTERM');
    });
  }
  await rm(broker.dir, { recursive: true, force: true });
}

const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system) of `pid` so far. */
function processCpuS(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Bytes of the files in `dir` and its subfolders. */
async function bytesIn(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await bytesIn(file);
    else total += await stat(file).then((s) => s.size, () => 0);
  }
  return total;
}

/** A classify top-5 prediction as a pipeline hands it to its sinks. */
function prediction(frameId: number): Prediction {
  const now = Date.now();
  return {
    pipeline: 'bench',
    frameId,
    source: 'camera0',
    capturedWallMs: now,
    latencyMs: { queue: 0.41, preprocess: 6.3, wait: 0, infer: 8.1, postprocess: 0.22, total: 15.1 },
    model: { file: 'tf2_mobilenet_v2_1.0_224_ptq.tflite', sha256: 'c4a1f5a4e0d2b7f0e6b7d1c38a9e7f3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f' },
    delegate: 'xnnpack',
    meta: { file: `frame-${frameId % 8}.jpg` },
    result: { kind: 'classify', classes: LABELS.map((label, i) => ({ index: 281 + i, label, score: Math.round((0.62 / (i + 1)) * 1e4) / 1e4 })) },
  };
}

function sinkConfig(models: string, url: string, outboxDir: string, inflight: number): MqttSinkConfig {
  const yaml = [
    'version: 1',
    'pipelines:',
    '  - name: bench',
    '    source: { kind: images, path: "/tmp/*.jpg" }',
    `    model: { file: "${path.join(models, 'tf2_mobilenet_v2_1.0_224_ptq.tflite')}" }`,
    '    postprocess: { kind: classify, top_k: 5 }',
    '    sinks:',
    `      - { kind: mqtt, url: "${url}", device_id: bench, qos: 1, inflight: ${inflight}, outbox: { dir: "${outboxDir}" } }`,
  ].join('\n');
  const sink = parseConfig(path.join(outboxDir, 'bench.yaml'), yaml).pipelines[0]!.sinks[0]!;
  if (sink.kind !== 'mqtt') throw new Error('expected the mqtt sink');
  return sink;
}

/** seq of a prediction payload without a full JSON.parse (the subscriber's cost is part of this process's CPU). */
function seqOf(payload: Buffer): number {
  const text = payload.toString('latin1', 0, 200);
  const at = text.indexOf('"seq":');
  return at < 0 ? -1 : Number.parseInt(text.slice(at + 6), 10);
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

export async function mqttPublishRun(models: string, spec: MqttRunSpec): Promise<Record<string, unknown>> {
  const name = `mqtt-publish ${spec.rate > 0 ? `${spec.rate}/s` : 'max'} inflight ${spec.inflight} persistence ${spec.persistence ? 'on' : 'off'}`;
  const binary = mosquittoBinary();
  if (!binary) return { name, skipped: 'mosquitto is not installed (apt-get install -y mosquitto)' };
  const broker = await startBroker(binary, spec.persistence);
  const outboxDir = await mkdtemp(path.join(tmpdir(), 'edgepipe-bench-outbox-'));
  let subscriber: MqttClient | undefined;
  let sink: MqttSink | undefined;
  try {
    const n = spec.messages;
    const writtenAt = new Float64Array(n + 1);
    const latency: number[] = [];
    const arrivals = new Uint16Array(n + 1);
    let arrived = 0;
    let duplicates = 0;
    let strays = 0;
    let lastArrival = 0;
    let allArrived!: () => void;
    const everyOne = new Promise<void>((resolve) => (allArrived = resolve));
    subscriber = connect(broker.url, { protocolVersion: 5, clean: true, reconnectPeriod: 0 });
    const sub = subscriber;
    sub.on('message', (topic, payload) => {
      const seq = topic === TOPIC ? seqOf(payload) : -1;
      if (seq < 1 || seq > n) return void (strays += 1);
      if (arrivals[seq]! > 0) duplicates += 1;
      else {
        arrived += 1;
        lastArrival = performance.now();
        latency.push(lastArrival - writtenAt[seq]!);
        if (arrived === n) allArrived();
      }
      arrivals[seq]! += 1;
    });
    await new Promise<void>((resolve, reject) => {
      sub.once('error', reject);
      sub.once('connect', () => sub.subscribe(TOPIC, { qos: 1 }, (error) => (error ? reject(error) : resolve())));
    });

    const warnings: string[] = [];
    sink = new MqttSink('bench', sinkConfig(models, broker.url, outboxDir, spec.inflight), { flushTimeoutMs: 600_000, warn: (m) => warnings.push(m) });
    await sink.start();
    for (let i = 0; i < 200 && sink.connection?.state !== 'online'; i++) await sleep(25);
    if (sink.connection?.state !== 'online') throw new Error('the sink did not connect');
    await sleep(200); // the retained status message and the subscription settle before the clock starts

    let peakOutboxBytes = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakOutboxBytes = Math.max(peakOutboxBytes, await bytesIn(outboxDir));
        await sleep(50);
      }
    })();

    const brokerCpu0 = processCpuS(broker.child.pid!);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let written = 0;
    const write = (): void => {
      written += 1;
      writtenAt[written] = performance.now();
      sink!.write(prediction(written));
    };
    if (spec.rate > 0) {
      // Drift-free: each turn writes what is due by now, so timer lateness becomes bursts, not a lower rate.
      while (written < n) {
        const due = Math.min(n, Math.floor(((performance.now() - t0) * spec.rate) / 1000));
        while (written < due) write();
        await sleep(2);
      }
    } else {
      // As fast as the sink settles them: at most MAX_PENDING unsettled, else the run measures a queue filling up.
      while (written < n) {
        const room = MAX_PENDING - sink.stats().pending;
        for (let i = 0; i < Math.min(room, 100) && written < n; i++) write();
        if (room > 0) await yieldToLoop();
        else await sleep(1);
      }
    }
    const fedS = (performance.now() - t0) / 1000;
    while (!(await sink.flush())) await sleep(10);
    const ackedS = (performance.now() - t0) / 1000;
    await Promise.race([everyOne, sleep(30_000, undefined, { ref: false })]);
    const cpu = process.cpuUsage(cpu0);
    const brokerCpuS = processCpuS(broker.child.pid!) - brokerCpu0;
    sampling = false;
    await sampler;

    let missing = 0;
    let once = 0;
    for (let seq = 1; seq <= n; seq++) {
      if (arrivals[seq] === 0) missing += 1;
      if (arrivals[seq] === 1) once += 1;
    }
    const lat = summarise(latency);
    const stats = sink.stats();
    return {
      name,
      messages: n,
      offeredPerS: spec.rate > 0 ? spec.rate : r2(n / fedS),
      ackedPerS: r2(n / ackedS),
      seconds: { fed: r2(fedS), acked: r2(ackedS), lastArrival: r2((lastArrival - t0) / 1000) },
      writeToArrivalMs: { p50: r2(lat.p50), p99: r2(lat.p99), max: r2(lat.max) },
      cpuUsPerMessage: { process: r2((cpu.user + cpu.system) / n), processSystem: r2(cpu.system / n), broker: r2((brokerCpuS * 1e6) / n) },
      peakOutboxKiB: Math.round(peakOutboxBytes / 1024),
      arrivedOnce: once,
      duplicates,
      missing,
      strays,
      sink: { written: stats.written, dropped: stats.dropped, errors: stats.errors, pending: stats.pending },
      ...(warnings.length > 0 ? { warnings: warnings.slice(0, 3) } : {}),
    };
  } finally {
    await sink?.stop();
    await new Promise<void>((resolve) => (subscriber ? subscriber.end(true, {}, () => resolve()) : resolve()));
    await stopBroker(broker);
    await rm(outboxDir, { recursive: true, force: true });
  }
}

/** The runs docs/benchmarks.md reports. */
export async function mqttBenchmarks(models: string): Promise<unknown[]> {
  const runs: MqttRunSpec[] = [
    { persistence: false, rate: 0, inflight: 20, messages: 50_000 },
    { persistence: true, rate: 0, inflight: 20, messages: 50_000 },
    { persistence: false, rate: 500, inflight: 20, messages: 10_000 },
    { persistence: true, rate: 500, inflight: 20, messages: 10_000 },
    { persistence: false, rate: 0, inflight: 1, messages: 20_000 },
    { persistence: false, rate: 500, inflight: 1, messages: 10_000 },
  ];
  const results: unknown[] = [];
  for (const spec of runs) results.push(await mqttPublishRun(models, spec));
  return results;
}
