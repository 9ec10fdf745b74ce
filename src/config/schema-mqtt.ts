/**
 * Schema of the `mqtt` sink (docs/mqtt.md): broker, topics, credentials, TLS, the disk outbox, dead-lettering and
 * reconnects. Kept apart from schema-stages.ts so the sink's fields change without touching the other stages.
 */
import { boolean, integer, object, oneOf, string } from './schema-dsl.js';

/** A topic template: `{device}` and `{pipeline}` are filled in; no wildcards. */
export const topicTemplate = /^[^+#\u0000-\u001f]+$/u;

const pem = (what: string, example: string) =>
  string({
    description: `${what} (PEM file), read at sink start. Relative to this YAML file; under systemd use \`\${CREDENTIALS_DIRECTORY}/NAME\` with \`LoadCredential=NAME:PATH\`.`,
    path: true,
    example,
  });

const tlsSchema = object(
  {
    title: 'MQTT TLS',
    description:
      'TLS for `mqtts://` URLs: the CA that signed the broker certificate and, for brokers that require one, a client certificate and key. None = the system CAs, no client certificate.',
  },
  {
    ca: pem('CA certificate(s) that signed the broker certificate. None = the system CAs', '/etc/edgepipe/mqtt/ca.crt'),
    cert: pem('Client certificate, for brokers with `require_certificate true`; needs `key`', '/etc/edgepipe/mqtt/client.crt'),
    key: pem('Private key of `cert`; never logged', '/etc/edgepipe/mqtt/client.key'),
    server_name: string({
      description: 'Name the broker certificate must carry (SNI and verification). None = the URL host.',
      pattern: /^[A-Za-z0-9.-]{1,253}$/u,
      expected: 'a host name',
      example: 'broker.example.com',
    }),
    reject_unauthorized: boolean({
      description: 'Refuse brokers whose certificate does not verify against `ca`. Turn off only to diagnose.',
      default: true,
    }),
  },
  [
    {
      run(value, report) {
        if (value.cert !== undefined && value.key === undefined) report('key', 'missing: cert is set and needs its private key');
        if (value.key !== undefined && value.cert === undefined) report('cert', 'missing: key is set and needs its certificate');
      },
    },
  ],
);

export const mqttSinkSchema = object(
  {
    title: 'Sink: mqtt',
    description:
      'Versioned JSON messages to an MQTT broker, kept in a disk outbox until the broker acknowledges them (see docs/mqtt.md).',
    required: true,
  },
  {
    url: string({
      description: 'The broker: `mqtt://host:port` (plain) or `mqtts://host:port` (TLS).',
      pattern: /^mqtts?:\/\/[^\s/]+/u,
      expected: 'an mqtt:// or mqtts:// URL',
      required: true,
      example: 'mqtt://127.0.0.1:1883',
    }),
    client_id: string({
      description: 'MQTT client id; unique per connection. None = `edgepipe-<hostname>-<pipeline>`.',
      pattern: /^[\x21-\x7e]{1,128}$/u,
      expected: '1 to 128 printable characters without spaces',
    }),
    device_id: string({
      description: 'This device as one topic level (no `+`, `#`, `/`, spaces or control characters). None = the hostname.',
      pattern: /^[^+#/\s\u0000-\u001f]+$/u,
      expected: 'one topic level (no + # / or spaces)',
      example: 'gate-3',
    }),
    topic: string({
      description: 'Topic template for predictions; `{device}` and `{pipeline}` are replaced. No `+` or `#`.',
      pattern: topicTemplate,
      expected: 'a topic without + or #',
      default: 'edgepipe/{device}/{pipeline}/predictions',
    }),
    status_topic: string({
      description: 'Topic template for availability: retained `online` at connect, `offline` as last will and at stop.',
      pattern: topicTemplate,
      expected: 'a topic without + or #',
      default: 'edgepipe/{device}/status',
    }),
    qos: oneOf([0, 1], {
      description: 'MQTT quality of service for predictions.',
      meanings: { 0: 'at most once', 1: 'at least once: kept in the outbox until the broker acknowledges it' },
      default: 1,
    }),
    retain: boolean({ description: 'Broker keeps the latest prediction for new subscribers.', default: false }),
    protocol: oneOf([5, 4], {
      description: 'MQTT protocol version.',
      meanings: { 5: 'MQTT 5', 4: 'MQTT 3.1.1' },
      default: 5,
    }),
    username: string({ description: 'Broker user name.' }),
    password: string({
      description: 'Broker password; use `${file:...}` or `${credential:...}` rather than writing it here. Never logged.',
    }),
    tls: tlsSchema,
    outbox: object(
      { title: 'MQTT outbox', description: 'Disk outbox: messages wait here (fsync-ed) until the broker acknowledges them.', default: {} },
      {
        dir: string({
          description:
            'Folder of the outbox (one per sink, locked by one process). None = `$STATE_DIRECTORY/mqtt/<pipeline>` under systemd, else `/var/lib/edgepipe/mqtt/<pipeline>`.',
          path: true,
          example: '/var/lib/edgepipe/mqtt/door',
        }),
        max_bytes: integer({
          description: 'Most bytes of unacknowledged messages; beyond it the oldest are dropped (counted).',
          min: 1024,
          default: 67108864,
        }),
        max_age_s: integer({
          description: 'Messages older than this many seconds are dropped (counted) instead of sent.',
          min: 1,
          default: 604800,
        }),
      },
    ),
    dead_letter: object(
      {
        title: 'MQTT dead letters',
        description:
          'Messages the broker refuses (MQTT 5 reason code 0x80 or more, e.g. not authorised, quota exceeded) are retried, then appended to `dead-letter.jsonl` in the outbox folder.',
        default: {},
      },
      {
        max_attempts: integer({ description: 'Publishes of a refused message before it is dead-lettered (1 = no retry).', min: 1, max: 100, default: 3 }),
        max_bytes: integer({
          description: 'Size of `dead-letter.jsonl` before it is rotated to `dead-letter.jsonl.1` (the previous one is deleted).',
          min: 4096,
          default: 1048576,
        }),
      },
    ),
    inflight: integer({ description: 'Most messages published and not yet acknowledged.', min: 1, max: 1000, default: 20 }),
    reconnect: object(
      { title: 'MQTT reconnect', description: 'Exponential backoff with jitter between connection attempts.', default: {} },
      {
        initial_ms: integer({ description: 'First delay after a lost connection, ms.', min: 10, max: 600000, default: 500 }),
        max_ms: integer({ description: 'Longest delay, ms; also the delay after the broker refuses the credentials.', min: 10, max: 3600000, default: 30000 }),
      },
    ),
  },
  [
    {
      run(value, report) {
        if (value.tls !== undefined && !value.url.startsWith('mqtts://')) report('tls', `is used only with mqtts:// URLs; url is ${value.url.split('://')[0]}://`);
      },
    },
  ],
);
