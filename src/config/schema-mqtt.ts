/**
 * Schema of the `mqtt` sink (docs/mqtt.md): broker, topics, credentials, TLS, the disk outbox, dead-lettering and
 * reconnects. Kept apart from schema-stages.ts so the sink's fields change without touching the other stages.
 */
import { boolean, integer, number, object, oneOf, string } from './schema-dsl.js';

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
      description:
        'MQTT client id. None = `edgepipe-<hostname>`: the mqtt sinks of one process with the same url, client id, ' +
        'username and TLS files share one connection (docs/mqtt.md).',
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
    mode: oneOf(['every', 'change', 'interval'], {
      description: 'Which predictions are published (docs/mqtt.md#modes). Suppressed ones are counted, never queued.',
      meanings: {
        every: 'each prediction (at most one per `min_interval_ms`)',
        change: 'only when the result changed meaningfully: top class or its score crossing `threshold` (classify), labels present (detect, segment), a person present (pose), the anomaly flag (scalar); at most one per `min_interval_ms`',
        interval: 'at most one prediction per `interval_s`',
      },
      default: 'every',
    }),
    interval_s: integer({ description: 'With `mode: interval`: seconds between published predictions.', min: 1, max: 86400, default: 10 }),
    min_interval_ms: integer({ description: 'With `mode: every` or `change`: least ms between published predictions; 0 = no limit.', min: 0, max: 3600000, default: 0 }),
    threshold: number({ description: 'Classify: a top-class score crossing this is a change (mode `change` and events).', min: 0, max: 1, default: 0.5 }),
    events: object(
      { title: 'MQTT events', description: 'One message per change (see `mode: change`), whatever the mode; kept in their own outbox (`<outbox.dir>/events`).', default: {} },
      {
        enabled: boolean({ description: 'Publish events.', default: true }),
        topic: string({ description: 'Topic template for events.', pattern: topicTemplate, expected: 'a topic without + or #', default: 'edgepipe/{device}/{pipeline}/events' }),
        qos: oneOf([0, 1], { description: 'QoS of events.', meanings: { 0: 'at most once', 1: 'at least once' }, default: 1 }),
        retain: boolean({ description: 'Broker keeps the latest event.', default: false }),
      },
    ),
    stats: object(
      { title: 'MQTT stats', description: "The pipeline's stats (fps, latency, drops, the sinks' counters) every `interval_s`; not kept in the outbox (dropped, counted, while offline).", default: {} },
      {
        enabled: boolean({ description: 'Publish stats.', default: true }),
        topic: string({ description: 'Topic template for stats.', pattern: topicTemplate, expected: 'a topic without + or #', default: 'edgepipe/{device}/{pipeline}/stats' }),
        interval_s: integer({ description: 'Seconds between stats messages.', min: 1, max: 86400, default: 60 }),
        qos: oneOf([0, 1], { description: 'QoS of stats.', meanings: { 0: 'at most once', 1: 'at least once (while connected)' }, default: 0 }),
        retain: boolean({ description: 'Broker keeps the latest stats.', default: true }),
      },
    ),
    pipeline_status: object(
      { title: 'MQTT pipeline status', description: 'Retained per-pipeline status: `running` (with the delegate) or `stopped`, QoS 1, sent again at each connect.', default: {} },
      {
        enabled: boolean({ description: 'Publish the pipeline status.', default: true }),
        topic: string({ description: 'Topic template for the pipeline status.', pattern: topicTemplate, expected: 'a topic without + or #', default: 'edgepipe/{device}/{pipeline}/status' }),
      },
    ),
    counts: object(
      {
        title: 'MQTT zone and line counts',
        description:
          "Retained state of the pipeline's zones and lines (docs/mqtt.md#counts): one topic per zone or line, `{name}` its name; sent when a count changes and again at each connect, QoS 1.",
        default: {},
      },
      {
        enabled: boolean({ description: 'Publish the counts (only pipelines with zones or lines have any).', default: true }),
        topic: string({ description: 'Topic template for the counts; `{name}` is the zone or line.', pattern: topicTemplate, expected: 'a topic without + or #', default: 'edgepipe/{device}/{pipeline}/counts/{name}' }),
      },
    ),
    home_assistant: object(
      { title: 'MQTT Home Assistant discovery', description: 'Retained Home Assistant MQTT discovery configs, so the pipeline appears as sensors (docs/mqtt.md#home-assistant).', default: {} },
      {
        enabled: boolean({ description: 'Publish discovery configs.', default: false }),
        prefix: string({ description: "Home Assistant's discovery prefix.", pattern: /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/u, expected: 'topic levels of letters, digits, _ and -', default: 'homeassistant' }),
      },
    ),
    snapshots: object(
      {
        title: 'MQTT snapshots',
        description:
          'On each event, the frame as a JPEG with the result drawn on it, published as binary (QoS 0, not kept in the outbox); at most one in flight, others dropped and counted. Image pipelines only.',
        default: {},
      },
      {
        enabled: boolean({ description: 'Publish snapshots.', default: false }),
        max_bytes: integer({ description: 'Largest JPEG, bytes: the quality, then the size, is lowered to fit.', min: 4096, max: 16777216, default: 262144 }),
        topic: string({ description: 'Topic template for snapshots.', pattern: topicTemplate, expected: 'a topic without + or #', default: 'edgepipe/{device}/{pipeline}/snapshot' }),
      },
    ),
    commands: object(
      {
        title: 'MQTT commands',
        description:
          'Commands for this pipeline on its command topic (pause, resume, reload, snapshot, set_threshold; docs/mqtt.md#commands), ' +
          'each answered on the response topic. Anyone allowed to publish on the command topic can pause the pipeline: ' +
          'restrict it with the broker\'s ACL, or disable commands.',
        default: {},
      },
      {
        enabled: boolean({ description: 'Subscribe to the command topic.', default: true }),
        topic: string({ description: 'Topic template for commands.', pattern: topicTemplate, expected: 'a topic without + or #', default: 'edgepipe/{device}/{pipeline}/commands' }),
        response_topic: string({
          description: 'Topic template for the answers (must differ from `topic`).',
          pattern: topicTemplate,
          expected: 'a topic without + or #',
          default: 'edgepipe/{device}/{pipeline}/responses',
        }),
        max_per_second: integer({ description: 'Commands accepted per second; more are answered `rate_limited`.', min: 1, max: 1000, default: 5 }),
      },
      [
        {
          run(value, report) {
            if (value.topic === value.responseTopic) report('response_topic', 'is the same as topic: the answers would come back as commands');
          },
        },
      ],
    ),
    inflight: integer({ description: 'Most messages published and not yet acknowledged.', min: 1, max: 1000, default: 20 }),
    keepalive_s: integer({
      description:
        'MQTT keepalive, s: a ping when nothing was sent for this long; a broker gone silent (half-open connection, ' +
        'no FIN or RST) is noticed after about 1.5 times this, then the sink reconnects. Sinks sharing a connection must agree.',
      min: 1,
      max: 3600,
      default: 15,
    }),
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
