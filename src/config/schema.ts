/**
 * The pipeline YAML file, the single source of truth for its fields (see schema-dsl.ts for the language and
 * schema-stages.ts for source, preprocess, postprocess and sinks). The validator, the JSON Schema in
 * schema/pipeline.schema.json, docs/configuration.md and the types in types.ts all follow from (or are tested
 * against) these definitions.
 */
import { isSensorSource, sensorChannels } from './sensor-channels.js';
import { boolean, integer, list, number, object, oneOf, string } from './schema-dsl.js';
import { postprocessSchema, preprocessSchema, sinkSchema, sourceSchema } from './schema-stages.js';
import { linesSchema, pipelineZoneProblems, zonesSchema } from './schema-zones.js';
import { trackSchema } from './schema-track.js';
import { cascadePipelineProblems, cascadeSchema } from './schema-cascade.js';
import { motionRegionProblems, motionSchema, motionSourceProblems } from './schema-motion.js';

/** Pipeline names become MQTT topic levels and file names: no `+`, `#`, `/`, spaces or capitals. */
export const pipelineNamePattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** `Front Door #2` -> `front-door-2`: the name a person most likely meant. */
function nameFix(text: string): string | undefined {
  const fixed = text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|-+$/g, '')
    .slice(0, 63);
  return pipelineNamePattern.test(fixed) ? fixed : undefined;
}

const delegateName = /^[a-z0-9][a-z0-9_-]*$/;

const logLevels = ['debug', 'info', 'warn', 'error'] as const;

/** Modules whose log level can be set apart: the first word of a log message (`pipeline door: ...`, `service: ...`). */
export const logModules = ['edgepipe', 'pipeline', 'stats', 'service', 'http'] as const;

const moduleLevel = (module: string, what: string) =>
  oneOf(logLevels, { description: `Lowest level logged for ${what} (\`${module}\` lines). Default: runtime.log.level.` });

export const logSchema = object(
  {
    title: 'Log',
    description:
      'How edgepipe run logs: one line per event on stderr. Under systemd (JOURNAL_STREAM set) each line starts with ' +
      'its journald priority (`<3>` error, `<4>` warn, `<6>` info, `<7>` debug). Secrets (`${file:...}` and `${credential:...}` values, passwords, keys, tokens) are never logged; control characters are escaped.',
    example: { level: 'info', format: 'json', modules: { pipeline: 'debug', stats: 'warn' } },
  },
  {
    level: oneOf(logLevels, { description: 'Lowest level logged. The --log-level option of edgepipe run overrides it.', default: 'info' }),
    format: oneOf(['text', 'json'], {
      description: 'Line format. The --log-format option of edgepipe run overrides it.',
      meanings: { text: '`level message {fields}`', json: 'one JSON object per line: `{time, level, msg, module, ...fields}`' },
      default: 'text',
    }),
    modules: object(
      { title: 'Log modules', description: 'Levels for single modules, overriding runtime.log.level.', default: {}, example: { pipeline: 'debug', stats: 'warn' } },
      {
        edgepipe: moduleLevel('edgepipe', 'start, reload and stop'),
        pipeline: moduleLevel('pipeline', 'the pipelines (delegate, dropped frames, failures)'),
        stats: moduleLevel('stats', 'the periodic stats lines'),
        service: moduleLevel('service', 'systemd notifications and the watchdog'),
        http: moduleLevel('http', 'the HTTP endpoint'),
      },
    ),
  },
);

/** A listen address `host:port`, `[v6]:port` or `:port` (127.0.0.1). Port 0 lets the OS choose. */
export interface ListenAddress {
  host: string;
  port: number;
}

const listenPattern = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*):([0-9]{1,5})$/;

/** Parses `127.0.0.1:9108`, `[::1]:9108`, `localhost:0`, `:9108`; undefined when it is not one of these. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = listenPattern.exec(text);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port > 65535) return undefined;
  const host = match[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return { host, port };
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export const httpSchema = object(
  {
    title: 'HTTP endpoint',
    description:
      'A local HTTP endpoint for probes and Prometheus (/healthz, /metrics, /status) and the live view in the browser (`/`, /api/; see live). Off unless given. ' +
      'Give it in one file only (the first file with runtime.http is used).',
    example: { listen: '127.0.0.1:9108' },
  },
  {
    listen: string({
      description: 'Address and port, `host:port` (`[::1]:9108` for IPv6, `:9108` for 127.0.0.1, port 0 for one chosen by the system).',
      expected: 'an address host:port such as 127.0.0.1:9108',
      pattern: listenPattern,
      required: true,
      example: '127.0.0.1:9108',
    }),
    allow_remote: boolean({
      description: 'Allow an address other than loopback (127.0.0.1, ::1, localhost); `auth` is then required. /healthz and /metrics have no authentication: put the port behind a firewall.',
      default: false,
    }),
    live: object(
      {
        title: 'Live view',
        description:
          'The live view in the browser (docs/live-view.md): the page at `/`, JSON state, Server-Sent Events and MJPEG streams ' +
          'of annotated frames under /api/. Frames are taken and encoded only while someone watches. On unless `enabled: false`.',
        example: { max_viewers: 2, max_fps: 5 },
      },
      {
        enabled: boolean({ description: 'Serve the page and its /api/ routes.', default: true }),
        max_viewers: integer({
          description: 'MJPEG streams open at once over all pipelines; more are refused (503), so viewers cannot starve the pipelines.',
          min: 1,
          max: 64,
          default: 4,
        }),
        max_fps: number({ description: 'Highest frame rate a viewer may ask for (`?fps=`), frames per second.', min: 0.1, max: 30, default: 10 }),
      },
    ),
    auth: object(
      {
        title: 'HTTP authentication',
        description:
          'A token every /api/ route then requires (header `Authorization: Bearer TOKEN`, or the session cookie from POST /api/login), ' +
          'loopback included. Required when `listen` is not a loopback address. Give exactly one of `token_file` and `credential`; ' +
          'the token is never taken from the command line. /healthz and /metrics stay open.',
        example: { credential: 'http-token' },
      },
      {
        token_file: string({ description: 'A file holding the token (first line, at least 16 characters), readable by the service only.', path: true, example: '/etc/edgepipe/http-token' }),
        credential: string({
          description: 'A systemd credential (`LoadCredential=NAME:PATH` in the unit), read from $CREDENTIALS_DIRECTORY/NAME.',
          pattern: /^[A-Za-z0-9_.-]+$/,
          expected: 'a credential name (letters, digits, _ . -)',
          example: 'http-token',
        }),
      },
      [
        {
          run(value, report) {
            const given = (value.tokenFile !== undefined ? 1 : 0) + (value.credential !== undefined ? 1 : 0);
            if (given !== 1) report('token_file', `Expected exactly one of token_file and credential but received ${given === 0 ? 'neither' : 'both'}`);
          },
        },
      ],
    ),
    max_connections: integer({
      description:
        'Connections open at once; more are closed as they arrive (logged as refused). Each holds a file descriptor: ' +
        'the cap keeps a flood of idle connections from taking those the pipelines need.',
      min: 1,
      max: 1024,
      default: 64,
    }),
  },
  [
    {
      run(value, report) {
        const address = parseListenAddress(value.listen);
        if (!address) report('listen', `Expected a port between 0 and 65535 but received "${value.listen}"`);
        else if (!value.allowRemote && !isLoopbackHost(address.host)) {
          report('listen', `"${address.host}" is not a loopback address; the endpoint has no authentication: use 127.0.0.1, or set allow_remote: true`);
        } else if (!isLoopbackHost(address.host) && value.auth === undefined) {
          report('listen', `"${address.host}" is not a loopback address: the live view's actions need a token there; set runtime.http.auth (token_file or credential), or use 127.0.0.1 and an SSH tunnel`);
        }
      },
    },
  ],
);

export const thermalSchema = object(
  {
    title: 'Thermal',
    description:
      'The SoC temperature, read every `interval_s` and reported in the stats; with `throttle_c`, each pipeline takes at ' +
      'most `throttle_max_fps` frames per second while the SoC is that hot (drops counted as `thermal`).',
    default: {},
    example: { throttle_c: 80, throttle_max_fps: 2 },
  },
  {
    zones: list(string({ description: 'A thermal zone type (`/sys/class/thermal/thermal_zoneN/type`).' }), {
      description: "Zone types whose hottest reading is the SoC temperature. Default: the board profile's (devices/), else every zone.",
      minItems: 1,
      example: ['cpu-thermal'],
    }),
    throttle_c: number({
      description: 'Throttle the pipelines at or above this temperature (°C). None = never throttle.',
      min: 30,
      max: 150,
      example: 80,
    }),
    throttle_max_fps: number({ description: 'Frames per second per pipeline while throttling.', min: 0, exclusiveMin: true, max: 1000, default: 1 }),
    hysteresis_c: number({ description: 'Throttling ends this many °C below `throttle_c`.', min: 0, max: 50, default: 5 }),
    interval_s: number({ description: 'Seconds between readings.', min: 0.1, max: 3600, default: 5 }),
    root: string({ description: 'Prefix of /sys and /proc paths (tests and containers).', path: true, default: '/' }),
  },
);

export const runtimeSchema = object(
  {
    title: 'Runtime',
    description: 'Settings shared by all pipelines of the process: the TensorFlow Lite runtime, logs and the HTTP endpoint.',
    default: {},
    example: {
      library: '/opt/vendor/libtensorflowlite_c.so',
      delegate_dirs: ['/etc/edgepipe/delegates'],
      cache_dir: '/var/cache/edgepipe',
    },
  },
  {
    library: string({
      description:
        "The libtensorflowlite_c.so to load (a board vendor's build). " +
        'Default: $EDGEPIPE_TFLITE_LIBRARY, then the one shipped with edgepipe. Relative to this YAML file.',
      path: true,
      example: '/opt/vendor/libtensorflowlite_c.so',
    }),
    delegate_dirs: list(string({ description: 'A folder of delegate descriptors.', path: true }), {
      description:
        'Extra folders of delegate descriptor YAML files, read after the shipped delegates/ ' +
        '(a later one replaces an earlier one of the same name).',
      default: [],
      example: ['/etc/edgepipe/delegates'],
    }),
    cache_dir: string({
      description:
        'Where delegates keep compiled-graph caches and the model probe its verdicts. ' +
        'Default: $XDG_CACHE_HOME/edgepipe or ~/.cache/edgepipe.',
      path: true,
      example: '/var/cache/edgepipe',
    }),
    log: logSchema,
    http: httpSchema,
    thermal: thermalSchema,
    reload_health_s: number({
      description:
        'On a reload (SIGHUP, `systemctl reload edgepipe`), seconds each changed or new pipeline has to deliver its first ' +
        'prediction; one that does not is rolled back to its previous config (a new one is removed). 0 = no check. ' +
        'Default: 30. Each pipeline uses the value of its own file.',
      min: 0,
      max: 3600,
      example: 30,
    }),
  },
);

export const healthSchema = object(
  { title: 'Health', description: 'When an accelerator counts as failed and the pipeline moves down the delegate chain.', default: {} },
  {
    failures: integer({
      description: 'Consecutive failed or timed-out invokes before moving to the next delegate.',
      min: 1,
      max: 1000,
      default: 3,
    }),
    timeout_ms: integer({
      description: 'An invoke slower than this many milliseconds counts as failed (and is abandoned).',
      min: 1,
      max: 600000,
      default: 5000,
    }),
    reprobe_s: number({
      description: 'Seconds between attempts to return to a better delegate after a failover; 0 = never.',
      min: 0,
      max: 604800,
      default: 300,
    }),
  },
);

export const modelSchema = object(
  {
    title: 'Model',
    description: 'The TensorFlow Lite model and how it runs.',
    required: true,
    example: { file: './models/mobilenet.tflite', delegates: ['edgetpu', 'xnnpack', 'cpu'], threads: 1 },
  },
  {
    file: string({
      description: 'The .tflite model file. Relative to this YAML file.',
      path: true,
      required: true,
      example: './models/mobilenet.tflite',
    }),
    labels: string({
      description: 'A labels file, one label per line. Default: the labels packed in the model\'s metadata. Relative to this YAML file.',
      path: true,
      example: './models/labels.txt',
    }),
    label_offset: integer({
      description: 'Line of the labels file that names class 0 (1 for 1001-line ImageNet files used with 1000-class models).',
      min: 0,
      max: 1000,
      default: 0,
    }),
    delegates: list(
      string({
        description: "A delegate name: a descriptor in delegates/ or runtime.delegate_dirs, cpu, or board (the board profile's order).",
        expected: 'a delegate name (lowercase letters, digits, - and _)',
        pattern: delegateName,
        plural: 'delegate names',
        examples: ['edgetpu', 'vx', 'armnn', 'gpu', 'xnnpack', 'cpu'],
      }),
      {
        description:
          'Accelerators to try, best first; a refused or failing one hands over to the next. ' +
          '`cpu` (the plain TFLite kernels) is added at the end when missing.',
        minItems: 1,
        unique: true,
        default: ['xnnpack', 'cpu'],
        example: ['edgetpu', 'xnnpack', 'cpu'],
        normalise: (names) => (names.includes('cpu') ? [...names] : [...names, 'cpu']),
      },
    ),
    threads: integer({
      description: 'CPU threads per interpreter (XNNPACK and CPU kernels), or `auto`: at load, time the chosen delegate with 1 up to ' +
        'min(cores, 4) threads (median of 7 invokes each) and keep the fastest (see docs/benchmarks.md).',
      min: 1,
      max: 64,
      keywords: ['auto'],
      default: 1,
    }),
    pool: integer({ description: 'Interpreters serving this pipeline; each runs one frame at a time.', min: 1, max: 16, default: 1 }),
    optimize: oneOf(['off', 'auto'], {
      description:
        'Run a classic uint8 model (MobileNet quant, COCO SSD quant) as int8, which XNNPACK accelerates: with `auto` the ' +
        'pipeline starts on the original, converts it as `edgepipe optimize` does (cached by the model\'s SHA-256 in ' +
        'runtime.cache_dir/optimize, so a restart does not convert again), and switches to the converted model only when ' +
        'the delegate chain takes more of its nodes and its outputs agree with the original\'s (98%) on the first frames. ' +
        'One log line and the stats (`optimize`) say what it did (docs/optimize.md).',
      meanings: { off: 'run the model as it is', auto: 'convert, check on the first frames, switch when faster and in agreement' },
      default: 'off',
    }),
    health: healthSchema,
    state: list(
      object(
        { title: 'State link', description: 'Feeds an output back into an input on the next frame.', required: true },
        {
          output: string({ description: 'Output tensor name whose values feed `input` on the next frame.', required: true }),
          input: string({ description: 'Input tensor name that receives them (zeros on the first frame).', required: true }),
        },
      ),
      {
        expected: 'a list of maps with output and input',
        description: 'For stateful models (e.g. recurrent sensor models): outputs fed back into inputs.',
        default: [],
        example: [{ output: 'state_out', input: 'state_in' }],
      },
    ),
  },
  [
    {
      run(value, report) {
        const cpu = value.delegates.indexOf('cpu');
        if (cpu >= 0 && cpu < value.delegates.length - 1) {
          const after = value.delegates.slice(cpu + 1).join(', ');
          report('delegates', `cpu must come last: the delegates after it (${after}) would never be tried`);
        }
      },
    },
  ],
);

export const bufferSchema = object(
  {
    title: 'Buffer',
    description: 'What happens to frames that arrive while the model is busy.',
    default: {},
    example: { policy: 'queue', size: 8 },
  },
  {
    policy: oneOf(['latest', 'queue'], {
      description: 'How waiting frames are kept.',
      default: 'latest',
      meanings: { latest: 'keep only the newest waiting frame (lowest latency)', queue: 'keep up to `size` frames, dropping the oldest' },
      synonyms: { newest: 'latest', last: 'latest', fifo: 'queue' },
    }),
    size: integer({
      description: 'Frames kept waiting. Default: 1 with policy latest (the only value it takes), 8 with policy queue.',
      min: 1,
      max: 10000,
      defaultBy: { field: 'policy', values: { latest: 1, queue: 8 } },
    }),
  },
  [
    {
      run(value, report) {
        if (value.policy === 'latest' && value.size !== 1) {
          report('size', 'policy latest keeps exactly 1 frame; use policy: queue to keep more');
        }
      },
    },
  ],
);

export const pipelineSchema = object(
  { title: 'Pipeline', description: 'One chain: source, preprocess, model, postprocess, sinks.', required: true },
  {
    name: string({
      description:
        'Unique name across all files; becomes part of MQTT topics and file names. ' +
        '1-63 lowercase letters, digits, `-` and `_`, starting with a letter or digit.',
      expected: 'a name of lowercase letters, digits, - and _ (1 to 63, starting with a letter or digit)',
      pattern: pipelineNamePattern,
      fix: nameFix,
      required: true,
      example: 'front-door',
    }),
    source: sourceSchema,
    model: modelSchema,
    preprocess: preprocessSchema,
    postprocess: postprocessSchema,
    track: trackSchema,
    cascade: cascadeSchema,
    buffer: bufferSchema,
    motion: motionSchema,
    every: integer({ description: 'Keep every Nth frame from the source (1 = all, 3 = one in three).', min: 1, max: 100000, default: 1 }),
    max_fps: number({
      description: 'At most this many frames per second enter inference; 0 = no limit.',
      min: 0,
      max: 1000,
      default: 0,
      example: 2,
    }),
    stats_interval_s: number({
      description: 'Seconds between stats reports (frames, drops, latency); 0 = none.',
      min: 0,
      max: 86400,
      default: 10,
    }),
    zones: zonesSchema,
    lines: linesSchema,
    sinks: list(sinkSchema, {
      expected: 'a list of sinks (each a map with a kind)',
      description: 'Where results go; each result goes to every sink.',
      minItems: 1,
      default: [{ kind: 'stdout' }],
      example: [{ kind: 'stdout' }, { kind: 'file', path: '/var/log/edgepipe/front-door.jsonl' }],
    }),
  },
  [
    {
      run(value, report) {
        for (const [field, message] of pipelineZoneProblems(value)) report(field, message);
      },
    },
    {
      run(value, report) {
        for (const [field, message] of cascadePipelineProblems(value, isSensorSource(value.source))) report(field, message);
      },
    },
    {
      run(value, report) {
        for (const key of ['zones', 'lines'] as const) {
          if (value[key] && !value.track && (value.postprocess.kind === 'detect-ssd' || value.postprocess.kind === 'detect-yolo')) report(key, `count tracked objects: add a track section (zones and lines follow its track ids)`);
        }
        if (value.track && value.postprocess.kind !== 'detect-ssd' && value.postprocess.kind !== 'detect-yolo') {
          report('track', `follows objects found by a detector; postprocess ${value.postprocess.kind} finds no boxes: use detect-ssd or detect-yolo, or remove track`);
        }
        const source = value.source;
        const sized = source.kind === 'synthetic' || source.kind === 'camera' ? source : { kind: source.kind };
        if (value.motion) motionSourceProblems(value.motion, sized, isSensorSource(source), report);
        if (value.motion && !isSensorSource(source)) motionRegionProblems(value.motion, value, report);
        if (!isSensorSource(source)) return;
        const kind = source.kind;
        const aSource = `${/^[aeiou]/u.test(kind) ? 'an' : 'a'} ${kind} source`;
        // normalize: fixed needs one mean and one std per channel; the model check would say it later, this says where.
        const channels = sensorChannels(source).length;
        for (const key of ['mean', 'std'] as const) {
          const given = source.window[key];
          if (given && given.length !== channels) {
            report('source', `window.${key} has ${given.length} value${given.length === 1 ? '' : 's'} but the ${kind} source has ${channels} channel${channels === 1 ? '' : 's'}; give one per channel, in channel order`);
          }
        }
        if (['detect-ssd', 'detect-yolo', 'pose', 'segment'].includes(value.postprocess.kind)) {
          report('postprocess', `${value.postprocess.kind} finds things in images; ${aSource} gives sensor windows: use classify or scalar`);
        }
        const p = value.preprocess;
        const imageSettings = p.resize !== 'fill' || p.rotate !== 0 || p.flip !== 'none' || p.padColour.some((v) => v !== 0) ||
          p.roi !== undefined || p.colour !== undefined || p.layout !== undefined || p.mean !== undefined || p.std !== undefined;
        if (imageSettings) report('preprocess', `is for images; ${aSource} sets its normalisation and layout in source.window`);
      },
    },
  ],
);

export const configFileSchema = object(
  { title: 'File', description: 'A pipeline configuration file.', required: true },
  {
    version: oneOf([1], { description: 'Version of this file format. Always 1 for now.', required: true }),
    runtime: runtimeSchema,
    pipelines: list(pipelineSchema, {
      expected: 'a list of pipelines',
      description: 'The pipelines of this file (may be empty).',
      required: true,
    }),
  },
);
