/** Configs and checks shared by the MQTT sink tests. */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MqttSinkConfig } from '../../src/config/types.js';
import { jsonSchemaErrors } from '../../src/config/json-schema-check.js';

let counter = 0;
const outboxDirs: string[] = [];

/** Deletes the outbox folders mqttConfig made (call in afterAll). */
export async function removeOutboxDirs(): Promise<void> {
  await Promise.all(outboxDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

async function newOutboxDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'edgepipe-outbox-'));
  outboxDirs.push(dir);
  return dir;
}

/** A config for the broker at `url` with a fresh outbox folder (or `dir`), device `dev`, unique client id; events off (tests of them turn them on). */
export async function mqttConfig(
  url: string,
  { outbox, ...overrides }: Partial<Omit<MqttSinkConfig, 'outbox'>> & { outbox?: Partial<MqttSinkConfig['outbox']> } = {},
  dir?: string,
): Promise<MqttSinkConfig> {
  counter += 1;
  return {
    kind: 'mqtt',
    url,
    clientId: `edgepipe-test-${process.pid}-${counter}`,
    deviceId: 'dev',
    topic: 'edgepipe/{device}/{pipeline}/predictions',
    statusTopic: 'edgepipe/{device}/status',
    qos: 1,
    retain: false,
    protocol: 5,
    inflight: 20,
    keepaliveS: 15,
    reconnect: { initialMs: 50, maxMs: 500 },
    mode: 'every',
    intervalS: 10,
    minIntervalMs: 0,
    threshold: 0.5,
    events: { enabled: false, topic: 'edgepipe/{device}/{pipeline}/events', qos: 1, retain: false },
    stats: { enabled: true, topic: 'edgepipe/{device}/{pipeline}/stats', intervalS: 60, qos: 0, retain: true },
    pipelineStatus: { enabled: true, topic: 'edgepipe/{device}/{pipeline}/status' },
    counts: { enabled: true, topic: 'edgepipe/{device}/{pipeline}/counts/{name}' },
    homeAssistant: { enabled: false, prefix: 'homeassistant' },
    snapshots: { enabled: false, maxBytes: 262144, topic: 'edgepipe/{device}/{pipeline}/snapshot' },
    commands: { enabled: true, topic: 'edgepipe/{device}/{pipeline}/commands', responseTopic: 'edgepipe/{device}/{pipeline}/responses', maxPerSecond: 5 },
    ...overrides,
    deadLetter: { maxAttempts: 3, maxBytes: 1024 * 1024, ...overrides.deadLetter },
    outbox: { dir: dir ?? (await newOutboxDir()), maxBytes: 64 * 1024 * 1024, maxAgeS: 3600, ...outbox },
  };
}

export const predictionsTopic = 'edgepipe/dev/door/predictions';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
const schemas = new Map<string, { [key: string]: Json }>();

/** Errors of one received payload against schema/<name>.schema.json (shipped with the package). */
export function schemaErrors(name: 'prediction' | 'event' | 'stats' | 'status' | 'track-event' | 'counts', payload: string): string[] {
  let schema = schemas.get(name);
  if (!schema) {
    schema = JSON.parse(readFileSync(new URL(`../../schema/${name}.schema.json`, import.meta.url), 'utf8')) as { [key: string]: Json };
    schemas.set(name, schema);
  }
  return jsonSchemaErrors(schema, JSON.parse(payload) as Json);
}

/** Errors of one received payload against schema/prediction.schema.json. */
export const payloadErrors = (payload: string): string[] => schemaErrors('prediction', payload);

/** seq of each payload. */
export const seqs = (payloads: readonly string[]): number[] => payloads.map((p) => (JSON.parse(p) as { seq: number }).seq);
