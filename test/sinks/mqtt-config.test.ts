/** The `mqtt` sink's YAML: defaults, validation, and createSink wiring (no broker needed). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactedConfigDump } from '../../src/config/dump.js';
import { parseConfig } from '../../src/config/load.js';
import type { MqttSinkConfig } from '../../src/config/types.js';
import { createSink } from '../../src/sinks/index.js';
import { clientIdOf } from '../../src/sinks/mqtt/lease.js';
import { projectRoot } from '../helpers/shared-models.js';
import { configError, placeholderModel } from '../config/helpers.js';

const yaml = (sink: string) => `version: 1
pipelines:
  - name: door
    source: { kind: synthetic }
    model: { file: ${placeholderModel} }
    postprocess: { kind: classify }
    sinks: [${sink}]
`;

describe('mqtt sink configuration', () => {
  it('fills the documented defaults', () => {
    const sink = parseConfig('/etc/edgepipe/p.yaml', yaml('{ kind: mqtt, url: "mqtt://127.0.0.1:1883" }')).pipelines[0]!.sinks[0];
    expect(sink).toEqual({
      kind: 'mqtt',
      url: 'mqtt://127.0.0.1:1883',
      topic: 'edgepipe/{device}/{pipeline}/predictions',
      statusTopic: 'edgepipe/{device}/status',
      qos: 1,
      retain: false,
      protocol: 5,
      outbox: { maxBytes: 67108864, maxAgeS: 604800 },
      deadLetter: { maxAttempts: 3, maxBytes: 1048576 },
      mode: 'every',
      intervalS: 10,
      minIntervalMs: 0,
      threshold: 0.5,
      events: { enabled: true, topic: 'edgepipe/{device}/{pipeline}/events', qos: 1, retain: false },
      stats: { enabled: true, topic: 'edgepipe/{device}/{pipeline}/stats', intervalS: 60, qos: 0, retain: true },
      pipelineStatus: { enabled: true, topic: 'edgepipe/{device}/{pipeline}/status' },
      counts: { enabled: true, topic: 'edgepipe/{device}/{pipeline}/counts/{name}' },
      homeAssistant: { enabled: false, prefix: 'homeassistant' },
      snapshots: { enabled: false, maxBytes: 262144, topic: 'edgepipe/{device}/{pipeline}/snapshot' },
      commands: { enabled: true, topic: 'edgepipe/{device}/{pipeline}/commands', responseTopic: 'edgepipe/{device}/{pipeline}/responses', maxPerSecond: 5 },
      inflight: 20,
      keepaliveS: 15,
      reconnect: { initialMs: 500, maxMs: 30000 },
    } satisfies MqttSinkConfig);
  });

  it('resolves outbox.dir against the YAML folder', () => {
    const sink = parseConfig('/etc/edgepipe/p.yaml', yaml('{ kind: mqtt, url: "mqtt://b:1883", outbox: { dir: ./outbox } }')).pipelines[0]!.sinks[0];
    expect(sink).toMatchObject({ outbox: { dir: '/etc/edgepipe/outbox' } });
  });

  it('refuses device ids that are not one topic level, wildcard topics and other URLs', async () => {
    for (const bad of ['device_id: "a/b"', 'device_id: "a+"', 'device_id: ""', 'topic: "x/#"', 'qos: 2', 'mode: sometimes', 'events: { topic: "a/+" }', 'min_interval_ms: -1', 'threshold: 1.5', 'home_assistant: { prefix: "a b" }', 'snapshots: { max_bytes: 100 }', 'commands: { response_topic: "edgepipe/{device}/{pipeline}/commands" }', 'commands: { topic: "a/#" }']) {
      const error = await configError(() => parseConfig('/etc/p.yaml', yaml(`{ kind: mqtt, url: "mqtt://b:1883", ${bad} }`)));
      expect(error.message, bad).toContain('sinks[0]');
    }
    const error = await configError(() => parseConfig('/etc/p.yaml', yaml('{ kind: mqtt, url: "http://b" }')));
    expect(error.message).toContain('an mqtt:// or mqtts:// URL');
  });

  it('tls: PEM paths resolve against the YAML folder, reject_unauthorized defaults to true', () => {
    const sink = parseConfig('/etc/edgepipe/p.yaml', yaml('{ kind: mqtt, url: "mqtts://b:8883", tls: { ca: ca.crt, cert: ./c/dev.crt, key: /k/dev.key, server_name: b.example } }')).pipelines[0]!.sinks[0];
    expect(sink).toMatchObject({ tls: { ca: '/etc/edgepipe/ca.crt', cert: '/etc/edgepipe/c/dev.crt', key: '/k/dev.key', serverName: 'b.example', rejectUnauthorized: true } });
  });

  it('tls: a key from systemd credentials (${CREDENTIALS_DIRECTORY}/NAME) is a path, shown in the config dump (only secrets are hidden)', () => {
    const env = { CREDENTIALS_DIRECTORY: '/run/credentials/edgepipe.service' };
    const config = parseConfig('/etc/p.yaml', yaml('{ kind: mqtt, url: "mqtts://b:8883", tls: { cert: c.crt, key: "${CREDENTIALS_DIRECTORY}/mqtt.key" } }'), { env });
    expect(config.pipelines[0]!.sinks[0]).toMatchObject({ tls: { key: '/run/credentials/edgepipe.service/mqtt.key' } });
    expect(redactedConfigDump(config)).toContain('key: /run/credentials/edgepipe.service/mqtt.key');
  });

  it('tls: refused with an mqtt:// URL, cert without key, and an unknown field, each naming the field', async () => {
    const cases = [
      ['{ kind: mqtt, url: "mqtt://b:1883", tls: { ca: ca.crt } }', 'sinks[0].tls: is used only with mqtts:// URLs; url is mqtt://'],
      ['{ kind: mqtt, url: "mqtts://b:8883", tls: { cert: c.crt } }', 'sinks[0].tls.key: missing: cert is set and needs its private key'],
      ['{ kind: mqtt, url: "mqtts://b:8883", tls: { cafile: ca.crt } }', 'sinks[0].tls.cafile: unknown field'],
      ['{ kind: mqtt, url: "mqtts://b:8883", dead_letter: { max_attempts: 0 } }', 'sinks[0].dead_letter.max_attempts: expected an integer between 1 and 100'],
    ];
    for (const [sink, message] of cases) {
      const error = await configError(() => parseConfig('/etc/p.yaml', yaml(sink!)));
      expect(error.message, sink).toContain(message);
    }
  });

  it('createSink makes an mqtt sink named <pipeline>/mqtt', () => {
    const config = parseConfig('/etc/p.yaml', yaml('{ kind: mqtt, url: "mqtt://b:1883", device_id: gate }')).pipelines[0]!.sinks[0]!;
    const sink = createSink('door', config);
    expect([sink.kind, sink.name, sink.stats()]).toEqual(['mqtt', 'door/mqtt', { written: 0, dropped: 0, errors: 0, pending: 0 }]);
  });
});

describe('mqtt sink client_id default', () => {
  it('is edgepipe-<hostname> in the code, docs/configuration.md and docs/mqtt.md alike', () => {
    const sink = parseConfig('/etc/edgepipe/p.yaml', yaml('{ kind: mqtt, url: "mqtt://b:1883" }')).pipelines[0]!.sinks[0] as MqttSinkConfig;
    expect(clientIdOf(sink, 'gate-3')).toBe('edgepipe-gate-3');
    const configurationMd = readFileSync(path.join(projectRoot, 'docs', 'configuration.md'), 'utf8');
    const sinkSection = configurationMd.slice(configurationMd.indexOf('## Sink: mqtt'));
    const row = /^\| `client_id` \|.*$/m.exec(sinkSection)![0];
    expect(row).toContain('None = `edgepipe-<hostname>`:');
    const mqttMd = readFileSync(path.join(projectRoot, 'docs', 'mqtt.md'), 'utf8');
    expect(/^\| `client_id` \|.*$/m.exec(mqttMd)![0]).toContain('| `edgepipe-<hostname>` |');
    expect(configurationMd + mqttMd).not.toContain('edgepipe-<hostname>-<pipeline>`');
  });
});
