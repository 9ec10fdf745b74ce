/** edgepipe watch: what a field engineer runs while installing a camera (see src/watch/). */
import { EdgepipeError, invalidOption } from '../runtime/errors.js';
import { predictionSchemaCheck } from '../watch/schema-check.js';
import { watch } from '../watch/session.js';
import { filterProblem, type WatchFilter } from '../watch/topics.js';
import { intOption, parseCommand, stringOption } from './args.js';

export const DEFAULT_BROKER = 'mqtt://127.0.0.1:1883';

export const watchHelp = `Usage: edgepipe watch [--broker URL] [--device ID] [--pipeline NAME] [--json] [--once | --count N] [--timeout S]

Subscribes to edgepipe/<device|+>/<pipeline|+>/predictions and edgepipe/<device|+>/status (the mqtt sink's
default topics) and shows per device and pipeline: online/offline status, the latest prediction, fps (arrivals
over the last 5 s), latency p50 (latency_ms.total of the last 100 payloads), dropped messages (gaps in seq),
redeliveries, and payloads that do not match schema/prediction.schema.json. Refreshed in place on a terminal,
else a new block at most once a second when something changed. MQTT 3.1.1, clean session.

  --broker URL     mqtt://host[:port] or mqtts://host[:port], credentials as user:password@ (default ${DEFAULT_BROKER})
  --device ID      only this device
  --pipeline NAME  only this pipeline
  --json           one JSON object per refresh instead of the table
  --once           exit after the first refresh that shows a prediction
  --count N        exit as soon as N predictions arrived
  --timeout S      with --once or --count: exit 1 if they have not happened within S seconds (default 10)`;

/** The broker URL, checked: mqtt:// or mqtts://, a host, an optional port, nothing else. */
export function brokerUrl(raw: string): { url: string; shown: string } {
  const expected = 'an mqtt:// or mqtts:// URL with a host and an optional port (e.g. mqtt://127.0.0.1:1883)';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidOption('--broker', expected, raw);
  }
  if ((url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') || url.hostname === '') throw invalidOption('--broker', expected, raw);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw invalidOption('--broker', `${expected}, without a path or query`, raw);
  }
  if (url.port === '0') throw invalidOption('--broker', `${expected}: port 0 is not a broker port`, raw);
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  return { url: url.href.replace(/\/$/u, ''), shown: shown.href.replace(/\/$/u, '') };
}

function filterOption(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const problem = filterProblem(flag, value);
  if (problem) throw new EdgepipeError('ERR_INVALID_OPTION', problem, { exitCode: 2 });
  return value;
}

export async function watchCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand('watch', argv, {
    broker: { type: 'string' },
    device: { type: 'string' },
    pipeline: { type: 'string' },
    json: { type: 'boolean' },
    once: { type: 'boolean' },
    count: { type: 'string' },
    timeout: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (parsed.values['help']) {
    console.log(watchHelp);
    return 0;
  }
  if (parsed.positionals.length > 0) {
    throw new EdgepipeError('ERR_USAGE', `edgepipe watch: unexpected argument "${parsed.positionals[0]}" (see edgepipe watch --help)`, { exitCode: 2 });
  }
  const { url, shown } = brokerUrl(stringOption(parsed, 'broker') ?? DEFAULT_BROKER);
  const device = filterOption('--device', stringOption(parsed, 'device'));
  const pipeline = filterOption('--pipeline', stringOption(parsed, 'pipeline'));
  const filter: WatchFilter = { ...(device === undefined ? {} : { device }), ...(pipeline === undefined ? {} : { pipeline }) };
  const once = parsed.values['once'] === true;
  const count = intOption(parsed, 'count', 1, 1_000_000, 0);
  if (once && count > 0) throw new EdgepipeError('ERR_USAGE', 'edgepipe watch: --once and --count exclude each other (see edgepipe watch --help)', { exitCode: 2 });
  const timeoutS = intOption(parsed, 'timeout', 1, 86_400, 10);
  if (stringOption(parsed, 'timeout') !== undefined && !once && count === 0) {
    throw new EdgepipeError('ERR_USAGE', 'edgepipe watch: --timeout needs --once or --count (see edgepipe watch --help)', { exitCode: 2 });
  }
  const halt = new AbortController();
  const stop = (): void => halt.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await watch({
      url,
      shownUrl: shown,
      filter,
      json: parsed.values['json'] === true,
      once,
      count,
      timeoutMs: timeoutS * 1000,
      check: predictionSchemaCheck(),
      out: process.stdout,
      err: process.stderr,
      signal: halt.signal,
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
